/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nftwatch.c - notice ruleset changes; see nftwatch.h for the contract. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include "clock.h"
#include "log.h"
#include "nftwatch.h"

struct nftwatch {
	struct mnl_socket *nl;		/* bound to NFNLGRP_NFTABLES */
	struct loop *loop;
	struct loop_timer settle;	/* fires settle_ns after the last change */
	__u64 settle_ns;
	void (*changed)(void *ctx);
	void *ctx;
};

/* on_settled - the burst is over: tell the caller once */
static void on_settled(void *arg)
{
	struct nftwatch *w = arg;

	w->changed(w->ctx);
}

/* on_readable - drain every notification; any of them is a change */
static void on_readable(void *arg, int fd, __u32 events)
{
	struct nftwatch *w = arg;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int any = 0;
	ssize_t n;

	(void)fd, (void)events;
	while ((n = mnl_socket_recvfrom(w->nl, buf, sizeof(buf))) > 0)
		any = 1;
	if (n < 0 && errno == ENOBUFS)
		any = 1;	/* we were slow and lost some: still a change */
	if (any)
		loop_timer_set(w->loop, &w->settle, now_ns() + w->settle_ns);
}

/* nftwatch_open - subscribe to ruleset notifications */
struct nftwatch *nftwatch_open(struct loop *l, unsigned settle_ms,
			       void (*changed)(void *ctx), void *ctx)
{
	struct nftwatch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->loop = l;
	w->settle_ns = settle_ms * NS_PER_MS;
	w->changed = changed;
	w->ctx = ctx;
	loop_timer_init(&w->settle, on_settled, w);
	w->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!w->nl || mnl_socket_bind(w->nl, 1u << (NFNLGRP_NFTABLES - 1),
				      MNL_SOCKET_AUTOPID) < 0 ||
	    loop_watch(l, mnl_socket_get_fd(w->nl), EPOLLIN, on_readable, w) < 0) {
		msg_warn("nftables notifications: %s; rules removed by someone "
			 "else will not be noticed", strerror(errno));
		nftwatch_close(w);
		return NULL;
	}
	return w;
}

/* nftwatch_close - unsubscribe and free */
void nftwatch_close(struct nftwatch *w)
{
	if (!w)
		return;
	loop_timer_cancel(w->loop, &w->settle);
	if (w->nl) {
		loop_unwatch(w->loop, mnl_socket_get_fd(w->nl));
		mnl_socket_close(w->nl);
	}
	free(w);
}
