/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	mxgated - classify new SMTP clients and teach the kernel the verdict
 * SYNOPSIS
 *	mxgated [-f] [-c FILE] [-t | -u]
 * DESCRIPTION
 *	Start-up: read the configuration, load the tc program and its pinned
 *	maps, attach it to the configured interfaces, bind NFQUEUE, load the
 *	nftables rules, then run one epoll loop over the NFQUEUE socket, the
 *	c-ares sockets and a signalfd.
 *
 *	A queued SYN from a source that has no verdict starts one FCrDNS
 *	lookup; retransmits of that source join it (pending.h). The outcome
 *	goes through S25R to a verdict, which is written into the verdicts
 *	map before the held SYNs are released (NF_REPEAT with the PASS mark,
 *	or NF_DROP), so that every later SYN is judged by the tc program
 *	alone. A lookup that outlives decision_timeout is decided with what
 *	is known: no confirmed name is S25R rule 0, cached only briefly.
 *
 *	Fail-open: on exit the tc program and the rules stay in place; the
 *	queue rule's bypass lets new sources through while no daemon listens,
 *	and cached verdicts keep being enforced. -u detaches the tc program
 *	and unloads the rules instead (learned verdicts stay pinned).
 *	-t checks the configuration and exits.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <linux/netfilter.h>
#include "addr.h"
#include "bpf_load.h"
#include "config.h"
#include "country.h"
#include "country_table.h"
#include "dnsbl.h"
#include "events.h"
#include "learn.h"
#include "log.h"
#include "names.h"
#include "parse.h"
#include "pending.h"
#include "policy.h"
#include "queue.h"
#include "resolve.h"
#include "responder.h"
#include "rules.h"
#include "s25r.h"
#include "store.h"
#include "table.h"
#include "maps.h"
#include "mxgate.skel.h"

#define NS_PER_MS	1000000ULL
#define NS_PER_S	1000000000ULL
#define EV_QUEUE	1
#define EV_SIGNAL	2
#define EV_COUNTRIES	3
#define EV_EVENTS	4
/* Wait this long after the last change in countries_dir, so that a copy
 * in progress or a burst of files is loaded once, whole. */
#define COUNTRY_SETTLE_NS (200 * NS_PER_MS)
#define MAX_EVENTS	64
#define FDS_RESERVED	256	/* fds besides the responder's clients */
#define OVERLOAD_WARN_INTERVAL_NS (10 * NS_PER_S)

struct daemon_stats {
	unsigned long long queued;	/* SYNs read from NFQUEUE */
	unsigned long long joined;	/* retransmits joined to a lookup */
	unsigned long long cached;	/* found a verdict already in the map */
	unsigned long long overload;	/* passed unjudged: pending table full */
	unsigned long long ignored;	/* not a parsable new SYN: accepted */
	unsigned long long decided[MXG_ACT_MAX]; /* verdicts by action */
};

static struct mxg_conf conf;
static const char *conf_path = MXG_DEFAULT_CONF;
static struct table_set tables;		/* client_access */
static int countries_fd = -1;		/* the pinned countries map */
static struct country_table countries_in_force; /* the kernel's, in memory */
static int countries_watch = -1;	/* inotify on countries_dir */
static __u64 countries_due;		/* reload then; 0 = nothing pending */
static struct pinned_maps maps = { -1, -1, -1, -1, 0 };
static struct store store;		/* learned verdicts on disk */
static struct pending_table pending;
static struct daemon_stats stats;
static __u64 last_overload_warn;
static struct events *kernel_events;	/* promotions by the tc program */
static struct responder *responder;	/* greylisted and tarpitted clients */
static struct mxgate_bpf *kernel;	/* the loaded tc program and maps */

static void write_kernel_config(void);

/* fine_ns - a precise monotonic clock for overhead_us; now_ns() is the
 * coarse clock verdict times use, a few ms a tick */
static __u64 fine_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NS_PER_S + (__u64)ts.tv_nsec;
}

