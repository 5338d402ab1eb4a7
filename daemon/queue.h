/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	queue - the NFQUEUE netlink socket (libmnl + libnetfilter_queue)
 * SYNOPSIS
 *	int queue_open(unsigned queue_num, unsigned max_held);
 *	int queue_receive(queue_packet_fn fn, void *arg);
 *	int queue_verdict(__u32 id, int verdict, int set_mark, __u32 mark);
 *	void queue_close(void);
 * DESCRIPTION
 *	queue_open() binds the queue, copies the first QUEUE_COPY_RANGE bytes
 *	of each packet (enough for IPv6 extension headers and TCP), lets the
 *	kernel hold up to max_held packets (plus QUEUE_SLACK being read) and
 *	asks it to accept rather than drop when the queue overflows
 *	(fail-open); it returns the non-blocking socket fd for epoll, or -1.
 *	The kernel's default length, 1024, would let SYNs pass unjudged (and
 *	uncounted: fail-open has no counter) long before max_pending lookups
 *	are in flight.
 *	queue_receive() reads every message waiting on the socket and calls
 *	fn(arg, id, mark, payload, len) for each packet (payload starts at
 *	the IP header); it returns the number of packets, or -1 on a socket
 *	error other than "nothing left" (ENOBUFS, the kernel dropping
 *	messages because we were slow, is reported and survived).
 *	queue_verdict() releases one packet: NF_ACCEPT, NF_DROP or NF_REPEAT,
 *	with a new skb mark when set_mark. Returns 0 or -1.
 */
#ifndef MXG_QUEUE_H
#define MXG_QUEUE_H

#include <stddef.h>
#include <linux/types.h>

#define QUEUE_COPY_RANGE 256
#define QUEUE_SLACK	1024	/* queued packets not read yet */

typedef void (*queue_packet_fn)(void *arg, __u32 id, __u32 mark,
				const __u8 *payload, size_t len);

int queue_open(unsigned queue_num, unsigned max_held);
int queue_receive(queue_packet_fn fn, void *arg);
int queue_verdict(__u32 id, int verdict, int set_mark, __u32 mark);
void queue_close(void);

#endif /* MXG_QUEUE_H */
