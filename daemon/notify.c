/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	notify - tell the service manager how mxgated is doing (sd_notify)
 * DESCRIPTION
 *	Implements notify.h (the contract is there). One socket per
 *	process, as the service manager knows one main process.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "log.h"
#include "notify.h"

#define NOTIFY_MAX	1024		/* longest message we send */

static int notify_fd = -1;		/* connected to $NOTIFY_SOCKET */

/* notify_open - connect to $NOTIFY_SOCKET once, while we may */
int notify_open(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n;
	socklen_t len;

	if (!path || !*path)
		return 0;
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof(sa.sun_path)) {
		msg_warn("NOTIFY_SOCKET \"%s\" is not a socket path or @name; the "
			 "service manager will not hear from mxgated", path);
		goto out;
	}
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = 0;	/* abstract: no NUL at the end */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '/'));
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (notify_fd < 0 || connect(notify_fd, (struct sockaddr *)&sa, len) < 0) {
		msg_warn("NOTIFY_SOCKET %s: %s; the service manager will not hear "
			 "from mxgated", path, strerror(errno));
		notify_close();
	}
out:
	unsetenv("NOTIFY_SOCKET");
	return notify_fd >= 0 ? 1 : -1;
}

/* notify - one message to the service manager, if there is one */
void notify(const char *fmt, ...)
{
	char msg[NOTIFY_MAX];
	va_list ap;
	int n;

	if (notify_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(msg))
		msg_panic("notify: message of %d bytes", n);
	if (send(notify_fd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		msg_warn("NOTIFY_SOCKET: cannot send \"%.*s\": %s",
			 (int)strcspn(msg, "\n"), msg, strerror(errno));
}

/* notify_close - no more messages */
void notify_close(void)
{
	if (notify_fd >= 0)
		close(notify_fd);
	notify_fd = -1;
}
