/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	config - mxgate.conf: its keys, their defaults, parser and printer
 * SYNOPSIS
 *	void conf_defaults(struct mxg_conf *c);
 *	int conf_load(struct mxg_conf *c, const char *path,
 *		      void (*report)(const char *msg));
 *
 *	unsigned conf_reload_merge(struct mxg_conf *next,
 *				   const struct mxg_conf *running,
 *				   char *restart_keys, size_t len);
 *
 *	size_t conf_key_count(void);
 *	const struct conf_key_info *conf_key_at(size_t i);
 *	int conf_format(const struct mxg_conf *c, size_t i, char *buf,
 *			size_t len);
 *	const char *conf_apply_name(enum conf_apply a);
 *
 *	int conf_trusted(const struct mxg_conf *c, const struct mxg_key *k);
 * DESCRIPTION
 *	The file is "key = value", one setting a line; '#' starts a comment,
 *	blank lines are ignored. Lists (interfaces, ports, dns_servers,
 *	trusted_networks) are separated by commas and/or blanks. Durations take a unit suffix
 *	(ms, s, m, h, d; none = seconds).
 *
 *	One table in config.c owns everything about a key: its name, type,
 *	storage, range, default (as the text a user would write) and how a
 *	change reaches a running daemon (enum conf_apply). Nothing else
 *	lists keys; a new key is one row there.
 *
 *	conf_defaults() fills in every default by parsing each key's default
 *	text with the file's own parser; a default that does not parse, or
 *	defaults that fail the whole-file checks, are a programming error
 *	(msg_panic). conf_load() applies the file on top of what c holds.
 *	Every bad line is reported through report() as "FILE:LINE: reason"
 *	(unknown key, missing '=', bad value, value out of range, duplicate
 *	key); the return value is the number of bad lines, or -1 if the file
 *	cannot be read (reported as "FILE: reason"). On any error c is left
 *	unchanged, so a caller keeps its last good configuration.
 *
 *	A key's storage is made of its value alone: parsing a value clears
 *	the key's field first, so two configurations hold the same value of
 *	a key exactly when its field bytes are equal.
 *
 *	conf_reload_merge() is for a reload: next is the file just loaded
 *	(conf_defaults() + conf_load()), running the configuration in
 *	force. Every CONF_RESTART key whose value differs gets its running
 *	value back in next, and its name is appended to restart_keys
 *	("countries_dir, pid_file"; "" when none; cut short, never
 *	overrun, if len is too small; restart_keys may be NULL when len is
 *	0). The result is a bit mask, 1u << class, of the apply classes
 *	(CONF_LIVE, CONF_KERNEL, CONF_RULES) of the other keys that
 *	changed: the caller rewrites the kernel config map for CONF_KERNEL
 *	and reloads the nftables rules for CONF_RULES. Restart keys never
 *	set a bit. After the merge next still passes the whole-file
 *	checks: the keys they relate are either all restart keys (the
 *	marks) or none (greylist_delay and greylist_window).
 *
 *	conf_key_count() and conf_key_at() walk the keys in the order of
 *	the shipped mxgate.conf, for tools (mxgated -p) and tests; old
 *	names still accepted in the file (mark_tarpit) are not listed.
 *	conf_key_at() returns NULL for i out of range.
 *
 *	conf_format() prints key i's value in c in the syntax the file
 *	accepts: durations in their largest whole unit ("25m"), marks in
 *	0x hex, actions by name, lists separated by ", ", paths as they
 *	are, rules_cmd and trusted_networks "none" when unset (networks
 *	always with their length: "192.0.2.7/32"), yes or no for
 *	firewall_accept, and "" for a list or text that is empty (which
 *	the file cannot say: leave the key out). Parsing a
 *	non-empty result gives back the same field bytes. It returns the
 *	length of the whole text as snprintf() does (len >= CONF_VALUE_MAX
 *	always suffices), or -1 for i out of range.
 *
 *	conf_apply_name() is "live", "kernel", "rules" or "restart".
 *
 *	conf_trusted() says whether the client k (a host key as the queue
 *	hands it over: IPv4 mapped, plen 128) lies in one of c's
 *	trusted_networks: 1 yes, 0 no. IPv4 networks hold only IPv4 clients
 *	and IPv6 networks only IPv6 ones, as in the nftables sets. The rules
 *	never queue such a client; this is for one that reaches NFQUEUE
 *	anyway (rules loaded by hand, an old ruleset).
 */
#ifndef MXG_CONFIG_H
#define MXG_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <net/if.h>
#include <linux/types.h>
#include "mxgate.h"

#define MXG_MAX_IFACES		16
#define MXG_MAX_TRUSTED		64	/* trusted_networks entries */
#define MXG_DEFAULT_CONF	"/etc/mxgate/mxgate.conf"

/* Defaults are not repeated here: they live in the key table (config.c). */
/* overload_action: what happens to a new source mxgated cannot judge
 * now (pending table past its high-water mark, DNS budget spent). */
enum overload_action { OVERLOAD_TEMPFAIL = 0, OVERLOAD_PASS };

/* greylist_repeat_reply: what a greylisted client that had its full
 * dialogue hears when it comes back inside greylist_delay. */
