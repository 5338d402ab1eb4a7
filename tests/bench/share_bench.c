/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * share_bench.c - sharing between gateways through Redis (issue 15),
 * measured: propagation latency, sustained sync rate, Redis memory per
 * source, CPU per synced update, catch-up of a gateway that joins late.
 * Prints numbers; never passes or fails.
 *
 *	share_bench
 *
 * It starts its own redis-server (Unix socket in a temporary directory,
 * no persistence: save "", appendonly no), emptied (FLUSHALL) before each
 * scenario, killed and the directory removed on every exit path,
 * SIGINT and SIGTERM included. Each gateway is a process of its own
 * (fork), with its own event loop (loop.h) and sharing engine (share.h,
 * the daemon's code), and real BPF maps as its kernel maps: an LRU hash
 * struct mxg_key -> struct mxg_verdict of MXG_DEFAULT_MAX_SOURCES entries
 * like the pinned verdicts map, and an unproven map. The engine's sink
 * does what share_daemon.c's does for a block verdict: verdict_get is a
 * map lookup; verdict_apply looks the entry up (hits), deletes it from
 * the unproven map and writes it (bpf_map_update_elem): "the entry in
 * B's kernel map". (The daemon's LMDB write is for pass and greylist
 * verdicts only; these are blocks.)
 *
 * Verdict i is about 2001:db8:0:T::i (T tells the scenario and run
 * apart; map and Redis keys only, nothing is sent on a network). The
 * gateways share a memory mapping: A stamps CLOCK_MONOTONIC just before
 * share_verdict(i), B stamps it in verdict_apply for i.
 *
 *  1. latency: A publishes LAT_RATE verdicts/s for LAT_SECONDS; per
 *     verdict, share_verdict() at A to the map update at B: p50, p90,
 *     p99, max.
 *  2. rate: A hands BULK verdicts to its engine at once (redis_queue_max
 *     BULK * 2: the engine writes INFLIGHT_MAX at a time, the rest wait
 *     in its queue); from the first share_verdict() to B's last map
 *     update. "A written" is until Redis has answered all of A's script
 *     calls.
 *  3. memory: Redis's used_memory (INFO memory) before and after the
 *     BULK of scenario 2, per source, with the stream's MAXLEN ~ at its
 *     default (redis_stream_max 100000: the stream holds all of them);
 *     then the stream trimmed to TRIM_TO entries (XTRIM MAXLEN, exact):
 *     the keys alone, and the stream's share by difference.
 *  4. CPU: each gateway's getrusage (user + system) over the scenario,
 *     per update; redis-server's from /proc/PID/stat (all its threads),
 *     per update. A's includes reading its own entries back from the
 *     stream (and skipping them), as every gateway does.
 *  5. catch-up: after scenario 2 and the trim, a third gateway C starts
 *     (never connected before: it reads every key, SCAN + MGET, then
 *     follows the stream); from just before share_new() to its BULK-th
 *     map update.
 *
 * Every scenario runs RUNS times (SHARE_BENCH_RUNS); printed: the median
 * and [min-max] over the runs. Pinning (PERF.md: latency on this VM is
 * dominated by waking an idle vCPU): redis-server and C on CPU 0, A on
 * CPU 0, B on CPU 1 (SHARE_BENCH_CPUS="A,B,REDIS" to change; -1 unpinned).
 * Needs root (BPF maps) and redis-server in PATH. For iteration:
 * SHARE_BENCH_ONLY=latency or bulk runs one half; SHARE_BENCH_DUMP=FILE
 * writes each verdict's latency of the last latency run ("i published_us
 * latency_us", -1 never applied). The last line says how busy the
 * machine was, and how much of that was not this bench.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <hiredis/hiredis.h>
#include "clock.h"
#include "log.h"
#include "loop.h"
#include "mxgate.h"
#include "share.h"
#include "share_server.h"
#include "../unit/redis_proc.h"

#define LAT_RATE	1000		/* verdicts/s, scenario 1 */
#define LAT_SECONDS	5
#define LAT_N		(LAT_RATE * LAT_SECONDS)
#define BULK		100000		/* scenarios 2-5 */
#define TRIM_TO		1000		/* the stream, before C starts */
#define STREAM_MAX	100000		/* redis_stream_max's default */
#define RUNS		3
#define PREFIX		"bench:"
#define N_MAX		BULK
#define HOUR_NS		3600000000000ULL

