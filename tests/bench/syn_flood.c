/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	syn_flood - TCP SYNs from many distinct IPv6 sources, at a set rate
 * SYNOPSIS
 *	syn_flood IFNAME DSTMAC SRC_PREFIX DST_ADDR PORT FIRST RATE SECONDS [seq|spread]
 * DESCRIPTION
 *	For tests/bench/bench_nfqueue.sh, bench_flood.sh and
 *	tests/e2e/test_flood.sh. Sends one TCP SYN (with an MSS option)
 *	from each of the sources SRC_PREFIX + FIRST, + FIRST+1, ... to
 *	DST_ADDR:PORT, as Ethernet frames on IFNAME addressed to DSTMAC (the
 *	next hop), through an AF_PACKET socket: no TCP stack on the sending
 *	side, so nothing retransmits and every SYN is a new source to the
 *	gateway.
 *
 *	Where the index I goes in the source address:
 *	  seq     (the default) the last 32 bits: SRC_PREFIX is a /96 or
 *		  shorter, and every source shares SRC_PREFIX's /64.
 *	  spread  I mod 65536 into bits 48-63 (the subnet of a /48: 65,536
 *		  /64s, consecutive indexes in different /64s) and I / 65536
 *		  + 1 into the last 32 bits: SRC_PREFIX is a /48 or shorter,
 *		  and the flood covers many /64s, as an attacker spoofing a
 *		  whole /48 would. The address is SRC_PREFIX with those bits
 *		  replaced.
 *
 *	RATE SYNs a second for SECONDS, paced in batches every 200 us
 *	(sendmmsg, at most 64 frames a call). A generator that cannot keep
 *	up stops at 1.25 * SECONDS + 1 s all the same (the flood is bounded
 *	in time as well as in count). At the end one line on stdout:
 *	"sent=N seconds=S rate=R next=I", S the real duration, R the rate
 *	really achieved, I the next unused index. Exit 1 on a setup or send
 *	error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH		64
#define TICK_NS		200000ULL
#define TCP_LEN		24		/* header + MSS option */
#define FRAME_LEN	(14 + 40 + TCP_LEN)

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* csum_add - ones' complement sum of len bytes, folded in later */
static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len > 1; len -= 2, p += 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)(p[0] << 8);
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* build - frame f for source index i (spread: see the DESCRIPTION) */
static void build(uint8_t *f, const uint8_t dmac[6], const uint8_t smac[6],
		  const struct in6_addr *prefix, const struct in6_addr *dst,
		  uint16_t port, uint32_t i, int spread)
{
	struct ip6_hdr *ip = (struct ip6_hdr *)(f + 14);
	struct tcphdr *th = (struct tcphdr *)(f + 14 + 40);
	uint8_t *opt = (uint8_t *)(th + 1);
	uint32_t sum, n = htonl(i);
	uint8_t pseudo[8] = { 0, 0, 0, TCP_LEN, 0, 0, 0, IPPROTO_TCP };

	memset(f, 0, FRAME_LEN);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	ip->ip6_flow = htonl(6u << 28);
	ip->ip6_plen = htons(TCP_LEN);
	ip->ip6_nxt = IPPROTO_TCP;
	ip->ip6_hlim = 64;
	ip->ip6_src = *prefix;
	if (spread) {
		uint32_t host = htonl(i / 65536 + 1);

		ip->ip6_src.s6_addr[6] = (uint8_t)(i >> 8);
		ip->ip6_src.s6_addr[7] = (uint8_t)i;
		memcpy(ip->ip6_src.s6_addr + 12, &host, 4);
	} else {
		memcpy(ip->ip6_src.s6_addr + 12, &n, 4);
	}
	ip->ip6_dst = *dst;
	th->source = htons((uint16_t)(1024 + i % 60000));
	th->dest = htons(port);
	th->seq = htonl(i * 2654435761u);
	th->doff = TCP_LEN / 4;
	th->syn = 1;
	th->window = htons(64240);
	opt[0] = 2;		/* MSS 1440 */
	opt[1] = 4;
	opt[2] = 1440 >> 8;
	opt[3] = 1440 & 0xff;
	sum = csum_add(0, &ip->ip6_src, 32);
	sum = csum_add(sum, pseudo, sizeof(pseudo));
	sum = csum_add(sum, th, TCP_LEN);
	th->check = htons(csum_fold(sum));
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		      &mac[2], &mac[3], &mac[4], &mac[5]) == 6 ? 0 : -1;
}

