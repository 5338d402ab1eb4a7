/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_tc.c - the real tc program under BPF_PROG_TEST_RUN: crafted
 * packets in, verdict (TC_ACT_*), skb mark and counters out. The maps are
 * pinned in a private bpffs that the tests mount and unmount themselves.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "bpf_load.h"
#include "country.h"
#include "log.h"
#include "mxgate.skel.h"
#include "packets.h"
#include "test.h"
#include "verdict.h"

#define TC_ACT_OK	0
#define TC_ACT_SHOT	2
#define SECOND		1000000000ULL

struct world {
	char dir[64];			/* private bpffs mount point */
	struct mxgate_bpf *skel;	/* loaded program and maps */
	struct verdict_maps maps;	/* the pinned maps, as mxgated sees them */
};

/* world_up - mount a bpffs, load the program with pins there, config */
static int world_up(struct world *w, const __u16 *ports, int n_ports)
{
	struct mxg_config cfg = { .mark_pass = MXG_DEFAULT_MARK_PASS,
		.mark_tarpit = MXG_DEFAULT_MARK_TARPIT,
		.mark_mask = MXG_DEFAULT_MARK_MASK,
		.greylist_delay_ns = 25 * 60 * SECOND,
		.allowlist_ttl_ns = 20 * 86400 * SECOND };

	memset(w, 0, sizeof(*w));
	snprintf(w->dir, sizeof(w->dir), "/tmp/mxgate-bpftest.XXXXXX");
	if (!mkdtemp(w->dir) || mount("bpf", w->dir, "bpf", 0, NULL) < 0) {
		test_fail(__FILE__, __LINE__, "bpffs in %s: %s", w->dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n_ports; i++)
		cfg.ports[i] = ports[i];
	w->skel = bpf_load(w->dir, 1024);
	if (!w->skel || bpf_write_config(w->skel, &cfg) < 0 ||
	    verdict_open(&w->maps, w->dir) < 0) {
		test_fail(__FILE__, __LINE__, "cannot load the tc program");
		return -1;
	}
	return 0;
}

/* world_down - free everything and unmount */
static void world_down(struct world *w)
{
	verdict_close(&w->maps);
	if (w->skel)
		bpf_unload(w->skel);
	umount2(w->dir, MNT_DETACH);
	rmdir(w->dir);
}

/* run - one packet through the program; returns TC_ACT_*, mark out */
static int run(struct world *w, const struct pkt_spec *s, size_t cut,
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

/* stat - one kernel counter, summed over CPUs */
static __u64 stat(struct world *w, unsigned id)
{
	__u64 totals[MXG_STAT_MAX];

	if (stats_read(&w->maps, totals) < 0)
		return ~0ULL;
	return totals[id];
}

/* key_of - the map key of the test source for family */
static struct mxg_key key_of(int family)
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

/* put - a verdict for family's test source */
static void put(struct world *w, int family, enum mxg_action a, __u32 reasons,
		__u64 ttl)
{
	struct mxg_key k = key_of(family);

	CHECK_EQ_INT(verdict_put(&w->maps, &k, a, reasons, 0, ttl), 0);
}

TEST(tc_unknown_source_passes_unmarked)
{
	struct world w;
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		for (int fam = 4; fam <= 6; fam += 2) {
			struct pkt_spec s = syn_spec(fam);

			CHECK_EQ_INT(run(&w, &s, 0, 0x70000, &mark), TC_ACT_OK);
			CHECK_EQ_INT(mark, 0x70000);
		}
		CHECK_EQ_INT(stat(&w, MXG_STAT_SYN), 2);
		CHECK_EQ_INT(stat(&w, MXG_STAT_UNKNOWN), 2);
		CHECK_EQ_INT(stat(&w, MXG_STAT_PACKETS), 2);
	}
	world_down(&w);
}

TEST(tc_pass_sets_the_mark_keeping_other_bits)
{
	struct world w;
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		for (int fam = 4; fam <= 6; fam += 2) {
			struct pkt_spec s = syn_spec(fam);

			put(&w, fam, MXG_ACT_PASS, MXG_R_FCRDNS, 60 * SECOND);
			CHECK_EQ_INT(run(&w, &s, 0, 0x70f00, &mark), TC_ACT_OK);
			CHECK_EQ_INT(mark, 0x70000 | MXG_DEFAULT_MARK_PASS);
		}
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACTION + MXG_ACT_PASS), 2);
		CHECK_EQ_INT(stat(&w, MXG_STAT_UNKNOWN), 0);
	}
	world_down(&w);
}