enum role { ROLE_A, ROLE_B, ROLE_C, ROLES };
enum mode { LATENCY, BULK_RATE, CATCH_UP };
static const char *const role_name[ROLES] = { "A", "B", "C" };

/* What the gateways and the parent share. */
struct shared {
	int ready[ROLES];		/* connected, set up */
	int go;				/* A: publish */
	int quit;			/* A: stop (B is done) */
	int done[ROLES];
	__u64 t_first, t_last_pub;	/* A: first and last share_verdict() */
	__u64 t_written;		/* A: Redis answered every change */
	__u64 t_new;			/* C: share_new() */
	__u64 t_done[ROLES];		/* B, C: the last map update */
	__u64 cpu_ns[ROLES];		/* user + system over the scenario */
	unsigned long long applied[ROLES], sent[ROLES], dropped[ROLES], bad[ROLES];
	unsigned long long resyncs[ROLES], in_map[ROLES];
	unsigned long long warnings;
	__u64 pub_ns[N_MAX];		/* A: before share_verdict(i) */
	__u64 app_ns[ROLES][N_MAX];	/* B, C: at verdict_apply of i */
};

static struct shared *sh;
static pid_t parent_pid, redis_pid, kids[ROLES];
static char dir[] = "/tmp/mxgate-share-bench.XXXXXX";
static char sock_path[128], conf_path[128], log_path[128], rdb_path[128];
static int cpu_of[ROLES + 1] = { 0, 1, 0, 0 };	/* A, B, C, redis */

/* ---- cleanup: on every exit path of the parent ---- */

/* cleanup - children and redis-server killed, the directory removed;
 * async-signal-safe (kill, waitpid, unlink, rmdir) */
static void cleanup(void)
{
	if (getpid() != parent_pid)
		return;
	for (int r = 0; r < ROLES; r++)
		if (kids[r] > 0) {
			kill(kids[r], SIGKILL);
			waitpid(kids[r], NULL, 0);
			kids[r] = 0;
		}
	if (redis_pid > 0) {
		kill(redis_pid, SIGKILL);
		waitpid(redis_pid, NULL, 0);
		redis_pid = 0;
	}
	if (dir[sizeof(dir) - 8] != 'X') {	/* made */
		unlink(sock_path);
		unlink(conf_path);
		unlink(log_path);
		unlink(rdb_path);
		rmdir(dir);
	}
}

static void on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "share_bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	if (getpid() != parent_pid)
		_exit(1);
	exit(1);	/* atexit: cleanup() */
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);	/* may fail on 1 CPU */
}

/* ---- redis-server ---- */

static redisReply *bench_redis(const char *fmt, ...)
{
	redisReply *rep;
	va_list ap;

	va_start(ap, fmt);
	rep = redis_vdo(sock_path, fmt, ap);
	va_end(ap);
	return rep;
}

static void bench_redis_start(void)
{
	FILE *f;

	if (!mkdtemp(dir))
		die("mkdtemp: %s", strerror(errno));
	snprintf(sock_path, sizeof(sock_path), "%s/redis.sock", dir);
	snprintf(conf_path, sizeof(conf_path), "%s/redis.conf", dir);
	snprintf(log_path, sizeof(log_path), "%s/redis.log", dir);
	snprintf(rdb_path, sizeof(rdb_path), "%s/dump.rdb", dir);
	f = fopen(conf_path, "w");
	if (!f)
		die("%s: %s", conf_path, strerror(errno));
	fprintf(f, "port 0\nunixsocket %s\nunixsocketperm 700\nsave \"\"\nappendonly no\n"
		"dir %s\nlogfile %s\ndaemonize no\n", sock_path, dir, log_path);
	fclose(f);
	redis_pid = fork();
	if (redis_pid < 0)
		die("fork: %s", strerror(errno));
	if (redis_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGINT, SIG_IGN);	/* the parent kills it */
		pin(cpu_of[ROLES]);
		execlp("redis-server", "redis-server", conf_path, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		redisReply *rep = bench_redis("PING");
		int ok = rep && rep->type == REDIS_REPLY_STATUS;

		if (rep)
			freeReplyObject(rep);
		if (ok)
			return;
		usleep(50000);
	}
	die("redis-server did not answer on %s (installed? see %s)", sock_path, log_path);
}

