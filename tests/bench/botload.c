/* SPDX-License-Identifier: GPL-2.0-or-later */
/* botload.c - an open-loop SMTP bot workload for bench_postscreen.sh, with
 * CPU accounting per phase.
 *
 *   botload --dst ADDR --sources FILE [--port 25] [--rate R] [--rounds N]
 *           [--window-first S] [--window-repeat S] [--clean-msgs K]
 *           [--connect-timeout S] [--session-timeout S]
 *           [--proc NAME=PID]... [--maillog FILE] [--netns INO,...]
 *           [--counters CMD]
 *
 * FILE has one source a line, "ADDR BEHAVIOUR"; BEHAVIOUR is
 *   polite    wait for the 220, EHLO, MAIL FROM, RCPT TO; on the first
 *             reply that is not 2xx send QUIT and hang up (a bot gives up)
 *   pregreet  send EHLO right after connecting, then as polite
 *   hangup    connect and hang up at once
 *   clean     a legitimate sender: a whole transaction with DATA
 *
 * Three phases, one after the other, each started on a fixed schedule
 * (connection i at i/R seconds, "open loop": arrivals do not wait for the
 * server):
 *   first   every bot source once (first-time offenders)
 *   repeat  N-1 more rounds over the bot sources, in the same order
 *           (repeat offenders; one source every #sources/R seconds)
 *   clean   K connections of each clean source (not timed)
 * A timed phase lasts exactly its window (the connections must be over by
 * then, or the phase runs on until they are and says overrun=1), so that
 * background CPU is the same in every scenario and cancels against the
 * baseline. At each phase boundary it samples
 *   busy_ms       /proc/stat, every state but idle and iowait, all CPUs
 *                 (tick-sampled user/system/softirq..., 10 ms units)
 *   idlebusy_ms   CPUs x wall minus the cpuidle residency (microseconds,
 *                 sysfs): the same quantity from the precise idle clock
 *   gen_ms        this process (getrusage)
 *   proc_NAME_ms  the process tree under PID: every live thread's
 *                 sched runtime (ns) plus reaped children (cutime+cstime)
 *   foreign_ms    (--netns INO,INO..: the bench's network namespaces)
 *                 user-space processes in none of them: other work on the
 *                 machine, to be taken out of the whole-machine numbers
 *   mta_connects  smtpd "connect from" lines added to the maillog
 *   ctr_NAME      (--counters CMD: a shell command printing "NAME VALUE"
 *                 lines, e.g. mxgate's tc counters) the change of each
 *                 over the phase; CMD runs just outside the sampled
 *                 window, so that its own CPU is not the phase's
 * and prints one line "phase=... key=value ..." with the outcome counts
 * (out_<stage>_<what>=n: where each connection ended). A connection
 * refused (a reset answering the SYN, from a closed port or from mxgate's
 * tc program) ends as out_connect_refused, as a dropped SYN ends as
 * out_connect_timeout: both are outcomes, neither stops the phase.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SOURCES	4096
#define MAX_PROCS	8
#define MAX_OUTCOMES	64
#define MAX_COUNTERS	16
#define RBUF		2048

enum behaviour { B_POLITE, B_PREGREET, B_HANGUP, B_CLEAN };
enum stage { S_CONNECT, S_BANNER, S_EHLO, S_MAIL, S_RCPT, S_DATA, S_DOT, S_DONE };
static const char *stage_name[] = { "connect", "banner", "ehlo", "mail", "rcpt", "data", "dot", "done" };

struct source {
	struct sockaddr_storage sa;
	socklen_t salen;
	enum behaviour b;
};

struct conn {
	int fd;
	int src;
	enum stage st;
	int ehlo_sent;		/* pregreet: EHLO already on the wire */
	double deadline;
	size_t rlen;
	char rbuf[RBUF];
};

static struct source sources[MAX_SOURCES];
static int nsources;
static struct sockaddr_storage dst;
static socklen_t dstlen;
static int port = 25;
static double rate = 500, connect_timeout = 3.5, session_timeout = 10;
static double window_first = 9, window_repeat = 13;
static int rounds = 25, clean_msgs = 1;
static const char *maillog;
static struct { const char *name; int pid; } procs[MAX_PROCS];
static int nprocs;
static unsigned long long ours[8];	/* the bench's network namespaces */
static int nours;
static int epfd;
static const char *counters_cmd;

