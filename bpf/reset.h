/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	reset - answer a SYN with a TCP reset from the tc program
 * SYNOPSIS
 *	int mxg_reset_reply(struct __sk_buff *skb);
 * DESCRIPTION
 *	Turns the SYN in skb, in place, into the RST|ACK a closed port
 *	answers with (RFC 9293 3.10.7.1: sequence 0, acknowledging the SYN
 *	and any data it carried), addressed back to its sender: Ethernet
 *	addresses, IP addresses and ports swapped, TCP options and data cut
 *	off, TTL/hop limit 64, checksums set. The caller then returns
 *	bpf_redirect(skb->ifindex, 0): the reset leaves by the interface the
 *	SYN came in on, to the neighbour it came from, and nothing of it
 *	reaches netfilter, conntrack or a socket.
 *
 *	Returns MXG_RESET_READY when skb holds the reset; MXG_RESET_NOT_MINE
 *	when the frame is not one it answers (a VLAN tag, in the frame or
 *	offloaded; IPv4 options; IPv6 extension headers; a SYN without TCP
 *	options, see below; anything cut short), skb untouched: the caller
 *	handles the SYN as it would have without a reset; MXG_RESET_SPOILT
 *	if the skb was cut but could not be finished (the caller drops it:
 *	the client retries as after a lost SYN). Include it in the tc
 *	program after mxgate.h and parse.h.
 *
 *	Checksums: the SYN may come with any of the kernel's receive
 *	checksum states. Cutting the options off turns CHECKSUM_COMPLETE
 *	into NONE (a SYN with nothing to cut is left to the responder: every
 *	TCP stack that talked to the responder sends at least an MSS
 *	option). The TCP checksum is set through bpf_l4_csum_replace(),
 *	which for CHECKSUM_PARTIAL (a SYN from a local stack over veth, or
 *	virtio's NEEDS_CSUM) leaves the pseudo-header seed that a device
 *	then completes, and otherwise the whole checksum.
 */
#ifndef MXG_RESET_H
#define MXG_RESET_H

#define MXG_TCP_RST		0x04
#define MXG_RESET_TTL		64

enum {
	MXG_RESET_READY = 0,
	MXG_RESET_NOT_MINE = -1,
	MXG_RESET_SPOILT = -2,
};

/* What the reset needs of the SYN, read before the frame is cut. */
struct mxg_syn_info {
	__u32 ack;		/* its sequence number + 1 + its data */
	__u32 l4_off;		/* TCP header offset in the frame */
	__u32 want;		/* the reset's frame length */
};

/* csum16 - one's complement sum of len bytes (even) at p, big-endian
 * words: for the IPv4 header checksum, which no device completes */
static __always_inline __u32 csum16(const __u8 *p, int len)
{
	__u32 sum = 0;
	int i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (__u32)((p[i] << 8) | p[i + 1]);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static __always_inline void put16(__u8 *p, __u16 v)
{
	p[0] = (__u8)(v >> 8);
	p[1] = (__u8)v;
}

static __always_inline void swap_bytes(__u8 *a, __u8 *b, int len)
{
	int i;

	for (i = 0; i < len; i++) {
		__u8 t = a[i];

		a[i] = b[i];
		b[i] = t;
	}
}

/* syn_ack_number - what the reset acknowledges: the SYN (1) and any data
 * it carried (TCP Fast Open); seg_len is the TCP segment's length */
static __always_inline __u32 syn_ack_number(const __u8 *t, __u32 seg_len)
{
	__u32 seq = ((__u32)t[4] << 24) | ((__u32)t[5] << 16) |
		    ((__u32)t[6] << 8) | t[7];
	__u32 hdr = (__u32)(t[12] >> 4) * 4;

	return seq + 1 + (seg_len > hdr ? seg_len - hdr : 0);
}

/* syn_info - the shape checks; NOT_MINE or READY with *si filled in */
static __always_inline int syn_info(struct __sk_buff *skb, struct mxg_syn_info *si)
{
	const __u8 *d = (const __u8 *)(long)skb->data;
	const __u8 *end = (const __u8 *)(long)skb->data_end;
	const __u8 *ip = d + ETH_HLEN;
	__u32 seg_len, ip_len;
	__u16 proto;

	/* IPv4 and TCP headers at least (an IPv4 SYN with only an MSS
	 * option is 44 bytes, a Windows one 52: not the 60 of Linux's) */
	if (skb->vlan_present || d + ETH_HLEN + 20 + 20 > end)
		return MXG_RESET_NOT_MINE;
	proto = (__u16)((d[12] << 8) | d[13]);
	if (proto == ETH_P_IP) {
		if (ip[0] != 0x45)
			return MXG_RESET_NOT_MINE;	/* IP options */
		ip_len = ((__u32)ip[2] << 8) | ip[3];
		if (ip_len < 40)
			return MXG_RESET_NOT_MINE;
		seg_len = ip_len - 20;
		si->l4_off = ETH_HLEN + 20;
	} else if (proto == ETH_P_IPV6) {
		if (d + ETH_HLEN + 40 + 20 > end || ip[6] != MXG_IPPROTO_TCP)
			return MXG_RESET_NOT_MINE;	/* extension headers */
		seg_len = ((__u32)ip[4] << 8) | ip[5];
		si->l4_off = ETH_HLEN + 40;
	} else {
		return MXG_RESET_NOT_MINE;	/* a VLAN tag in the frame */
	}
	si->want = si->l4_off + 20;
	if (skb->len <= si->want || seg_len < 20)
		return MXG_RESET_NOT_MINE;	/* nothing to cut: see above */
	si->ack = syn_ack_number(d + si->l4_off, seg_len);
	return MXG_RESET_READY;
}

/* write_tcp - the reset's TCP header at t, checksum 0 */
static __always_inline void write_tcp(__u8 *t, __u32 ack)
{
	swap_bytes(t, t + 2, 2);			/* ports */
	t[4] = t[5] = t[6] = t[7] = 0;			/* seq 0: no ACK came */
	t[8] = (__u8)(ack >> 24);
	t[9] = (__u8)(ack >> 16);
	t[10] = (__u8)(ack >> 8);
	t[11] = (__u8)ack;
	t[12] = 5 << 4;					/* no options */
	t[13] = MXG_TCP_RST | MXG_TCP_ACK;
	t[14] = t[15] = 0;				/* window */
	t[16] = t[17] = 0;				/* checksum */
	t[18] = t[19] = 0;				/* urgent pointer */
}

/* write_ip - the reset's IP header at ip; the pseudo header's addresses
 * into ph (12 bytes for IPv4, 40 for IPv6; protocol and length after) */
static __always_inline void write_ip(__u8 *ip, int v6, __u8 *ph)
{
	int i;

	if (v6) {
		swap_bytes(ip + 8, ip + 24, 16);
		ip[0] = 0x60;				/* version, no class */
		ip[1] = ip[2] = ip[3] = 0;		/* no flow label */
		put16(ip + 4, 20);			/* payload length */
		ip[7] = MXG_RESET_TTL;			/* hop limit */
		for (i = 0; i < 32; i++)
			ph[i] = ip[8 + i];
		ph[32] = ph[33] = ph[34] = 0;
		ph[35] = 20;				/* TCP length */
		ph[36] = ph[37] = ph[38] = 0;
		ph[39] = MXG_IPPROTO_TCP;
		return;
	}
	swap_bytes(ip + 12, ip + 16, 4);
	ip[1] = 0;					/* TOS */
	put16(ip + 2, 40);				/* total length */
	put16(ip + 4, 0);				/* id */
	put16(ip + 6, 0x4000);				/* DF */
	ip[8] = MXG_RESET_TTL;
	put16(ip + 10, 0);
	put16(ip + 10, (__u16)~csum16(ip, 20));
	for (i = 0; i < 8; i++)
		ph[i] = ip[12 + i];
	ph[8] = 0;
	ph[9] = MXG_IPPROTO_TCP;
	ph[10] = 0;
	ph[11] = 20;					/* TCP length */
}

static __always_inline int mxg_reset_reply(struct __sk_buff *skb)
{
	struct mxg_syn_info si;
	__u8 pseudo[40], *d, *end, *t;
	__s64 ph_sum, tcp_sum;
	int v6;

	if (syn_info(skb, &si) != MXG_RESET_READY)
		return MXG_RESET_NOT_MINE;
	v6 = si.l4_off == ETH_HLEN + 40;
	if (bpf_skb_change_tail(skb, si.want, 0) != 0)
		return MXG_RESET_NOT_MINE;	/* it fails before it cuts */
	d = (__u8 *)(long)skb->data;
	end = (__u8 *)(long)skb->data_end;
	if (v6) {
		if (d + ETH_HLEN + 40 + 20 > end)
			return MXG_RESET_SPOILT;
		write_ip(d + ETH_HLEN, 1, pseudo);
		t = d + ETH_HLEN + 40;
	} else {
		if (d + ETH_HLEN + 20 + 20 > end)
			return MXG_RESET_SPOILT;
		write_ip(d + ETH_HLEN, 0, pseudo);
		t = d + ETH_HLEN + 20;
	}
	swap_bytes(d, d + 6, 6);			/* Ethernet addresses */
	write_tcp(t, si.ack);
	/* The sums in the kernel's own byte order, which the checksum
	 * helper wants. Partial state: the seed, from the pseudo header
	 * (BPF_F_PSEUDO_HDR), stays for the device to complete; otherwise
	 * both sums make the whole checksum. The field starts at 0xffff,
	 * a sum of nothing. */
	tcp_sum = bpf_csum_diff(NULL, 0, (__be32 *)t, 20, 0);
	ph_sum = bpf_csum_diff(NULL, 0, (__be32 *)pseudo, v6 ? 40 : 12, 0);
	if (tcp_sum < 0 || ph_sum < 0)
		return MXG_RESET_SPOILT;
	t[16] = t[17] = 0xff;
	if (bpf_l4_csum_replace(skb, si.l4_off + 16, 0, (__u32)ph_sum,
				BPF_F_PSEUDO_HDR) != 0 ||
	    bpf_l4_csum_replace(skb, si.l4_off + 16, 0, (__u32)tcp_sum, 0) != 0)
		return MXG_RESET_SPOILT;
	return MXG_RESET_READY;
}

#endif /* MXG_RESET_H */