static void redis_simple(const char *cmd)
{
	redisReply *rep = bench_redis(cmd);

	if (!rep || rep->type == REDIS_REPLY_ERROR)
		die("redis %s: %s", cmd, rep ? rep->str : "no answer");
	freeReplyObject(rep);
}

/* used_memory - INFO memory's used_memory, bytes */
static long long used_memory(void)
{
	redisReply *rep = bench_redis("INFO memory");
	long long v = -1;
	const char *p;

	if (rep && rep->type == REDIS_REPLY_STRING &&
	    (p = strstr(rep->str, "\nused_memory:")))
		v = atoll(p + 13);
	if (rep)
		freeReplyObject(rep);
	return v;
}

static long long memory_usage(const char *key)
{
	redisReply *rep = bench_redis("MEMORY USAGE %s SAMPLES 0", key);
	long long v = rep && rep->type == REDIS_REPLY_INTEGER ? rep->integer : -1;

	if (rep)
		freeReplyObject(rep);
	return v;
}

static long long redis_xlen(void)
{
	redisReply *rep = bench_redis("XLEN " PREFIX "stream");
	long long v = rep && rep->type == REDIS_REPLY_INTEGER ? rep->integer : -1;

	if (rep)
		freeReplyObject(rep);
	return v;
}

/* proc_cpu_ns - user + system time of pid (all its threads) */
static __u64 proc_cpu_ns(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	p = strrchr(buf, ')');
	/* after ')': state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &ut, &st) != 2)
		return 0;
	return (ut + st) * (NS_PER_S / (unsigned long long)hz);
}

static __u64 self_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (__u64)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * NS_PER_S +
	       (__u64)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

/* machine_busy_ns - CPU time of the whole machine but idle and iowait */
static __u64 machine_busy_ns(void)
{
	unsigned long long v[8] = { 0 };
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		v[0] = v[1] = v[2] = v[5] = v[6] = v[7] = 0;
	fclose(f);
	return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * (NS_PER_S / (unsigned long long)hz);
}

/* children_cpu_ns - user + system of the gateways reaped so far */
static __u64 children_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (__u64)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * NS_PER_S +
	       (__u64)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

/* ---- a gateway ---- */

struct gw {
	enum role role;
	int verdicts_fd, unproven_fd;
	unsigned tag;			/* this scenario's T in 2001:db8:0:T:: */
	unsigned n;			/* verdicts to expect (B, C) */
	unsigned long long got;		/* distinct ones applied */
	struct share *share;
};

static void key_of(unsigned tag, unsigned i, struct mxg_key *k)
{
	static const __u8 base[16] = { 0x20, 0x01, 0x0d, 0xb8 };

	memset(k, 0, sizeof(*k));
	memcpy(k->addr, base, sizeof(base));
	k->addr[6] = (__u8)(tag >> 8);
	k->addr[7] = (__u8)tag;
	k->addr[12] = (__u8)(i >> 24);
	k->addr[13] = (__u8)(i >> 16);
	k->addr[14] = (__u8)(i >> 8);
	k->addr[15] = (__u8)i;
	k->plen = 128;
}

/* index_of - i for a key of this scenario; -1 */
static long index_of(const struct gw *g, const struct mxg_key *k)
{
	struct mxg_key want;
	unsigned i = (unsigned)k->addr[12] << 24 | (unsigned)k->addr[13] << 16 |
		     (unsigned)k->addr[14] << 8 | k->addr[15];

	key_of(g->tag, i, &want);
	return i < N_MAX && memcmp(&want, k, sizeof(want)) == 0 ? (long)i : -1;
}

static int sink_verdict_get(void *ctx, const struct mxg_key *k, struct mxg_verdict *v)
{
	struct gw *g = ctx;

	memset(v, 0, sizeof(*v));
	return bpf_map_lookup_elem(g->verdicts_fd, k, v) ? -errno : 0;
}

static void sink_verdict_apply(void *ctx, const struct mxg_key *k, const struct mxg_verdict *v)
{
	struct gw *g = ctx;
	long i;

	/* as share_daemon.c: out of the unproven map, written */
	bpf_map_delete_elem(g->unproven_fd, k);
	if (bpf_map_update_elem(g->verdicts_fd, k, v, BPF_ANY))
		die("%s: bpf_map_update_elem: %s", role_name[g->role], strerror(errno));
	i = index_of(g, k);
	if (i >= 0 && !sh->app_ns[g->role][i]) {
		sh->app_ns[g->role][i] = fine_ns();
		g->got++;
	}
}

static int sink_manual_get(void *ctx, const struct mxg_key *p, struct mxg_manual *m)
{
	(void)ctx, (void)p, (void)m;
	return -ENOENT;
}

static void sink_manual_apply(void *ctx, const struct mxg_key *p, const struct mxg_manual *m)
{
	(void)ctx, (void)p, (void)m;
}

static void log_line(const char *line)
{
	if (strncmp(line, "warning", 7) == 0) {
		__atomic_add_fetch(&sh->warnings, 1, __ATOMIC_RELAXED);
		fprintf(stderr, "share_bench: %s\n", line);
	}
}

static unsigned long long map_count(int fd)
{
	struct mxg_key k, next;
	unsigned long long n = 0;
	int first = 1;

	while (bpf_map_get_next_key(fd, first ? NULL : &k, &next) == 0) {
		first = 0;
		k = next;
		n++;
	}
	return n;
}

/* run_until - the loop runs, the engine ticked every second, until cond
 * or the deadline; cond's value */
#define run_until(l, s, deadline, wait_ms, cond) ({			\
	__u64 tick_ = fine_ns();					\
	while (!(cond) && fine_ns() < (deadline)) {			\
		loop_run_once(l, wait_ms);				\
		if (fine_ns() - tick_ > NS_PER_S) {			\
			share_tick(s);					\
			tick_ = fine_ns();				\
		}							\
	}								\
	(cond);								\
})

