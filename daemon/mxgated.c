/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	mxgated - classify new SMTP clients and teach the kernel the verdict
 * SYNOPSIS
 *	mxgated [-f] [-c FILE] [-t | -u | -p | -d]
 *	mxgated --version
 * DESCRIPTION
 *	Start-up: read the configuration, load the tc program and its pinned
 *	maps, attach it to the configured interfaces, bind NFQUEUE, load the
 *	nftables rules, then run one event loop (loop.h) over the NFQUEUE
 *	socket, the DNS sockets, the responder, the kernel's event ring, the
 *	countries directory and a signalfd.
 *
 *	Queued SYNs go to the classifier (classify.h), which owns the
 *	pipeline; this file is its back end (the kernel map, NFQUEUE, the
 *	country table in force, the log line) and the daemon's life cycle:
 *	start-up, reload, shutdown.
 *
 *	Fail-open: on exit the tc program and the rules stay in place; the
 *	queue rule's bypass lets new sources through while no daemon listens,
 *	and cached verdicts keep being enforced. -u detaches the tc program
 *	and unloads the rules instead (learned verdicts stay pinned).
 *	-t checks the configuration and exits. -p prints the configuration
 *	in force, every key as "key = value" (like postconf); -d prints the
 *	defaults. nftables/mxgate-rules reads its defaults from them.
 *	--version prints "mxgated VERSION" (version.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <linux/netfilter.h>
#include "addr.h"
#include "bpf_load.h"
#include "classify.h"
#include "clock.h"
#include "conf_show.h"
#include "config.h"
#include "country.h"
#include "country_table.h"
#include "dns_health.h"
#include "dnsbl.h"
#include "events.h"
#include "learn.h"
#include "log.h"
#include "loop.h"
#include "mapfill.h"
#include "manual.h"
#include "maps.h"
#include "metrics.h"
#include "names.h"
#include "nftwatch.h"
#include "notify.h"
#include "offenders.h"
#include "preflight.h"
#include "privs.h"
#include "providers.h"
#include "queue.h"
#include "resolve.h"
#include "responder.h"
#include "rules.h"
#include "s25r.h"
#include "sender.h"
#include "share_daemon.h"
#include "share_server.h"
#include "spf.h"
#include "store.h"
#include "table.h"
#include "version.h"
#include "mxgate.skel.h"

/* Wait this long after the last change in countries_dir, so that a copy
 * in progress or a burst of files is loaded once, whole. */
#define COUNTRY_SETTLE_NS (200 * NS_PER_MS)
#define FDS_RESERVED	256	/* fds besides the responder's clients */

#define HOUSEKEEPING_NS	NS_PER_S
/* SPF checks in flight: a few a second on a busy gateway, each done in
 * milliseconds once its domain's records are cached. */
#define SPF_CHECKS_MAX	64
/* Store records visited a second for pruning: a sweep of a million takes
 * 17 minutes, at well under a millisecond a call. */
#define STORE_PRUNE_PER_TICK	1000
/* The maps' fill for /metrics is counted at most this often: a walk of a
 * full verdicts map takes milliseconds, between two SYNs. */
#define MAP_CENSUS_NS	(10 * NS_PER_S)

/* The daemon's own counts as last added to the decisions map: it is
 * written once a second, not per SYN (a syscall each). */
struct counted {
	struct classify_stats classifier;
	struct resolve_stats dns;
	unsigned long long unproven, proved;
};

/* Everything the running daemon holds. */
struct daemon {
	struct mxg_conf conf;		/* in force; a reload replaces it */
	const char *conf_path;		/* -c */
	struct table_set tables;	/* client_access */
	struct providers providers;	/* provider_allowlist */
	struct loop *loop;		/* the one event loop */
	struct mxgate_bpf *kernel;	/* the loaded tc program and maps */
	struct pinned_maps maps;	/* verdicts and counters */
	struct store store;		/* learned verdicts on disk */
	struct learner learner;		/* writes verdicts to both */
	struct spf *spf;		/* SPF checks of greylisted senders */
	struct senders senders;		/* sender keys: SPF pools' clocks */
	unsigned long long unproven;	/* verdicts put in the unproven map */
	struct resolver *resolver;	/* FCrDNS and DNS list queries */
	struct dnsbl *dnsbl;		/* DNS block and allow lists */
	struct classifier classifier;	/* the pipeline */
	struct responder *responder;	/* greylisted and tarpitted clients */
	struct events *kernel_events;	/* promotions by the tc program */
	int countries_fd;		/* the pinned countries map */
	struct country_table countries_in_force; /* the kernel's, in memory */
	int countries_watch;		/* inotify on countries_dir, or -1 */
	struct loop_timer countries_settle; /* reload countries then */
	int sigfd;			/* SIGTERM, SIGINT, SIGHUP */
	int pid_fd;			/* pid_file, locked while we run */
	struct nftwatch *nftwatch;	/* ruleset changes by anyone */
	char rules_expected[1024];	/* mxgate-rules status after our load */
	unsigned restored;		/* verdicts put back from the store */
	int rules_unrecorded;		/* our own load's changes: record them */
	int queue_fd;			/* NFQUEUE */
	__u32 stress_flags;		/* MXG_STRESS_* in the kernel config */
	struct loop_timer housekeeping;	/* once a second: see housekeep() */
	struct counted counted;		/* what housekeep() has counted so far */
	int rules_ok;			/* our rules in place, as last loaded */
	struct dns_health dns_health;	/* is the resolver answering? */
	struct metrics *metrics;	/* /metrics, or NULL (metrics_listen) */
	struct metrics_decisions decided; /* verdicts since start, for /metrics */
	struct metrics_map census[METRICS_MAPS]; /* the maps' fill ... */
	int n_census;			/* ... of so many maps ... */
	__u64 census_ns;		/* ... counted then */
	struct share_daemon shared;	/* with other gateways (redis_server) */
	char redis_password[SHARE_PASSWORD_MAX]; /* read while root; "" none */
};

static void write_kernel_config(struct daemon *d);
static void housekeep(void *ctx);

/* report_conf_error - conf_load's reporter: every bad line is a warning */
static void report_conf_error(const char *msg)
{
	msg_warn("%s", msg);
}

/* notify_ready - tell the service manager SYNs are being judged (after
 * start-up, and after each reload) */
static void notify_ready(const struct daemon *d)
{
	notify("READY=1\nSTATUS=Judging SYNs: queue %u, %d interface(s)%s",
	       d->conf.queue, d->conf.n_interfaces,
	       d->dns_health.down ? "; the resolver is not answering" : "");
}

/* --- the classifier's back end --- */

/* release_packet - let one held packet go according to action */
static void release_packet(void *ctx, __u32 id, __u32 mark, enum mxg_action action)
{
	struct daemon *d = ctx;
	__u32 keep = mark & ~d->conf.mark_mask;

	switch (action) {
	case MXG_ACT_BLOCK:
		queue_verdict(id, NF_DROP, 0, 0);
		break;
	case MXG_ACT_GREYLIST:
	case MXG_ACT_TARPIT:
		/* The nftables dstnat rule sends it to the responder. */
		queue_verdict(id, NF_REPEAT, 1, keep | d->conf.mark_responder);
		break;
	case MXG_ACT_PASS:
	case MXG_ACT_THROTTLE:
		queue_verdict(id, NF_REPEAT, 1, keep | d->conf.mark_pass);
		break;
	default:
		/* No verdict: unjudged, as if no daemon were running. */
		queue_verdict(id, NF_ACCEPT, 0, 0);
		break;
	}
}

/* manual_says - the admin's live decision about client (mxgatectl allow
 * or block since the tc program let its SYN by): 1 with its action and
 * lifetime left (s, 0: until forgotten), else 0 */
static int manual_says(struct daemon *d, const struct mxg_key *client,
		       __u32 *action, unsigned *ttl_s)
{
	struct mxg_manual m;
	__u64 now = now_ns();

	if (manual_find(bpf_map__fd(d->kernel->maps.manual), client, now, NULL, &m) != 1 ||
	    (m.action != MXG_ACT_PASS && m.action != MXG_ACT_BLOCK))
		return 0;
	*action = m.action;
	*ttl_s = m.expires_ns ? (unsigned)((m.expires_ns - now) / NS_PER_S) : 0;
	return 1;
}

/* cached_verdict - a live verdict written since the tc program let this
 * SYN by: the admin's first, as the tc program has it */
static int cached_verdict(void *ctx, const struct mxg_key *key, struct mxg_verdict *v)
{
	struct daemon *d = ctx;
	unsigned ttl_s;
	__u32 action;

	if (manual_says(d, key, &action, &ttl_s)) {
		memset(v, 0, sizeof(*v));
		v->action = (enum mxg_action)action;
		v->reasons = MXG_R_MANUAL;
		return 1;
	}
	return verdict_get(&d->maps, key, v) == 0 && v->expires_ns > now_ns();
}

/* country_of - the country table in force, from the daemon's copy */
static __u32 country_of(void *ctx, const struct mxg_key *key)
{
	struct daemon *d = ctx;

	return country_table_find(&d->countries_in_force, key);
}

/* unproven - a verdict reached by timeout only, about a client that
 * never proved its address: no DNS answer about its name, no table
 * decided, no handshake. A spoofed source's verdict looks like this,
 * and is kept apart from what was learned from answers. */
static int unproven(const struct pending *p, const struct decision *dec)
{
	return !p->proven && p->ev.fcrdns.status == FCRDNS_TEMPFAIL && !dec->table;
}

/* smart_key - does this greylist go on the clock of the client's /24 or
 * /64 (greylist_smart)? Only for a confirmed name that trips no S25R
 * rule, when the kernel's own pools (greylist_prefix_v4/_v6) are off for
 * the family: a dynamic-looking or unnamed client keeps its own clock,
 * so no bot ever rides a neighbour's. */
static int smart_key(const struct daemon *d, const struct pending *p,
		     const struct decision *dec)
{
	const struct mxg_conf *conf = &d->conf;

	return dec->action == MXG_ACT_GREYLIST && conf->greylist_smart &&
	       p->ev.fcrdns.status == FCRDNS_PASS && dec->rule < 0 &&
	       !(addr_is_v4(&p->key) ? conf->greylist_prefix_v4 : conf->greylist_prefix_v6);
}

/* record_decision - the verdict into the kernel and the store; but an
 * admin's decision made while the client was being judged wins, and the
 * held SYNs go by it (nothing is written: the manual map has it) */
static void record_decision(void *ctx, const struct pending *p, struct decision *dec)
{
	struct daemon *d = ctx;
	struct mxg_key key = p->key;
	__u32 action;

	if (manual_says(d, &p->key, &action, &dec->ttl_s)) {
		*dec = (struct decision){ .action = (enum mxg_action)action,
			.reasons = MXG_R_MANUAL, .rule = -1, .ttl_s = dec->ttl_s };
		return;
	}
	if (unproven(p, dec)) {
		d->unproven++;
		learn_unproven(&d->learner, &p->key, dec->action, dec->reasons,
			       p->ev.dnsbl_score, dec->ttl_s * NS_PER_S);
		return;
	}
	if (dec->action == MXG_ACT_GREYLIST) {
		int action = sender_greylist(&d->senders, &p->key, &dec->reasons,
					     p->ev.dnsbl_score, &dec->sender);

		if (action >= 0) {
			dec->action = (enum mxg_action)action;
			if (dec->action == MXG_ACT_PASS)
				dec->ttl_s = d->conf.allowlist_ttl;
			return;
		}
	}
	if (smart_key(d, p, dec)) {
		dec->action = learn_pool_greylist(&d->learner, &p->key, &dec->reasons,
						  p->ev.dnsbl_score, dec->ttl_s * NS_PER_S);
		if (dec->action == MXG_ACT_PASS)
			dec->ttl_s = d->conf.allowlist_ttl;
		return;
	}
	if (dec->action == MXG_ACT_GREYLIST)
		key = learn_greylist_key(&d->learner, &p->key);
	learn_verdict(&d->learner, &key, dec->action, dec->reasons, p->ev.dnsbl_score,
		      dec->ttl_s * NS_PER_S);
}

/* stress - overload began or ended: the tc program's flags */
static void stress(void *ctx, __u32 flags)
{
	struct daemon *d = ctx;

	d->stress_flags = flags;
	write_kernel_config(d);
}

/* diverted - SYNs the tc program sent to the responder for overload */
static __u64 diverted(void *ctx)
{
	struct daemon *d = ctx;

	return stats_kernel(&d->maps, MXG_STAT_OVERLOAD_TEMPFAIL);
}

/* judge_proven - the responder met a client without a verdict (told to
 * come back during an overload): it completed a handshake, judge it */
static void judge_proven(void *ctx, const struct mxg_key *client)
{
	struct daemon *d = ctx;

	classify_source(&d->classifier, client, 1);
}

/* report_decision - counters and the verdict line. overhead_us is what
 * the daemon itself added to the first SYN's wait, DNS time excluded:
 * from its arrival to the lookups started, plus from the last answer
 * (or the deadline) to here: the verdict written, the SYNs released. */
static void report_decision(void *ctx, const struct pending *p, const struct decision *dec)
{
	struct daemon *d = ctx;
	const struct fcrdns_result *r = &p->ev.fcrdns;
	__u64 overhead = (p->dns_started_ns - p->arrived_ns) +
		(fine_ns() - p->deciding_ns);

	learn_count_released(&d->learner, dec, p->n_held);
	if (dec->rule >= 0)
		rule_hit(&d->maps, dec->rule);
	metrics_count_decision(&d->decided, dec->action, dec->rule,
			       fine_ns() - p->arrived_ns);
	learn_log(&(struct verdict_note){
		.event = "verdict", .action = dec->action, .client = &p->key,
		.ptr = r->name, .fcrdns = (int)r->status,
		.rule = dec->rule >= 0 ? s25r_name(dec->rule) : "none",
		.reasons = dec->reasons, .ttl_s = dec->ttl_s,
		.elapsed_ms = (long long)((now_ns() - p->started_ns) / NS_PER_MS),
		.syns = p->syns, .table = dec->table ? dec->table->path : NULL,
		.table_line = dec->entry ? dec->entry->line : 0,
		.provider = dec->provider ? dec->provider->domain : NULL,
		.sender = dec->sender,
		.has_dnsbl = d->conf.dnsbl_sites[0] != 0, .dnsbl_score = p->ev.dnsbl_score,
		.overhead_us = (long long)(overhead / 1000) });
}

/* --- the event loop's other customers --- */

/* on_queue - SYNs waiting on the NFQUEUE socket */
static void on_queue(void *ctx, int fd, __u32 events)
{
	struct daemon *d = ctx;

	(void)fd, (void)events;
	if (queue_receive(classify_packet, &d->classifier) < 0)
		msg_fatal("nfqueue socket failed; exiting "
			  "(new sources now pass through bypass)");
}

/* responder_hostname - the name the responder gives: responder_hostname,
 * else the system's host name (preflight made sure it is fit) */
static const char *responder_hostname(const struct mxg_conf *conf)
{
	static char hostname[256];

	if (conf->responder_hostname[0] ||
	    gethostname(hostname, sizeof(hostname) - 1) < 0)
		return conf->responder_hostname;
	return hostname;
}

/* open_responder - listen on responder_port; a port in use is fatal,
 * said plainly, rather than a gateway that silently resets greylisted
 * senders */
static void open_responder(struct daemon *d)
{
	static const struct responder_ops ops = { learn_responder_classify,
		learn_responder_outcome, learn_responder_mail, learn_responder_told };
	const struct mxg_conf *conf = &d->conf;
	struct responder_params rp = {
		.port = conf->responder_port,
		.max_connections = conf->responder_max_connections,
		.timeout_ms = conf->responder_timeout_ms,
		.tarpit_delay_ms = conf->tarpit_delay_ms,
		.hostname = responder_hostname(conf),
		.banner = conf->responder_banner,
		.replies = {
			[RESPONDER_REPLY_GREYLIST] = conf->greylist_reply,
			[RESPONDER_REPLY_S25R] = conf->s25r_reply,
			[RESPONDER_REPLY_DNSBL] = conf->dnsbl_reply,
			[RESPONDER_REPLY_COUNTRY] = conf->country_reply,
		},
	};
	struct rlimit nofile;
	char why[256];

	/* Each responder client is an fd: out of fds, accept() would fail
	 * while the listener stays readable, a busy loop. Ask for enough. */
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 &&
	    nofile.rlim_cur < conf->responder_max_connections + FDS_RESERVED) {
		nofile.rlim_cur = nofile.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &nofile) < 0 ||
		    nofile.rlim_cur < conf->responder_max_connections + FDS_RESERVED)
			msg_fatal("responder_max_connections %u needs %u open files; "
				  "the limit is %llu", conf->responder_max_connections,
				  conf->responder_max_connections + FDS_RESERVED,
				  (unsigned long long)nofile.rlim_cur);
	}
	d->responder = responder_open(&rp, &ops, &d->learner, d->loop, why, sizeof(why));
	if (!d->responder)
		msg_fatal("responder_port %u: %s", conf->responder_port, why);
}