/* report_conf_error - conf_load's reporter: every bad line is a warning */
static void report_conf_error(const char *msg)
{
	msg_warn("%s", msg);
}

/* release_one - let one held packet go according to action */
static void release_one(__u32 id, __u32 mark, enum mxg_action action)
{
	__u32 keep = mark & ~conf.mark_mask;

	switch (action) {
	case MXG_ACT_BLOCK:
		queue_verdict(id, NF_DROP, 0, 0);
		break;
	case MXG_ACT_GREYLIST:
	case MXG_ACT_TARPIT:
		/* The nftables dstnat rule sends it to the responder. */
		queue_verdict(id, NF_REPEAT, 1, keep | conf.mark_responder);
		break;
	case MXG_ACT_PASS:
	case MXG_ACT_THROTTLE:
		queue_verdict(id, NF_REPEAT, 1, keep | conf.mark_pass);
		break;
	default:
		/* No verdict: unjudged, as if no daemon were running. */
		queue_verdict(id, NF_ACCEPT, 0, 0);
		break;
	}
}

/* decide - write the verdict, release the held SYNs, log, forget p.
 * overhead_us on the log line is what the daemon itself added to the
 * first SYN's wait, DNS time excluded: from its arrival in on_packet to
 * the lookups started, plus from here (the last answer in, or the
 * deadline) to the verdict written and the SYNs released. */
static void decide(struct pending *p)
{
	const struct fcrdns_result *r = &p->fcrdns;
	char addr[ADDR_STRLEN], why[256], rule_name[16] = "none", by[PATH_MAX + 16] = "";
	struct mxg_key key = p->key;
	__u32 country = country_table_find(&countries_in_force, &p->key);
	struct decision d;
	__u64 now = now_ns(), t0 = fine_ns(), overhead_ns;

	policy_decide(&conf, &tables, &p->key, r, p->dnsbl_score, &d);
	if (country)
		policy_apply_country(&conf, mxg_ct_leaf_action(country), r, &d);
	if (d.action == MXG_ACT_GREYLIST)
		key = learn_greylist_key(&p->key);
	/* Map first: a retransmit racing the release must meet the verdict
	 * in the kernel, not start a second lookup. */
	learn_verdict(&key, d.action, d.reasons, p->dnsbl_score, d.ttl_s * NS_PER_S);
	addr_format(&p->key, addr, sizeof(addr));
	for (unsigned i = 0; i < p->n_held; i++)
		release_one(p->held_ids[i], p->held_marks[i], d.action);
	overhead_ns = (p->dns_started_ns - p->arrived_ns) + (fine_ns() - t0);
	learn_count_released(&d, p->n_held);
	stats.decided[d.action]++;
	if (d.rule >= 0)
		rule_hit(&maps, d.rule);
	reasons_format(d.reasons, why, sizeof(why));
	if (d.rule >= 0)
		snprintf(rule_name, sizeof(rule_name), "%s", s25r_name(d.rule));
	if (d.table)
		snprintf(by, sizeof(by), " table=%s:%d", d.table->path, d.entry->line);
	if (conf.dnsbl_sites[0])
		snprintf(by + strlen(by), sizeof(by) - strlen(by), " dnsbl=%d",
			 p->dnsbl_score);
	msg_info("verdict action=%s client=%s ptr=%s fcrdns=%s rule=%s "
		 "reasons=%s ttl=%u elapsed_ms=%llu syns=%u%s overhead_us=%llu",
		 action_name(d.action), addr, r->name[0] ? r->name : "-",
		 fcrdns_name(r->status), rule_name, why, d.ttl_s,
		 (unsigned long long)((now - p->started_ns) / NS_PER_MS), p->syns, by,
		 (unsigned long long)(overhead_ns / 1000));
	pending_remove(&pending, p);
}

/* maybe_decide - decide once FCrDNS and the DNSBLs have both answered */
static void maybe_decide(struct pending *p)
{
	if (p->fcrdns_done && p->dnsbl_done)
		decide(p);
}