/* gateway - one gateway's process: never returns */
static void gateway(enum role role, enum mode mode, unsigned tag, unsigned n)
{
	static struct gw g;
	struct share_params p = { .server_text = "bench", .prefix = PREFIX,
		.queue_max = 2 * BULK, .stream_max = STREAM_MAX, .state_dir = NULL };
	struct share_sink sink = { .ctx = &g, .verdict_get = sink_verdict_get,
		.manual_get = sink_manual_get, .verdict_apply = sink_verdict_apply,
		.manual_apply = sink_manual_apply, .republish = NULL };
	const struct share_stats *st;
	struct loop *l;
	char text[160], why[160];
	__u64 cpu0, deadline;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	pin(cpu_of[role]);
	log_sink(log_line);
	g = (struct gw){ .role = role, .tag = tag, .n = n };
	g.verdicts_fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "bench_verdicts",
				       sizeof(struct mxg_key), sizeof(struct mxg_verdict),
				       MXG_DEFAULT_MAX_SOURCES, NULL);
	g.unproven_fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "bench_unproven",
				       sizeof(struct mxg_key), sizeof(struct mxg_verdict),
				       MXG_DEFAULT_MAX_UNPROVEN, NULL);
	if (g.verdicts_fd < 0 || g.unproven_fd < 0)
		die("%s: bpf_map_create: %s (root?)", role_name[role], strerror(errno));
	snprintf(text, sizeof(text), "unix:%s", sock_path);
	if (share_server_parse(text, &p.server, why, sizeof(why)) < 0)
		die("%s: %s", text, why);
	if (!(l = loop_new()))
		die("loop_new");
	cpu0 = self_cpu_ns();
	sh->t_new = fine_ns();
	g.share = share_new(l, &p, &sink);
	if (!g.share)
		die("share_new");
	st = share_stats(g.share);

	if (role == ROLE_C) {
		/* catch-up: from share_new() to every verdict in the map */
		run_until(l, g.share, fine_ns() + 120 * NS_PER_S, 100, g.got >= n);
	} else {
		if (!run_until(l, g.share, fine_ns() + 10 * NS_PER_S, 50, st->up))
			die("%s: not connected to redis in 10 s", role_name[role]);
		cpu0 = self_cpu_ns();
		__atomic_store_n(&sh->ready[role], 1, __ATOMIC_SEQ_CST);
	}
	if (role == ROLE_B) {
		deadline = fine_ns() + (mode == LATENCY ? LAT_SECONDS + 30 : 120) * NS_PER_S;
		run_until(l, g.share, deadline, 1000, g.got >= n);
	}
	if (role == ROLE_A) {
		__u64 start, due;
		unsigned i = 0;
		struct mxg_verdict v;
		struct mxg_key k;

		run_until(l, g.share, fine_ns() + 30 * NS_PER_S, 10,
			  __atomic_load_n(&sh->go, __ATOMIC_SEQ_CST));
		start = fine_ns();
		sh->t_first = start;
		while (i < n) {
			__u64 now = fine_ns();

			/* LATENCY: each verdict at its due time (a late one at
			 * once); BULK_RATE: all at once */
			while (i < n && (mode != LATENCY ||
					 (due = start + (__u64)i * NS_PER_S / LAT_RATE) <= now)) {
				__u64 mono = now_ns();

				v = (struct mxg_verdict){ .action = MXG_ACT_BLOCK,
					.reasons = MXG_R_S25R0, .decided_ns = mono,
					.expires_ns = mono + HOUR_NS };
				key_of(tag, i, &k);
				sh->pub_ns[i] = fine_ns();
				share_verdict(g.share, &k, &v);
				i++;
			}
			if (i < n) {
				due = start + (__u64)i * NS_PER_S / LAT_RATE;
				now = fine_ns();
				loop_run_once(l, due > now ? (int)((due - now + NS_PER_MS - 1) /
								   NS_PER_MS) : 0);
			}
		}
		sh->t_last_pub = fine_ns();
		run_until(l, g.share, fine_ns() + 120 * NS_PER_S, 1000, st->sent >= n);
		sh->t_written = fine_ns();
		run_until(l, g.share, fine_ns() + 120 * NS_PER_S, 100,
			  __atomic_load_n(&sh->quit, __ATOMIC_SEQ_CST));
	}
	sh->t_done[role] = fine_ns();
	if (role != ROLE_A) {	/* the last map update */
		sh->t_done[role] = 0;
		for (unsigned i = 0; i < n; i++)
			if (sh->app_ns[role][i] > sh->t_done[role])
				sh->t_done[role] = sh->app_ns[role][i];
	}
	sh->cpu_ns[role] = self_cpu_ns() - cpu0;
	sh->applied[role] = g.got;
	sh->sent[role] = st->sent;
	sh->dropped[role] = st->dropped;
	sh->bad[role] = st->bad;
	sh->resyncs[role] = st->resyncs;
	sh->in_map[role] = map_count(g.verdicts_fd);
	share_free(g.share);
	loop_free(l);
	__atomic_store_n(&sh->done[role], 1, __ATOMIC_SEQ_CST);
	_exit(0);
}

