/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	notify - tell the service manager how mxgated is doing (sd_notify)
 * SYNOPSIS
 *	int notify_open(void);
 *	void notify(const char *fmt, ...);
 *	void notify_close(void);
 * DESCRIPTION
 *	The sd_notify(3) protocol, spoken directly: one datagram of
 *	newline-separated "KEY=VALUE" assignments ("READY=1",
 *	"STOPPING=1", "RELOADING=1", "STATUS=...") to the AF_UNIX socket
 *	named by $NOTIFY_SOCKET, a path or, with a leading '@', a name in
 *	the abstract namespace. systemd documents the protocol as stable;
 *	it is one sendto(), not worth a library in the daemon. And this
 *	way the socket is connected once, before mxgated gives up root, so
 *	later messages need no permission on its path (a test's socket, a
 *	service manager other than systemd).
 *
 *	notify_open() connects to $NOTIFY_SOCKET, and takes the variable
 *	out of the environment so that the programs mxgated runs
 *	(mxgate-rules) do not speak for it. It returns 1 when connected, 0
 *	when $NOTIFY_SOCKET is not set (not under a service manager), and
 *	-1 when it cannot connect (logged; mxgated runs on, unannounced).
 *
 *	notify() formats one message and sends it, when connected; a
 *	failure is logged. notify_close() closes the socket.
 */
#ifndef MXG_NOTIFY_H
#define MXG_NOTIFY_H

int notify_open(void);
void notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void notify_close(void);

#endif /* MXG_NOTIFY_H */