/* load_countries - read countries_dir and swap the new set in; a bad
 * file is reported and the set in force stays */
static void load_countries(void *ctx)
{
	struct daemon *d = ctx;
	const struct mxg_conf *conf = &d->conf;
	struct country_set set;
	__u64 start = now_ns();
	int bad, err;

	bad = country_load(conf->countries_dir, conf->country_actions,
			   conf->country_default_action, &set, report_conf_error);
	if (bad) {
		msg_warn("countries: %d bad line(s) in %s; the set in force stays",
			 bad, conf->countries_dir);
		return;
	}
	err = country_install(d->countries_fd, &set, &d->countries_in_force);
	if (err)
		msg_warn("countries: cannot install %zu prefixes: %s; the set in "
			 "force stays", set.n, strerror(-err));
	else
		msg_info("countries: %zu prefixes from %d file(s) in %s in effect "
			 "(%llu ms)", set.n, set.files, conf->countries_dir,
			 (unsigned long long)((now_ns() - start) / NS_PER_MS));
	country_set_free(&set);
}

/* countries_changed - inotify said something; reload once it settles */
static void countries_changed(void *ctx, int fd, __u32 events)
{
	struct daemon *d = ctx;
	char buf[4096];

	(void)events;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	loop_timer_set(d->loop, &d->countries_settle, now_ns() + COUNTRY_SETTLE_NS);
}