int main(int argc, char **argv)
{
	static uint8_t frames[BATCH][FRAME_LEN];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	struct sockaddr_ll sll = { 0 };
	struct in6_addr prefix, dst;
	uint8_t dmac[6], smac[6];
	uint64_t t0, now, sent = 0, total, limit_ns;
	unsigned long first, rate;
	double seconds;
	int fd, port, spread = 0;
	FILE *f;
	char path[64];

	if (argc == 10 && strcmp(argv[9], "spread") == 0)
		spread = 1;
	else if (argc == 10 && strcmp(argv[9], "seq") != 0)
		argc = 0;	/* usage */
	if ((argc != 9 && argc != 10) || parse_mac(argv[2], dmac) < 0 ||
	    inet_pton(AF_INET6, argv[3], &prefix) != 1 ||
	    inet_pton(AF_INET6, argv[4], &dst) != 1) {
		fprintf(stderr, "usage: syn_flood IFNAME DSTMAC SRC_PREFIX DST_ADDR "
			"PORT FIRST RATE SECONDS [seq|spread]\n");
		return 1;
	}
	port = atoi(argv[5]);
	first = strtoul(argv[6], NULL, 10);
	rate = strtoul(argv[7], NULL, 10);
	seconds = atof(argv[8]);
	total = (uint64_t)(rate * seconds);
	limit_ns = (uint64_t)((seconds * 1.25 + 1) * 1e9);

	snprintf(path, sizeof(path), "/sys/class/net/%s/address", argv[1]);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &smac[0], &smac[1],
			 &smac[2], &smac[3], &smac[4], &smac[5]) != 6) {
		fprintf(stderr, "syn_flood: %s: cannot read the MAC address\n", argv[1]);
		return 1;
	}
	fclose(f);
	fd = socket(AF_PACKET, SOCK_RAW, 0);	/* protocol 0: send only */
	if (fd < 0) {
		perror("syn_flood: socket");
		return 1;
	}
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex(argv[1]);
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, dmac, 6);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "syn_flood: no interface %s\n", argv[1]);
		return 1;
	}
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = frames[i];
		iov[i].iov_len = FRAME_LEN;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &sll;
		msgs[i].msg_hdr.msg_namelen = sizeof(sll);
	}

	t0 = mono_ns();
	while (sent < total) {
		/* Due by now at RATE a second, in batches of at most BATCH. */
		uint64_t due;
		int n, r;

		now = mono_ns();
		if (now - t0 > limit_ns)
			break;		/* cannot keep up: bounded in time */
		due = (now - t0) * rate / 1000000000ULL;
		if (due > total)
			due = total;
		if (due <= sent) {
			struct timespec ts = { 0, (long)TICK_NS };

			nanosleep(&ts, NULL);
			continue;
		}
		n = due - sent > BATCH ? BATCH : (int)(due - sent);
		for (int i = 0; i < n; i++)
			build(frames[i], dmac, smac, &prefix, &dst, (uint16_t)port,
			      (uint32_t)(first + sent + i), spread);
		r = sendmmsg(fd, msgs, (unsigned)n, 0);
		if (r < 0) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
				continue;
			perror("syn_flood: sendmmsg");
			return 1;
		}
		sent += (uint64_t)r;
	}
	now = mono_ns();
	printf("sent=%llu seconds=%.3f rate=%.0f next=%llu\n",
	       (unsigned long long)sent, (double)(now - t0) / 1e9,
	       (double)sent * 1e9 / (double)(now - t0),
	       (unsigned long long)(first + sent));
	close(fd);
	return 0;
}