TEST(tc_block_drops_and_counts_reasons_and_hits)
{
	struct world w;
	struct mxg_key k = key_of(4);
	struct mxg_verdict v;
	struct pkt_spec s = syn_spec(4);
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		put(&w, 4, MXG_ACT_BLOCK, MXG_R_S25R1 | MXG_R_FCRDNS, 60 * SECOND);
		for (int i = 0; i < 3; i++)
			CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_SHOT);
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACTION + MXG_ACT_BLOCK), 3);
		CHECK_EQ_INT(stat(&w, MXG_STAT_REASON + 1), 3);	/* s25r1 */
		CHECK_EQ_INT(stat(&w, MXG_STAT_REASON + 7), 3);	/* fcrdns */
		CHECK_EQ_INT(stat(&w, MXG_STAT_REASON + 0), 0);	/* s25r0 */
		CHECK_EQ_INT(verdict_get(&w.maps, &k, &v), 0);
		CHECK_EQ_INT(v.hits, 3);
	}
	world_down(&w);
}

TEST(tc_expired_verdict_is_ignored)
{
	struct world w;
	struct pkt_spec s = syn_spec(6);
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		put(&w, 6, MXG_ACT_BLOCK, MXG_R_S25R0, 0);	/* expires now */
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_EXPIRED), 1);
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACTION + MXG_ACT_BLOCK), 0);
	}
	world_down(&w);
}

/* put_raw - a verdict with explicit times, relative to now (ns) */
static void put_raw(struct world *w, int family, enum mxg_action a,
		    __s64 set_rel, __s64 expires_rel)
{
	struct mxg_key k = key_of(family);
	struct mxg_verdict v = { .action = a, .reasons = MXG_R_S25R1 };
	__u64 now = now_ns();

	v.set_ns = now + (__u64)set_rel;
	v.expires_ns = now + (__u64)expires_rel;
	CHECK_EQ_INT(bpf_map_update_elem(w->maps.verdicts_fd, &k, &v, BPF_ANY), 0);
}

#define MINUTE (60 * SECOND)

TEST(tc_greylist_clock)
{
	struct world w;
	struct pkt_spec s = syn_spec(4);
	struct mxg_key k = key_of(4);
	struct mxg_verdict v;
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		/* First contact just now: a retry before the delay is refused. */
		put_raw(&w, 4, MXG_ACT_GREYLIST, 0, 45 * MINUTE);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_SHOT);
		CHECK_EQ_INT(stat(&w, MXG_STAT_ACTION + MXG_ACT_GREYLIST), 1);
		/* 30 minutes later, inside the window: promoted to pass. */
		put_raw(&w, 4, MXG_ACT_GREYLIST, -30 * (__s64)MINUTE, 15 * MINUTE);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
		CHECK_EQ_INT(stat(&w, MXG_STAT_PROMOTED), 1);
		CHECK_EQ_INT(verdict_get(&w.maps, &k, &v), 0);
		CHECK_EQ_INT(v.action, MXG_ACT_PASS);
		CHECK(v.reasons & MXG_R_RETRIED);
		CHECK(v.expires_ns > now_ns() + 19 * 24 * 60 * MINUTE);
		/* Its later connections pass and keep the allowlisting fresh. */
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(stat(&w, MXG_STAT_PROMOTED), 1);
		/* No retry in the window: the entry lapses, the SYN is queued
		 * as a first contact again. */
		put_raw(&w, 4, MXG_ACT_GREYLIST, -50 * (__s64)MINUTE, -5 * (__s64)MINUTE);
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, 0);
		CHECK_EQ_INT(stat(&w, MXG_STAT_EXPIRED), 1);
		/* Tarpit drops until the responder exists. */
		put(&w, 4, MXG_ACT_TARPIT, MXG_R_S25R1, 60 * SECOND);
		CHECK_EQ_INT(run(&w, &s, 0, 0, NULL), TC_ACT_SHOT);
	}
	world_down(&w);
}