/* watch_countries - inotify on countries_dir (preflight made sure it is
 * there: created here, it would lift every country block in force) */
static void watch_countries(struct daemon *d)
{
	const char *dir = d->conf.countries_dir;

	loop_timer_init(&d->countries_settle, load_countries, d);
	d->countries_watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d->countries_watch < 0 ||
	    inotify_add_watch(d->countries_watch, dir, IN_CLOSE_WRITE |
			      IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE) < 0 ||
	    loop_watch(d->loop, d->countries_watch, EPOLLIN, countries_changed, d) < 0)
		msg_warn("countries_dir %s: cannot watch it (%s); changes need "
			 "a reload", dir, strerror(errno));
}

/* kernel_config - the config map's content from mxgate.conf */
static void kernel_config(const struct mxg_conf *conf, __u32 stress_flags,
			  struct mxg_config *kc)
{
	memset(kc, 0, sizeof(*kc));
	for (int i = 0; i < conf->n_ports; i++)
		kc->ports[i] = conf->ports[i];
	kc->mark_pass = conf->mark_pass;
	kc->mark_responder = conf->mark_responder;
	kc->mark_mask = conf->mark_mask;
	kc->greylist_delay_ns = conf->greylist_delay * NS_PER_S;
	kc->allowlist_ttl_ns = conf->allowlist_ttl * NS_PER_S;
	kc->greylist_plen_v4 = conf->greylist_prefix_v4 ? 96 + conf->greylist_prefix_v4 : 0;
	kc->greylist_plen_v6 = conf->greylist_prefix_v6;
	kc->stress = stress_flags;
	kc->flags = conf->greylist_repeat_reply == REPEAT_REPLY_RESET ? MXG_CFG_REPEAT_RESET : 0;
	kc->stress_until_ns = stress_flags ? now_ns() + MXG_STRESS_LEASE_NS : 0;
	/* Rates are per minute; the bucket keeps time in ns (mxgate.h). */
	kc->throttle_interval_ns = 60 * NS_PER_S / conf->throttle_rate;
	kc->throttle_tolerance_ns = (conf->throttle_burst - 1) * kc->throttle_interval_ns;
	if (conf->throttle_prefix_rate) {
		kc->throttle_prefix_interval_ns = 60 * NS_PER_S / conf->throttle_prefix_rate;
		kc->throttle_prefix_tolerance_ns =
			(conf->throttle_prefix_burst - 1) * kc->throttle_prefix_interval_ns;
	}
}

