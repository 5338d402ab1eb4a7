/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_parse.c - the packet parser shared by the tc program and mxgated
 * (bpf/parse.h), checked against a second parse of the same bytes
 * written the way the kernel walks a packet (skb_header_pointer() reads
 * at an offset, ipv6_skip_exthdr() over any number of extension
 * headers, AH included), which is what netfilter sees when it queues a
 * "tcp dport" SYN.
 *
 * The input is one frame. It is parsed as the tc program does
 * (mxg_parse_eth) and as the daemon does (mxg_parse_l3 from byte 14, at
 * most the 256 bytes NFQUEUE hands over). Properties: when parse.h says
 * TCP, the reference agrees on the family, source, port and flags, and
 * the key's padding is zero; when the reference finds a TCP header and
 * parse.h does not, the only accepted reason is a known limit of
 * parse.h (more than MXG_MAX_EXT_HDRS extension headers, an AH header,
 * the 256 bytes of a queued packet, more than two VLAN tags): counted
 * and printed at exit, since that is issue 12's filter bypass and the
 * tc program's side of it is fixed apart from this target. Any other
 * disagreement aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "mxgate.h"
#include "parse.h"
#include "fuzz.h"

#define QUEUED_BYTES	256	/* what mxgated gets of a packet (queue.h) */

enum ref_why {			/* why parse.h may not see the TCP header */
	WHY_NONE,
	WHY_EXT_HDRS,		/* more extension headers than parse.h walks */
	WHY_AH,			/* an authentication header on the way */
	WHY_VLANS,		/* more VLAN tags than parse.h skips */
};

struct ref_pkt {
	int tcp;		/* a TCP header is there, first fragment */
	int family;
	__u8 src[16];		/* IPv4-mapped for IPv4 */
	__u16 dport;
	__u8 flags;
	size_t tcp_end;		/* offset of the end of the TCP header */
	enum ref_why why;	/* a known limit of parse.h on the way */
};

static unsigned long known[4];	/* disagreements by known reason */

/* header_pointer - len bytes at off, or NULL past the end (the kernel's
 * skb_header_pointer without the copy) */
static const __u8 *header_pointer(const __u8 *pkt, size_t size, size_t off,
				  size_t len)
{
	return off <= size && len <= size - off ? pkt + off : NULL;
}

/* ref_tcp - the TCP header at off */
static void ref_tcp(const __u8 *pkt, size_t size, size_t off, struct ref_pkt *r)
{
	const __u8 *th = header_pointer(pkt, size, off, 20);

	if (!th)
		return;
	r->tcp = 1;
	r->tcp_end = off + 20;
	r->dport = (__u16)(th[2] << 8 | th[3]);
	r->flags = th[13];
}

/* ref_ipv4 - an IPv4 header at off */
static void ref_ipv4(const __u8 *pkt, size_t size, size_t off, struct ref_pkt *r)
{
	const __u8 *iph = header_pointer(pkt, size, off, 20);
	unsigned ihl;

	if (!iph || iph[0] >> 4 != 4 || (ihl = (iph[0] & 0xf) * 4u) < 20)
		return;
	/* Not the first fragment (offset != 0): no transport header. */
	if (iph[9] != 6 || ((iph[6] << 8 | iph[7]) & 0x1fff))
		return;
	r->family = 4;
	memset(r->src, 0, 16);
	r->src[10] = r->src[11] = 0xff;
	memcpy(r->src + 12, iph + 12, 4);
	ref_tcp(pkt, size, off + ihl, r);
}

/* ref_ipv6 - an IPv6 header at off, then ipv6_skip_exthdr() */
static void ref_ipv6(const __u8 *pkt, size_t size, size_t off, struct ref_pkt *r)
{
	const __u8 *ip6 = header_pointer(pkt, size, off, 40);
	__u8 next;
	int hdrs = 0;

	if (!ip6 || ip6[0] >> 4 != 6)
		return;
	r->family = 6;
	memcpy(r->src, ip6 + 8, 16);
	next = ip6[6];
	off += 40;
	/* Hop-by-hop, routing, fragment, AH, destination options. */
	while (next == 0 || next == 43 || next == 44 || next == 51 || next == 60) {
		const __u8 *h = header_pointer(pkt, size, off, 8);

		if (!h)
			return;
		hdrs++;
		if (next == 44) {
			if ((h[2] << 8 | h[3]) & ~7)
				return;		/* not the first fragment */
			off += 8;
		} else if (next == 51) {
			r->why = WHY_AH;
			off += (h[1] + 2u) * 4;
		} else {
			off += (h[1] + 1u) * 8;
		}
		next = h[0];
	}
	if (hdrs > MXG_MAX_EXT_HDRS && r->why == WHY_NONE)
		r->why = WHY_EXT_HDRS;
	if (next == 6)
		ref_tcp(pkt, size, off, r);
}

/* ref_l3 - the network header at off, of ethertype proto (0: version) */
static void ref_l3(const __u8 *pkt, size_t size, size_t off, unsigned proto,
		   struct ref_pkt *r)
{
	const __u8 *v = header_pointer(pkt, size, off, 1);