static struct { char key[48]; long n; } outcomes[MAX_OUTCOMES];
static int noutcomes;

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("botload: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void outcome(enum stage st, const char *what)
{
	char key[48];
	int i;
	snprintf(key, sizeof(key), "%s_%s", stage_name[st], what);
	for (i = 0; i < noutcomes; i++)
		if (!strcmp(outcomes[i].key, key)) {
			outcomes[i].n++;
			return;
		}
	if (noutcomes < MAX_OUTCOMES) {
		strcpy(outcomes[noutcomes].key, key);
		outcomes[noutcomes++].n = 1;
	}
}

/* ---- CPU and log sampling ---------------------------------------------- */

struct sample {
	double wall;
	double busy_ms, idle_us, gen_ms;
	double proc_ms[MAX_PROCS];
	double foreign_ms;	/* CPU so far of the foreign processes (see foreign_delta) */
	long mta_connects;
};

static long clk_tck;

static double read_stat_busy_ms(void)
{
	FILE *f = fopen("/proc/stat", "r");
	unsigned long long v[10] = { 0 };
	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
			 &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		die("cannot read /proc/stat");
	fclose(f);
	/* user nice system idle iowait irq softirq steal: all but 3, 4 */
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * 1000.0 / clk_tck;
}

static double read_cpuidle_us(void)
{
	char path[128];
	double total = 0;
	int cpu, st;
	for (cpu = 0;; cpu++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d", cpu);
		if (access(path, F_OK))
			break;
		for (st = 0;; st++) {
			unsigned long long t;
			FILE *f;
			snprintf(path, sizeof(path),
				 "/sys/devices/system/cpu/cpu%d/cpuidle/state%d/time", cpu, st);
			if (!(f = fopen(path, "r")))
				break;
			if (fscanf(f, "%llu", &t) == 1)
				total += t;
			fclose(f);
		}
	}
	return total;
}

/* parse /proc/PID/stat: ppid, own utime + stime and reaped children's
 * cutime + cstime (ticks, as ms), start time */
static int read_pid_stat(int pid, int *ppid, double *self_ms, double *child_ms,
			 unsigned long long *start)
{
	char path[64], buf[1024], *p;
	FILE *f;
	size_t n;
	long long ut, st, cut, cst;
	int pp;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (!(f = fopen(path, "r")))
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	if (!(p = strrchr(buf, ')')))
		return -1;
	/* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime cutime cstime priority nice threads
	 * itrealvalue starttime */
	if (sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld %lld %lld"
		   " %*d %*d %*d %*d %llu", &pp, &ut, &st, &cut, &cst, start) != 6)
		return -1;
	*ppid = pp;
	*self_ms = (double)(ut + st) * 1000.0 / clk_tck;
	*child_ms = (double)(cut + cst) * 1000.0 / clk_tck;
	return 0;
}

/* every thread's sched runtime, ns -> ms */
static double read_runtime_ms(int pid)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	double total = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	if (!(d = opendir(path)))
		return 0;
	while ((e = readdir(d))) {
		char p2[320];
		unsigned long long rt;
		FILE *f;
		if (e->d_name[0] == '.')
			continue;
		snprintf(p2, sizeof(p2), "/proc/%d/task/%s/schedstat", pid, e->d_name);
		if (!(f = fopen(p2, "r")))
			continue;
		if (fscanf(f, "%llu", &rt) == 1)
			total += rt / 1e6;
		fclose(f);
	}
	closedir(d);
	return total;
}

/* the network namespace inode of a process, 0 if unknown */
static unsigned long long netns_of(int pid)
{
	char path[64], link[64];
	ssize_t n;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	if ((n = readlink(path, link, sizeof(link) - 1)) <= 0)
		return 0;
	link[n] = 0;
	return strtoull(link + 5, NULL, 10);	/* "net:[N]" */
}

/* the user-space processes outside the bench's namespaces (other work on
 * the machine, which the whole-machine numbers must not be charged), with
 * their CPU so far, their own and their reaped children's. Summed, not
 * compared process by process: the time of a process that exits between
 * the samples moves into the cutime of the ancestor that reaps it (its
 * parent, a grandparent, or pid 1 for an orphan), so the difference of
 * the two sums is the work done between them. */
