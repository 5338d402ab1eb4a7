/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * world.h - what the tc program tests share: a private bpffs with the
 * program loaded and configured, one packet through BPF_PROG_TEST_RUN,
 * counters, keys and verdicts with times relative to the program's clock
 * (CLOCK_MONOTONIC_COARSE, now_ns()).
 *
 * Time: the program reads the clock after the test did, so a time the
 * test writes as "now + x" is at most x ahead of the program's now (a
 * coarse tick or two less). Exact boundaries are tested from that side;
 * the other side gets a margin of a second.
 *
 * Note: the Makefile's bpf_tests rule depends on the .c files of tests/bpf, not on
 * this header; touch a .c file after editing it.
 */
#ifndef MXG_TEST_WORLD_H
#define MXG_TEST_WORLD_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "bpf_load.h"
#include "mxgate.skel.h"
#include "packets.h"
#include "test.h"
#include "maps.h"

#define TC_ACT_OK	0
#define TC_ACT_SHOT	2
#define SECOND		1000000000ULL
#define MINUTE		(60 * SECOND)
#define DAY		(86400 * SECOND)

#define GREYLIST_DELAY	(25 * MINUTE)
#define ALLOWLIST_TTL	(20 * DAY)

struct world {
	char dir[64];			/* private bpffs mount point */
	struct mxgate_bpf *skel;	/* loaded program and maps */
	struct pinned_maps maps;	/* the pinned maps, as mxgated sees them */
	struct mxg_config cfg;		/* what the config map holds */
};

/* default_config - marks, greylist delay 25 min, allowlist 20 days,
 * no pools, no token buckets */
static inline struct mxg_config default_config(void)
{
	struct mxg_config cfg = { .mark_pass = MXG_DEFAULT_MARK_PASS,
		.mark_responder = MXG_DEFAULT_MARK_RESPONDER,
		.mark_mask = MXG_DEFAULT_MARK_MASK,
		.greylist_delay_ns = GREYLIST_DELAY,
		.allowlist_ttl_ns = ALLOWLIST_TTL };

	return cfg;
}

/* world_up_cfg - mount a bpffs, load the program with pins there, cfg */
static inline int world_up_cfg(struct world *w, const struct mxg_config *cfg)
{
	memset(w, 0, sizeof(*w));
	w->maps.verdicts_fd = w->maps.stats_fd = -1;
	w->maps.rule_hits_fd = w->maps.decisions_fd = w->maps.unproven_fd = -1;
	w->cfg = *cfg;
	snprintf(w->dir, sizeof(w->dir), "/tmp/mxgate-bpftest.XXXXXX");
	if (!mkdtemp(w->dir) || mount("bpf", w->dir, "bpf", 0, NULL) < 0) {
		test_fail(__FILE__, __LINE__, "bpffs in %s: %s", w->dir, strerror(errno));
		return -1;
	}
	w->skel = bpf_load(w->dir, 1024, 1024);
	if (!w->skel || bpf_write_config(w->skel, &w->cfg) < 0 ||
	    maps_open(&w->maps, w->dir) < 0) {
		test_fail(__FILE__, __LINE__, "cannot load the tc program");
		return -1;
	}
	return 0;
}

/* world_up - the default config, with ports (none: port 25) */
static inline int world_up(struct world *w, const __u16 *ports, int n_ports)
{
	struct mxg_config cfg = default_config();

	for (int i = 0; i < n_ports; i++)
		cfg.ports[i] = ports[i];
	return world_up_cfg(w, &cfg);
}

/* reconfigure - write w->cfg (changed by the test) to the config map */
static inline void reconfigure(struct world *w)
{
	CHECK_EQ_INT(bpf_write_config(w->skel, &w->cfg), 0);
}

/* world_down - free everything and unmount */
static inline void world_down(struct world *w)
{
	maps_close(&w->maps);
	if (w->skel)
		bpf_unload(w->skel);
	umount2(w->dir, MNT_DETACH);
	rmdir(w->dir);
}

/* run - one packet through the program; returns TC_ACT_*, mark out */
static inline int run(struct world *w, const struct pkt_spec *s, size_t cut,
		      __u32 mark_in, __u32 *mark_out)
{
	__u8 buf[PKT_MAX];
	struct __sk_buff ctx = { .mark = mark_in };
	size_t n = build_frame(buf, s);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf,
		    .data_size_in = (__u32)(cut && cut < n ? cut : n),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .ctx_out = &ctx, .ctx_size_out = sizeof(ctx), .repeat = 1);
	int err = bpf_prog_test_run_opts(
		bpf_program__fd(w->skel->progs.mxgate_ingress), &opts);

	if (err) {
		test_fail(__FILE__, __LINE__, "BPF_PROG_TEST_RUN: %s", strerror(-err));
		return -1;
	}
	if (mark_out)
		*mark_out = ctx.mark;
	return (int)opts.retval;
}

/* stats - every counter, summed over CPUs (all ~0 on error) */
static inline void stats(struct world *w, __u64 totals[MXG_STAT_MAX])
{
	if (stats_read(&w->maps, totals) < 0)
		memset(totals, 0xff, MXG_STAT_MAX * sizeof(*totals));
}

/* stat - one counter, summed over CPUs */
static inline __u64 stat(struct world *w, unsigned id)
{
	__u64 totals[MXG_STAT_MAX];

	stats(w, totals);
	return totals[id];
}