enum repeat_reply { REPEAT_REPLY_421 = 0, REPEAT_REPLY_FULL, REPEAT_REPLY_RESET };

struct mxg_conf {
	char interfaces[MXG_MAX_IFACES][IF_NAMESIZE];	/* tc ingress here */
	int n_interfaces;
	struct mxg_key trusted[MXG_MAX_TRUSTED];	/* never judged: networks */
	int n_trusted;
	unsigned firewall_accept;	/* 1: the loader opens the admin's input chains */
	__u16 ports[MXG_MAX_PORTS];	/* protected TCP ports */
	int n_ports;
	unsigned queue;			/* NFQUEUE number */
	char dns_servers[512];		/* "host[:port],..." ; "" = system */
	char pin_dir[PATH_MAX];		/* where the maps are pinned */
	char state_dir[PATH_MAX];	/* learned verdicts on disk */
	char rules_cmd[PATH_MAX];	/* nftables loader; "" = don't load */
	char pid_file[PATH_MAX];	/* for mxgatectl reload */
	char user[64];			/* run as this user after setup */
	char metrics_listen[64];	/* "ADDR:PORT" of /metrics; "" = off */
	char redis_server[128];		/* shared memory of the gateways; "" = off */
	char redis_user[64];		/* ACL user; "" = AUTH with a password only */
	char redis_password_file[PATH_MAX]; /* the password's file; "" = no AUTH */
	char redis_prefix[32];		/* of every key and of the stream */
	unsigned redis_queue_max;	/* changes kept while Redis is away */
	unsigned redis_stream_max;	/* MAXLEN ~ of the stream */
	int redis_cleartext_auth;	/* the password may cross a network */
	unsigned decision_timeout_ms;	/* decide with what is known then */
	unsigned verdict_ttl_pass;	/* seconds */
	unsigned verdict_ttl_block;	/* seconds */
	unsigned max_sources;		/* verdicts map size */
	unsigned max_pending;		/* sources being resolved at once */
	unsigned max_unproven;		/* unproven map size (timeout verdicts) */
	unsigned overload_action;	/* OVERLOAD_TEMPFAIL or OVERLOAD_PASS */
	unsigned max_pending_per_prefix; /* sources of one prefix being resolved */
	unsigned pending_prefix_v4;	/* that prefix: IPv4 /len */
	unsigned pending_prefix_v6;	/* ... IPv6 /len */
	unsigned dns_max_qps;		/* DNS queries a second, at most */
	unsigned greylist_repeat_reply;	/* enum repeat_reply */
	unsigned greylist_smart;	/* 1: confirmed clean names share a /24 /64 clock */
	unsigned greylist_spf;		/* 1: an SPF-authorising sender's pool shares a clock */
	unsigned greylist_spf_widest_v4; /* widest IPv4 prefix a domain's pool may hold */
	unsigned greylist_spf_widest_v6; /* ... IPv6 */
	__u32 mark_pass, mark_responder, mark_mask;
	char client_access[1024];	/* "type:path ..." access tables */
	char provider_allowlist[1024];	/* "builtin", "none", paths (providers.h) */
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
	/* The responder's words (responder.h checks them); "" hostname:
	 * the system's host name. */
	char responder_hostname[256];	/* in the banner and every reply */
	char responder_banner[256];	/* after "220 ": "$hostname ESMTP" */
	char s25r_reply[256];		/* 450 texts, by the verdict's reasons */
	char dnsbl_reply[256];
	char country_reply[256];
	char greylist_reply[256];	/* ... none of those */
	unsigned throttle_rate;		/* SYNs a minute per source */
	unsigned throttle_burst;	/* SYNs at once per source */
	unsigned throttle_prefix_rate;	/* per /24 or /64; 0 = off */
	unsigned throttle_prefix_burst;
	unsigned client_connection_limit; /* nftables ct count; 0 = off */
};

/* How a changed key reaches a running mxgated on a reload (SIGHUP). */
enum conf_apply {
	CONF_LIVE,	/* read from struct mxg_conf where it is used */
	CONF_KERNEL,	/* the kernel config map is rewritten */
	CONF_RULES,	/* the nftables rules are reloaded */
	CONF_RESTART,	/* fixed at start-up: a reload keeps the running value */
};

struct conf_key_info {
	const char *name;		/* as written in the file */
	enum conf_apply apply;		/* how a change applies */
	const char *default_text;	/* as a user would write it; "" = none */
};

#define CONF_VALUE_MAX	PATH_MAX	/* conf_format() never needs more */

void conf_defaults(struct mxg_conf *c);
int conf_load(struct mxg_conf *c, const char *path,
	      void (*report)(const char *msg));
unsigned conf_reload_merge(struct mxg_conf *next, const struct mxg_conf *running,
			   char *restart_keys, size_t len);
size_t conf_key_count(void);
const struct conf_key_info *conf_key_at(size_t i);
int conf_format(const struct mxg_conf *c, size_t i, char *buf, size_t len);
const char *conf_apply_name(enum conf_apply a);
int conf_trusted(const struct mxg_conf *c, const struct mxg_key *k);

#endif /* MXG_CONFIG_H */