static double foreign_delta(double before, double after)
{
	return after > before ? after - before : 0;
}

/* CPU of every process tree in procs[], in one scan of /proc; the
 * foreign processes' sum into *foreign_ms */
static void read_trees(double *out, double *foreign_ms)
{
	static int pids[32768], ppids[32768];
	static double child[32768], self[32768];
	int n = 0, i, j, k;
	DIR *d = opendir("/proc");
	struct dirent *e;
	for (i = 0; i < nprocs; i++)
		out[i] = 0;
	*foreign_ms = 0;
	if (!d)
		return;
	while ((e = readdir(d)) && n < 32768) {
		int pid = atoi(e->d_name), pp;
		double c, me;
		unsigned long long st;
		if (pid <= 0 || read_pid_stat(pid, &pp, &me, &c, &st))
			continue;
		pids[n] = pid, ppids[n] = pp, child[n] = c, self[n] = me, n++;
	}
	closedir(d);
	for (i = 0; nours && i < n; i++) {
		unsigned long long ns;
		if (pids[i] == 2 || ppids[i] == 2 || pids[i] == getpid())
			continue;	/* kernel threads do our softirq work too */
		if (!(ns = netns_of(pids[i])))
			continue;
		for (k = 0; k < nours; k++)
			if (ours[k] == ns)
				break;
		if (k == nours)
			*foreign_ms += self[i] + child[i];
	}
	for (i = 0; i < n; i++) {
		/* walk up to a root (depth-limited) */
		int cur = i, depth;
		for (depth = 0; depth < 16; depth++) {
			for (k = 0; k < nprocs; k++)
				if (pids[cur] == procs[k].pid)
					break;
			if (k < nprocs) {
				out[k] += read_runtime_ms(pids[i]) + child[i];
				break;
			}
			for (j = 0; j < n; j++)
				if (pids[j] == ppids[cur])
					break;
			if (j == n)
				break;
			cur = j;
		}
	}
}

/* counters read from --counters CMD */
struct counters {
	int n;
	char name[MAX_COUNTERS][40];
	long long v[MAX_COUNTERS];
};

static void read_counters(struct counters *c)
{
	char line[256];
	FILE *p;
	c->n = 0;
	if (!counters_cmd)
		return;
	if (!(p = popen(counters_cmd, "r")))
		die("--counters: %s", strerror(errno));
	while (fgets(line, sizeof(line), p))
		if (c->n < MAX_COUNTERS &&
		    sscanf(line, "%39s %lld", c->name[c->n], &c->v[c->n]) == 2)
			c->n++;
	/* a counter silently missing would read as "none happened" */
	if (pclose(p) != 0 || c->n == 0)
		die("--counters: \"%s\" failed or printed nothing", counters_cmd);
}

static long count_connects(void)
{
	FILE *f;
	char line[2048];
	long n = 0;
	if (!maillog || !(f = fopen(maillog, "r")))
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "/smtpd[") && strstr(line, "]: connect from "))
			n++;
	fclose(f);
	return n;
}

static void take(struct sample *s)
{
	struct rusage ru;
	s->wall = now();
	s->busy_ms = read_stat_busy_ms();
	s->idle_us = read_cpuidle_us();
	getrusage(RUSAGE_SELF, &ru);
	s->gen_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
		    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	read_trees(s->proc_ms, &s->foreign_ms);
	s->mta_connects = count_connects();
}

/* ---- connections ------------------------------------------------------- */

static struct conn *conns;
static int maxconns, active;
static int *freelist, nfree;	/* free slots, a stack */
static int *live, nlive;	/* open slots, unordered */
static int *livepos;		/* slot -> index in live[] */

