/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	share_server - where the Redis of the gateways is (redis_server)
 * SYNOPSIS
 *	int share_server_parse(const char *text, struct share_server *s,
 *			       char *why, size_t len);
 *	int share_password_read(const char *path, char *buf, size_t len,
 *				char *why, size_t wlen);
 * DESCRIPTION
 *	redis_server is "HOST:PORT" with HOST an IPv4 address or
 *	"localhost", "[IPV6]:PORT", or "unix:/PATH" (a local socket). Names
 *	other than localhost are refused: resolving one would block the
 *	event loop (hiredis resolves synchronously), and the address of a
 *	store every gateway trusts should not hang on DNS.
 *	share_server_parse() fills s: 0, or -1 with why. s->loopback says
 *	whether the password would stay on this host (a Unix socket, or
 *	127.0.0.0/8 or ::1): redis_cleartext_auth is needed otherwise,
 *	since Debian 12's hiredis has no TLS.
 *
 *	share_password_read() reads the password from the first line of
 *	path (redis_password_file) into buf: 0, or -1 with why when the
 *	file cannot be read, is not a regular file, can be read by group
 *	or others (it must be 0600 or stricter), or its first line is
 *	empty or does not fit.
 */
#ifndef MXG_SHARE_SERVER_H
#define MXG_SHARE_SERVER_H

#include <limits.h>
#include <stddef.h>

#define SHARE_PASSWORD_MAX	512	/* bytes of a password, NUL included */

struct share_server {
	char host[64];		/* address literal; "" for a Unix socket */
	int port;
	char path[108];		/* Unix socket path, or "" */
	int loopback;		/* the password stays on this host */
};

int share_server_parse(const char *text, struct share_server *s, char *why, size_t len);
int share_password_read(const char *path, char *buf, size_t len, char *why, size_t wlen);

#endif /* MXG_SHARE_SERVER_H */
