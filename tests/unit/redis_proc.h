/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * redis_proc.h - a real redis-server for the tests of sharing (unit and
 * BPF): started on a Unix socket in a directory of its own, without
 * persistence, killed and removed by the test.
 *
 *   redis_start(r)   start (the directory made on the first start); 0
 *                    once it answers PING, -1
 *   redis_stop(r)    kill it (the directory stays: start it again)
 *   redis_remove(r)  kill it and remove the directory
 *   redis_do(r, fmt, ...)  one command on a connection of its own: the
 *                    reply (freeReplyObject()) or NULL; redis_vdo(sock,
 *                    fmt, ap) the same on any socket (the bench's)
 *   redis_server_text(r, buf, len)  "unix:SOCKET", for redis_server
 */
#ifndef MXG_REDIS_PROC_H
#define MXG_REDIS_PROC_H

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <hiredis/hiredis.h>

struct redis_proc {
	char dir[64];
	char sock[96];
	pid_t pid;
};

static inline int redis_start(struct redis_proc *r)
{
	char conf[128];
	FILE *f;

	if (!r->dir[0]) {
		snprintf(r->dir, sizeof(r->dir), "/tmp/mxg-redis-XXXXXX");
		if (!mkdtemp(r->dir))
			return -1;
		snprintf(r->sock, sizeof(r->sock), "%s/redis.sock", r->dir);
	}
	snprintf(conf, sizeof(conf), "%s/redis.conf", r->dir);
	f = fopen(conf, "w");
	if (!f)
		return -1;
	fprintf(f, "port 0\nunixsocket %s\nunixsocketperm 700\nsave \"\"\nappendonly no\n"
		"dir %s\nlogfile %s/redis.log\ndaemonize no\n", r->sock, r->dir, r->dir);
	fclose(f);
	r->pid = fork();
	if (r->pid < 0)
		return -1;
	if (r->pid == 0) {
		execlp("redis-server", "redis-server", conf, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		redisContext *c = redisConnectUnix(r->sock);
		redisReply *rep = c && !c->err ? redisCommand(c, "PING") : NULL;
		int ok = rep && rep->type == REDIS_REPLY_STATUS;

		if (rep)
			freeReplyObject(rep);
		if (c)
			redisFree(c);
		if (ok)
			return 0;
		usleep(50000);
	}
	return -1;
}

static inline void redis_stop(struct redis_proc *r)
{
	if (r->pid > 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
		r->pid = 0;
	}
	if (r->sock[0])
		unlink(r->sock);
}

static inline void redis_remove(struct redis_proc *r)
{
	static const char *const files[] = { "redis.conf", "redis.log", "share.last_id" };
	char path[128];

	redis_stop(r);
	if (!r->dir[0])
		return;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", r->dir, files[i]);
		unlink(path);
	}
	rmdir(r->dir);
}

static inline redisReply *redis_vdo(const char *sock, const char *fmt, va_list ap)
{
	redisContext *c = redisConnectUnix(sock);
	redisReply *rep = NULL;

	if (c && !c->err)
		rep = redisvCommand(c, fmt, ap);
	if (c)
		redisFree(c);
	return rep;
}

static inline redisReply *redis_do(const struct redis_proc *r, const char *fmt, ...)
{
	redisReply *rep;
	va_list ap;

	va_start(ap, fmt);
	rep = redis_vdo(r->sock, fmt, ap);
	va_end(ap);
	return rep;
}

static inline void redis_server_text(const struct redis_proc *r, char *buf, size_t len)
{
	snprintf(buf, len, "unix:%s", r->sock);
}

#endif /* MXG_REDIS_PROC_H */