TEST(tc_only_new_syns_to_protected_ports_are_judged)
{
	struct world w;
	struct pkt_spec s;
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		put(&w, 4, MXG_ACT_BLOCK, MXG_R_S25R0, 60 * SECOND);
		put(&w, 6, MXG_ACT_BLOCK, MXG_R_S25R0, 60 * SECOND);
		s = syn_spec(4);
		s.tcp_flags = 0x10;			/* ACK of a live connection */
		CHECK_EQ_INT(run(&w, &s, 0, 5, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, 5);
		s.tcp_flags = 0x12;			/* SYN-ACK */
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		s = syn_spec(4);
		s.dport = 80;				/* not protected */
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		s = syn_spec(6);
		s.udp = 1;
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		s = syn_spec(4);
		s.v4_frag_offset = 8;			/* later fragment */
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(stat(&w, MXG_STAT_SYN), 0);
		/* VLAN-tagged and QinQ SYNs are judged like untagged ones. */
		s = syn_spec(6);
		s.vlans = 1;
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_SHOT);
		s.vlans = 2;
		s.v6_hop_dst = 1;
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_SHOT);
		CHECK_EQ_INT(stat(&w, MXG_STAT_SYN), 2);
	}
	world_down(&w);
}

TEST(tc_truncated_packets_pass_and_are_counted)
{
	struct world w;
	struct pkt_spec s = syn_spec(4);
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		put(&w, 4, MXG_ACT_BLOCK, MXG_R_S25R0, 60 * SECOND);
		/* Ethernet + IPv4 header + half a TCP header. */
		CHECK_EQ_INT(run(&w, &s, 14 + 20 + 10, 0, &mark), TC_ACT_OK);
		/* IPv6 cut inside its destination options header. */
		s = syn_spec(6);
		s.v6_hop_dst = 1;
		CHECK_EQ_INT(run(&w, &s, 14 + 40 + 12, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(stat(&w, MXG_STAT_MALFORMED), 2);
		CHECK_EQ_INT(stat(&w, MXG_STAT_SYN), 0);
	}
	world_down(&w);
}

TEST(tc_configured_ports_replace_port_25)
{
	static const __u16 ports[] = { 587, 2525 };
	struct world w;
	struct pkt_spec s = syn_spec(4);

	if (world_up(&w, ports, 2) == 0) {
		put(&w, 4, MXG_ACT_BLOCK, MXG_R_S25R0, 60 * SECOND);
		CHECK_EQ_INT(run(&w, &s, 0, 0, NULL), TC_ACT_OK);	/* 25 */
		s.dport = 587;
		CHECK_EQ_INT(run(&w, &s, 0, 0, NULL), TC_ACT_SHOT);
		s.dport = 2525;
		CHECK_EQ_INT(run(&w, &s, 0, 0, NULL), TC_ACT_SHOT);
	}
	world_down(&w);
}

static struct mxgate_bpf *load_logged(const char *dir, unsigned max_sources,
				      char *buf, size_t len);

TEST(tc_pinned_maps_survive_a_reload)
{
	char warning[4096], want[256];
	struct world w;
	struct mxgate_bpf *again;
	struct pkt_spec s = syn_spec(4);
	__u32 mark;

	if (world_up(&w, NULL, 0) == 0) {
		put(&w, 4, MXG_ACT_BLOCK, MXG_R_S25R2, 60 * SECOND);
		/* A restarted daemon loads the program anew: same maps. */
		again = bpf_load(w.dir, 1024);
		CHECK(again != NULL);
		if (again) {
			bpf_unload(w.skel);
			w.skel = again;
			CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_SHOT);
		}
		/* A map of another size is refused, not silently replaced,
		 * and the warning names the map, its pin and the difference. */
		CHECK(load_logged(w.dir, 2048, warning, sizeof(warning)) == NULL);
		snprintf(want, sizeof(want), "map verdicts pinned at %s/verdicts "
			 "does not fit: max_entries 1024, this mxgate wants 2048",
			 w.dir);
		if (!strstr(warning, want))
			test_fail(__FILE__, __LINE__, "warning \"%s\" lacks \"%s\"",
				  warning, want);
		/* The refused load left the pinned map and its entry alone. */
		CHECK_EQ_INT(run(&w, &s, 0, 0, &mark), TC_ACT_SHOT);
	}
	world_down(&w);
}

/* load_logged - bpf_load() with what it writes to stderr caught in buf */
static struct mxgate_bpf *load_logged(const char *dir, unsigned max_sources,
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
	skel = bpf_load(dir, max_sources);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
	return skel;
}