	if (proto == 0 && v)
		proto = *v >> 4 == 4 ? 0x0800 : *v >> 4 == 6 ? 0x86dd : 0;
	if (proto == 0x0800)
		ref_ipv4(pkt, size, off, r);
	else if (proto == 0x86dd)
		ref_ipv6(pkt, size, off, r);
}

/* ref_eth - an Ethernet frame, as many VLAN tags as there are */
static void ref_eth(const __u8 *pkt, size_t size, struct ref_pkt *r)
{
	const __u8 *eth = header_pointer(pkt, size, 0, 14);
	size_t off = 14;
	unsigned proto;
	int tags = 0;

	if (!eth)
		return;
	proto = (unsigned)(eth[12] << 8 | eth[13]);
	while (proto == 0x8100 || proto == 0x88a8) {
		const __u8 *tag = header_pointer(pkt, size, off, 4);

		if (!tag)
			return;
		proto = (unsigned)(tag[2] << 8 | tag[3]);
		off += 4;
		tags++;
	}
	if (proto == 0x0800 || proto == 0x86dd)	/* 0 is no "any version" here */
		ref_l3(pkt, size, off, proto, r);
	if (tags > 2 && r->why == WHY_NONE)
		r->why = WHY_VLANS;
}

/* compare - parse.h's answer on size bytes against the reference's on
 * the whole packet */
static void compare(int rc, const struct mxg_pkt *pk, const struct ref_pkt *r,
		    size_t size, const char *how)
{
	if (rc == MXG_PARSE_OK) {
		FUZZ_CHECK(r->tcp, "%s: parse.h found TCP, the reference did not", how);
		FUZZ_CHECK(pk->family == r->family && !memcmp(pk->key.addr, r->src, 16) &&
			   pk->key.plen == 128 && pk->dport == r->dport &&
			   pk->tcp_flags == r->flags,
			   "%s: parse.h says family %d port %u flags 0x%x, the "
			   "reference %d %u 0x%x", how, pk->family, pk->dport,
			   pk->tcp_flags, r->family, r->dport, r->flags);
		FUZZ_CHECK(!pk->key.pad[0] && !pk->key.pad[1] && !pk->key.pad[2],
			   "%s: key padding not zero", how);
		return;
	}
	FUZZ_CHECK(rc == MXG_PARSE_OTHER || rc == MXG_PARSE_TRUNCATED,
		   "%s: parse.h returned %d", how, rc);
	if (!r->tcp)
		return;
	if (r->why != WHY_NONE) {
		known[r->why]++;
		return;
	}
	/* The daemon's copy is cut at QUEUED_BYTES: a header past it is a
	 * known limit of the queue, not of the parser. */
	if (r->tcp_end > size) {
		known[0]++;
		return;
	}
	FUZZ_CHECK(0, "%s: the reference found a TCP header (port %u flags 0x%x), "
		   "parse.h returned %d", how, r->dport, r->flags, rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t l3 = size > 14 ? size - 14 : 0;
	size_t queued = l3 < QUEUED_BYTES ? l3 : QUEUED_BYTES;
	struct ref_pkt r;
	struct mxg_pkt pk;
	__u8 *copy;
	int rc;

	/* The tc program: the frame from the Ethernet header on. */
	memset(&r, 0, sizeof(r));
	ref_eth(data, size, &r);
	memset(&pk, 0xa5, sizeof(pk));		/* garbage must not survive */
	rc = mxg_parse_eth(data, data + size, &pk);
	compare(rc, &pk, &r, size, "tc");

	/* mxgated: the IP packet (from byte 14) as NFQUEUE hands it over,
	 * at most QUEUED_BYTES, in a buffer of its own size so that any read
	 * past it is caught; the reference reads the whole packet. */
	copy = malloc(queued ? queued : 1);
	FUZZ_CHECK(copy != NULL, "out of memory");
	memcpy(copy, data + (size > 14 ? 14 : size), queued);
	memset(&r, 0, sizeof(r));
	ref_l3(data + (size > 14 ? 14 : size), l3, 0, 0, &r);
	memset(&pk, 0xa5, sizeof(pk));
	rc = mxg_parse_l3(copy, copy + queued, 0, &pk);
	compare(rc, &pk, &r, queued, "daemon");
	free(copy);
	return 0;
}

/* report_known - how often the reference saw TCP that parse.h could not */
static void report_known(void)
{
	if (known[0] + known[WHY_EXT_HDRS] + known[WHY_AH] + known[WHY_VLANS])
		printf("fuzz_parse: TCP headers the reference found and parse.h did "
		       "not (known limits): %lu past %d extension headers, %lu "
		       "behind AH, %lu behind more than 2 VLAN tags, %lu past the "
		       "%d queued bytes\n", known[WHY_EXT_HDRS], MXG_MAX_EXT_HDRS,
		       known[WHY_AH], known[WHY_VLANS], known[0], QUEUED_BYTES);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	atexit(report_known);
	return 0;
}
