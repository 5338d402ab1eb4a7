/* SPDX-License-Identifier: GPL-2.0-or-later */
/* queue.c - NFQUEUE over libmnl; see queue.h for the contract. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include "clock.h"
#include "log.h"
#include "queue.h"

/* One recv can carry many copied packets (each a few hundred bytes). */
#define QUEUE_BUF_SIZE 65536
#define QUEUE_RCVBUF (4 << 20)

static struct mnl_socket *nl;
static unsigned qnum;
static unsigned portid;
static char *buf;			/* receive buffer */
/* A SYN flood can make these repeat at will: a line a second each. */
#define WARN_INTERVAL_NS NS_PER_S
static struct msg_limit overrun_log, verdict_log, message_log;

struct rx_ctx {
	queue_packet_fn fn;		/* the caller's per-packet callback */
	void *arg;			/* and its argument */
	int packets;			/* packets seen in this receive */
};

/* send_cfg - send one NFQNL config message and wait for its ack */
static int send_cfg(struct nlmsghdr *nlh)
{
	int n;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	n = (int)mnl_socket_recvfrom(nl, buf, QUEUE_BUF_SIZE);
	if (n < 0)
		return -1;
	return mnl_cb_run(buf, (size_t)n, 0, portid, NULL, NULL) < 0 ? -1 : 0;
}

/* queue_open - bind queue_num in copy-packet mode, long enough for every
 * held SYN, fail-open on overflow */
int queue_open(unsigned queue_num, unsigned max_held)
{
	struct nlmsghdr *nlh;
	int fd, size = QUEUE_RCVBUF;

	qnum = queue_num;
	buf = malloc(QUEUE_BUF_SIZE);
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!buf || !nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		msg_warn("nfqueue: netlink socket: %s", strerror(errno));
		goto bad;
	}
	portid = mnl_socket_get_portid(nl);

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, qnum);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
	nlh->nlmsg_flags |= NLM_F_ACK;
	if (send_cfg(nlh) < 0) {
		msg_warn("nfqueue: bind queue %u: %s (is another mxgated "
			 "running?)", qnum, strerror(errno));
		goto bad;
	}

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, qnum);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, QUEUE_COPY_RANGE);
	/* Queue full or socket overrun: let the SYN through, never stop mail. */
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(NFQA_CFG_F_FAIL_OPEN));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_FAIL_OPEN));
	mnl_attr_put_u32(nlh, NFQA_CFG_QUEUE_MAXLEN, htonl(max_held + QUEUE_SLACK));
	nlh->nlmsg_flags |= NLM_F_ACK;
	if (send_cfg(nlh) < 0) {
		msg_warn("nfqueue: configure queue %u: %s", qnum, strerror(errno));
		goto bad;
	}

	fd = mnl_socket_get_fd(nl);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		msg_warn("nfqueue: non-blocking socket: %s", strerror(errno));
		goto bad;
	}
	return fd;
bad:
	queue_close();
	return -1;
}

/* on_msg - one NFQNL_MSG_PACKET: hand id, mark and payload to the caller */
static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	struct rx_ctx *ctx = data;
	struct nlattr *attr[NFQA_MAX + 1] = { NULL };
	struct nfqnl_msg_packet_hdr *ph;
	__u32 mark = 0;

	long long more;

	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR]) {
		more = msg_limit(&message_log, now_ns(), WARN_INTERVAL_NS);
		if (more >= 0)
			msg_warn("nfqueue: message without packet header ignored "
				 "(%lld more since the last line)", more);
		return MNL_CB_OK;
	}
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	if (attr[NFQA_MARK])
		mark = ntohl(mnl_attr_get_u32(attr[NFQA_MARK]));
	ctx->packets++;
	ctx->fn(ctx->arg, ntohl(ph->packet_id), mark,
		attr[NFQA_PAYLOAD] ? mnl_attr_get_payload(attr[NFQA_PAYLOAD]) : NULL,
		attr[NFQA_PAYLOAD] ? mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]) : 0);
	return MNL_CB_OK;
}

/* queue_receive - drain the socket; -1 only on a real socket error */
int queue_receive(queue_packet_fn fn, void *arg)
{
	struct rx_ctx ctx = { fn, arg, 0 };
	long long more;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, QUEUE_BUF_SIZE);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return ctx.packets;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* The kernel accepted what did not fit
				 * (fail-open); clients retransmit anyway. */
				more = msg_limit(&overrun_log, now_ns(), WARN_INTERVAL_NS);
				if (more >= 0)
					msg_warn("nfqueue: receive buffer overrun, some "
						 "SYNs passed unjudged (%lld more overruns "
						 "since the last line)", more);
				continue;
			}
			msg_warn("nfqueue: receive: %s", strerror(errno));
			return -1;
		}
		if (mnl_cb_run(buf, (size_t)n, 0, portid, on_msg, &ctx) < 0 &&
		    errno != 0 &&
		    (more = msg_limit(&message_log, now_ns(), WARN_INTERVAL_NS)) >= 0)
			msg_warn("nfqueue: bad message: %s (%lld more since the last "
				 "line)", strerror(errno), more);
	}
}

/* queue_verdict - release one held packet */
int queue_verdict(__u32 id, int verdict, int set_mark, __u32 mark)
{
	char out[MNL_SOCKET_BUFFER_SIZE < 512 ? MNL_SOCKET_BUFFER_SIZE : 512];
	struct nlmsghdr *nlh = nfq_nlmsg_put(out, NFQNL_MSG_VERDICT, qnum);

	nfq_nlmsg_verdict_put(nlh, (int)id, verdict);
	if (set_mark)
		nfq_nlmsg_verdict_put_mark(nlh, mark);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		int err = errno;
		long long more = msg_limit(&verdict_log, now_ns(), WARN_INTERVAL_NS);

		if (more >= 0)
			msg_warn("nfqueue: verdict for packet %u: %s (%lld more failed "
				 "since the last line)", id, strerror(err), more);
		return -1;
	}
	return 0;
}

/* queue_close - close the socket; the kernel unbinds the queue with it.
 * Packets still held are dropped by the kernel then, so the daemon
 * releases them first; from then on the rule's bypass lets SYNs pass. */
void queue_close(void)
{
	if (nl)
		mnl_socket_close(nl);
	nl = NULL;
	free(buf);
	buf = NULL;
}