/* on_resolved - the resolver's answer for a pending source */
static void on_resolved(void *arg, const struct fcrdns_result *r)
{
	struct pending *p = arg;

	p->lookup = NULL;	/* the resolver frees its request itself */
	p->fcrdns = *r;
	p->fcrdns_done = 1;
	maybe_decide(p);
}

/* on_dnsbl - the DNSBL score for a pending source */
static void on_dnsbl(void *arg, int score)
{
	struct pending *p = arg;

	p->dnsbl = NULL;
	p->dnsbl_score = score;
	p->dnsbl_done = 1;
	maybe_decide(p);
}

/* open_responder - listen on responder_port; a port in use is fatal,
 * said plainly, rather than a gateway that silently resets greylisted
 * senders */
static void open_responder(int epfd)
{
	static const struct responder_ops ops = { learn_responder_classify, learn_responder_outcome };
	static char hostname[256];
	struct responder_params rp = {
		.port = conf.responder_port,
		.max_connections = conf.responder_max_connections,
		.timeout_ms = conf.responder_timeout_ms,
		.tarpit_delay_ms = conf.tarpit_delay_ms,
		.hostname = hostname,
	};
	struct rlimit nofile;
	char why[256];

	/* Each responder client is an fd: out of fds, accept() would fail
	 * while the listener stays readable, a busy loop. Ask for enough. */
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 &&
	    nofile.rlim_cur < conf.responder_max_connections + FDS_RESERVED) {
		nofile.rlim_cur = nofile.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &nofile) < 0 ||
		    nofile.rlim_cur < conf.responder_max_connections + FDS_RESERVED)
			msg_fatal("responder_max_connections %u needs %u open files; "
				  "the limit is %llu", conf.responder_max_connections,
				  conf.responder_max_connections + FDS_RESERVED,
				  (unsigned long long)nofile.rlim_cur);
	}
	if (gethostname(hostname, sizeof(hostname) - 1) < 0 || !hostname[0])
		snprintf(hostname, sizeof(hostname), "mxgate");
	responder = responder_open(&rp, &ops, NULL, epfd, why, sizeof(why));
	if (!responder)
		msg_fatal("responder_port %u: %s", conf.responder_port, why);
}

/* apply_cached - a verdict written since the tc program let this SYN by */
static int apply_cached(const struct mxg_key *key, __u32 id, __u32 mark)
{
	struct mxg_verdict v;

	if (verdict_get(&maps, key, &v) != 0 || v.expires_ns <= now_ns())
		return 0;
	release_one(id, mark, v.action);
	stats.cached++;
	return 1;
}

/* on_packet - one queued SYN: join its pending lookup or start one */
static void on_packet(void *arg, __u32 id, __u32 mark, const __u8 *data, size_t len)
{
	struct fcrdns_result no_resolver = { FCRDNS_TEMPFAIL, 0, "" };
	struct fcrdns_result skipped = { FCRDNS_SKIPPED, 0, "" };
	const struct table_rule *a;
	struct mxg_pkt pkt;
	struct pending *p;
	__u64 arrived = fine_ns(), now;

	(void)arg;
	stats.queued++;
	if (!data || mxg_parse_l3(data, data + len, 0, &pkt) != MXG_PARSE_OK ||
	    !mxg_is_new_syn(&pkt)) {
		/* The rule only queues new SYNs; anything else is not ours
		 * to judge, so it goes on as if we were not here. */
		stats.ignored++;
		queue_verdict(id, NF_ACCEPT, 0, 0);
		return;
	}
	p = pending_find(&pending, &pkt.key);
	if (p) {
		stats.joined++;
		if (pending_hold(p, id, mark) < 0)
			queue_verdict(id, NF_DROP, 0, 0); /* it will retransmit */
		return;
	}
	if (apply_cached(&pkt.key, id, mark))
		return;
	now = now_ns();
	p = pending_add(&pending, &pkt.key, now,
			now + conf.decision_timeout_ms * NS_PER_MS);
	if (!p) {
		stats.overload++;
		if (now - last_overload_warn >= OVERLOAD_WARN_INTERVAL_NS) {
			last_overload_warn = now;
			msg_warn("%u lookups pending (max_pending): new sources "
				 "pass unjudged (%llu so far)", pending.count,
				 stats.overload);
		}
		queue_verdict(id, NF_ACCEPT, 0, 0);
		return;
	}
	pending_hold(p, id, mark);
	p->arrived_ns = arrived;
	/* An address an access table allows needs no DNS at all. */
	a = table_match_addr(&tables, &pkt.key, NULL);
	if (a && a->action == MXG_ACT_PASS) {
		p->fcrdns = skipped;
		p->fcrdns_done = p->dnsbl_done = 1;
		p->dns_started_ns = fine_ns();
		decide(p);
		return;
	}
	/* Both lookups start now; answers arrive through the event loop. */
	p->lookup = resolve_start(&pkt.key, on_resolved, p);
	if (!p->lookup) {
		p->fcrdns = no_resolver;
		p->fcrdns_done = 1;
	}
	if (dnsbl_start(&pkt.key, on_dnsbl, p, (struct dnsbl_req **)&p->dnsbl,
			&p->dnsbl_score) == 0)
		p->dnsbl_done = 1;
	p->dns_started_ns = fine_ns();
	maybe_decide(p);
}

