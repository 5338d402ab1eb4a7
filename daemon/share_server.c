/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * share_server.c - redis_server's text. See share_server.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "share_server.h"

/* share_server_parse - "HOST:PORT", "[V6]:PORT" or "unix:/PATH"; 0 or -1 */
int share_server_parse(const char *text, struct share_server *s, char *why, size_t len)
{
	const char *colon, *host = text;
	size_t hlen;
	struct in_addr a4;
	struct in6_addr a6;
	char *end;
	long port;

	memset(s, 0, sizeof(*s));
	if (strncmp(text, "unix:", 5) == 0) {
		if (text[5] != '/' || strlen(text + 5) >= sizeof(s->path)) {
			snprintf(why, len, "\"%s\": a Unix socket is unix:/absolute/path "
				 "(at most %zu bytes)", text, sizeof(s->path) - 1);
			return -1;
		}
		strcpy(s->path, text + 5);
		s->loopback = 1;
		return 0;
	}
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':')
			goto bad;
		host = text + 1;
		hlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (!colon || strchr(text, ':') != colon)
			goto bad;
		hlen = (size_t)(colon - text);
	}
	if (hlen == 0 || hlen >= sizeof(s->host))
		goto bad;
	memcpy(s->host, host, hlen);
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 1 || port > 65535)
		goto bad;
	s->port = (int)port;
	if (strcmp(s->host, "localhost") == 0) {
		strcpy(s->host, "127.0.0.1");
		s->loopback = 1;
	} else if (inet_pton(AF_INET, s->host, &a4) == 1) {
		s->loopback = (ntohl(a4.s_addr) >> 24) == 127;
	} else if (text[0] == '[' && inet_pton(AF_INET6, s->host, &a6) == 1) {
		s->loopback = IN6_IS_ADDR_LOOPBACK(&a6);
	} else {
		snprintf(why, len, "\"%s\": the host must be an address (or localhost): "
			 "a name would be resolved by blocking the daemon", text);
		return -1;
	}
	return 0;
bad:
	snprintf(why, len, "\"%s\" is not HOST:PORT, [IPV6]:PORT or unix:/PATH", text);
	return -1;
}

/* share_password_read - the first line of path, a 0600 file; 0 or -1 */
int share_password_read(const char *path, char *buf, size_t len, char *why, size_t wlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	ssize_t n;
	char *nl;

	if (fd < 0) {
		snprintf(why, wlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, wlen, "%s: not a regular file", path);
		goto bad;
	}
	if (st.st_mode & 077) {
		snprintf(why, wlen, "%s: group or others may read it (mode %04o): "
			 "chmod 600 %s", path, (unsigned)(st.st_mode & 07777), path);
		goto bad;
	}
	n = read(fd, buf, len - 1);
	if (n < 0) {
		snprintf(why, wlen, "%s: %s", path, strerror(errno));
		goto bad;
	}
	buf[n] = 0;
	nl = strpbrk(buf, "\r\n");
	if (!nl && (size_t)n == len - 1) {
		snprintf(why, wlen, "%s: the password is longer than %zu bytes", path, len - 2);
		goto bad;
	}
	if (nl)
		*nl = 0;
	if (!buf[0]) {
		snprintf(why, wlen, "%s: the first line (the password) is empty", path);
		goto bad;
	}
	close(fd);
	return 0;
bad:
	explicit_bzero(buf, len);
	close(fd);
	return -1;
}