static void conn_close(struct conn *c)
{
	if (c->fd >= 0) {
		epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
	c->st = S_DONE;
	active--;
	{
		int slot = c - conns, p = livepos[slot];
		live[p] = live[--nlive];
		livepos[live[p]] = p;
		freelist[nfree++] = slot;
	}
}

static void say(struct conn *c, const char *s)
{
	ssize_t n = write(c->fd, s, strlen(s));
	(void)n;	/* a few bytes into an empty socket buffer */
}

/* give up: QUIT and hang up without waiting for the 221 (a bot) */
static void give_up(struct conn *c, const char *why)
{
	outcome(c->st, why);
	say(c, "QUIT\r\n");
	conn_close(c);
}

static void on_reply(struct conn *c, int code)
{
	char why[8];
	struct source *s = &sources[c->src];
	snprintf(why, sizeof(why), "%d", code);
	switch (c->st) {
	case S_BANNER:
		if (c->ehlo_sent && code == 250) {
			/* postscreen may answer a pregreeted EHLO without a
			 * final "220 " line first: take it as the EHLO reply */
			c->st = S_EHLO;
			on_reply(c, code);
			return;
		}
		if (code != 220)
			return give_up(c, why);
		if (!c->ehlo_sent)
			say(c, "EHLO bot.example.net\r\n");
		c->st = S_EHLO;
		return;
	case S_EHLO:
		if (code / 100 != 2)
			return give_up(c, why);
		say(c, s->b == B_CLEAN ? "MAIL FROM:<sender@clean.bench.example>\r\n"
				       : "MAIL FROM:<winner@lottery.example>\r\n");
		c->st = S_MAIL;
		return;
	case S_MAIL:
		if (code / 100 != 2)
			return give_up(c, why);
		say(c, "RCPT TO:<user@mx.example>\r\n");
		c->st = S_RCPT;
		return;
	case S_RCPT:
		if (code / 100 != 2 || s->b != B_CLEAN)
			return give_up(c, why);
		say(c, "DATA\r\n");
		c->st = S_DATA;
		return;
	case S_DATA:
		if (code != 354)
			return give_up(c, why);
		say(c, "From: sender@clean.bench.example\r\nTo: user@mx.example\r\n"
		       "Subject: bench\r\nX-Bench: clean\r\n\r\nhello\r\n.\r\n");
		c->st = S_DOT;
		return;
	case S_DOT:
		give_up(c, code == 250 ? "delivered" : why);
		return;
	default:
		return;
	}
}

static void on_readable(struct conn *c)
{
	for (;;) {
		ssize_t n = read(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - 1 - c->rlen);
		char *line, *nl;
		if (n == 0) {
			outcome(c->st, "closed");
			conn_close(c);
			return;
		}
		if (n < 0) {
			if (errno == EAGAIN)
				return;
			outcome(c->st, errno == ECONNRESET ? "reset" : "error");
			conn_close(c);
			return;
		}
		c->rlen += n;
		c->rbuf[c->rlen] = 0;
		line = c->rbuf;
		while ((nl = strchr(line, '\n'))) {
			*nl = 0;
			if (strlen(line) >= 3 && line[0] >= '2' && line[0] <= '5' &&
			    (line[3] == ' ' || line[3] == '\r' || line[3] == 0)) {
				on_reply(c, atoi(line));
				if (c->st == S_DONE)
					return;
			}
			line = nl + 1;
		}
		c->rlen -= line - c->rbuf;
		memmove(c->rbuf, line, c->rlen);
		if (c->rlen >= sizeof(c->rbuf) - 1)
			c->rlen = 0;	/* an absurd line: drop it */
	}
}

static void on_connected(struct conn *c, double t)
{
	int err = 0;
	socklen_t len = sizeof(err);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
	getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err) {
		outcome(S_CONNECT, err == ECONNREFUSED ? "refused" :
				   err == ECONNRESET ? "reset" :
				   err == ETIMEDOUT ? "timeout" : "error");
		conn_close(c);
		return;
	}
	switch (sources[c->src].b) {
	case B_HANGUP:
		outcome(S_CONNECT, "hangup");
		conn_close(c);
		return;
	case B_PREGREET:
		say(c, "EHLO bot.example.net\r\n");
		c->ehlo_sent = 1;
		break;
	default:
		break;
	}
	c->st = S_BANNER;
	c->deadline = t + session_timeout;
	epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void start_conn(int src, double t)
{
	struct conn *c;
	struct epoll_event ev;
	int fd, one = 1, slot;
	if (!nfree)
		die("more than %d connections open", maxconns);
	slot = freelist[--nfree];
	c = &conns[slot];
	memset(c, 0, offsetof(struct conn, rbuf));
	c->fd = -1;
	c->src = src;
	active++;
	livepos[slot] = nlive;
	live[nlive++] = slot;
	fd = socket(sources[src].sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sources[src].sa, sources[src].salen))
		die("bind: %s", strerror(errno));
	c->fd = fd;
	c->st = S_CONNECT;
	c->deadline = t + connect_timeout;
	if (connect(fd, (struct sockaddr *)&dst, dstlen) && errno != EINPROGRESS) {
		outcome(S_CONNECT, errno == ECONNREFUSED ? "refused" : "error");
		conn_close(c);
		return;
	}
	ev.events = EPOLLOUT;
	ev.data.ptr = c;
	epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* run connections to the given sources on the open-loop schedule; return
 * once the window is over and nothing is open (overrun: later than the
 * window) */
static void run_phase(const char *name, const int *list, int n, double r,
		      double window, int timed)
{
	static struct sample a, b;
	struct counters ca, cb;
	double t0, t, hard, next_scan = 0;
	int next = 0, i, overrun = 0;
	struct epoll_event evs[256];

	noutcomes = 0;
	read_counters(&ca);
	take(&a);
	t0 = now();
	hard = t0 + n / r + (window > 0 ? window : 0) + 30;
	for (;;) {
		int nev;
		t = now();
		while (next < n && t0 + next / r <= t)
			start_conn(list[next++], t);
		if (t >= next_scan) {	/* deadlines, every 20 ms */
			next_scan = t + 0.02;
			for (i = nlive - 1; i >= 0; i--) {
				struct conn *c = &conns[live[i]];
				if (c->deadline > t)
					continue;
				if (c->st == S_CONNECT) {
					outcome(S_CONNECT, "timeout");
					conn_close(c);
				} else {
					give_up(c, "timeout");
				}
			}
		}
		if (next == n && active == 0) {
			if (!timed || t >= t0 + window)
				break;
			if (t + 0.05 < t0 + window) {
				usleep(50000);
				continue;
			}
		}
		if (t > hard)
			die("phase %s: %d connections still open after %.0f s", name, active, t - t0);
		nev = epoll_wait(epfd, evs, 256, 2);
		for (i = 0; i < nev; i++) {
			struct conn *c = evs[i].data.ptr;
			if (c->fd < 0)
				continue;
			if (c->st == S_CONNECT)
				on_connected(c, now());
			else
				on_readable(c);
		}
	}
	take(&b);
	read_counters(&cb);
	if (timed && b.wall - t0 > window + 0.2)
		overrun = 1;
	printf("phase=%s conns=%d wall_s=%.3f window_s=%.1f overrun=%d busy_ms=%.0f idlebusy_ms=%.1f gen_ms=%.1f",
	       name, n, b.wall - a.wall, timed ? window : 0, overrun, b.busy_ms - a.busy_ms,
	       (b.wall - a.wall) * 1e3 * sysconf(_SC_NPROCESSORS_ONLN) - (b.idle_us - a.idle_us) / 1e3,
	       b.gen_ms - a.gen_ms);
	for (i = 0; i < nprocs; i++)
		printf(" proc_%s_ms=%.1f", procs[i].name, b.proc_ms[i] - a.proc_ms[i]);
	if (nours)
		printf(" foreign_ms=%.1f", foreign_delta(a.foreign_ms, b.foreign_ms));
	printf(" mta_connects=%ld", b.mta_connects - a.mta_connects);
	for (i = 0; i < cb.n; i++) {
		long long before = 0;
		for (int j = 0; j < ca.n; j++)
			if (!strcmp(ca.name[j], cb.name[i]))
				before = ca.v[j];
		printf(" ctr_%s=%lld", cb.name[i], cb.v[i] - before);
	}
	for (i = 0; i < noutcomes; i++)
		printf(" out_%s=%ld", outcomes[i].key, outcomes[i].n);
	printf("\n");
	fflush(stdout);
}

static void parse_addr(const char *s, struct sockaddr_storage *sa, socklen_t *len, int p)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
	memset(sa, 0, sizeof(*sa));
	if (inet_pton(AF_INET, s, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(p);
		*len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, s, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(p);
		*len = sizeof(*s6);
	} else {
		die("bad address %s", s);
	}
}

int main(int argc, char **argv)
{
	const char *dsts = NULL, *srcfile = NULL;
	static int bots[MAX_SOURCES], cleans[MAX_SOURCES];
	int nbots = 0, ncleans = 0, i, r, *list, n;
	char addr[128], beh[32];
	struct rlimit rl = { 65536, 65536 };
	FILE *f;

	clk_tck = sysconf(_SC_CLK_TCK);
	signal(SIGPIPE, SIG_IGN);	/* a server that hung up first */
	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			die("%s needs a value", o);
		i++;
		if (!strcmp(o, "--dst")) dsts = v;
		else if (!strcmp(o, "--port")) port = atoi(v);
		else if (!strcmp(o, "--sources")) srcfile = v;
		else if (!strcmp(o, "--rate")) rate = atof(v);
		else if (!strcmp(o, "--rounds")) rounds = atoi(v);
		else if (!strcmp(o, "--window-first")) window_first = atof(v);
		else if (!strcmp(o, "--window-repeat")) window_repeat = atof(v);
		else if (!strcmp(o, "--clean-msgs")) clean_msgs = atoi(v);
		else if (!strcmp(o, "--connect-timeout")) connect_timeout = atof(v);
		else if (!strcmp(o, "--session-timeout")) session_timeout = atof(v);
		else if (!strcmp(o, "--maillog")) maillog = v;
		else if (!strcmp(o, "--counters")) counters_cmd = v;
		else if (!strcmp(o, "--netns")) {
			char *e;
			do {
				if (nours == 8)
					die("too many --netns");
				ours[nours++] = strtoull(v, &e, 10);
				v = e + 1;
			} while (*e == ',');
		}
		else if (!strcmp(o, "--proc")) {
			const char *eq = strchr(v, '=');
			if (!eq || nprocs == MAX_PROCS)
				die("bad --proc %s", v);
			procs[nprocs].name = strndup(v, eq - v);
			procs[nprocs++].pid = atoi(eq + 1);
		} else die("unknown option %s", o);
	}
	if (!dsts || !srcfile || rate <= 0 || rounds < 1)
		die("usage: botload --dst ADDR --sources FILE [options]; see the source");
	parse_addr(dsts, &dst, &dstlen, port);
	if (!(f = fopen(srcfile, "r")))
		die("%s: %s", srcfile, strerror(errno));
	while (fscanf(f, "%127s %31s", addr, beh) == 2) {
		struct source *s = &sources[nsources];
		if (nsources == MAX_SOURCES)
			die("too many sources");
		parse_addr(addr, &s->sa, &s->salen, 0);
		if (!strcmp(beh, "polite")) s->b = B_POLITE;
		else if (!strcmp(beh, "pregreet")) s->b = B_PREGREET;
		else if (!strcmp(beh, "hangup")) s->b = B_HANGUP;
		else if (!strcmp(beh, "clean")) s->b = B_CLEAN;
		else die("bad behaviour %s", beh);
		if (s->b == B_CLEAN)
			cleans[ncleans++] = nsources;
		else
			bots[nbots++] = nsources;
		nsources++;
	}
	fclose(f);
	setrlimit(RLIMIT_NOFILE, &rl);
	maxconns = 16384;
	conns = calloc(maxconns, sizeof(*conns));
	freelist = malloc(sizeof(int) * maxconns);
	live = malloc(sizeof(int) * maxconns);
	livepos = malloc(sizeof(int) * maxconns);
	for (i = 0; i < maxconns; i++) {
		conns[i].fd = -1, conns[i].st = S_DONE;
		freelist[nfree++] = maxconns - 1 - i;
	}
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll: %s", strerror(errno));

	run_phase("first", bots, nbots, rate, window_first, 1);
	n = nbots * (rounds - 1);
	list = malloc(sizeof(int) * (n + 1));
	for (r = 0, i = 0; r < rounds - 1; r++)
		for (int k = 0; k < nbots; k++)
			list[i++] = bots[k];
	if (n > 0)
		run_phase("repeat", list, n, rate, window_repeat, 1);
	free(list);
	if (ncleans > 0 && clean_msgs > 0) {
		n = ncleans * clean_msgs;
		list = malloc(sizeof(int) * n);
		for (r = 0, i = 0; r < clean_msgs; r++)
			for (int k = 0; k < ncleans; k++)
				list[i++] = cleans[k];
		run_phase("clean", list, n, 20, 0, 0);
		free(list);
	}
	return 0;
}