/* expire_pending - decide every lookup whose deadline has passed */
static void expire_pending(void)
{
	struct fcrdns_result too_late = { FCRDNS_TEMPFAIL, 1, "" };
	__u64 now = now_ns();
	struct pending *p;

	while ((p = pending_oldest(&pending)) && p->deadline_ns <= now) {
		if (!p->fcrdns_done) {
			resolve_cancel(p->lookup);
			p->lookup = NULL;
			p->fcrdns = too_late;
		}
		if (!p->dnsbl_done) {
			p->dnsbl_score = dnsbl_cancel(p->dnsbl);
			p->dnsbl = NULL;
		}
		decide(p);
	}
}

/* ms_until - milliseconds from now to due, rounded up; 0 if past */
static int ms_until(__u64 due, __u64 now)
{
	return due <= now ? 0 : (int)((due - now + NS_PER_MS - 1) / NS_PER_MS);
}

/* sooner - the earlier of two timeouts in ms; -1 means none */
static int sooner(int ms, int due)
{
	return due >= 0 && due < ms ? due : ms;
}

/* next_timeout_ms - sleep until the first pending deadline or timer: the
 * countries settling, the responder's, the store's batch, DNS's */
static int next_timeout_ms(void)
{
	struct pending *p = pending_oldest(&pending);
	__u64 now = now_ns();
	int ms = 1000;

	if (p)
		ms = sooner(ms, ms_until(p->deadline_ns, now));
	if (countries_due)
		ms = sooner(ms, ms_until(countries_due, now));
	ms = sooner(ms, responder_next_timeout_ms(responder, now));
	ms = sooner(ms, store_next_flush_ms(&store, now));
	return resolve_timeout_ms(ms);
}

/* release_all - shutting down: let every held SYN through unjudged */
static void release_all(void)
{
	struct pending *p;

	while ((p = pending_oldest(&pending))) {
		resolve_cancel(p->lookup);
		dnsbl_cancel(p->dnsbl);
		for (unsigned i = 0; i < p->n_held; i++)
			queue_verdict(p->held_ids[i], NF_ACCEPT, 0, 0);
		pending_remove(&pending, p);
	}
}

/* open_signals - SIGTERM, SIGINT and SIGHUP arrive through a signalfd */
static int open_signals(int epfd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = EV_SIGNAL };
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	return fd;
}

/* load_countries - read countries_dir and swap the new set in; a bad
 * file is reported and the set in force stays */
