/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_notify.c - the sd_notify protocol: one datagram per message to
 * the socket $NOTIFY_SOCKET names (a path, or @name in the abstract
 * namespace), the variable taken out of the environment; nothing at all
 * without it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "log.h"
#include "notify.h"
#include "test.h"

/* listener - a datagram socket bound at path (@: abstract) */
static int listener(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = 0;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa,
			   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0) {
		test_fail(__FILE__, __LINE__, "cannot bind %s", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* heard - the next datagram on fd, or "" when none is waiting */
static const char *heard(int fd)
{
	static char buf[2048];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = 0;
	return buf;
}

static char warned[LOG_LINE_MAX];

/* keep - log_sink: the last line */
static void keep(const char *line)
{
	snprintf(warned, sizeof(warned), "%s", line);
}

TEST(notify_speaks_to_a_path_socket)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/mxgate-notify.%d", (int)getpid());
	unlink(path);
	fd = listener(path);
	if (fd < 0)
		return;
	setenv("NOTIFY_SOCKET", path, 1);
	CHECK_EQ_INT(notify_open(), 1);
	CHECK(getenv("NOTIFY_SOCKET") == NULL);	/* not for mxgate-rules */
	notify("READY=1\nSTATUS=Judging SYNs: queue %u", 7u);
	CHECK_EQ_STR(heard(fd), "READY=1\nSTATUS=Judging SYNs: queue 7");
	notify("STOPPING=1");
	CHECK_EQ_STR(heard(fd), "STOPPING=1");
	CHECK_EQ_STR(heard(fd), "");
	notify_close();
	notify("READY=1");				/* closed: nothing */
	CHECK_EQ_STR(heard(fd), "");
	close(fd);
	unlink(path);
}

TEST(notify_speaks_to_an_abstract_socket)
{
	char name[64];
	int fd;

	snprintf(name, sizeof(name), "@mxgate-notify-test-%d", (int)getpid());
	fd = listener(name);
	if (fd < 0)
		return;
	setenv("NOTIFY_SOCKET", name, 1);
	CHECK_EQ_INT(notify_open(), 1);
	notify("RELOADING=1\nMONOTONIC_USEC=%llu", 123ULL);
	CHECK_EQ_STR(heard(fd), "RELOADING=1\nMONOTONIC_USEC=123");
	notify_close();
	close(fd);
}

TEST(notify_without_a_manager_or_with_a_bad_socket)
{
	unsetenv("NOTIFY_SOCKET");
	CHECK_EQ_INT(notify_open(), 0);
	notify("READY=1");				/* nowhere, quietly */
	log_sink(keep);
	warned[0] = 0;
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	CHECK_EQ_INT(notify_open(), -1);
	CHECK(strstr(warned, "warning: NOTIFY_SOCKET \"relative/path\"") != NULL);
	CHECK(getenv("NOTIFY_SOCKET") == NULL);
	setenv("NOTIFY_SOCKET", "/nonexistent/notify", 1);
	CHECK_EQ_INT(notify_open(), -1);
	CHECK(strstr(warned, "/nonexistent/notify: No such file") != NULL);
	log_sink(NULL);
	notify("READY=1");
}
