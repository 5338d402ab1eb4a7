/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_reset.c - greylist_repeat_reply = reset in the real tc program
 * (bpf/reset.h): a greylisted client told why on its clock and back too
 * early gets a TCP reset built from its SYN and redirected out the way
 * it came; every other case goes to the responder as before. The SYNs
 * here look like a real stack's (MSS, SACK, timestamps, window scale;
 * checksums right), and the reset that comes out is checked field by
 * field, checksums recomputed here.
 */
#include <arpa/inet.h>
#include "test.h"
#include "world.h"

#define TC_ACT_REDIRECT	7
#define SYN_SEQ		0x8badf00dU
#define SPORT		40123

/* sum16 - one's complement sum of big-endian words (len even) */
static __u32 sum16(const __u8 *p, size_t len, __u32 sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (__u32)(p[i] << 8 | p[i + 1]);
	return sum;
}

static __u16 fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* tcp_csum - the TCP checksum of seg (its own checksum field included:
 * 0 when it is right) under the pseudo header of family's addresses */
static __u16 tcp_csum(int family, const __u8 *ip, const __u8 *seg, size_t len)
{
	__u32 sum = family == 4 ? sum16(ip + 12, 8, 0) : sum16(ip + 8, 32, 0);

	sum += 6 + (__u32)len;
	return fold(sum16(seg, len, sum));
}

/* real_syn - a SYN as Linux sends it, with data bytes (TCP Fast Open)
 * after the options; vlan: one 802.1Q tag; returns the frame length */