static void load_countries(void)
{
	struct country_set set;
	__u64 start = now_ns();
	int bad, err;

	countries_due = 0;
	bad = country_load(conf.countries_dir, conf.country_actions,
			   conf.country_default_action, &set, report_conf_error);
	if (bad) {
		msg_warn("countries: %d bad line(s) in %s; the set in force stays",
			 bad, conf.countries_dir);
		return;
	}
	err = country_install(countries_fd, &set, &countries_in_force);
	if (err)
		msg_warn("countries: cannot install %zu prefixes: %s; the set in "
			 "force stays", set.n, strerror(-err));
	else
		msg_info("countries: %zu prefixes from %d file(s) in %s in effect "
			 "(%llu ms)", set.n, set.files, conf.countries_dir,
			 (unsigned long long)((now_ns() - start) / NS_PER_MS));
	country_set_free(&set);
}

/* watch_countries - inotify on countries_dir (created if missing) */
static void watch_countries(int epfd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = EV_COUNTRIES };

	if (mkdir(conf.countries_dir, 0755) < 0 && errno != EEXIST)
		msg_warn("countries_dir %s: %s", conf.countries_dir, strerror(errno));
	countries_watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (countries_watch < 0 ||
	    inotify_add_watch(countries_watch, conf.countries_dir, IN_CLOSE_WRITE |
			      IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE) < 0 ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, countries_watch, &ev) < 0)
		msg_warn("countries_dir %s: cannot watch it (%s); changes need "
			 "a reload", conf.countries_dir, strerror(errno));
}

/* countries_changed - inotify said something; reload once it settles */
static void countries_changed(void)
{
	char buf[4096];

	while (read(countries_watch, buf, sizeof(buf)) > 0)
		;
	countries_due = now_ns() + COUNTRY_SETTLE_NS;
}

/* restart_needed - warn about a setting a reload cannot change */
static void restart_needed(const struct mxg_conf *next)
{
	if (memcmp(next->interfaces, conf.interfaces, sizeof(conf.interfaces)) ||
	    next->n_interfaces != conf.n_interfaces ||
	    memcmp(next->ports, conf.ports, sizeof(conf.ports)) ||
	    next->queue != conf.queue || strcmp(next->pin_dir, conf.pin_dir) ||
	    next->max_sources != conf.max_sources ||
	    next->max_pending != conf.max_pending ||
	    next->mark_pass != conf.mark_pass || next->mark_mask != conf.mark_mask ||
	    next->mark_responder != conf.mark_responder ||
	    next->responder_port != conf.responder_port ||
	    next->responder_max_connections != conf.responder_max_connections ||
	    next->responder_timeout_ms != conf.responder_timeout_ms ||
	    next->tarpit_delay_ms != conf.tarpit_delay_ms ||
	    next->client_connection_limit != conf.client_connection_limit ||
	    strcmp(next->dns_servers, conf.dns_servers))
		msg_warn("reload: interfaces, ports, queue, dns_servers, pin_dir, "
			 "max_sources, max_pending, marks, responder_*, "
			 "tarpit_delay and client_connection_limit change only "
			 "with a restart; they keep their running values");
}

/* reload - SIGHUP: reread mxgate.conf and the tables; a bad file keeps
 * everything as it was (each bad line is reported) */
