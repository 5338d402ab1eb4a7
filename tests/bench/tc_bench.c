/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tc_bench.c - what the tc program costs per packet, measured with
 * BPF_PROG_TEST_RUN (the kernel times `repeat` runs of one packet, so
 * this is the cache-hot cost). Prints the median of 5 runs in ns per
 * packet for each case. Needs root; mounts a private bpffs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf_load.h"
#include "log.h"
#include "mxgate.skel.h"
#include "packets.h"
#include "verdict.h"

#define REPEAT	2000000
#define ROUNDS	5

/* run_ns - median ns per run of one packet over ROUNDS rounds */
static double run_ns(int prog_fd, const struct pkt_spec *s)
{
	double t[ROUNDS], tmp;
	__u8 buf[PKT_MAX];
	size_t n = build_frame(buf, s);

	for (int r = 0; r < ROUNDS; r++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf,
			    .data_size_in = (__u32)n, .repeat = REPEAT);

		if (bpf_prog_test_run_opts(prog_fd, &opts)) {
			fprintf(stderr, "tc_bench: test run: %s\n", strerror(errno));
			exit(1);
		}
		t[r] = opts.duration;	/* average ns per run */
	}
	for (int i = 0; i < ROUNDS; i++)
		for (int j = i + 1; j < ROUNDS; j++)
			if (t[j] < t[i]) {
				tmp = t[i];
				t[i] = t[j];
				t[j] = tmp;
			}
	return t[ROUNDS / 2];
}

/* key_for - the map key of a test packet's source */
static struct mxg_key key_for(const struct pkt_spec *s)
{
	struct mxg_key k = { .plen = 128 };

	if (s->family == 4) {
		k.addr[10] = k.addr[11] = 0xff;
		memcpy(k.addr + 12, s->src, 4);
	} else {
		memcpy(k.addr, s->src, 16);
	}
	return k;
}

int main(void)
{
	struct mxg_config cfg = { .ports = { 25 }, .mark_pass = MXG_DEFAULT_MARK_PASS,
		.mark_tarpit = MXG_DEFAULT_MARK_TARPIT, .mark_mask = MXG_DEFAULT_MARK_MASK };
	char dir[] = "/tmp/mxgate-bench.XXXXXX";
	struct verdict_maps maps;
	struct mxgate_bpf *skel;
	int fd;

	log_open("tc_bench", 1);
	if (!mkdtemp(dir) || mount("bpf", dir, "bpf", 0, NULL) < 0) {
		perror("tc_bench: bpffs");
		return 1;
	}
	skel = bpf_load(dir, 65536);
	if (!skel || bpf_write_config(skel, &cfg) < 0 || verdict_open(&maps, dir) < 0)
		return 1;
	fd = bpf_program__fd(skel->progs.mxgate_ingress);

	printf("tc program, BPF_PROG_TEST_RUN, %d runs x %d, median ns/packet\n",
	       REPEAT, ROUNDS);
	printf("%-28s %8s %8s\n", "case", "IPv4", "IPv6");
	for (int c = 0; c < 5; c++) {
		static const char *const names[] = {
			"ACK (not a new SYN)", "SYN, other port", "SYN, no verdict",
			"SYN, cached pass", "SYN, cached block" };
		double ns[2];

		for (int f = 0; f < 2; f++) {
			struct pkt_spec s = syn_spec(f ? 6 : 4);
			struct mxg_key k = key_for(&s);

			verdict_forget(&maps, &k);
			if (c == 0)
				s.tcp_flags = 0x10;
			if (c == 1)
				s.dport = 80;
			if (c == 3)
				verdict_put(&maps, &k, MXG_ACT_PASS, MXG_R_FCRDNS, 0, 3600000000000ULL);
			if (c == 4)
				verdict_put(&maps, &k, MXG_ACT_BLOCK, MXG_R_S25R1 | MXG_R_FCRDNS,
					    0, 3600000000000ULL);
			ns[f] = run_ns(fd, &s);
		}
		printf("%-28s %8.1f %8.1f\n", names[c], ns[0], ns[1]);
	}
	verdict_close(&maps);
	bpf_unload(skel);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	return 0;
}