static void spawn(enum role role, enum mode mode, unsigned tag, unsigned n)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0)
		gateway(role, mode, tag, n);
	kids[role] = pid;
}

/* reap - wait for role's process (at most s seconds) */
static void reap(enum role role, int s)
{
	int status;

	for (int i = 0; i < s * 100; i++) {
		if (waitpid(kids[role], &status, WNOHANG) == kids[role]) {
			kids[role] = 0;
			if (!WIFEXITED(status) || WEXITSTATUS(status))
				die("gateway %s failed", role_name[role]);
			return;
		}
		usleep(10000);
	}
	die("gateway %s did not finish in %d s", role_name[role], s);
}

static void wait_flag(int *flag, int s, const char *what)
{
	for (int i = 0; i < s * 1000; i++) {
		if (__atomic_load_n(flag, __ATOMIC_SEQ_CST))
			return;
		usleep(1000);
	}
	die("%s: not ready in %d s", what, s);
}

static void reset_shared(void)
{
	unsigned long long w = sh->warnings;

	memset(sh, 0, sizeof(*sh));
	sh->warnings = w;
}

/* ---- figures ---- */

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One figure over the runs. */
struct fig {
	double v[16];
	int n;
};

static void add(struct fig *f, double v)
{
	if (f->n < 16)
		f->v[f->n++] = v;
}