static void reload(void)
{
	struct mxg_conf next;
	struct table_set next_tables;
	int bad;

	conf_defaults(&next);
	bad = conf_load(&next, conf_path, report_conf_error);
	if (bad != 0) {
		msg_warn("reload: %s: %s; keeping the running configuration",
			 conf_path, bad < 0 ? "cannot read it" : "bad lines");
		return;
	}
	if (table_set_load(&next_tables, next.client_access, report_conf_error) != 0) {
		msg_warn("reload: client_access: bad table(s); keeping the "
			 "running configuration and tables");
		return;
	}
	restart_needed(&next);
	/* Only what a running daemon can change takes effect. */
	memcpy(next.interfaces, conf.interfaces, sizeof(conf.interfaces));
	next.n_interfaces = conf.n_interfaces;
	memcpy(next.ports, conf.ports, sizeof(conf.ports));
	next.n_ports = conf.n_ports;
	next.queue = conf.queue;
	memcpy(next.pin_dir, conf.pin_dir, sizeof(conf.pin_dir));
	memcpy(next.dns_servers, conf.dns_servers, sizeof(conf.dns_servers));
	memcpy(next.pid_file, conf.pid_file, sizeof(conf.pid_file));
	next.max_sources = conf.max_sources;
	next.max_pending = conf.max_pending;
	next.mark_pass = conf.mark_pass;
	next.mark_responder = conf.mark_responder;
	next.mark_mask = conf.mark_mask;
	next.responder_port = conf.responder_port;
	next.responder_max_connections = conf.responder_max_connections;
	next.responder_timeout_ms = conf.responder_timeout_ms;
	next.tarpit_delay_ms = conf.tarpit_delay_ms;
	next.client_connection_limit = conf.client_connection_limit;
	if (strcmp(next.dnsbl_sites, conf.dnsbl_sites) ||
	    next.dnsbl_min_ttl != conf.dnsbl_min_ttl ||
	    next.dnsbl_max_ttl != conf.dnsbl_max_ttl) {
		dnsbl_init(next.dnsbl_sites, next.dnsbl_min_ttl, next.dnsbl_max_ttl);
		dnsbl_tick(now_ns());	/* probe the new lists now */
	}
	table_set_free(&tables);
	tables = next_tables;
	memcpy(next.countries_dir, conf.countries_dir, sizeof(conf.countries_dir));
	conf = next;
	write_kernel_config();	/* greylist times, prefixes, throttle rates */
	load_countries();
	msg_info("reload: %s and %zu table(s) in effect", conf_path, tables.n_tables);
}

/* handle_signal - returns 1 when the daemon should stop */
static int handle_signal(int sigfd)
{
	struct signalfd_siginfo si;

	while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload();
			continue;
		}
		msg_info("signal %u: stopping", si.ssi_signo);
		return 1;
	}
	return 0;
}

/* run_loop - the event loop; returns when asked to stop */
static void run_loop(int epfd, int sigfd)
{
	struct epoll_event ev[MAX_EVENTS];

	for (;;) {
		int n = epoll_wait(epfd, ev, MAX_EVENTS, next_timeout_ms());

		if (n < 0 && errno != EINTR)
			msg_fatal("epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++) {
			__u64 tag = ev[i].data.u64;

			if (tag >> 32 == RESOLVE_EPOLL_TAG)
				resolve_process((int)(__u32)tag, ev[i].events);
			else if (tag >> 32 == RESPONDER_EPOLL_TAG)
				responder_event(responder, (__u32)tag, ev[i].events,
						now_ns());
			else if (tag == EV_QUEUE && queue_receive(on_packet, NULL) < 0)
				msg_fatal("nfqueue socket failed; exiting "
					  "(new sources now pass through bypass)");
			else if (tag == EV_SIGNAL && handle_signal(sigfd))
				return;
			else if (tag == EV_COUNTRIES)
				countries_changed();
			else if (tag == EV_EVENTS)
				events_process(kernel_events);
		}
		if (countries_due && now_ns() >= countries_due)
			load_countries();
		resolve_process(-1, 0);
		dnsbl_tick(now_ns());
		responder_tick(responder, now_ns());
		store_tick(&store, now_ns());
		expire_pending();
	}
}

/* kernel_config - the config map's content from mxgate.conf */
static void kernel_config(struct mxg_config *kc)
{
	memset(kc, 0, sizeof(*kc));
	for (int i = 0; i < conf.n_ports; i++)
		kc->ports[i] = conf.ports[i];
	kc->mark_pass = conf.mark_pass;
	kc->mark_responder = conf.mark_responder;
	kc->mark_mask = conf.mark_mask;
	kc->greylist_delay_ns = conf.greylist_delay * NS_PER_S;
	kc->allowlist_ttl_ns = conf.allowlist_ttl * NS_PER_S;
	kc->greylist_plen_v4 = conf.greylist_prefix_v4 ? 96 + conf.greylist_prefix_v4 : 0;
	kc->greylist_plen_v6 = conf.greylist_prefix_v6;
	/* Rates are per minute; the bucket keeps time in ns (mxgate.h). */
	kc->throttle_interval_ns = 60 * NS_PER_S / conf.throttle_rate;
	kc->throttle_tolerance_ns = (conf.throttle_burst - 1) * kc->throttle_interval_ns;
	if (conf.throttle_prefix_rate) {
		kc->throttle_prefix_interval_ns = 60 * NS_PER_S / conf.throttle_prefix_rate;
		kc->throttle_prefix_tolerance_ns =
			(conf.throttle_prefix_burst - 1) * kc->throttle_prefix_interval_ns;
	}
}