/* key_of - the map key of the test source for family */
static inline struct mxg_key key_of(int family)
{
	struct mxg_key k = { .plen = 128 };

	if (family == 4) {
		k.addr[10] = k.addr[11] = 0xff;
		memcpy(k.addr + 12, test_src4, 4);
	} else {
		memcpy(k.addr, test_src6, 16);
	}
	return k;
}

/* key4 - the /128 key of a.b.c.d (IPv4-mapped) */
static inline struct mxg_key key4(__u8 a, __u8 b, __u8 c, __u8 d)
{
	struct mxg_key k = { .plen = 128 };

	k.addr[10] = k.addr[11] = 0xff;
	k.addr[12] = a;
	k.addr[13] = b;
	k.addr[14] = c;
	k.addr[15] = d;
	return k;
}

/* key6 - the /128 key of a 16-byte IPv6 address */
static inline struct mxg_key key6(const __u8 addr[16])
{
	struct mxg_key k = { .plen = 128 };

	memcpy(k.addr, addr, 16);
	return k;
}

/* is_v4 - is k IPv4-mapped? */
static inline int is_v4(const struct mxg_key *k)
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(k->addr, mapped, 12) == 0;
}

/* syn_from - a SYN to port 25 from the address of k (which must outlive it) */
static inline struct pkt_spec syn_from(const struct mxg_key *k)
{
	struct pkt_spec s = syn_spec(is_v4(k) ? 4 : 6);

	s.src = is_v4(k) ? k->addr + 12 : k->addr;
	return s;
}

/* put - a verdict for family's test source, set now, lasting ttl */
static inline void put(struct world *w, int family, enum mxg_action a,
		       __u32 reasons, __u64 ttl)
{
	struct mxg_key k = key_of(family);

	CHECK_EQ_INT(verdict_put(&w->maps, &k, a, reasons, 0, ttl), 0);
}

/* put_at - a verdict for k with decided_ns and expires_ns relative to
 * now, never reported */
static inline void put_at(struct world *w, const struct mxg_key *k,
			  enum mxg_action a, __u32 reasons,
			  __s64 decided_rel, __s64 expires_rel)
{
	struct mxg_verdict v = { .action = a, .reasons = reasons };
	__u64 now = now_ns();

	v.decided_ns = now + (__u64)decided_rel;
	v.expires_ns = now + (__u64)expires_rel;
	CHECK_EQ_INT(bpf_map_update_elem(w->maps.verdicts_fd, k, &v, BPF_ANY), 0);
}

/* get - k's verdict; action MXG_ACT_MAX when there is none */
static inline struct mxg_verdict get(struct world *w, const struct mxg_key *k)
{
	struct mxg_verdict v = { .action = MXG_ACT_MAX };

	if (verdict_get(&w->maps, k, &v) < 0)
		v.action = MXG_ACT_MAX;
	return v;
}

/* age_verdict - move k's first contact back by ns (time passing) */
static inline void age_verdict(struct world *w, const struct mxg_key *k, __u64 ns)
{
	struct mxg_verdict v;

	CHECK_EQ_INT(verdict_get(&w->maps, k, &v), 0);
	v.decided_ns -= ns;
	CHECK_EQ_INT(verdict_put_as(&w->maps, k, &v), 0);
}

/* has_verdict - is there an entry for k? */
static inline int has_verdict(struct world *w, const struct mxg_key *k)
{
	struct mxg_verdict v;

	return verdict_get(&w->maps, k, &v) == 0;
}

/* prefix - k with the bits beyond plen cleared and plen set */
static inline struct mxg_key prefix(struct mxg_key k, unsigned plen)
{
	for (unsigned i = 0; i < 16; i++) {
		if (plen >= 8 * (i + 1))
			continue;
		k.addr[i] = plen <= 8 * i ? 0 :
			(__u8)(k.addr[i] & (0xff00 >> (plen - 8 * i)));
	}
	k.plen = (__u8)plen;
	return k;
}

/* load_logged - bpf_load() with what it writes to stderr caught in buf */
static inline struct mxgate_bpf *load_logged(const char *dir, unsigned max_sources,
					     char *buf, size_t len)
{
	struct mxgate_bpf *skel;
	FILE *f = tmpfile();
	int saved = dup(2);
	size_t n = 0;

	buf[0] = 0;
	if (!f || saved < 0) {
		test_fail(__FILE__, __LINE__, "tmpfile/dup: %s", strerror(errno));
		return NULL;
	}
	fflush(stderr);
	dup2(fileno(f), 2);
	skel = bpf_load(dir, max_sources, 1024);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
	return skel;
}

/* pinned_info - the bpf_map_info of the map pinned as dir/name; -1 */
static inline int pinned_info(const char *dir, const char *name, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);
	char path[256];
	int fd, rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -1;
	memset(info, 0, sizeof(*info));
	rc = bpf_obj_get_info_by_fd(fd, info, &len) == 0 ? 0 : -1;
	close(fd);
	return rc;
}

/* pinned_max_entries - max_entries of the map pinned as dir/name; -1 */
static inline long pinned_max_entries(const char *dir, const char *name)
{
	struct bpf_map_info info;

	if (pinned_info(dir, name, &info) < 0 || !info.max_entries)
		return -1;
	return (long)info.max_entries;
}

#endif /* MXG_TEST_WORLD_H */