/* write_kernel_config - the config map from conf; at start and reload */
static void write_kernel_config(struct daemon *d)
{
	struct mxg_config kc;

	kernel_config(&d->conf, d->stress_flags, &kc);
	if (bpf_write_config(d->kernel, &kc) < 0)
		msg_fatal("cannot write the config map under %s", d->conf.pin_dir);
}

/* load_rules - mxgate-rules load; what status says after it is what the
 * kernel must keep showing. It is recorded now at start-up, and later
 * when the notifications of this very load have settled (rules_changed),
 * which keeps a second status run off a reinstall's critical path. */
static int load_rules(struct daemon *d)
{
	int rc = rules_run(&d->conf, "load");

	d->rules_ok = rc == 0;
	if (rc != 0)
		return rc;
	if (d->nftwatch)
		d->rules_unrecorded = 1;
	else
		rules_status(&d->conf, d->rules_expected, sizeof(d->rules_expected));
	return 0;
}

/* rules_changed - the ruleset changed (nftwatch): if ours are gone or
 * not as we loaded them (a "systemctl reload nftables", an
 * iptables-restore), say so and put them back at once */
static void rules_changed(void *ctx)
{
	struct daemon *d = ctx;
	char now[sizeof(d->rules_expected)];
	__u64 t0 = fine_ns();
	int rc = rules_status(&d->conf, now, sizeof(now));

	if (rc == 0 && d->rules_unrecorded) {
		d->rules_unrecorded = 0;	/* our own load settling */
		memcpy(d->rules_expected, now, sizeof(now));
		return;
	}
	if (rc == 0 && strcmp(now, d->rules_expected) == 0)
		return;
	now[strcspn(now, "\n")] = 0;
	msg_warn("rules: changed by someone else (%s); reinstalling them",
		 now[0] ? now : "mxgate-rules status failed");
	if (load_rules(d) != 0) {
		msg_warn("rules: cannot reinstall them; new clients pass "
			 "unjudged until they are back (mxgate-rules load)");
		return;
	}
	stats_add(&d->maps, MXG_STAT_RULES_RESTORED, 1);
	msg_info("rules: reinstalled in %llu ms",
		 (unsigned long long)((fine_ns() - t0) / 1000000));
}

/* log_providers - the provider allowlist in force, in one line */
static void log_providers(const struct daemon *d)
{
	msg_info("provider_allowlist: %zu domain(s) from %s", d->providers.n,
		 d->conf.provider_allowlist);
}

/* reload - SIGHUP: reread mxgate.conf and the tables; a bad file keeps
 * everything as it was (each bad line is reported) */
static void reload(struct daemon *d)
{
	struct mxg_conf next, *conf = &d->conf;
	struct table_set next_tables;
	struct providers next_providers;
	char restart[1024];		/* names of the restart keys that changed */
	unsigned changed;		/* 1u << conf_apply of keys that changed */
	int bad;

	conf_defaults(&next);
	bad = conf_load(&next, d->conf_path, report_conf_error);
	if (bad != 0) {
		msg_warn("reload: %s: %s; keeping the running configuration",
			 d->conf_path, bad < 0 ? "cannot read it" : "bad lines");
		return;
	}
	if (table_set_load(&next_tables, next.client_access, report_conf_error) != 0) {
		msg_warn("reload: client_access: bad table(s); keeping the "
			 "running configuration and tables");
		return;
	}
	if (providers_load(&next_providers, next.provider_allowlist,
			   report_conf_error) != 0) {
		msg_warn("reload: provider_allowlist: bad list; keeping the "
			 "running configuration and tables");
		table_set_free(&next_tables);
		return;
	}
	/* Only what a running daemon can change takes effect: the key table
	 * (config.c) says which keys those are. */
	changed = conf_reload_merge(&next, conf, restart, sizeof(restart));
	if (restart[0])
		msg_warn("reload: restart needed for: %s; they keep their running "
			 "values", restart);
	if (strcmp(next.dnsbl_sites, conf->dnsbl_sites) ||
	    next.dnsbl_min_ttl != conf->dnsbl_min_ttl ||
	    next.dnsbl_max_ttl != conf->dnsbl_max_ttl)
		dnsbl_configure(d->dnsbl, next.dnsbl_sites, next.dnsbl_min_ttl,
				next.dnsbl_max_ttl);	/* probes the new lists now */
	table_set_free(&d->tables);
	d->tables = next_tables;
	providers_free(&d->providers);
	d->providers = next_providers;
	*conf = next;
	if (changed & 1u << CONF_KERNEL)
		write_kernel_config(d);	/* greylist times, prefixes, throttle rates */
	/* On failure rules_run() has logged the loader's own words. */
	if (changed & 1u << CONF_RULES && load_rules(d) != 0)
		msg_warn("reload: the nftables rules were not reloaded; "
			 "client_connection_limit may not be in effect (check "
			 "with mxgate-rules status)");
	load_countries(d);
	msg_info("reload: %s and %zu table(s) in effect", d->conf_path, d->tables.n_tables);
	log_providers(d);
}

/* on_signal - SIGHUP reloads; SIGTERM and SIGINT stop the loop */
static void on_signal(void *ctx, int fd, __u32 events)
{
	struct daemon *d = ctx;
	struct signalfd_siginfo si;

	(void)events;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			notify("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=Reloading %s",
			       (unsigned long long)(fine_ns() / 1000), d->conf_path);
			reload(d);
			notify_ready(d);
			continue;
		}
		msg_info("signal %u: stopping", si.ssi_signo);
		notify("STOPPING=1\nSTATUS=Stopping (signal %u)", si.ssi_signo);
		loop_stop(d->loop);
	}
}

/* open_signals - SIGTERM, SIGINT and SIGHUP arrive through a signalfd */
static void open_signals(struct daemon *d)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sigfd < 0 || loop_watch(d->loop, d->sigfd, EPOLLIN, on_signal, d) < 0)
		msg_fatal("signalfd: %s", strerror(errno));
}

