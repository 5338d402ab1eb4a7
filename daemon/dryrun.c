/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dryrun.c - mxgatectl check ADDR; see dryrun.h for the contract.
 *
 * The classifier itself (classify.h) runs here, on an event loop of its
 * own, with a back end that writes nothing: what it prints is what
 * mxgated would decide, stage by stage, from the same signal table.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "classify.h"
#include "clock.h"
#include "country.h"
#include "dryrun.h"
#include "dryrun_json.h"
#include "names.h"
#include "s25r.h"

#define PROBE_WAIT_MS 3000

struct dry {
	int countries_fd;		/* the pinned countries map, or -1 */
	int decided;			/* record() was called */
	struct evidence ev;		/* what the signals found */
	struct decision dec;		/* and the policy's decision */
};

/* dry_country - the pinned country set's entry for client */
static __u32 dry_country(void *ctx, const struct mxg_key *client)
{
	struct dry *dry = ctx;
	struct mxg_country c;

	if (dry->countries_fd < 0 || country_lookup(dry->countries_fd, client, &c) != 0)
		return 0;
	return mxg_ct_leaf(&c);
}

/* dry_release - no packet is held in a dry run */
static void dry_release(void *ctx, __u32 id, __u32 mark, enum mxg_action a)
{
	(void)ctx, (void)id, (void)mark, (void)a;
}

/* dry_record - keep the outcome for printing; nothing is written */
static void dry_record(void *ctx, const struct pending *p, struct decision *d)
{
	struct dry *dry = ctx;

	dry->ev = p->ev;
	dry->dec = *d;
	dry->decided = 1;
}

/* open_countries - the pinned countries map, or -1 with a line saying
 * so (not in a JSON document: its country says known false) */
static int open_countries(const char *pin_dir, const struct json *j)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, MXG_MAP_COUNTRIES);
	fd = bpf_obj_get(path);
	if (fd < 0 && !j)
		printf("country:        unknown (no %s: mxgated has not run)\n", path);
	return fd;
}

/* run_for - drive the loop until *flag is set or ms have passed */
static void run_for(struct loop *l, const int *flag, int (*busy)(const struct dnsbl *),
		    const struct dnsbl *d, unsigned ms)
{
	__u64 deadline = now_ns() + ms * NS_PER_MS;

	while ((flag ? !*flag : busy(d)) && now_ns() < deadline)
		loop_run_once(l, 50);
}

/* dryrun - every stage, then the verdict */
int dryrun(const struct mxg_conf *conf, const struct table_set *tables,
	   const struct providers *providers, const struct mxg_key *client,
	   struct json *j)
{
	struct dry dry = { .countries_fd = -1 };
	struct classifier c = { .conf = conf, .tables = tables, .providers = providers };
	struct policy_env env = { conf, tables, providers };
	char addr[ADDR_STRLEN], why[256];
	int rc = 2;

	c.loop = loop_new();
	if (c.loop)
		c.resolver = resolve_new(c.loop, conf->dns_servers, conf->decision_timeout_ms / 3);
	if (c.resolver)
		c.dnsbl = dnsbl_new(c.loop, resolve_query_a, c.resolver);
	if (!c.dnsbl || dnsbl_configure(c.dnsbl, conf->dnsbl_sites, conf->dnsbl_min_ttl,
					conf->dnsbl_max_ttl) < 0 ||
	    s25r_init() < 0 || classify_init(&c, 1) < 0) {
		fprintf(stderr, "mxgatectl: cannot set up the resolver\n");
		goto out;
	}
	addr_format(client, addr, sizeof(addr));
	if (!j)
		printf("client:         %s (dry run: nothing is written)\n", addr);
	dry.countries_fd = open_countries(conf->pin_dir, j);
	c.be = (struct classify_backend){ .ctx = &dry, .country = dry_country,
		.release = dry_release, .record = dry_record };
	/* Lists are used once their probe passed, as in mxgated. */
	run_for(c.loop, NULL, dnsbl_probing, c.dnsbl, PROBE_WAIT_MS);
	classify_source(&c, client, 0);
	run_for(c.loop, &dry.decided, NULL, NULL, conf->decision_timeout_ms + 1000);
	if (!dry.decided) {
		fprintf(stderr, "mxgatectl: no decision within decision_timeout\n");
		goto out;
	}
	if (j) {
		dryrun_json(j, &env, client, &dry.ev, &dry.dec, dry.countries_fd >= 0);
	} else {
		for (unsigned i = 0; i < SIG_MAX; i++)
			if (i != SIG_COUNTRY || dry.countries_fd >= 0)
				signal_table[i].show(&env, client, &dry.ev, stdout);
		reasons_format(dry.dec.reasons, why, sizeof(why));
		printf("verdict:        %s reasons=%s ttl=%us\n",
		       action_name(dry.dec.action), why, dry.dec.ttl_s);
	}
	rc = dry.dec.action == MXG_ACT_PASS ? 0 : 1;
out:
	if (c.loop)
		classify_free(&c);
	resolve_free(c.resolver);	/* before the lists: see dnsbl.h */
	dnsbl_free(c.dnsbl);
	s25r_free();
	if (dry.countries_fd >= 0)
		close(dry.countries_fd);
	loop_free(c.loop);
	return rc;
}