static size_t real_syn(__u8 *f, int family, int data, int vlan)
{
	static const __u8 opts[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10,
				       0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7 };
	size_t eth = vlan ? 18 : 14, iph = family == 4 ? 20 : 40;
	__u8 *ip = f + eth, *t = ip + iph;
	size_t seg = 40 + (size_t)data;

	memset(f, 0, eth + iph + seg);
	memcpy(f, "\x02\x00\x00\x00\x00\x01", 6);		/* to us */
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x02", 6);	/* from the router */
	if (vlan) {
		f[12] = 0x81; f[13] = 0; f[15] = 7;
	}
	f[eth - 2] = family == 4 ? 0x08 : 0x86;
	f[eth - 1] = family == 4 ? 0x00 : 0xdd;
	if (family == 4) {
		ip[0] = 0x45;
		ip[1] = 0x10;
		put16(ip + 2, (unsigned)(iph + seg));
		put16(ip + 4, 4242);
		put16(ip + 6, 0x4000);
		ip[8] = 55;
		ip[9] = 6;
		memcpy(ip + 12, test_src4, 4);
		memcpy(ip + 16, "\xcb\x00\x71\x19", 4);	/* 203.0.113.25 */
		put16(ip + 10, fold(sum16(ip, 20, 0)));
	} else {
		ip[0] = 0x60; ip[1] = 0x0a; ip[2] = 0xbc; ip[3] = 0xde;
		put16(ip + 4, (unsigned)seg);
		ip[6] = 6;
		ip[7] = 55;
		memcpy(ip + 8, test_src6, 16);
		memcpy(ip + 24, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x25", 16);
	}
	put16(t, SPORT);
	put16(t + 2, 25);
	t[4] = SYN_SEQ >> 24; t[5] = (SYN_SEQ >> 16) & 0xff;
	t[6] = (SYN_SEQ >> 8) & 0xff; t[7] = SYN_SEQ & 0xff;
	t[12] = 10 << 4;				/* 40-byte header */
	t[13] = 0x02;
	put16(t + 14, 64240);
	memcpy(t + 20, opts, sizeof(opts));
	for (int i = 0; i < data; i++)
		t[40 + i] = (__u8)('a' + i);
	put16(t + 16, tcp_csum(family, ip, t, seg));
	return eth + iph + seg;
}

/* mss_only_syn - real_syn() with only its MSS option (as some stacks
 * send it: an IPv4 SYN of 44 bytes, shorter than Linux's 60) */
static size_t mss_only_syn(__u8 *f, int family)
{
	size_t iph = family == 4 ? 20 : 40;
	__u8 *ip = f + 14, *t = ip + iph;

	real_syn(f, family, 0, 0);
	t[12] = 6 << 4;					/* 24-byte header */
	if (family == 4) {
		put16(ip + 2, (unsigned)(iph + 24));
		put16(ip + 10, 0);
		put16(ip + 10, fold(sum16(ip, 20, 0)));
	} else {
		put16(ip + 4, 24);
	}
	put16(t + 16, 0);
	put16(t + 16, tcp_csum(family, ip, t, 24));
	return 14 + iph + 24;
}

/* run_frame - f through the program; the frame that comes out in out
 * (its length in *out_len), the verdict returned, mark in *mark */
static int run_frame(struct world *w, const __u8 *f, size_t len, __u8 *out,
		     size_t *out_len, __u32 *mark)
{
	struct __sk_buff ctx = { .mark = 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = PKT_MAX,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .ctx_out = &ctx, .ctx_size_out = sizeof(ctx), .repeat = 1);
	int err = bpf_prog_test_run_opts(bpf_program__fd(w->skel->progs.mxgate_ingress),
					 &opts);

	if (err) {
		test_fail(__FILE__, __LINE__, "BPF_PROG_TEST_RUN: %s", strerror(-err));
		return -1;
	}
	*out_len = opts.data_size_out;
	*mark = ctx.mark;
	return (int)opts.retval;
}

/* told_greylist - k greylisted a minute ago, told why on that clock
 * (told: told_ns = decided_ns) or not */
static void told_greylist(struct world *w, const struct mxg_key *k, int told)
{
	struct mxg_verdict v = { .action = MXG_ACT_GREYLIST,
				 .reasons = MXG_R_S25R1 | MXG_R_FCRDNS };

	v.decided_ns = now_ns() - MINUTE;
	v.expires_ns = v.decided_ns + 45 * MINUTE;
	v.told_ns = told ? v.decided_ns : 0;
	CHECK_EQ_INT(bpf_map_update_elem(w->maps.verdicts_fd, k, &v, BPF_ANY), 0);
}

/* check_reset - out is the reset for the SYN in in (data: its data bytes) */
static void check_reset(int family, const __u8 *in, const __u8 *out,
			size_t out_len, int data)
{
	size_t iph = family == 4 ? 20 : 40;
	const __u8 *ip = out + 14, *t = ip + iph, *sip = in + 14, *st = sip + iph;
	__u32 ack = SYN_SEQ + 1 + (__u32)data;

	CHECK_EQ_INT(out_len, 14 + iph + 20);		/* options and data cut */
	CHECK(memcmp(out, in + 6, 6) == 0);		/* back to the router */
	CHECK(memcmp(out + 6, in, 6) == 0);
	CHECK(out[12] == in[12] && out[13] == in[13]);
	if (family == 4) {
		CHECK_EQ_INT(ip[0], 0x45);
		CHECK_EQ_INT(ip[2] << 8 | ip[3], 40);
		CHECK_EQ_INT(ip[8], 64);
		CHECK_EQ_INT(ip[9], 6);
		CHECK(memcmp(ip + 12, sip + 16, 4) == 0);	/* from the server */
		CHECK(memcmp(ip + 16, sip + 12, 4) == 0);	/* to the client */
		CHECK_EQ_INT(fold(sum16(ip, 20, 0)), 0);	/* header checksum */
	} else {
		CHECK_EQ_INT(ip[0], 0x60);
		CHECK_EQ_INT(ip[1] | ip[2] | ip[3], 0);
		CHECK_EQ_INT(ip[4] << 8 | ip[5], 20);
		CHECK_EQ_INT(ip[6], 6);
		CHECK_EQ_INT(ip[7], 64);
		CHECK(memcmp(ip + 8, sip + 24, 16) == 0);
		CHECK(memcmp(ip + 24, sip + 8, 16) == 0);
	}
	CHECK(t[0] == st[2] && t[1] == st[3]);		/* from port 25 */
	CHECK(t[2] == st[0] && t[3] == st[1]);		/* to its port */
	CHECK_EQ_INT((__u32)t[4] << 24 | t[5] << 16 | t[6] << 8 | t[7], 0);
	CHECK_EQ_INT((__u32)t[8] << 24 | (__u32)t[9] << 16 | t[10] << 8 | t[11], ack);
	CHECK_EQ_INT(t[12], 5 << 4);
	CHECK_EQ_INT(t[13], 0x14);			/* RST, ACK */
	CHECK_EQ_INT(t[14] | t[15] | t[18] | t[19], 0);
	CHECK_EQ_INT(tcp_csum(family, ip, t, 20), 0);	/* checksum right */
}

TEST(reset_answers_a_told_greylisted_repeat)
{
	struct world w;
	__u8 in[PKT_MAX], out[PKT_MAX];
	size_t n, out_len;
	__u32 mark;
	struct mxg_verdict v;

	if (world_up(&w, NULL, 0) < 0)
		goto out;
	w.cfg.flags = MXG_CFG_REPEAT_RESET;
	reconfigure(&w);
	for (int fam = 4; fam <= 6; fam += 2) {
		struct mxg_key k = key_of(fam);

		told_greylist(&w, &k, 1);
		n = real_syn(in, fam, 0, 0);
		CHECK_EQ_INT(run_frame(&w, in, n, out, &out_len, &mark), TC_ACT_REDIRECT);
		check_reset(fam, in, out, out_len, 0);
		CHECK_EQ_INT(mark, 0);
		/* With data (Fast Open): the reset acknowledges it too. */
		n = real_syn(in, fam, 9, 0);
		CHECK_EQ_INT(run_frame(&w, in, n, out, &out_len, &mark), TC_ACT_REDIRECT);
		check_reset(fam, in, out, out_len, 9);
		/* Only an MSS option (IPv4: 44 bytes, not Linux's 60). */
		n = mss_only_syn(in, fam);
		CHECK_EQ_INT(run_frame(&w, in, n, out, &out_len, &mark), TC_ACT_REDIRECT);
		check_reset(fam, in, out, out_len, 0);
		/* The verdict is as it was: still greylisted, still told. */
		v = get(&w, &k);
		CHECK_EQ_INT(v.action, MXG_ACT_GREYLIST);
		CHECK_EQ_INT(v.told_ns, v.decided_ns);
		CHECK_EQ_INT(v.hits, 3);
	}
	CHECK_EQ_INT(stat(&w, MXG_STAT_REPEAT_RESETS), 6);
	CHECK_EQ_INT(stat(&w, MXG_STAT_REFUSED_GREYLIST), 6);	/* the breakdown */
	CHECK_EQ_INT(stat(&w, MXG_STAT_REASON + 1), 6);		/* s25r1 */
	CHECK_EQ_INT(stat(&w, MXG_STAT_TO_RESPONDER), 0);
out:
	world_down(&w);
}

TEST(reset_leaves_everything_else_to_the_responder)
{
	struct world w;
	__u8 in[PKT_MAX], out[PKT_MAX];
	size_t n, out_len;
	__u32 mark;
	int sent = 0;

	if (world_up(&w, NULL, 0) < 0)
		goto out;
	for (int fam = 4; fam <= 6; fam += 2) {
		struct mxg_key k = key_of(fam);
		struct pkt_spec plain = syn_spec(fam);
		struct mxg_verdict v;

		/* The key off (greylist_repeat_reply 421 or full). */
		told_greylist(&w, &k, 1);
		n = real_syn(in, fam, 0, 0);
		CHECK_EQ_INT(run_frame(&w, in, n, out, &out_len, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_RESPONDER);
		CHECK_EQ_INT(out_len, n);
		CHECK(memcmp(in, out, n) == 0);		/* untouched */
		sent++;
		w.cfg.flags = MXG_CFG_REPEAT_RESET;
		reconfigure(&w);
		/* Not told yet: its first dialogue, with the reason. */
		told_greylist(&w, &k, 0);
		CHECK_EQ_INT(run_frame(&w, in, n, out, &out_len, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_RESPONDER);
		sent++;
		/* Told on an older clock (greylisted anew since). */
		told_greylist(&w, &k, 1);
		v = get(&w, &k);
		v.decided_ns += SECOND;
		CHECK_EQ_INT(bpf_map_update_elem(w.maps.verdicts_fd, &k, &v, BPF_ANY), 0);
		CHECK_EQ_INT(run_frame(&w, in, n, out, &out_len, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_RESPONDER);
		sent++;
		/* Frames it does not rewrite: a VLAN tag; a SYN without
		 * options (nothing to cut, see reset.h); IPv4 options, IPv6
		 * extension headers. Untouched, to the responder. */
		told_greylist(&w, &k, 1);
		n = real_syn(in, fam, 0, 1);
		CHECK_EQ_INT(run_frame(&w, in, n, out, &out_len, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_RESPONDER);
		CHECK(out_len == n && memcmp(in, out, n) == 0);
		sent++;
		CHECK_EQ_INT(run(&w, &plain, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_RESPONDER);
		sent++;
		if (fam == 4)
			plain.v4_options = 1;
		else
			plain.v6_hop_dst = 1;
		CHECK_EQ_INT(run(&w, &plain, 0, 0, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_RESPONDER);
		sent++;
		/* After the delay: promoted as ever, told or not. */
		v = get(&w, &k);
		v.decided_ns = v.told_ns = now_ns() - GREYLIST_DELAY - SECOND;
		CHECK_EQ_INT(bpf_map_update_elem(w.maps.verdicts_fd, &k, &v, BPF_ANY), 0);
		n = real_syn(in, fam, 0, 0);
		CHECK_EQ_INT(run_frame(&w, in, n, out, &out_len, &mark), TC_ACT_OK);
		CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_PASS);
		v = get(&w, &k);
		CHECK_EQ_INT(v.action, MXG_ACT_PASS);
		CHECK_EQ_INT(v.reported_ns, 0);	/* told_ns does not linger */
		w.cfg.flags = 0;
		reconfigure(&w);
	}
	CHECK_EQ_INT(stat(&w, MXG_STAT_REPEAT_RESETS), 0);
	CHECK_EQ_INT(stat(&w, MXG_STAT_TO_RESPONDER), sent);
	CHECK_EQ_INT(stat(&w, MXG_STAT_PROMOTED), 2);
out:
	world_down(&w);
}

TEST(reset_not_for_a_pool_clock)
{
	struct mxg_config cfg = default_config();
	struct world w;
	__u8 in[PKT_MAX], out[PKT_MAX];
	size_t n, out_len;
	__u32 mark;
	struct mxg_key pool = key_of(4);

	/* Greylist pools of /24: the pool's entry told (another member
	 * heard why) tells this member nothing; it hears why first. */
	cfg.greylist_plen_v4 = 96 + 24;
	cfg.flags = MXG_CFG_REPEAT_RESET;
	if (world_up_cfg(&w, &cfg) < 0)
		goto out;
	mxg_key_prefix(&pool, 96 + 24);
	told_greylist(&w, &pool, 1);
	n = real_syn(in, 4, 0, 0);
	CHECK_EQ_INT(run_frame(&w, in, n, out, &out_len, &mark), TC_ACT_OK);
	CHECK_EQ_INT(mark, MXG_DEFAULT_MARK_RESPONDER);
	CHECK_EQ_INT(stat(&w, MXG_STAT_REPEAT_RESETS), 0);
out:
	world_down(&w);
}