/* run_dir - where mxgated and mxgate-rules keep notes about the kernel
 * state they made: MXGATE_RUNDIR, or /run/mxgate */
static const char *run_dir(void)
{
	const char *dir = getenv("MXGATE_RUNDIR");

	return dir && *dir ? dir : "/run/mxgate";
}

/* clsact_marker - where mxgated notes that it created the clsact qdisc
 * of ifname: under /run (gone at reboot, as the qdisc is), one file per
 * network namespace and interface, so -u removes only a qdisc of ours */
static int clsact_marker(const char *ifname, char *path, size_t len)
{
	struct stat ns;

	if (stat("/proc/self/ns/net", &ns) < 0)
		return -1;
	snprintf(path, len, "%s/clsact-%lu-%s", run_dir(), (unsigned long)ns.st_ino, ifname);
	return 0;
}

/* clsact_mark - record (on) that we created ifname's clsact qdisc; off:
 * 1 if we had, and forget it */
static int clsact_mark(const char *ifname, int on)
{
	char path[PATH_MAX];
	int fd;

	if (clsact_marker(ifname, path, sizeof(path)) < 0)
		return 0;
	if (!on)
		return unlink(path) == 0;
	*strrchr(path, '/') = 0;
	(void)mkdir(path, 0755);
	path[strlen(path)] = '/';
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		msg_warn("%s: %s (mxgated -u will leave the clsact qdisc on %s)",
			 path, strerror(errno), ifname);
	else
		close(fd);
	return 1;
}

/* setup_kernel - load and attach the tc program, write its config */
static void setup_kernel(struct daemon *d)
{
	const struct mxg_conf *conf = &d->conf;

	d->kernel = bpf_load(conf->pin_dir, conf->max_sources, conf->max_unproven);
	if (!d->kernel)
		msg_fatal("cannot load the tc program (pin_dir %s)", conf->pin_dir);
	write_kernel_config(d);
	for (int i = 0; i < conf->n_interfaces; i++) {
		int created = bpf_attach(d->kernel, conf->interfaces[i]);

		if (created < 0)
			msg_fatal("cannot attach the tc program to %s",
				  conf->interfaces[i]);
		if (created)
			clsact_mark(conf->interfaces[i], 1);
	}
	if (maps_open(&d->maps, conf->pin_dir) < 0)
		msg_fatal("cannot open the maps pinned under %s", conf->pin_dir);
	/* Counters in memory, into the maps once a second (housekeep):
	 * two bpf syscalls a counter a verdict otherwise. */
	if (stats_hold(&d->maps) < 0)
		msg_warn("out of memory: counters written to the maps one by one");
	d->countries_fd = bpf_map__fd(d->kernel->maps.countries);
}

/* restore_one - store_iterate's callback: one learned verdict back into
 * the kernel, unless the kernel still holds a newer one */
static void restore_one(void *ctx, const struct mxg_key *k, const struct mxg_verdict *v)
{
	struct daemon *d = ctx;

	if (verdict_restore(&d->maps, k, v) == 0)
		d->restored++;
	sender_restored(&d->senders, k, v);
}

/* restore_state - verdicts learned before a reboot or map wipe go back
 * into the kernel; without a store mxgated still works, it only forgets */
static void restore_state(struct daemon *d)
{
	int expired;

	if (store_open(&d->store, &store_lmdb_ops, d->conf.state_dir, STORE_CREATE) != 0) {
		msg_warn("running without on-disk state: learned senders will "
			 "not survive a reboot");
		return;
	}
	d->restored = 0;
	expired = store_iterate(&d->store, restore_one, d);
	if (expired >= 0)
		msg_info("state: %u verdict(s) restored from %s, %d expired",
			 d->restored, d->store.where, expired);
}

/* restore_manual - the admin's decisions (mxgatectl allow, block) back
 * into the kernel from their file: after a reboot the map is empty */
static void restore_manual(struct daemon *d)
{
	struct manual_synced r;
	char path[PATH_MAX];

	manual_path(d->conf.state_dir, path, sizeof(path));
	if (manual_sync(bpf_map__fd(d->kernel->maps.manual), d->conf.state_dir,
			report_conf_error, &r) < 0) {
		msg_warn("%s cannot be read: the manual decisions in the kernel "
			 "stay as they are", path);
		return;
	}
	msg_info("manual: %u decision(s) in force from %s, %u expired, %u dropped "
		 "(not in the file)", r.written, path, r.expired, r.dropped);
}

/* read_redis_password - redis_password_file, read while we are root */
static void read_redis_password(struct daemon *d)
{
	char why[PATH_MAX + 160];

	if (!d->conf.redis_server[0] || !d->conf.redis_password_file[0])
		return;
	if (share_password_read(d->conf.redis_password_file, d->redis_password,
				sizeof(d->redis_password), why, sizeof(why)) < 0)
		msg_fatal("redis_password_file: %s; not starting", why);
}

/* start_sharing - with the other gateways of redis_server, if set: what
 * this gateway learns goes out, what they learn comes in */
static void start_sharing(struct daemon *d)
{
	struct share_daemon *sd = &d->shared;

	if (!d->conf.redis_server[0])
		return;
	sd->maps = &d->maps;
	sd->store = &d->store;
	sd->senders = &d->senders;
	sd->manual_fd = bpf_map__fd(d->kernel->maps.manual);
	if (share_daemon_start(sd, d->loop, &d->conf,
			       d->redis_password[0] ? d->redis_password : NULL) == 0) {
		d->learner.shared = share_daemon_learned;
		d->learner.shared_ctx = sd;
	}
	explicit_bzero(d->redis_password, sizeof(d->redis_password));
}

/* start_classifier - DNS, the DNS lists and the pipeline on the loop */
static void start_classifier(struct daemon *d)
{
	const struct mxg_conf *conf = &d->conf;
	struct classifier *c = &d->classifier;

	d->resolver = resolve_new(d->loop, conf->dns_servers, conf->decision_timeout_ms / 3);
	if (!d->resolver)
		msg_fatal("cannot set up the DNS resolver");
	d->spf = spf_new(d->loop, &(struct spf_params){
			.widest_v4 = conf->greylist_spf_widest_v4,
			.widest_v6 = conf->greylist_spf_widest_v6,
			.max_checks = SPF_CHECKS_MAX },
		resolve_query_raw, d->resolver, sender_spf_done, &d->senders);
	if (!d->spf)
		msg_fatal("cannot set up the SPF checks");
	d->senders.spf = d->spf;
	d->dnsbl = dnsbl_new(d->loop, resolve_query_a, d->resolver);
	if (!d->dnsbl || dnsbl_configure(d->dnsbl, conf->dnsbl_sites, conf->dnsbl_min_ttl,
					 conf->dnsbl_max_ttl) < 0)
		msg_fatal("cannot set up the DNS lists");
	c->conf = conf;
	c->tables = &d->tables;
	c->providers = &d->providers;
	c->resolver = d->resolver;
	c->dnsbl = d->dnsbl;
	c->loop = d->loop;
	c->signals = NULL;
	c->be = (struct classify_backend){ .ctx = d, .cached = cached_verdict,
		.country = country_of, .release = release_packet,
		.record = record_decision, .report = report_decision,
		.stress = stress, .diverted = diverted };
	if (classify_init(c, conf->max_pending) < 0)
		msg_fatal("out of memory for %u pending lookups", conf->max_pending);
	loop_timer_init(&d->housekeeping, housekeep, d);
	loop_timer_set(d->loop, &d->housekeeping, now_ns() + HOUSEKEEPING_NS);
}