/* write_kernel_config - the config map from conf; at start and reload */
static void write_kernel_config(void)
{
	struct mxg_config kc;

	kernel_config(&kc);
	if (bpf_write_config(kernel, &kc) < 0)
		msg_fatal("cannot write the config map under %s", conf.pin_dir);
}

/* setup_kernel - load and attach the tc program, write its config */
static struct mxgate_bpf *setup_kernel(void)
{
	struct mxgate_bpf *skel = bpf_load(conf.pin_dir, conf.max_sources);

	if (!skel)
		msg_fatal("cannot load the tc program (pin_dir %s)", conf.pin_dir);
	kernel = skel;
	write_kernel_config();
	for (int i = 0; i < conf.n_interfaces; i++) {
		if (bpf_attach(skel, conf.interfaces[i]) < 0)
			msg_fatal("cannot attach the tc program to %s",
				  conf.interfaces[i]);
	}
	if (maps_open(&maps, conf.pin_dir) < 0)
		msg_fatal("cannot open the maps pinned under %s", conf.pin_dir);
	countries_fd = bpf_map__fd(skel->maps.countries);
	return skel;
}

/* restore_one - store_iterate's callback: one learned verdict back into
 * the kernel, unless the kernel still holds a newer one */
static void restore_one(void *ctx, const struct mxg_key *k, const struct mxg_verdict *v)
{
	unsigned *restored = ctx;

	if (verdict_restore(&maps, k, v) == 0)
		(*restored)++;
}

/* restore_state - verdicts learned before a reboot or map wipe go back
 * into the kernel; without a store mxgated still works, it only forgets */
static void restore_state(void)
{
	unsigned restored = 0;
	int expired;

	if (store_open(&store, &store_lmdb_ops, conf.state_dir, STORE_CREATE) != 0) {
		msg_warn("running without on-disk state: learned senders will "
			 "not survive a reboot");
		return;
	}
	expired = store_iterate(&store, restore_one, &restored);
	if (expired >= 0)
		msg_info("state: %u verdict(s) restored from %s, %d expired",
			 restored, store.where, expired);
}

/* uninstall - -u: take mxgate out of the packet path, keep learned state */
static int uninstall(void)
{
	int rc = 0;

	for (int i = 0; i < conf.n_interfaces; i++)
		if (bpf_detach(conf.interfaces[i]) < 0)
			rc = 1;
	if (rules_run(&conf, "unload") != 0)
		rc = 1;
	msg_info("detached from %d interface(s), rules unloaded; verdicts "
		 "stay pinned under %s", conf.n_interfaces, conf.pin_dir);
	return rc;
}

/* write_pid_file - for mxgatectl reload and init scripts */
static void write_pid_file(void)
{
	FILE *f = fopen(conf.pid_file, "w");

	if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0)
		msg_warn("pid_file %s: %s (mxgatectl reload will not find us)",
			 conf.pid_file, strerror(errno));
}