static void put(const char *name, struct fig *f, const char *fmt, const char *unit)
{
	char a[32], b[32], c[32];

	qsort(f->v, (size_t)f->n, sizeof(double), cmp_dbl);
	if (!f->n) {
		printf("| %-44s | - |\n", name);
		return;
	}
	snprintf(a, sizeof(a), fmt, f->v[f->n / 2]);
	snprintf(b, sizeof(b), fmt, f->v[0]);
	snprintf(c, sizeof(c), fmt, f->v[f->n - 1]);
	if (f->n > 1)
		printf("| %-44s | %s [%s-%s] %s |\n", name, a, b, c, unit);
	else
		printf("| %-44s | %s %s |\n", name, a, unit);
}

static struct {
	struct fig p50, p90, p99, max, lost, rate_lat, cpu_a_lat, cpu_b_lat, cpu_r_lat;
	struct fig rate, written, cpu_a, cpu_b, cpu_r;
	struct fig mem_all, mem_keys, mem_stream, xlen;
	struct fig catchup, catchup_rate, cpu_c, resyncs_c;
} F;

static __u64 lat[N_MAX];

/* scenario 1 */
static void run_latency(unsigned tag)
{
	__u64 r0, r1;
	size_t m = 0;
	unsigned long long lost = 0;

	redis_simple("FLUSHALL");
	reset_shared();
	spawn(ROLE_B, LATENCY, tag, LAT_N);
	wait_flag(&sh->ready[ROLE_B], 15, "B");
	spawn(ROLE_A, LATENCY, tag, LAT_N);
	wait_flag(&sh->ready[ROLE_A], 15, "A");
	r0 = proc_cpu_ns(redis_pid);
	__atomic_store_n(&sh->go, 1, __ATOMIC_SEQ_CST);
	reap(ROLE_B, LAT_SECONDS + 60);
	r1 = proc_cpu_ns(redis_pid);
	__atomic_store_n(&sh->quit, 1, __ATOMIC_SEQ_CST);
	reap(ROLE_A, 30);
	for (unsigned i = 0; i < LAT_N; i++) {
		if (!sh->app_ns[ROLE_B][i] || !sh->pub_ns[i]) {
			lost++;
			continue;
		}
		lat[m++] = sh->app_ns[ROLE_B][i] - sh->pub_ns[i];
	}
	if (getenv("SHARE_BENCH_DUMP")) {	/* i, published (us from the first), latency (us) */
		FILE *f = fopen(getenv("SHARE_BENCH_DUMP"), "w");

		for (unsigned i = 0; f && i < LAT_N; i++)
			fprintf(f, "%u %.0f %.0f\n", i, (sh->pub_ns[i] - sh->t_first) / 1e3,
				sh->app_ns[ROLE_B][i] ? (sh->app_ns[ROLE_B][i] - sh->pub_ns[i]) /
				1e3 : -1.0);
		if (f)
			fclose(f);
	}
	qsort(lat, m, sizeof(lat[0]), cmp_u64);
	if (m) {
		add(&F.p50, lat[m / 2] / 1e3);
		add(&F.p90, lat[m * 90 / 100] / 1e3);
		add(&F.p99, lat[m * 99 / 100] / 1e3);
		add(&F.max, lat[m - 1] / 1e3);
	}
	add(&F.lost, (double)lost);
	add(&F.rate_lat, LAT_N / ((sh->t_last_pub - sh->t_first) / 1e9));
	add(&F.cpu_a_lat, sh->cpu_ns[ROLE_A] / 1e3 / LAT_N);
	add(&F.cpu_b_lat, sh->cpu_ns[ROLE_B] / 1e3 / LAT_N);
	add(&F.cpu_r_lat, (double)(r1 - r0) / 1e3 / LAT_N);
	if (sh->dropped[ROLE_A] || sh->bad[ROLE_B])
		fprintf(stderr, "share_bench: latency run: A dropped %llu, B bad %llu\n",
			sh->dropped[ROLE_A], sh->bad[ROLE_B]);
}