/* add_delta - counter id grows by what now has over was */
static void add_delta(struct daemon *d, __u32 id, unsigned long long now,
		      unsigned long long was)
{
	if (now > was)
		stats_add(&d->maps, id, now - was);
}

/* watch_resolver - once a second: is the resolver answering at all?
 * One warning when every lookup has been timing out, one line when it
 * answers again (dns_health.h); the gauge either way */
static void watch_resolver(struct daemon *d, const struct resolve_stats *dns)
{
	struct dns_health *h = &d->dns_health;
	__u64 now = now_ns();
	const char *servers = d->conf.dns_servers[0] ? d->conf.dns_servers
						     : "system resolver";

	switch (dns_health_tick(h, dns->answered + dns->failed, dns->timeout, now)) {
	case DNS_HEALTH_DOWN:
		msg_warn("dns: the resolver is not answering (%s): %llu lookup(s) "
			 "timed out in %llu s, none answered; new clients are "
			 "decided at decision_timeout without a name (S25R rule 0) "
			 "until it answers", servers, h->silent_timeouts,
			 (unsigned long long)((now - h->silent_since) / NS_PER_S));
		notify_ready(d);	/* STATUS says so */
		break;
	case DNS_HEALTH_UP:
		msg_info("dns: the resolver answers again (%s), after %llu s in "
			 "which %llu lookup(s) timed out", servers,
			 (unsigned long long)(h->outage_ns / NS_PER_S),
			 h->outage_timeouts);
		notify_ready(d);
		break;
	case DNS_HEALTH_SAME:
		break;
	}
	stats_set(&d->maps, MXG_STAT_DNS_DOWN, (__u64)h->down);
}

/* housekeep - once a second: the overload's course, the daemon's counts
 * and gauges into the decisions map (all those held in memory since the
 * last tick: stats_hold()), a slice of the store pruned */
static void housekeep(void *ctx)
{
	struct daemon *d = ctx;
	const struct classify_stats *st = &d->classifier.stats, *was = &d->counted.classifier;
	const struct resolve_stats *dns = resolve_stats(d->resolver), *dwas = &d->counted.dns;
	long long bytes, records;
	int pruned;

	classify_tick(&d->classifier);
	add_delta(d, MXG_STAT_OVERLOAD_TEMPFAIL, st->overload_tempfail, was->overload_tempfail);
	add_delta(d, MXG_STAT_TO_RESPONDER, st->overload_tempfail, was->overload_tempfail);
	add_delta(d, MXG_STAT_OVERLOAD_PASS, st->overload_pass, was->overload_pass);
	add_delta(d, MXG_STAT_OVERLOAD_EPISODES, st->overload_episodes, was->overload_episodes);
	add_delta(d, MXG_STAT_PREFIX_CAP, st->prefix_cap, was->prefix_cap);
	add_delta(d, MXG_STAT_DNS_BUDGET, st->dns_budget, was->dns_budget);
	add_delta(d, MXG_STAT_PROVEN, st->proven, was->proven);
	add_delta(d, MXG_STAT_DNS_SENT, dns->sent, dwas->sent);
	add_delta(d, MXG_STAT_DNS_ANSWERED, dns->answered, dwas->answered);
	add_delta(d, MXG_STAT_DNS_TIMEOUT, dns->timeout, dwas->timeout);
	add_delta(d, MXG_STAT_DNS_FAILED, dns->failed, dwas->failed);
	add_delta(d, MXG_STAT_PROVEN, d->learner.proved, d->counted.proved);
	add_delta(d, MXG_STAT_UNPROVEN, d->unproven, d->counted.unproven);
	d->counted = (struct counted){ *st, *dns, d->unproven, d->learner.proved };
	watch_resolver(d, dns);
	pruned = store_prune(&d->store, now_ns(), STORE_PRUNE_PER_TICK);
	if (pruned > 0)
		stats_add(&d->maps, MXG_STAT_STORE_PRUNED, (__u64)pruned);
	bytes = store_size_bytes(&d->store);
	records = store_records(&d->store);
	stats_set(&d->maps, MXG_STAT_STORE_BYTES, bytes > 0 ? (__u64)bytes : 0);
	stats_set(&d->maps, MXG_STAT_STORE_RECORDS, records > 0 ? (__u64)records : 0);
	stats_set(&d->maps, MXG_STAT_STRESS, d->classifier.overload.active);
	if (d->stress_flags)
		write_kernel_config(d);	/* renew the lease (mxgate.h) */
	stats_set(&d->maps, MXG_STAT_PENDING, d->classifier.pending.count);
	share_daemon_tick(&d->shared);
	stats_flush(&d->maps);		/* readers see counters within 1 s */
	loop_timer_set(d->loop, &d->housekeeping, now_ns() + HOUSEKEEPING_NS);
}

/* uninstall - -u: take mxgate out of the packet path, keep learned state */
static int uninstall(const struct mxg_conf *conf)
{
	int rc = 0;

	for (int i = 0; i < conf->n_interfaces; i++) {
		int ours = clsact_mark(conf->interfaces[i], 0);

		if (bpf_detach(conf->interfaces[i], ours) < 0)
			rc = 1;
		else if (ours)
			msg_info("%s: removed the clsact qdisc mxgated had created",
				 conf->interfaces[i]);
	}
	if (rules_run(conf, "unload") != 0)
		rc = 1;
	msg_info("detached from %d interface(s), rules unloaded; verdicts "
		 "stay pinned under %s", conf->n_interfaces, conf->pin_dir);
	return rc;
}

/* lock_pid_file - one mxgated per pid_file, before anything in the
 * kernel or on disk is touched: a second one exits here, naming the
 * first, and changes nothing. The lock lives as long as the open file
 * (daemon() keeps it: the child inherits the descriptor). */