/* usage - print the synopsis and exit 2 */
static void usage(void)
{
	fprintf(stderr, "usage: mxgated [-f] [-c FILE] [-t | -u]\n"
		"  -f       stay in the foreground, log to stderr\n"
		"  -c FILE  configuration (default " MXG_DEFAULT_CONF ")\n"
		"  -t       check the configuration and exit\n"
		"  -u       detach the tc program, unload the rules, exit\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int foreground = 0, test_only = 0, do_uninstall = 0, opt;
	int epfd, qfd, sigfd, nbad;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = EV_QUEUE };
	struct mxgate_bpf *skel;

	while ((opt = getopt(argc, argv, "fc:tuh")) != -1) {
		switch (opt) {
		case 'f': foreground = 1; break;
		case 'c': conf_path = optarg; break;
		case 't': test_only = 1; break;
		case 'u': do_uninstall = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	log_open("mxgated", foreground || test_only || do_uninstall);

	conf_defaults(&conf);
	nbad = conf_load(&conf, conf_path, report_conf_error);
	if (nbad != 0)
		msg_fatal("%s: %s; not starting", conf_path,
			  nbad < 0 ? "cannot read it" : "bad configuration");
	if (conf.n_interfaces == 0)
		msg_fatal("%s: interfaces is not set: name the interface(s) "
			  "SMTP clients arrive on", conf_path);
	if (do_uninstall)
		return uninstall();
	if (table_set_load(&tables, conf.client_access, report_conf_error) != 0)
		msg_fatal("%s: client_access: bad table(s); not starting", conf_path);
	if (test_only) {
		msg_info("%s: configuration ok", conf_path);
		return 0;
	}
	if (s25r_init() < 0)
		msg_fatal("cannot compile the S25R rules");
	if (pending_init(&pending, conf.max_pending) < 0)
		msg_fatal("out of memory for %u pending lookups", conf.max_pending);

	skel = setup_kernel();
	restore_state();
	learn_init(&conf, &maps, &store);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0 || (sigfd = open_signals(epfd)) < 0)
		msg_fatal("epoll/signalfd: %s", strerror(errno));
	if (resolve_init(epfd, conf.dns_servers, conf.decision_timeout_ms / 3) < 0)
		msg_fatal("cannot set up the DNS resolver");
	if (dnsbl_init(conf.dnsbl_sites, conf.dnsbl_min_ttl, conf.dnsbl_max_ttl) < 0)
		msg_fatal("cannot set up the DNS lists");
	dnsbl_tick(now_ns());	/* first health probe */
	load_countries();
	watch_countries(epfd);
	open_responder(epfd);
	kernel_events = events_open(bpf_map__fd(skel->maps.events), epfd,
				    EV_EVENTS, learn_kernel_event, NULL);
	events_process(kernel_events);	/* promotions while we were down */
	/* Every pending source may hold PENDING_MAX_HELD SYNs in the queue. */
	qfd = queue_open(conf.queue, conf.max_pending * PENDING_MAX_HELD);
	if (qfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, qfd, &ev) < 0)
		msg_fatal("cannot listen on NFQUEUE %u", conf.queue);
	if (rules_run(&conf, "load") != 0)
		msg_fatal("cannot load the nftables rules with %s", conf.rules_cmd);
	if (!foreground && daemon(0, 0) < 0)
		msg_fatal("daemon: %s", strerror(errno));
	write_pid_file();
	msg_info("ready: queue %u, %d interface(s), pin_dir %s, dns %s",
		 conf.queue, conf.n_interfaces, conf.pin_dir,
		 conf.dns_servers[0] ? conf.dns_servers : "system resolver");

	run_loop(epfd, sigfd);

	release_all();
	msg_info("stopped: queued=%llu joined=%llu cached=%llu overload=%llu "
		 "ignored=%llu pass=%llu block=%llu; tc program and rules stay "
		 "in place (fail-open)", stats.queued, stats.joined,
		 stats.cached, stats.overload, stats.ignored,
		 stats.decided[MXG_ACT_PASS], stats.decided[MXG_ACT_BLOCK]);
	events_process(kernel_events);
	events_close(kernel_events);
	responder_close(responder);
	resolve_shutdown();
	dnsbl_free();
	unlink(conf.pid_file);
	queue_close();
	maps_close(&maps);
	store_close(&store);
	bpf_unload(skel);
	country_table_free(&countries_in_force);
	pending_free(&pending);
	table_set_free(&tables);
	s25r_free();
	close(sigfd);
	if (countries_watch >= 0)
		close(countries_watch);
	close(epfd);
	return 0;
}
