/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mem_fill.c - helper of bench_memory.sh: fill a running mxgated's state
 * as 1M learned sources would, or hold many lookups at once.
 *
 *   mem_fill map PIN_DIR N     N PASS verdicts into PIN_DIR/verdicts, for
 *                              2001:db8:iiii:iiii::20, i < N (bench_rand.h);
 *                              prints how many entries the map then holds
 *   mem_fill store STATE_DIR N the same N verdicts into the daemon's on-disk
 *                              store, through store_put() (its own code and
 *                              format, batched as the daemon's), in random
 *                              order (the daemon must be stopped)
 *   mem_fill syn DST N US      N TCP SYNs to [DST]:25, each from its own
 *                              source 2001:db8:2::/64, one every US us
 *                              (raw IPv6 socket, valid checksums)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "log.h"
#include "store.h"
#include "maps.h"
#include "bench_rand.h"

#define DAY_NS	(86400ULL * 1000000000ULL)

/* key - source number i */
static struct mxg_key key(__u32 i)
{
	static const __u8 src[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c, 0, 0,
				      0, 0, 0, 0, 0, 0, 0, 0x20 };
	struct mxg_key k = { .plen = 128 };

	memcpy(k.addr, src, 16);
	bench_key_set(&k, i);
	return k;
}

static int fill_map(const char *pin_dir, __u32 n)
{
	enum { CHUNK = 8192 };
	static struct mxg_key keys[CHUNK];
	static struct mxg_verdict vals[CHUNK];
	char path[4096];
	struct mxg_key k, next;
	void *prev = NULL;
	__u64 now = now_ns();
	__u32 count = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/verdicts", pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fprintf(stderr, "mem_fill: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (__u32 i = 0; i < n; i += CHUNK) {
		__u32 c = n - i < CHUNK ? n - i : CHUNK;

		for (__u32 j = 0; j < c; j++) {
			keys[j] = key(i + j);
			vals[j] = (struct mxg_verdict){ .decided_ns = now,
				.expires_ns = now + DAY_NS, .reasons = MXG_R_FCRDNS,
				.action = MXG_ACT_PASS };
		}
		if (bpf_map_update_batch(fd, keys, vals, &c, NULL))
			for (__u32 j = 0; j < c; j++)
				if (bpf_map_update_elem(fd, &keys[j], &vals[j], BPF_ANY)) {
					perror("mem_fill: update");
					return 1;
				}
	}
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		count++;
	}
	printf("%u\n", count);
	return 0;
}

static int fill_store(const char *state_dir, __u32 n)
{
	__u32 *order = malloc(n * sizeof(*order));
	struct mxg_verdict v = { .reasons = MXG_R_FCRDNS, .action = MXG_ACT_PASS };
	struct store s;

	if (!order || store_open(&s, &store_lmdb_ops, state_dir, STORE_CREATE) != 0)
		return 1;
	for (__u32 i = 0; i < n; i++)
		order[i] = i;
	srand(4242);
	for (__u32 i = n; i > 1; i--) {		/* clients come in any order */
		__u32 j = (__u32)(((unsigned long)rand() << 16 ^ (unsigned long)rand()) % i);
		__u32 t = order[i - 1];

		order[i - 1] = order[j];
		order[j] = t;
	}
	v.decided_ns = now_ns();
	v.expires_ns = v.decided_ns + DAY_NS;
	for (__u32 i = 0; i < n; i++) {
		struct mxg_key k = key(order[i]);

		if (store_put(&s, &k, &v) < 0)
			return 1;
	}
	store_close(&s);
	free(order);
	return 0;
}

/* csum - the Internet checksum over the IPv6 pseudo-header and TCP */
static __u16 csum(const __u8 *src, const __u8 *dst, const __u8 *tcp, size_t len)
{
	__u32 sum = 0;

	for (int i = 0; i < 16; i += 2)
		sum += (__u32)(src[i] << 8 | src[i + 1]) + (__u32)(dst[i] << 8 | dst[i + 1]);
	sum += (__u32)len + 6;
	for (size_t i = 0; i < len; i += 2)
		sum += (__u32)(tcp[i] << 8 | tcp[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

static int send_syns(const char *dst, __u32 n, unsigned us)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6 };
	__u8 pkt[60];
	int fd = socket(AF_INET6, SOCK_RAW, IPPROTO_RAW);	/* header included */

	if (fd < 0 || inet_pton(AF_INET6, dst, &to.sin6_addr) != 1) {
		perror("mem_fill: raw socket");
		return 1;
	}
	for (__u32 i = 0; i < n; i++) {
		__u8 *ip = pkt, *tcp = pkt + 40;
		__u16 c;

		memset(pkt, 0, sizeof(pkt));
		ip[0] = 0x60;
		ip[5] = 20;			/* payload length */
		ip[6] = IPPROTO_TCP;
		ip[7] = 64;
		inet_pton(AF_INET6, "2001:db8:2::", ip + 8);
		ip[8 + 12] = (__u8)(i >> 24);
		ip[8 + 13] = (__u8)(i >> 16);
		ip[8 + 14] = (__u8)(i >> 8);
		ip[8 + 15] = (__u8)i | 0;
		memcpy(ip + 24, &to.sin6_addr, 16);
		tcp[0] = (__u8)((40000 + i % 20000) >> 8);
		tcp[1] = (__u8)(40000 + i % 20000);
		tcp[3] = 25;
		tcp[4] = (__u8)(i >> 8);	/* sequence number */
		tcp[12] = 5 << 4;
		tcp[13] = 0x02;			/* SYN */
		tcp[14] = 0xff;			/* window */
		c = csum(ip + 8, ip + 24, tcp, 20);
		tcp[16] = (__u8)(c >> 8);
		tcp[17] = (__u8)c;
		if (sendto(fd, pkt, 60, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
			perror("mem_fill: sendto");
			return 1;
		}
		if (us)
			usleep(us);
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	log_open("mem_fill", 1);
	if (argc == 4 && !strcmp(argv[1], "map"))
		return fill_map(argv[2], (__u32)strtoul(argv[3], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "store"))
		return fill_store(argv[2], (__u32)strtoul(argv[3], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "syn"))
		return send_syns(argv[2], (__u32)strtoul(argv[3], NULL, 0),
				 (unsigned)strtoul(argv[4], NULL, 0));
	fprintf(stderr, "usage: mem_fill map PIN_DIR N | store STATE_DIR N | "
		"syn DST N US\n");
	return 2;
}