TEST(tc_country_set_drops_before_any_verdict)
{
	struct world w;
	struct country_set set = { 0 };
	struct country_entry e[2] = {
		{ .key = { .prefixlen = 96 + 24, .addr = { [10] = 0xff, [11] = 0xff,
			   [12] = 198, [13] = 51, [14] = 100 } },
		  .value = { .cc = "zz", .action = MXG_ACT_BLOCK } },
		{ .key = { .prefixlen = 48, .addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c } },
		  .value = { .cc = "zz", .action = MXG_ACT_BLOCK } },
	};
	struct pkt_spec s4 = syn_spec(4), s6 = syn_spec(6);

	if (world_up(&w, NULL, 0) == 0) {
		int fd = bpf_map__fd(w.skel->maps.countries);

		put(&w, 4, MXG_ACT_PASS, MXG_R_FCRDNS, 60 * SECOND);
		CHECK_EQ_INT(run(&w, &s4, 0, 0, NULL), TC_ACT_OK);
		set.entries = e;
		set.n = 2;
		CHECK_EQ_INT(country_install(fd, &set), 0);
		/* The country wins even over a cached pass. */
		CHECK_EQ_INT(run(&w, &s4, 0, 0, NULL), TC_ACT_SHOT);
		CHECK_EQ_INT(run(&w, &s6, 0, 0, NULL), TC_ACT_SHOT);
		CHECK_EQ_INT(stat(&w, MXG_STAT_COUNTRY), 2);
		/* An empty set swapped in lifts it at once. */
		set.n = 0;
		CHECK_EQ_INT(country_install(fd, &set), 0);
		CHECK_EQ_INT(run(&w, &s4, 0, 0, NULL), TC_ACT_OK);
		CHECK_EQ_INT(run(&w, &s6, 0, 0, NULL), TC_ACT_OK);
	}
	world_down(&w);
}

/* attached_id - id of the program at mxgate's handle on ifname's ingress,
 * 0 when there is none */
static __u32 attached_id(const char *ifname)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)if_nametoindex(ifname),
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = MXG_TC_HANDLE,
		    .priority = MXG_TC_PRIORITY);

	return bpf_tc_query(&hook, &opts) == 0 ? opts.prog_id : 0;
}

/* prog_id - the kernel's id of skel's tc program */
static __u32 prog_id(struct mxgate_bpf *skel)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.mxgate_ingress),
				   &info, &len))
		return 0;
	return info.id;
}

/* The attach tests run in a network namespace of their own, entered with
 * unshare() and left with setns(): its lo is the interface, and the
 * namespace (with anything attached there) goes when the test leaves. */
TEST(tc_attach_replace_detach)
{
	struct mxgate_bpf *again;
	struct world w;
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	__u32 id;

	if (home < 0 || unshare(CLONE_NEWNET) < 0) {
		test_fail(__FILE__, __LINE__, "own netns: %s", strerror(errno));
		if (home >= 0)
			close(home);
		return;
	}
	if (world_up(&w, NULL, 0) == 0) {
		/* First attach creates the clsact qdisc, the second replaces. */
		CHECK_EQ_INT(bpf_attach(w.skel, "lo"), 0);
		CHECK(attached_id("lo") != 0);
		CHECK_EQ_INT(attached_id("lo"), prog_id(w.skel));
		CHECK_EQ_INT(bpf_attach(w.skel, "lo"), 0);
		CHECK_EQ_INT(attached_id("lo"), prog_id(w.skel));
		/* A restarted daemon's program takes the place of the old one
		 * and stays attached after the daemon let go of it. */
		again = bpf_load(w.dir, 1024);
		CHECK(again != NULL);
		if (again) {
			CHECK_EQ_INT(bpf_attach(again, "lo"), 0);
			id = prog_id(again);
			CHECK(id != 0 && id != prog_id(w.skel));
			bpf_unload(again);
			CHECK_EQ_INT(attached_id("lo"), id);
		}
		CHECK_EQ_INT(bpf_detach("lo"), 0);
		CHECK_EQ_INT(attached_id("lo"), 0);
		CHECK_EQ_INT(bpf_detach("lo"), 0);	/* nothing there: fine */
		CHECK_EQ_INT(bpf_attach(w.skel, "mxg-no-such"), -1);
		CHECK_EQ_INT(bpf_detach("mxg-no-such"), -1);
	}
	world_down(&w);
	if (setns(home, CLONE_NEWNET) < 0)
		test_fail(__FILE__, __LINE__, "back to the netns: %s", strerror(errno));
	close(home);
}
