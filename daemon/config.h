/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	config - mxgate.conf parser
 * SYNOPSIS
 *	void conf_defaults(struct mxg_conf *c);
 *	int conf_load(struct mxg_conf *c, const char *path,
 *		      void (*report)(const char *msg));
 * DESCRIPTION
 *	The file is "key = value", one setting a line; '#' starts a comment,
 *	blank lines are ignored. Lists (interfaces, ports, dns_servers) are
 *	separated by commas and/or blanks. Durations take a unit suffix
 *	(ms, s, m, h, d; none = seconds).
 *
 *	conf_defaults() fills in every default. conf_load() applies the file
 *	on top of what c holds. Every bad line is reported through report()
 *	as "FILE:LINE: reason" (unknown key, missing '=', bad value, value
 *	out of range, duplicate key); the return value is the number of bad
 *	lines, or -1 if the file cannot be read (reported as "FILE: reason").
 *	On any error c is left unchanged, so a caller keeps its last good
 *	configuration.
 */
#ifndef MXG_CONFIG_H
#define MXG_CONFIG_H

#include <limits.h>
#include <net/if.h>
#include <linux/types.h>
#include "mxgate.h"

#define MXG_MAX_IFACES		16
#define MXG_DEFAULT_CONF	"/etc/mxgate/mxgate.conf"

struct mxg_conf {
	char interfaces[MXG_MAX_IFACES][IF_NAMESIZE];	/* tc ingress here */
	int n_interfaces;
	__u16 ports[MXG_MAX_PORTS];	/* protected TCP ports; default 25 */
	int n_ports;
	unsigned queue;			/* NFQUEUE number; default 0 */
	char dns_servers[512];		/* "host[:port],..." ; "" = system */
	char pin_dir[PATH_MAX];		/* default /sys/fs/bpf/mxgate */
	char state_dir[PATH_MAX];	/* default /var/lib/mxgate */
	char rules_cmd[PATH_MAX];	/* nftables loader; "" = don't load */
	char pid_file[PATH_MAX];	/* default /run/mxgated.pid */
	unsigned decision_timeout_ms;	/* default 5 s */
	unsigned verdict_ttl_pass;	/* seconds; default 1 d */
	unsigned verdict_ttl_block;	/* seconds; default 1 h */
	unsigned max_sources;		/* verdicts map size */
	unsigned max_pending;		/* sources being resolved at once */
	__u32 mark_pass, mark_responder, mark_mask;
	char client_access[1024];	/* "type:path ..." access tables */
	unsigned s25r_action;		/* enum mxg_action for rules 1-6 */
	unsigned unknown_client_action;	/* ... for rule 0 (no confirmed name) */
	char dnsbl_sites[1024];		/* postscreen-style list of lists */
	int dnsbl_threshold;		/* score that triggers dnsbl_action */
	int dnsbl_allowlist_threshold;	/* score at or below: pass; 0 = off */
	unsigned dnsbl_action;		/* enum mxg_action */
	unsigned dnsbl_min_ttl;		/* answer cache, seconds */
	unsigned dnsbl_max_ttl;
	char countries_dir[PATH_MAX];	/* drop-in per-country CIDR files */
	char country_actions[512];	/* "cn:block, br:greylist" */
	unsigned country_default_action; /* for countries not listed there */
	unsigned greylist_delay;	/* seconds: a retry before is refused */
	unsigned greylist_window;	/* seconds after first contact to retry */
	unsigned allowlist_ttl;		/* seconds a retried client passes */
	unsigned greylist_prefix_v4;	/* 0 = per address, else /len pools */
	unsigned greylist_prefix_v6;	/* 0 = per address, else /len pools */
	unsigned responder_port;	/* the SMTP responder's local port */
	unsigned responder_max_connections; /* over it, tarpit SYNs die */
	unsigned responder_timeout_ms;	/* idle client of the responder */
	unsigned tarpit_delay_ms;	/* the banner trickles out this long */
	unsigned throttle_rate;		/* SYNs a minute per source */
	unsigned throttle_burst;	/* SYNs at once per source */
	unsigned throttle_prefix_rate;	/* per /24 or /64; 0 = off */
	unsigned throttle_prefix_burst;
	unsigned client_connection_limit; /* nftables ct count; 0 = off */
};

void conf_defaults(struct mxg_conf *c);
int conf_load(struct mxg_conf *c, const char *path,
	      void (*report)(const char *msg));

#endif /* MXG_CONFIG_H */
