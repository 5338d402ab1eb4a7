/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dryrun.c - mxgatectl check ADDR; see dryrun.h for the contract. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "country.h"
#include "dnsbl.h"
#include "dryrun.h"
#include "names.h"
#include "policy.h"
#include "resolve.h"
#include "s25r.h"
#include "maps.h"

#define NS_PER_MS 1000000ULL
#define PROBE_WAIT_MS 3000

struct lookups {
	struct fcrdns_result fcrdns;
	int fcrdns_done;
	int score;
	int dnsbl_done;
};

/* got_fcrdns, got_dnsbl - the answers, for run_until */
static void got_fcrdns(void *arg, const struct fcrdns_result *r)
{
	struct lookups *l = arg;

	l->fcrdns = *r;
	l->fcrdns_done = 1;
}

static void got_dnsbl(void *arg, int score)
{
	struct lookups *l = arg;

	l->score = score;
	l->dnsbl_done = 1;
}

/* run_until - drive c-ares until *done is set or ms have passed */
static void run_until(int epfd, const int *done, const int *done2, unsigned ms)
{
	__u64 deadline = now_ns() + ms * NS_PER_MS;
	struct epoll_event ev[16];

	while (!(*done && (!done2 || *done2)) && now_ns() < deadline) {
		int n = epoll_wait(epfd, ev, 16, resolve_timeout_ms(50));

		for (int i = 0; i < n; i++)
			if (ev[i].data.u64 >> 32 == RESOLVE_EPOLL_TAG)
				resolve_process((int)(__u32)ev[i].data.u64, ev[i].events);
		resolve_process(-1, 0);
	}
}

/* run_until_probed - drive c-ares until the DNSBL probes are in */
static void run_until_probed(int epfd, int *never)
{
	__u64 deadline = now_ns() + PROBE_WAIT_MS * NS_PER_MS;

	while (dnsbl_probing() && now_ns() < deadline)
		run_until(epfd, never, NULL, 50);
}

/* print_country - the pinned country set's answer for client: its
 * action, or MXG_ACT_NONE */
static enum mxg_action print_country(const char *pin_dir, const struct mxg_key *client)
{
	struct mxg_country c;
	char path[4200];
	int outer, found;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, MXG_MAP_COUNTRIES);
	outer = bpf_obj_get(path);
	if (outer < 0) {
		printf("country:        unknown (no %s: mxgated has not run)\n", path);
		return MXG_ACT_NONE;
	}
	found = country_lookup(outer, client, &c) == 0;
	close(outer);
	if (!found) {
		printf("country:        none\n");
		return MXG_ACT_NONE;
	}
	printf("country:        %.2s, %s%s\n", c.cc, action_name(c.action),
	       c.action == MXG_ACT_BLOCK ? " (the kernel drops it before anything else)" : "");
	return c.action < MXG_ACT_MAX ? (enum mxg_action)c.action : MXG_ACT_NONE;
}

/* print_table - one table stage */
static void print_table(const char *stage, const struct table *t,
			const struct table_rule *r)
{
	if (!r)
		printf("%-15s no match\n", stage);
	else
		printf("%-15s %s:%d %s%s%s\n", stage, t->path, r->line,
		       r->action == MXG_ACT_NONE ? "dunno" : action_name(r->action),
		       r->text[0] ? " " : "", r->text);
}

/* dryrun - every stage, then the verdict */
int dryrun(const struct mxg_conf *conf, const struct table_set *tables,
	   const struct mxg_key *client)
{
	struct lookups l = { .fcrdns = { FCRDNS_TEMPFAIL, 1, "" } };
	const struct table *t = NULL;
	const struct table_rule *r;
	struct dnsbl_req *req;
	enum mxg_action country;
	struct decision d;
	char addr[ADDR_STRLEN], why[256];
	int epfd = epoll_create1(EPOLL_CLOEXEC);

	if (epfd < 0 || resolve_init(epfd, conf->dns_servers,
				     conf->decision_timeout_ms / 3) < 0 ||
	    dnsbl_init(conf->dnsbl_sites, conf->dnsbl_min_ttl, conf->dnsbl_max_ttl) < 0 ||
	    s25r_init() < 0) {
		fprintf(stderr, "mxgatectl: cannot set up the resolver\n");
		return 2;
	}
	addr_format(client, addr, sizeof(addr));
	printf("client:         %s (dry run: nothing is written)\n", addr);
	country = print_country(conf->pin_dir, client);
	r = table_match_addr(tables, client, &t);
	print_table("address table:", t, r);

	if (r && r->action == MXG_ACT_PASS) {
		l.fcrdns.status = FCRDNS_SKIPPED;
		printf("dns:            skipped (an address table allows it)\n");
	} else {
		int never = 0;

		/* Lists are used once their probe passed, as in mxgated. */
		dnsbl_tick(now_ns());
		if (dnsbl_probing())
			run_until_probed(epfd, &never);
		if (!resolve_start(client, got_fcrdns, &l))
			l.fcrdns_done = 1;
		if (dnsbl_start(client, got_dnsbl, &l, &req, &l.score) == 0)
			l.dnsbl_done = 1;
		run_until(epfd, &l.fcrdns_done, &l.dnsbl_done, conf->decision_timeout_ms);
		if (!l.dnsbl_done)
			l.score = dnsbl_cancel(req);
		printf("ptr:            %s (fcrdns %s)\n",
		       l.fcrdns.name[0] ? l.fcrdns.name : "-", fcrdns_name(l.fcrdns.status));
		t = NULL;
		r = table_match_name(tables, l.fcrdns.status == FCRDNS_PASS ?
				     l.fcrdns.name : NULL, &t);
		print_table("name table:", t, r);
		if (conf->dnsbl_sites[0])
			printf("dnsbl:          score %d (block at %d, allowlist at %d%s)\n",
			       l.score, conf->dnsbl_threshold,
			       conf->dnsbl_allowlist_threshold,
			       conf->dnsbl_allowlist_threshold < 0 ? "" : ": off");
		else
			printf("dnsbl:          no lists configured\n");
	}
	policy_decide(conf, tables, client, &l.fcrdns, l.score, &d);
	policy_apply_country(conf, country, &l.fcrdns, &d);
	if (d.rule > 0)
		printf("s25r:           %s %s\n", s25r_name(d.rule), s25r_pattern(d.rule));
	else if (d.rule == 0)
		printf("s25r:           s25r0 (no confirmed reverse name)\n");
	else
		printf("s25r:           clean\n");
	reasons_format(d.reasons, why, sizeof(why));
	printf("verdict:        %s reasons=%s ttl=%us\n", action_name(d.action), why,
	       d.ttl_s);
	resolve_shutdown();
	dnsbl_free();
	s25r_free();
	close(epfd);
	return d.action == MXG_ACT_PASS ? 0 : 1;
}