static void lock_pid_file(struct daemon *d)
{
	char buf[32] = "", dir[PATH_MAX];
	ssize_t n;

	/* Its directory (/run/mxgate by default; systemd makes it too). */
	snprintf(dir, sizeof(dir), "%s", d->conf.pid_file);
	if (strrchr(dir, '/') && strrchr(dir, '/') != dir) {
		*strrchr(dir, '/') = 0;
		(void)mkdir(dir, 0755);
	}
	d->pid_fd = open(d->conf.pid_file, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (d->pid_fd < 0)
		msg_fatal("pid_file %s: %s", d->conf.pid_file, strerror(errno));
	if (flock(d->pid_fd, LOCK_EX | LOCK_NB) == 0)
		return;
	if (errno != EWOULDBLOCK)
		msg_fatal("pid_file %s: lock: %s", d->conf.pid_file, strerror(errno));
	n = pread(d->pid_fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	msg_fatal("another mxgated is running (pid %s, pid_file %s); not "
		  "starting, nothing changed", buf[0] ? buf : "?", d->conf.pid_file);
}

/* write_pid_file - our pid into the locked pid_file, for mxgatectl
 * reload and init scripts */
static void write_pid_file(struct daemon *d)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

	if (ftruncate(d->pid_fd, 0) < 0 || pwrite(d->pid_fd, buf, (size_t)n, 0) != n)
		msg_warn("pid_file %s: %s (mxgatectl reload will not find us)",
			 d->conf.pid_file, strerror(errno));
}

/* saved_hits - the SYNs each live verdict judged go to disk with it, so
 * that mxgatectl top knows them after a reboot */
static void saved_hits(struct daemon *d)
{
	int n = offenders_save(d->maps.verdicts_fd, &d->store, now_ns());

	if (n < 0)
		msg_warn("state: cannot walk the verdicts to save their hits: %s",
			 strerror(-n));
	else if (n > 0)
		msg_info("state: hits of %d verdict(s) written to %s", n, d->store.where);
}

/* shutdown_daemon - release held SYNs, then everything in reverse order */
static void shutdown_daemon(struct daemon *d)
{
	const struct classify_stats *st = &d->classifier.stats;

	classify_release_all(&d->classifier);
	housekeep(d);			/* the last counts into the maps */
	loop_timer_cancel(d->loop, &d->housekeeping);
	if (d->stress_flags) {
		/* Stopped, mxgate fails open: no SYN is told to come back
		 * for an overload nobody will end (killed, the lease ends
		 * it within seconds). */
		d->stress_flags = 0;
		write_kernel_config(d);
	}
	stats_set(&d->maps, MXG_STAT_STRESS, 0);
	stats_set(&d->maps, MXG_STAT_PENDING, 0);
	stats_set(&d->maps, MXG_STAT_DNS_DOWN, 0);	/* nobody asks now */
	stats_flush(&d->maps);
	saved_hits(d);
	msg_info("stopped: queued=%llu joined=%llu cached=%llu tempfail=%llu "
		 "overload_pass=%llu ignored=%llu pass=%llu block=%llu; tc program "
		 "and rules stay in place (fail-open)", st->queued, st->joined,
		 st->cached, st->overload_tempfail, st->overload_pass, st->ignored,
		 st->decided[MXG_ACT_PASS], st->decided[MXG_ACT_BLOCK]);
	share_daemon_stop(&d->shared);
	metrics_close(d->metrics);
	nftwatch_close(d->nftwatch);
	events_process(d->kernel_events);
	events_close(d->kernel_events);
	responder_close(d->responder);
	spf_free(d->spf);		/* before its resolver: see spf.h */
	resolve_free(d->resolver);	/* before the lists: see dnsbl.h */
	dnsbl_free(d->dnsbl);
	/* Still ours: we hold the lock. Unprivileged, we may not remove
	 * it from its directory: emptied, it names no one. */
	if (unlink(d->conf.pid_file) < 0 && ftruncate(d->pid_fd, 0) < 0)
		msg_warn("pid_file %s: %s", d->conf.pid_file, strerror(errno));
	close(d->pid_fd);
	loop_unwatch(d->loop, d->queue_fd);
	queue_close();
	maps_close(&d->maps);
	store_close(&d->store);
	bpf_unload(d->kernel);
	country_table_free(&d->countries_in_force);
	classify_free(&d->classifier);
	table_set_free(&d->tables);
	providers_free(&d->providers);
	s25r_free();
	close(d->sigfd);
	if (d->countries_watch >= 0)
		close(d->countries_watch);
	loop_free(d->loop);
	notify_close();
}

/* take_census - the maps' fill, counted at most every MAP_CENSUS_NS */
static void take_census(struct daemon *d)
{
	const struct {
		const char *name;
		int fd;
	} maps[] = {
		{ "verdicts", d->maps.verdicts_fd },
		{ "unproven", d->maps.unproven_fd },
		{ "throttle", bpf_map__fd(d->kernel->maps.throttle) },
	};

	if (d->census_ns && now_ns() - d->census_ns < MAP_CENSUS_NS)
		return;
	_Static_assert(sizeof(maps) / sizeof(maps[0]) <= METRICS_MAPS, "census");
	d->census_ns = now_ns();
	d->n_census = (int)(sizeof(maps) / sizeof(maps[0]));
	for (int i = 0; i < d->n_census; i++) {
		struct metrics_map *m = &d->census[i];

		*m = (struct metrics_map){ .name = maps[i].name, .entries = -1 };
		if (maps[i].fd >= 0)
			m->entries = map_fill(maps[i].fd, &m->capacity);
	}
}

/* fill_metrics - one scrape's numbers (metrics.h): the pinned counters,
 * the verdicts since start, the maps' fill, the rules, the resolver */
static void fill_metrics(void *ctx, struct metrics_snapshot *s)
{
	struct daemon *d = ctx;

	s->version = MXG_VERSION;
	s->stats_ok = stats_read(&d->maps, s->stats) == 0;
	s->decisions = &d->decided;
	take_census(d);
	memcpy(s->maps, d->census, sizeof(s->maps));
	s->n_maps = d->n_census;
	s->rules_loaded = d->conf.rules_cmd[0] ? d->rules_ok : -1;
	s->resolver_up = !d->dns_health.down;
	s->sharing = d->conf.redis_server[0] != 0;
}

/* open_metrics - metrics_listen: the listener is opened before anything
 * in the kernel is touched, so a port in use changes nothing, and while
 * we are root, so any port will do */
static void open_metrics(struct daemon *d)
{
	char why[256];

	if (!d->conf.metrics_listen[0])
		return;
	d->metrics = metrics_open(d->conf.metrics_listen, d->loop, fill_metrics, d,
				  why, sizeof(why));
	if (!d->metrics)
		msg_fatal("metrics_listen %s; not starting, nothing changed", why);
	msg_info("metrics: http://%s/metrics", d->conf.metrics_listen);
}

/* drop_privileges - setup done: become the configured user with only the
 * capabilities the work needs (privs.h) */
static void drop_privileges(const struct daemon *d)
{
	const char *user = d->conf.user;
	__u64 effective = 0, bounding = 0;
	char why[256];
	int rc;

	if (strcmp(user, "root") == 0) {
		msg_info("user = root: keeping root");
		return;
	}
	if (getpwnam(user) && privs_share_pins(d->conf.pin_dir, user, why, sizeof(why)) < 0)
		msg_warn("%s: mxgatectl works as root only", why);
	rc = privs_drop(user, run_dir(), why, sizeof(why));
	if (rc == PRIVS_NO_USER) {
		msg_warn("%s: staying root (make install creates the user; "
			 "user = root says so on purpose)", why);
		return;
	}
	if (rc < 0)
		msg_fatal("%s; exiting (new sources now pass through bypass)", why);
	privs_held(&effective, &bounding);
	msg_info("running as %s (uid %u), capabilities 0x%llx (CAP_NET_ADMIN, "
		 "CAP_BPF), bounding set the same", user, (unsigned)getuid(),
		 (unsigned long long)effective);
	if (bounding != effective)
		msg_warn("bounding set 0x%llx is not the effective one",
			 (unsigned long long)bounding);
}

/* print_conf - -p, -d: every key as "key = value", like postconf (the
 * printer mxgatectl config shares) */
static int print_conf(const struct mxg_conf *c)
{
	return conf_show(stdout, c, NULL, NULL, 0, 0) == 0 ? 0 : 1;
}

/* usage - print the synopsis and exit 2 */
static void usage(void)
{
	fprintf(stderr, "usage: mxgated [-f] [-c FILE] [-t | -u | -p | -d]\n"
		"       mxgated --version\n"
		"  -f       stay in the foreground, log to stderr\n"
		"  -c FILE  configuration (default " MXG_DEFAULT_CONF ")\n"
		"  -t       check the configuration and exit\n"
		"  -u       detach the tc program, unload the rules, exit\n"
		"  -p       print the configuration in force, key = value\n"
		"  -d       print the defaults, key = value\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct daemon d = { .conf_path = MXG_DEFAULT_CONF, .countries_watch = -1,
				   .countries_fd = -1, .sigfd = -1, .queue_fd = -1,
				   .pid_fd = -1 };
	int foreground = 0, test_only = 0, do_uninstall = 0, opt, nbad;
	int print = 0, print_defaults = 0;
	static const struct option longopts[] = {
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};

	while ((opt = getopt_long(argc, argv, "fc:tupdh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'V':
			printf("mxgated %s\n", MXG_VERSION);
			return 0;
		case 'f': foreground = 1; break;
		case 'c': d.conf_path = optarg; break;
		case 't': test_only = 1; break;
		case 'u': do_uninstall = 1; break;
		case 'p': print = 1; break;
		case 'd': print_defaults = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	log_open("mxgated", foreground || test_only || do_uninstall || print ||
		 print_defaults);

	conf_defaults(&d.conf);
	if (print_defaults)
		return print_conf(&d.conf);
	nbad = conf_load(&d.conf, d.conf_path, report_conf_error);
	if (nbad != 0)
		msg_fatal("%s: %s%s", d.conf_path,
			  nbad < 0 ? "cannot read it" : "bad configuration",
			  print ? "" : "; not starting");
	if (print)
		return print_conf(&d.conf);
	if (d.conf.n_interfaces == 0)
		msg_fatal("%s: interfaces is not set: name the interface(s) "
			  "SMTP clients arrive on", d.conf_path);
	if (do_uninstall)
		return uninstall(&d.conf);
	if (table_set_load(&d.tables, d.conf.client_access, report_conf_error) != 0)
		msg_fatal("%s: client_access: bad table(s); not starting", d.conf_path);
	if (providers_load(&d.providers, d.conf.provider_allowlist, report_conf_error) != 0)
		msg_fatal("%s: provider_allowlist: bad list; not starting", d.conf_path);
	nbad = preflight(&d.conf, d.conf_path, report_conf_error);
	if (test_only) {
		if (nbad)
			msg_fatal("%s: %d problem(s) on this host; mxgated would "
				  "not start", d.conf_path, nbad);
		msg_info("%s: configuration ok", d.conf_path);
		return 0;
	}
	if (nbad)
		msg_fatal("%s: %d problem(s) on this host; not starting", d.conf_path, nbad);
	lock_pid_file(&d);
	if (s25r_init() < 0)
		msg_fatal("cannot compile the S25R rules");
	d.loop = loop_new();
	if (!d.loop)
		msg_fatal("epoll: %s", strerror(errno));
	open_metrics(&d);
	notify_open();		/* connected while we are root */

	setup_kernel(&d);
	sender_init(&d.senders, &d.learner, NULL);
	restore_state(&d);
	restore_manual(&d);
	d.learner = (struct learner){ .conf = &d.conf, .maps = &d.maps, .store = &d.store,
		.judge = judge_proven, .judge_ctx = &d, .mail = sender_mail,
		.mail_ctx = &d.senders };
	open_signals(&d);
	read_redis_password(&d);
	start_sharing(&d);
	start_classifier(&d);
	load_countries(&d);
	watch_countries(&d);
	open_responder(&d);
	d.kernel_events = events_open(bpf_map__fd(d.kernel->maps.events), d.loop,
				      learn_kernel_event, &d.learner);
	events_process(d.kernel_events);	/* promotions while we were down */
	/* Every pending source may hold PENDING_MAX_HELD SYNs in the queue. */
	d.queue_fd = queue_open(d.conf.queue, d.conf.max_pending * PENDING_MAX_HELD);
	if (d.queue_fd < 0 || loop_watch(d.loop, d.queue_fd, EPOLLIN, on_queue, &d) < 0)
		msg_fatal("cannot listen on NFQUEUE %u", d.conf.queue);
	if (load_rules(&d) != 0)
		msg_fatal("cannot load the nftables rules with %s", d.conf.rules_cmd);
	if (d.conf.rules_cmd[0])
		d.nftwatch = nftwatch_open(d.loop, 200, rules_changed, &d);
	if (!foreground && daemon(0, 0) < 0)
		msg_fatal("daemon: %s", strerror(errno));
	write_pid_file(&d);
	drop_privileges(&d);
	log_providers(&d);
	msg_info("ready: queue %u, %d interface(s), pin_dir %s, dns %s",
		 d.conf.queue, d.conf.n_interfaces, d.conf.pin_dir,
		 d.conf.dns_servers[0] ? d.conf.dns_servers : "system resolver");
	/* The queue is bound and the rules are in: SYNs are being judged. */
	notify_ready(&d);

	loop_run(d.loop);

	shutdown_daemon(&d);
	return 0;
}