/* scenarios 2, 3, 4 and (after the trim) 5 */
static void run_bulk(unsigned tag, int last)
{
	long long m0, m1, m2;
	__u64 r0, r1, t;

	redis_simple("FLUSHALL");
	reset_shared();
	m0 = used_memory();	/* no client connected, as m1 */
	spawn(ROLE_B, BULK_RATE, tag, BULK);
	wait_flag(&sh->ready[ROLE_B], 15, "B");
	spawn(ROLE_A, BULK_RATE, tag, BULK);
	wait_flag(&sh->ready[ROLE_A], 15, "A");
	r0 = proc_cpu_ns(redis_pid);
	__atomic_store_n(&sh->go, 1, __ATOMIC_SEQ_CST);
	reap(ROLE_B, 180);
	__atomic_store_n(&sh->quit, 1, __ATOMIC_SEQ_CST);
	reap(ROLE_A, 180);
	r1 = proc_cpu_ns(redis_pid);
	if (sh->applied[ROLE_B] < BULK)
		fprintf(stderr, "share_bench: B applied %llu of %d\n", sh->applied[ROLE_B], BULK);
	add(&F.rate, sh->applied[ROLE_B] / ((sh->t_done[ROLE_B] - sh->t_first) / 1e9));
	add(&F.written, sh->sent[ROLE_A] / ((sh->t_written - sh->t_first) / 1e9));
	add(&F.cpu_a, sh->cpu_ns[ROLE_A] / 1e3 / BULK);
	add(&F.cpu_b, sh->cpu_ns[ROLE_B] / 1e3 / BULK);
	add(&F.cpu_r, (double)(r1 - r0) / 1e3 / BULK);
	if (sh->dropped[ROLE_A] || sh->bad[ROLE_B])
		fprintf(stderr, "share_bench: bulk run: A dropped %llu, B bad %llu\n",
			sh->dropped[ROLE_A], sh->bad[ROLE_B]);
	m1 = used_memory();
	add(&F.xlen, (double)redis_xlen());
	if (last) {
		printf("(last run: MEMORY USAGE of one key %lld B, of the stream %lld B "
		       "for %lld entries; B's map holds %llu)\n",
		       memory_usage(PREFIX "v:2001:db8:0:1::1"), memory_usage(PREFIX "stream"),
		       redis_xlen(), sh->in_map[ROLE_B]);
	}
	redis_simple("XTRIM " PREFIX "stream MAXLEN " "1000");
	m2 = used_memory();
	add(&F.mem_all, (double)(m1 - m0) / BULK);
	add(&F.mem_keys, (double)(m2 - m0) / BULK);
	add(&F.mem_stream, (double)(m1 - m2) / (BULK - TRIM_TO));

	/* 5: a third gateway joins */
	reset_shared();
	spawn(ROLE_C, CATCH_UP, tag, BULK);
	reap(ROLE_C, 180);
	t = sh->t_done[ROLE_C] - sh->t_new;
	if (sh->applied[ROLE_C] < BULK)
		fprintf(stderr, "share_bench: C applied %llu of %d (in its map: %llu)\n",
			sh->applied[ROLE_C], BULK, sh->in_map[ROLE_C]);
	add(&F.catchup, t / 1e6);
	add(&F.catchup_rate, sh->applied[ROLE_C] / (t / 1e9));
	add(&F.cpu_c, sh->cpu_ns[ROLE_C] / 1e3 / BULK);
	add(&F.resyncs_c, (double)sh->resyncs[ROLE_C]);
}

static void parse_cpus(void)
{
	const char *e = getenv("SHARE_BENCH_CPUS");

	if (e && sscanf(e, "%d,%d,%d", &cpu_of[ROLE_A], &cpu_of[ROLE_B], &cpu_of[ROLES]) != 3)
		die("SHARE_BENCH_CPUS=A,B,REDIS (CPU numbers, -1 unpinned)");
	cpu_of[ROLE_C] = cpu_of[ROLE_A];
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		cpu_of[ROLE_A] = cpu_of[ROLE_B] = cpu_of[ROLE_C] = cpu_of[ROLES] = -1;
}

int main(void)
{
	const char *e = getenv("SHARE_BENCH_RUNS"), *only = getenv("SHARE_BENCH_ONLY");
	int runs = e ? atoi(e) : RUNS;
	__u64 t0 = fine_ns(), busy0, busy, own;

	if (runs < 1 || runs > 16)
		runs = RUNS;
	setvbuf(stdout, NULL, _IOLBF, 0);
	parent_pid = getpid();
	parse_cpus();
	log_open("share_bench", 1);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	bench_redis_start();
	{
		redisReply *rep = bench_redis("INFO server");
		const char *v = rep && rep->type == REDIS_REPLY_STRING ?
				strstr(rep->str, "redis_version:") : NULL;

		printf("redis-server %.*s on a Unix socket; gateways A (CPU %d), B (CPU %d), "
		       "C (CPU %d), redis (CPU %d); %d run(s), median [min-max]\n",
		       v ? (int)strcspn(v + 14, "\r\n") : 1, v ? v + 14 : "?",
		       cpu_of[ROLE_A], cpu_of[ROLE_B], cpu_of[ROLE_C], cpu_of[ROLES], runs);
		if (rep)
			freeReplyObject(rep);
	}
	busy0 = machine_busy_ns();
	for (int r = 0; r < runs; r++) {
		if (!only || strcmp(only, "latency") == 0)
			run_latency((unsigned)(0x100 + r));
		if (!only || strcmp(only, "bulk") == 0)
			run_bulk(1, r == runs - 1);
	}
	own = proc_cpu_ns(redis_pid) + children_cpu_ns();
	busy = machine_busy_ns() - busy0;

	printf("\n| 1. propagation, share_verdict() at A to B's map, %d/s for %d s | "
	       "value |\n|---|---|\n", LAT_RATE, LAT_SECONDS);
	put("offered rate (verdicts/s)", &F.rate_lat, "%.0f", "");
	put("p50", &F.p50, "%.0f", "us");
	put("p90", &F.p90, "%.0f", "us");
	put("p99", &F.p99, "%.0f", "us");
	put("max", &F.max, "%.0f", "us");
	put("never applied", &F.lost, "%.0f", "");
	put("CPU per update, A (publisher)", &F.cpu_a_lat, "%.1f", "us");
	put("CPU per update, B (applier)", &F.cpu_b_lat, "%.1f", "us");
	put("CPU per update, redis-server", &F.cpu_r_lat, "%.1f", "us");

	printf("\n| 2-4. %d verdicts handed to A's engine at once | value |\n|---|---|\n",
	       BULK);
	put("synced, first share_verdict() to B's last", &F.rate, "%.0f", "verdicts/s");
	put("written, A's first to Redis's last answer", &F.written, "%.0f", "verdicts/s");
	put("CPU per update, A (publisher)", &F.cpu_a, "%.1f", "us");
	put("CPU per update, B (applier)", &F.cpu_b, "%.1f", "us");
	put("CPU per update, redis-server", &F.cpu_r, "%.1f", "us");
	put("stream length after (MAXLEN ~ 100000)", &F.xlen, "%.0f", "entries");
	put("redis used_memory per source, keys + stream", &F.mem_all, "%.0f", "B");
	put("... the key alone", &F.mem_keys, "%.0f", "B");
	put("... one stream entry (by difference)", &F.mem_stream, "%.0f", "B");

	printf("\n| 5. catch-up: C joins, %d keys, stream trimmed to %d | value |\n"
	       "|---|---|\n", BULK, TRIM_TO);
	put("share_new() to all in C's map", &F.catchup, "%.0f", "ms");
	put("... as a rate", &F.catchup_rate, "%.0f", "verdicts/s");
	put("CPU per update, C", &F.cpu_c, "%.1f", "us");
	put("full reads of the keys (resyncs)", &F.resyncs_c, "%.0f", "");
	if (sh->warnings)
		printf("(%llu warning(s) from the engines, above)\n", sh->warnings);
	printf("(share_bench took %.0f s; the machine was %.0f%% busy meanwhile, %.0f%% "
	       "of it not this bench's: other load adds noise)\n", (fine_ns() - t0) / 1e9,
	       100.0 * busy / (double)((fine_ns() - t0) * (__u64)sysconf(_SC_NPROCESSORS_ONLN)),
	       busy > own ? 100.0 * (double)(busy - own) / (double)busy : 0.0);
	return 0;
}
