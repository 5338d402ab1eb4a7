/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * share.c - what gateways learn, through Redis: a writer link that runs
 * the script for each local change, a reader link that follows the
 * stream, both on mxgated's loop. See share.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include "addr.h"
#include "clock.h"
#include "log.h"
#include "redis_loop.h"
#include "share.h"
#include "share_script.h"
#include "share_value.h"

_Static_assert(MXG_ACT_GREYLIST == 3, "the script knows greylist as 3");

#define INFLIGHT_MAX	1024	/* script calls awaiting their answer */
#define READ_COUNT	1000	/* stream entries per XREAD */
#define READ_BLOCK_MS	5000	/* XREAD BLOCK: a link idle this long is probed */
#define SCAN_COUNT	1000	/* keys per SCAN */
#define CONNECT_S	5	/* a connection not made by then is dropped */
#define ID_MAX		48	/* a stream entry id, "ms-seq", NUL included */

/* A change waiting for, or being written to, Redis. */
struct update {
	struct mxg_key key;
	struct share_entry e;
};

/* One connection: the writer (scripts) or the reader (the stream). */
struct link {
	struct share *s;
	const char *role;		/* "writer", "reader" */
	redisAsyncContext *ac;		/* NULL while down */
	int connected;			/* TCP (or Unix) connection made */
	int ready;			/* authenticated and set up */
	int outage_logged;		/* "cannot reach" said for this outage */
	int restarting;			/* dropped on purpose: no outage */
	unsigned backoff_s;		/* the next retry's wait */
	__u64 started_ns;		/* connection attempt started */
	unsigned awaiting;		/* commands without an answer */
	__u64 progress_ns;		/* last answer, or first command awaited */
	struct loop_timer retry;
};

struct share {
	struct loop *loop;
	struct share_sink sink;
	struct share_server server;
	char server_text[128];
	char user[64];
	char *password;			/* NULL: no AUTH */
	char prefix[64];
	char stream[80];		/* prefix + "stream" */
	char seq[80];			/* prefix + "seq": the stream's counter */
	char id_path[PATH_MAX];		/* "" : the last id is not kept */
	int id_fd;			/* ... open on it, or -1 */
	unsigned queue_max, stream_max;
	char origin[20];		/* this run's: skipped in the stream */
	char sha[48];			/* the loaded script; "" until loaded */
	int closing;			/* share_free(): no retries */
	int read_all;			/* the next connection reads every key */
	int announced;			/* "connected" said once */
	struct link w, r;

	struct update *q;		/* ring of changes to write */
	size_t q_head, q_len, q_cap;
	unsigned long long q_dropped_outage; /* dropped since the link went */

	char epoch[24];			/* Redis's data as last seen; "" never */
	char remote_epoch[24];		/* what it has */
	char last_id[ID_MAX];		/* last stream entry read; "" none */
	unsigned long long last_n;	/* its number (n); 0: not known */
	char saved_id[ID_MAX];		/* ... as saved in id_path */
	char scan_cursor[32];
	unsigned long long scan_keys, scan_applied;
	__u64 scan_started_ns;
	int scan_all;			/* this scan reads every key */
	char read_from[ID_MAX];		/* the stream after the scan */

	__u64 bad_logged_ns;		/* rate limit of bad-entry lines */
	unsigned long long bad_unlogged;
	__u64 refused_logged_ns;	/* ... and of refused changes */
	unsigned long long refused_unlogged;
	struct share_stats st;
};

static void link_connect(struct link *l);
static void reader_start(struct link *l);
static void writer_start(struct link *l);
static void read_stream(struct share *s);
static void drain(struct share *s);

/* ---- ids ---- */

/* id_parse - "ms-seq" into its two numbers; 0 or -1 */
static int id_parse(const char *id, __u64 *ms, __u64 *seq)
{
	char *end;

	errno = 0;
	*ms = strtoull(id, &end, 10);
	if (end == id || *end != '-' || errno)
		return -1;
	*seq = strtoull(end + 1, &end, 10);
	return *end || errno ? -1 : 0;
}

/* id_cmp - a < b: < 0; unreadable ids compare as 0-0 */
static int id_cmp(const char *a, const char *b)
{
	__u64 am = 0, as = 0, bm = 0, bs = 0;

	if (id_parse(a, &am, &as) < 0)
		am = as = 0;
	if (id_parse(b, &bm, &bs) < 0)
		bm = bs = 0;
	if (am != bm)
		return am < bm ? -1 : 1;
	return as < bs ? -1 : as > bs;
}

/* open_last_id - the file of the last entry read, opened once at start:
 * mxgated is still root then, and state_dir may be root's (systemd's
 * StateDirectory=); the fd keeps working after it gives root up */
static void open_last_id(struct share *s)
{
	if (!s->id_path[0])
		return;
	s->id_fd = open(s->id_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->id_fd < 0)
		msg_warn("share: %s: %s: a restart will read every key again instead of "
			 "the stream from where it was", s->id_path, strerror(errno));
}

/* load_last_id - the last entry read and the epoch of Redis's data then,
 * if kept for this server and prefix */
static void load_last_id(struct share *s)
{
	char line[512], want[300], id[ID_MAX], epoch[24];
	ssize_t n;

	if (s->id_fd < 0 || (n = pread(s->id_fd, line, sizeof(line) - 1, 0)) <= 0)
		return;
	line[n] = 0;
	snprintf(want, sizeof(want), "%s %s ", s->server_text, s->prefix);
	if (strncmp(line, want, strlen(want)) == 0 &&
	    sscanf(line + strlen(want), "%47s %23s", id, epoch) == 2) {
		__u64 ms, seq;

		if (id_parse(id, &ms, &seq) == 0) {
			snprintf(s->last_id, sizeof(s->last_id), "%s", id);
			snprintf(s->saved_id, sizeof(s->saved_id), "%s", id);
			snprintf(s->epoch, sizeof(s->epoch), "%s", epoch);
		}
	}
}

/* save_last_id - keep the last entry read: one short line written in
 * one go over the old one */
static void save_last_id(struct share *s)
{
	char line[512];
	int n;

	if (s->id_fd < 0 || !s->last_id[0] || !s->epoch[0] ||
	    strcmp(s->last_id, s->saved_id) == 0)
		return;
	n = snprintf(line, sizeof(line), "%s %s %s %s\n", s->server_text, s->prefix,
		     s->last_id, s->epoch);
	if (n < 0 || (size_t)n >= sizeof(line) || pwrite(s->id_fd, line, (size_t)n, 0) != n ||
	    ftruncate(s->id_fd, n) < 0)
		msg_warn("share: cannot keep the last stream entry read in %s: %s",
			 s->id_path, strerror(errno));
	snprintf(s->saved_id, sizeof(s->saved_id), "%s", s->last_id);
}

/* random_name - 16 hex digits nobody else picks: an origin, an epoch */
static void random_name(char *buf, size_t len)
{
	__u64 r;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = fine_ns() ^ (__u64)getpid() << 32;
	snprintf(buf, len, "%016llx", (unsigned long long)r);
}

/* ---- bad input ---- */

/* bad - an entry from Redis that is skipped: counted, and said at most
 * once every SHARE_BAD_LOG_S seconds */
static void bad(struct share *s, const char *where, const char *what, size_t what_len,
		const char *why)
{
	__u64 now = now_ns();
	char shown[81];
	size_t n = 0;

	s->st.bad++;
	if (s->bad_logged_ns && now - s->bad_logged_ns < SHARE_BAD_LOG_S * NS_PER_S) {
		s->bad_unlogged++;
		return;
	}
	for (size_t i = 0; i < what_len && n + 1 < sizeof(shown); i++)
		shown[n++] = what[i] >= 0x20 && what[i] < 0x7f ? what[i] : '?';
	shown[n] = 0;
	msg_warn("share: redis %s: bad entry %s (%s%s): %s; skipped (%llu more since "
		 "the last line)", s->server_text, where, shown,
		 what_len > n ? "..." : "", why, s->bad_unlogged);
	s->bad_logged_ns = now;
	s->bad_unlogged = 0;
}

/* refused - a change Redis refused (an ACL, out of memory): counted as
 * dropped, said at most once every SHARE_BAD_LOG_S seconds */
static void refused(struct share *s, const char *why)
{
	__u64 now = now_ns();

	if (s->refused_logged_ns && now - s->refused_logged_ns < SHARE_BAD_LOG_S * NS_PER_S) {
		s->refused_unlogged++;
		return;
	}
	msg_warn("share: redis %s: a change was refused and dropped: %.200s (%llu more "
		 "since the last line)", s->server_text, why, s->refused_unlogged);
	s->refused_logged_ns = now;
	s->refused_unlogged = 0;
}

/* ---- applying what others learned ---- */

/* apply - an entry of kind about k from Redis: written here if it wins
 * over what the gateway holds. 1 if applied. */
static int apply(struct share *s, char kind, const struct mxg_key *k,
		 const struct share_entry *n)
{
	struct clock_pair c = clock_pair_now();
	__u64 now_ms = c.wall / NS_PER_MS;
	struct share_entry held;
	int has;

	if (n->expires_ms && n->expires_ms <= now_ms)
		return 0;
	/* The gateway's own hits go on counting when the action stays. */
	if (kind == 'v') {
		struct mxg_verdict v, old;

		has = s->sink.verdict_get(s->sink.ctx, k, &old) == 0;
		if (has)
			share_from_verdict(&held, &old, &c);
		if (!share_wins(n, has ? &held : NULL, now_ms))
			return 0;
		share_to_verdict(n, &v, &c);
		if (has && old.action == v.action)
			v.hits = old.hits;
		s->sink.verdict_apply(s->sink.ctx, k, &v);
	} else {
		struct mxg_manual m, old;

		has = s->sink.manual_get(s->sink.ctx, k, &old) == 0;
		if (has)
			share_from_manual(&held, &old, &c);
		if (!has && n->action == 0)
			return 0;	/* forgotten, and not held */
		if (!share_wins(n, has ? &held : NULL, now_ms))
			return 0;
		share_to_manual(n, k->plen, &m, &c);
		if (has && old.action == m.action)
			m.hits = old.hits;
		s->sink.manual_apply(s->sink.ctx, k, n->action ? &m : NULL);
	}
	s->st.applied++;
	return 1;
}

/* apply_text - a key suffix and value from Redis; 1 applied, 0 not, -1 bad */
static int apply_text(struct share *s, const char *where, const char *ks, size_t klen,
		      const char *vs, size_t vlen)
{
	struct share_entry e;
	struct mxg_key k;
	const char *why;
	char kind;

	if (share_key_parse(ks, klen, &kind, &k) < 0) {
		bad(s, where, ks, klen, "not a key of an address or prefix");
		return -1;
	}
	if (share_value_parse(vs, vlen, &e, &why) < 0 || e.kind != kind) {
		bad(s, where, vs, vlen, e.kind != kind && !why ? "kind differs from the key" :
		    why);
		return -1;
	}
	return apply(s, kind, &k, &e);
}

/* ---- the queue of local changes ---- */

/* push - a change to write; when the queue is full the oldest goes */
static void push(struct share *s, const struct update *u)
{
	if (s->q_len == s->q_cap && s->q_cap < s->queue_max) {
		size_t cap = s->q_cap ? s->q_cap * 2 : 256;
		struct update *q;

		if (cap > s->queue_max)
			cap = s->queue_max;
		q = malloc(cap * sizeof(*q));
		if (q) {
			for (size_t i = 0; i < s->q_len; i++)
				q[i] = s->q[(s->q_head + i) % s->q_cap];
			free(s->q);
			s->q = q;
			s->q_cap = cap;
			s->q_head = 0;
		}
	}
	if (s->q_cap == 0)
		goto dropped;
	if (s->q_len == s->q_cap) {	/* full: the oldest goes */
		s->q_head = (s->q_head + 1) % s->q_cap;
		s->q_len--;
		goto dropped_oldest;
	}
	s->q[(s->q_head + s->q_len++) % s->q_cap] = *u;
	return;
dropped_oldest:
	s->q[(s->q_head + s->q_len++) % s->q_cap] = *u;
dropped:
	if (s->q_dropped_outage++ == 0)
		msg_warn("share: redis %s: %zu change(s) queued, the most kept "
			 "(redis_queue_max): dropping the oldest until redis is back",
			 s->server_text, s->q_len);
	s->st.dropped++;
}

/* pop - the oldest change to write; 0, or -1 when none */
static int pop(struct share *s, struct update *u)
{
	if (!s->q_len)
		return -1;
	*u = s->q[s->q_head];
	s->q_head = (s->q_head + 1) % s->q_cap;
	s->q_len--;
	return 0;
}

/* ---- links ---- */

/* link_retry_later - try l again after its backoff (doubling) */
static void link_retry_later(struct link *l)
{
	if (l->s->closing)
		return;
	if (!l->backoff_s)
		l->backoff_s = 1;
	loop_timer_set(l->s->loop, &l->retry, now_ns() + l->backoff_s * NS_PER_S);
	l->backoff_s = l->backoff_s * 2 > SHARE_BACKOFF_MAX_S ? SHARE_BACKOFF_MAX_S
							      : l->backoff_s * 2;
}

/* link_down - l's connection is gone (ac already freed, or being freed by
 * hiredis): say so once, and try again later */
static void link_down(struct link *l, const char *why)
{
	struct share *s = l->s;
	int was_ready = l->ready;

	l->ac = NULL;
	l->connected = l->ready = 0;
	l->awaiting = 0;
	if (s->closing)
		return;
	if (l->restarting) {
		l->restarting = 0;
	} else if (was_ready) {
		msg_warn("share: redis %s: lost the %s link (%s); filtering goes on "
			 "with what this gateway knows, changes are queued (at most "
			 "%u) and replayed when redis is back", s->server_text, l->role,
			 why, s->queue_max);
		l->outage_logged = 1;
		l->backoff_s = 1;
	} else if (!l->outage_logged) {
		msg_warn("share: redis %s: cannot reach it (%s link: %s); filtering "
			 "goes on with what this gateway knows; trying again", s->server_text,
			 l->role, why);
		l->outage_logged = 1;
	}
	s->st.up = s->w.ready && s->r.ready;
	link_retry_later(l);
}

/* link_drop - close l now (stalled, refused): every command awaiting an
 * answer gets NULL; then as link_down */
static void link_drop(struct link *l, const char *why)
{
	redisAsyncContext *ac = l->ac;

	if (!ac)
		return;
	link_down(l, why);	/* first: the callbacks see l->ac != ac */
	redisAsyncFree(ac);
}

/* link_ready - l is set up: say so when it is the second of the two */
static void link_ready(struct link *l)
{
	struct share *s = l->s;

	l->ready = 1;
	l->backoff_s = 0;
	s->st.up = s->w.ready && s->r.ready;
	if (s->st.up) {
		if (!s->announced || s->w.outage_logged || s->r.outage_logged)
			msg_info("share: redis %s: connected (prefix %s)%s", s->server_text,
				 s->prefix, s->announced ? ", back after an outage" : "");
		s->announced = 1;
		s->w.outage_logged = s->r.outage_logged = 0;
	}
}

/* sent - a command is on its way on l */
static void sent(struct link *l)
{
	if (l->awaiting++ == 0)
		l->progress_ns = now_ns();
}

/* answered - the answer to a command of l has come; 0, or -1 when it
 * belongs to a connection since dropped (ignore it) */
static int answered(struct link *l, redisAsyncContext *ac, redisReply *reply)
{
	if (l->ac != ac || !reply)
		return -1;
	if (l->awaiting)
		l->awaiting--;
	l->progress_ns = now_ns();
	return 0;
}

static void on_connect(const redisAsyncContext *ac, int status)
{
	struct link *l = ac->data;

	if (l->ac != ac)
		return;
	if (status != REDIS_OK) {
		link_down(l, ac->errstr[0] ? ac->errstr : "connection failed");
		return;		/* hiredis frees ac */
	}
	l->connected = 1;
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
	struct link *l = ac->data;

	(void)status;
	if (l->ac != ac)
		return;
	link_down(l, ac->errstr[0] ? ac->errstr : "closed by the server");
}

static void on_auth(redisAsyncContext *ac, void *r, void *priv)
{
	struct link *l = priv;
	redisReply *reply = r;

	if (answered(l, ac, reply) < 0)
		return;
	if (reply->type == REDIS_REPLY_ERROR) {
		char why[200];

		snprintf(why, sizeof(why), "AUTH refused: %.150s", reply->str);
		l->backoff_s = SHARE_BACKOFF_MAX_S;
		link_drop(l, why);
		return;
	}
	if (l == &l->s->w)
		writer_start(l);
	else
		reader_start(l);
}

/* link_connect - start a connection for l, AUTH queued on it */
static void link_connect(struct link *l)
{
	struct share *s = l->s;
	redisAsyncContext *ac;

	ac = s->server.path[0] ? redisAsyncConnectUnix(s->server.path)
			       : redisAsyncConnect(s->server.host, s->server.port);
	if (!ac || ac->err) {
		char why[160];

		snprintf(why, sizeof(why), "%s", ac ? ac->errstr : "out of memory");
		if (ac)
			redisAsyncFree(ac);
		link_down(l, why);
		return;
	}
	ac->data = l;
	if (redis_loop_attach(s->loop, ac) < 0) {
		redisAsyncFree(ac);
		link_down(l, "out of memory");
		return;
	}
	l->ac = ac;
	l->started_ns = now_ns();
	l->awaiting = 0;
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	/* hiredis keeps what is asked before the connection is made and
	 * writes it once it is. */
	if (s->password) {
		if (s->user[0])
			redisAsyncCommand(ac, on_auth, l, "AUTH %s %s", s->user, s->password);
		else
			redisAsyncCommand(ac, on_auth, l, "AUTH %s", s->password);
		sent(l);
	} else if (l == &s->w) {
		writer_start(l);
	} else {
		reader_start(l);
	}
}

static void on_retry(void *ctx)
{
	struct link *l = ctx;

	if (!l->ac && !l->s->closing)
		link_connect(l);
}

/* ---- the writer ---- */

static void on_time(redisAsyncContext *ac, void *r, void *priv)
{
	struct link *l = priv;
	redisReply *reply = r;
	struct clock_pair c = clock_pair_now();
	long long redis_ms, skew;

	if (answered(l, ac, reply) < 0)
		return;
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
	    reply->element[0]->type != REDIS_REPLY_STRING ||
	    reply->element[1]->type != REDIS_REPLY_STRING) {
		msg_warn("share: redis %s: TIME %s: this host's clock is not compared "
			 "with redis's", l->s->server_text, reply->type == REDIS_REPLY_ERROR ?
			 reply->str : "answered out of shape");
		return;
	}
	redis_ms = atoll(reply->element[0]->str) * 1000 + atoll(reply->element[1]->str) / 1000;
	skew = (long long)(c.wall / NS_PER_MS) - redis_ms;
	if (skew > SHARE_SKEW_WARN_MS || skew < -SHARE_SKEW_WARN_MS)
		msg_warn("share: redis %s: this host's clock is %lld ms %s redis's: "
			 "greylist clocks shared with other gateways are off by as "
			 "much; keep the gateways' clocks in step (NTP)", l->s->server_text,
			 skew < 0 ? -skew : skew, skew < 0 ? "behind" : "ahead of");
}

static void on_script_loaded(redisAsyncContext *ac, void *r, void *priv)
{
	struct link *l = priv;
	redisReply *reply = r;

	if (answered(l, ac, reply) < 0)
		return;
	if (reply->type != REDIS_REPLY_STRING || reply->len >= (int)sizeof(l->s->sha)) {
		char why[200];

		snprintf(why, sizeof(why), "SCRIPT LOAD refused: %.150s",
			 reply->type == REDIS_REPLY_ERROR ? reply->str : "not a digest");
		l->backoff_s = SHARE_BACKOFF_MAX_S;
		link_drop(l, why);
		return;
	}
	memcpy(l->s->sha, reply->str, (size_t)reply->len);
	l->s->sha[reply->len] = 0;
	if (!l->ready)
		link_ready(l);
	drain(l->s);
}

/* writer_start - the writer is connected: its clock checked, the script
 * loaded, then the queue drained */
static void writer_start(struct link *l)
{
	redisAsyncCommand(l->ac, on_time, l, "TIME");
	sent(l);
	redisAsyncCommand(l->ac, on_script_loaded, l, "SCRIPT LOAD %s", SHARE_SCRIPT);
	sent(l);
}

/* A change in flight: its callback's privdata. */
struct flight {
	struct share *s;
	struct update u;
};

static void on_written(redisAsyncContext *ac, void *r, void *priv)
{
	struct flight *f = priv;
	struct share *s = f->s;
	redisReply *reply = r;
	struct link *l = &s->w;

	if (answered(l, ac, reply) < 0) {
		/* The link broke under it: write it again later. */
		if (!s->closing)
			push(s, &f->u);
		free(f);
		return;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		if (strncmp(reply->str, "NOSCRIPT", 8) == 0) {
			push(s, &f->u);		/* the script cache was emptied */
			if (s->sha[0]) {
				s->sha[0] = 0;
				redisAsyncCommand(ac, on_script_loaded, l, "SCRIPT LOAD %s",
						  SHARE_SCRIPT);
				sent(l);
			}
		} else {
			s->st.dropped++;
			refused(s, reply->str);
		}
	} else if (reply->type == REDIS_REPLY_STRING) {
		char suffix[SHARE_KEY_MAX];
		int n = share_key_format(f->u.e.kind, &f->u.key, suffix, sizeof(suffix));

		/* The key held a winner this gateway did not know. */
		s->st.sent++;
		if (n > 0)
			apply_text(s, "held under a key", suffix, (size_t)n, reply->str,
				   (size_t)reply->len);
	} else {
		s->st.sent++;
	}
	free(f);
	drain(s);
}

/* write_update - run the script for u on the writer; 0, or -1 */
static int write_update(struct share *s, const struct update *u)
{
	char key[sizeof(s->prefix) + SHARE_KEY_MAX], suffix[SHARE_KEY_MAX];
	char value[SHARE_VALUE_MAX], maxlen[16], pxat[24];
	const char *argv[11];
	size_t argvlen[11];
	struct flight *f;
	__u64 at;
	int n;

	if (share_key_format(u->e.kind, &u->key, suffix, sizeof(suffix)) < 0 ||
	    share_value_format(&u->e, value, sizeof(value)) < 0)
		return 0;	/* cannot happen: our own entry; nothing to do */
	snprintf(key, sizeof(key), "%s%s", s->prefix, suffix);
	snprintf(maxlen, sizeof(maxlen), "%u", s->stream_max);
	at = u->e.kind == 'v' ? u->e.expires_ms :
	     u->e.action == 0 ? u->e.decided_ms + SHARE_TOMBSTONE_MS : u->e.expires_ms;
	snprintf(pxat, sizeof(pxat), "%llu", (unsigned long long)at);
	f = malloc(sizeof(*f));
	if (!f)
		return -1;
	*f = (struct flight){ .s = s, .u = *u };
	n = 0;
	argv[n++] = "EVALSHA";
	argv[n++] = s->sha;
	argv[n++] = "3";
	argv[n++] = key;
	argv[n++] = s->stream;
	argv[n++] = s->seq;
	argv[n++] = value;
	argv[n++] = suffix;
	argv[n++] = s->origin;
	argv[n++] = maxlen;
	argv[n++] = pxat;
	for (int i = 0; i < n; i++)
		argvlen[i] = strlen(argv[i]);
	if (redisAsyncCommandArgv(s->w.ac, on_written, f, n, argv, argvlen) != REDIS_OK) {
		free(f);
		return -1;
	}
	sent(&s->w);
	return 0;
}

/* drain - write queued changes while the writer can take them */
static void drain(struct share *s)
{
	struct update u;
	unsigned long long replayed = 0;

	while (s->w.ready && s->sha[0] && s->w.awaiting < INFLIGHT_MAX && pop(s, &u) == 0) {
		if (write_update(s, &u) < 0) {
			push(s, &u);
			break;
		}
		replayed++;
	}
	if (s->w.ready && s->q_dropped_outage && !s->q_len) {
		msg_warn("share: redis %s: %llu change(s) made while redis was away "
			 "were dropped (redis_queue_max %u)", s->server_text,
			 s->q_dropped_outage, s->queue_max);
		s->q_dropped_outage = 0;
	}
}

/* offer - a local change: written now if the writer can take it, else
 * queued */
static void offer(struct share *s, const struct update *u)
{
	if (s->w.ready && s->sha[0] && !s->q_len && s->w.awaiting < INFLIGHT_MAX &&
	    write_update(s, u) == 0)
		return;
	push(s, u);
}

void share_verdict(struct share *s, const struct mxg_key *k, const struct mxg_verdict *v)
{
	struct clock_pair c = clock_pair_now();
	struct update u = { .key = *k };

	if (!s || v->action == MXG_ACT_NONE || v->action >= MXG_ACT_MAX ||
	    v->expires_ns <= c.mono)
		return;
	share_from_verdict(&u.e, v, &c);
	offer(s, &u);
}

void share_manual(struct share *s, const struct mxg_key *prefix, const struct mxg_manual *m)
{
	struct clock_pair c = clock_pair_now();
	struct update u = { .key = *prefix };

	if (!s)
		return;
	if (m) {
		share_from_manual(&u.e, m, &c);
	} else {
		u.e = (struct share_entry){ .kind = 'm', .action = 0,
			.decided_ms = c.wall / NS_PER_MS };
		u.e.expires_ms = u.e.decided_ms + SHARE_TOMBSTONE_MS;
	}
	offer(s, &u);
}

/* ---- the reader ---- */

/* Keys of one SCAN, for the MGET that reads their values. */
struct batch {
	struct share *s;
	size_t n;
	char *key[];		/* suffixes (prefix cut), NUL-terminated */
};

static void on_scan(redisAsyncContext *ac, void *r, void *priv);

/* scan_next - the next SCAN of the keys this connection reads */
static void scan_next(struct share *s)
{
	char pattern[sizeof(s->prefix) + 8];

	snprintf(pattern, sizeof(pattern), "%s%s:*", s->prefix, s->scan_all ? "[vm]" : "m");
	redisAsyncCommand(s->r.ac, on_scan, s, "SCAN %s MATCH %s COUNT %d", s->scan_cursor,
			  pattern, SCAN_COUNT);
	sent(&s->r);
}

/* scan_done - every key read: say what came of it, then follow the
 * stream from where it was before the scan */
static void scan_done(struct share *s)
{
	if (s->scan_all)
		msg_info("share: redis %s: read %llu key(s) in %llu ms, %llu applied; "
			 "following the stream from %s", s->server_text, s->scan_keys,
			 (unsigned long long)((now_ns() - s->scan_started_ns) / NS_PER_MS),
			 s->scan_applied, s->read_from);
	snprintf(s->last_id, sizeof(s->last_id), "%s", s->read_from);
	if (!s->r.ready)
		link_ready(&s->r);
	read_stream(s);
}

/* A key MGET found no string under: its name, for TYPE. */
struct typed {
	struct share *s;
	char key[SHARE_KEY_MAX];	/* the suffix */
};

static void on_type(redisAsyncContext *ac, void *r, void *priv)
{
	struct typed *t = priv;
	redisReply *reply = r;

	if (answered(&t->s->r, ac, reply) == 0 && reply->type == REDIS_REPLY_STATUS &&
	    strcmp(reply->str, "none") != 0 && strcmp(reply->str, "string") != 0) {
		char why[64];

		snprintf(why, sizeof(why), "a %.20s, not a string", reply->str);
		bad(t->s, "key", t->key, strlen(t->key), why);
	}
	free(t);
}

/* ask_type - what is under key (a suffix), if not expired: a key of our
 * prefix that is not a string is bad input, counted */
static void ask_type(struct share *s, const char *key)
{
	struct typed *t = malloc(sizeof(*t));

	if (!t)
		return;
	t->s = s;
	snprintf(t->key, sizeof(t->key), "%s", key);
	redisAsyncCommand(s->r.ac, on_type, t, "TYPE %s%s", s->prefix, key);
	sent(&s->r);
}

static void on_mget(redisAsyncContext *ac, void *r, void *priv)
{
	struct batch *b = priv;
	struct share *s = b->s;
	redisReply *reply = r;

	if (answered(&s->r, ac, reply) < 0)
		goto out;
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != b->n) {
		link_drop(&s->r, reply->type == REDIS_REPLY_ERROR ? reply->str
				 : "MGET answered out of shape");
		goto out;
	}
	for (size_t i = 0; i < b->n; i++) {
		redisReply *v = reply->element[i];

		/* nil: expired since the SCAN, or not a string: asked */
		if (v->type != REDIS_REPLY_STRING) {
			ask_type(s, b->key[i]);
			continue;
		}
		s->scan_keys++;
		if (apply_text(s, "under a key", b->key[i], strlen(b->key[i]), v->str,
			       (size_t)v->len) > 0)
			s->scan_applied++;
	}
	if (strcmp(s->scan_cursor, "0") == 0)
		scan_done(s);
	else
		scan_next(s);
out:
	for (size_t i = 0; i < b->n; i++)
		free(b->key[i]);
	free(b);
}

static void on_scan(redisAsyncContext *ac, void *r, void *priv)
{
	struct share *s = priv;
	redisReply *reply = r, *keys;
	size_t plen = strlen(s->prefix);
	const char **argv = NULL;
	size_t *argvlen = NULL;
	struct batch *b = NULL;

	if (answered(&s->r, ac, reply) < 0)
		return;
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
	    reply->element[0]->type != REDIS_REPLY_STRING ||
	    reply->element[0]->len >= (int)sizeof(s->scan_cursor) ||
	    reply->element[1]->type != REDIS_REPLY_ARRAY) {
		link_drop(&s->r, reply->type == REDIS_REPLY_ERROR ? reply->str
				 : "SCAN answered out of shape");
		return;
	}
	memcpy(s->scan_cursor, reply->element[0]->str, (size_t)reply->element[0]->len + 1);
	keys = reply->element[1];
	b = calloc(1, sizeof(*b) + keys->elements * sizeof(char *));
	argv = calloc(keys->elements + 1, sizeof(*argv));
	argvlen = calloc(keys->elements + 1, sizeof(*argvlen));
	if (!b || !argv || !argvlen)
		goto oom;
	b->s = s;
	argv[0] = "MGET";
	argvlen[0] = 4;
	for (size_t i = 0; i < keys->elements; i++) {
		redisReply *k = keys->element[i];

		if (k->type != REDIS_REPLY_STRING || (size_t)k->len <= plen ||
		    (size_t)k->len - plen >= SHARE_KEY_MAX) {
			if (k->type == REDIS_REPLY_STRING)
				bad(s, "key", k->str, (size_t)k->len, "not a key of ours");
			continue;
		}
		b->key[b->n] = strndup(k->str + plen, (size_t)k->len - plen);
		if (!b->key[b->n])
			goto oom;
		argv[b->n + 1] = k->str;
		argvlen[b->n + 1] = (size_t)k->len;
		b->n++;
	}
	if (b->n) {
		redisAsyncCommandArgv(ac, on_mget, b, (int)b->n + 1, argv, argvlen);
		sent(&s->r);
		b = NULL;
	} else if (strcmp(s->scan_cursor, "0") == 0) {
		scan_done(s);
	} else {
		scan_next(s);
	}
	free(argv);
	free(argvlen);
	free(b);
	return;
oom:
	if (b)
		for (size_t i = 0; i < b->n; i++)
			free(b->key[i]);
	free(b);
	free(argv);
	free(argvlen);
	link_drop(&s->r, "out of memory");
}

/* scan_start - read the keys (every one, or the manual ones) before the
 * stream from read_from */
static void scan_start(struct share *s, int all, const char *read_from)
{
	s->scan_all = all;
	s->scan_keys = s->scan_applied = 0;
	s->scan_started_ns = now_ns();
	snprintf(s->scan_cursor, sizeof(s->scan_cursor), "0");
	snprintf(s->read_from, sizeof(s->read_from), "%s", read_from);
	if (all)
		s->st.resyncs++;
	scan_next(s);
}

/* field - the value of name in a flat array of field/value pairs */
static redisReply *field(redisReply *pairs, const char *name)
{
	for (size_t i = 0; i + 1 < pairs->elements; i += 2)
		if (pairs->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(pairs->element[i]->str, name) == 0)
			return pairs->element[i + 1];
	return NULL;
}

/* behind - has the stream been trimmed past the last entry read? Its
 * first entry is after it (XINFO's recorded-first-entry-id; trimming
 * does not move max-deleted-entry-id in Redis 7.0). Reading exactly up
 * to the first entry trimmed counts too: one full read too many. */
static int behind(const struct share *s, redisReply *info)
{
	redisReply *first = field(info, "recorded-first-entry-id");
	redisReply *length = field(info, "length");

	return s->last_id[0] && first && first->type == REDIS_REPLY_STRING &&
	       length && length->type == REDIS_REPLY_INTEGER && length->integer > 0 &&
	       id_cmp(s->last_id, first->str) < 0;
}

static void on_xinfo(redisAsyncContext *ac, void *r, void *priv)
{
	struct share *s = priv;
	redisReply *reply = r, *last;
	char top[ID_MAX] = "0-0";
	int lost, first, all;

	if (answered(&s->r, ac, reply) < 0)
		return;
	/* Another epoch than the one last seen: redis lost its data (or is
	 * another redis). */
	lost = s->epoch[0] && strcmp(s->epoch, s->remote_epoch) != 0;
	first = !s->epoch[0];
	snprintf(s->epoch, sizeof(s->epoch), "%s", s->remote_epoch);
	if (reply->type == REDIS_REPLY_ARRAY) {
		last = field(reply, "last-generated-id");
		if (last && last->type == REDIS_REPLY_STRING && last->len < ID_MAX)
			snprintf(top, sizeof(top), "%s", last->str);
		/* Behind what was read: redis lost its data since. */
		lost = lost || (s->last_id[0] && id_cmp(top, s->last_id) < 0);
		/* Trimmed past what was read: the keys are the truth. */
		all = !s->last_id[0] || lost || s->read_all || behind(s, reply);
	} else if (reply->type == REDIS_REPLY_ERROR && strstr(reply->str, "no such key")) {
		/* No stream: a new or emptied redis. */
		lost = lost || s->last_id[0] != 0;
		all = 1;
	} else {
		/* Refused (an ACL without XINFO): not a loss of data. */
		link_drop(&s->r, reply->type == REDIS_REPLY_ERROR ? reply->str
				 : "XINFO answered out of shape");
		return;
	}
	all = all || lost || first;
	if (lost)
		msg_warn("share: redis %s: the stream is behind the last entry this "
			 "gateway read (%s): redis lost data; offering what this gateway "
			 "holds again", s->server_text, s->last_id);
	if ((lost || first) && s->sink.republish)
		s->sink.republish(s->sink.ctx);
	s->read_all = 0;
	s->last_n = 0;		/* the next entry read sets it */
	if (all)
		scan_start(s, 1, top);
	else
		scan_start(s, 0, s->last_id);
}

static void on_epoch_set(redisAsyncContext *ac, void *r, void *priv)
{
	struct share *s = priv;

	answered(&s->r, ac, r);
}

static void on_epoch(redisAsyncContext *ac, void *r, void *priv)
{
	struct share *s = priv;
	redisReply *reply = r;

	if (answered(&s->r, ac, reply) < 0)
		return;
	s->remote_epoch[0] = 0;
	if (reply->type == REDIS_REPLY_STRING && reply->len < (int)sizeof(s->remote_epoch))
		memcpy(s->remote_epoch, reply->str, (size_t)reply->len + 1);
}

/* reader_start - the reader is connected: which data Redis holds (its
 * epoch: a random name the first gateway gives it, gone with the data),
 * then where to read from */
static void reader_start(struct link *l)
{
	struct share *s = l->s;
	char epoch[24];

	random_name(epoch, sizeof(epoch));
	redisAsyncCommand(l->ac, on_epoch_set, s, "SET %sepoch %s NX", s->prefix, epoch);
	sent(l);
	redisAsyncCommand(l->ac, on_epoch, s, "GET %sepoch", s->prefix);
	sent(l);
	redisAsyncCommand(l->ac, on_xinfo, s, "XINFO STREAM %s", s->stream);
	sent(l);
}

/* entry - one stream entry [id, [field, value, ...]]: applied unless it
 * is ours or bad; -1 when a gap shows (entries trimmed before this
 * gateway read them: the reader has been dropped to read every key) */
static int entry(struct share *s, redisReply *e)
{
	redisReply *id, *f, *k = NULL, *v = NULL, *o = NULL, *n = NULL;
	struct clock_pair c;
	__u64 ms, seq;
	unsigned long long num = 0;
	char where[ID_MAX + 16];

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING || e->element[0]->len >= ID_MAX) {
		bad(s, "in the stream", "", 0, "not an entry");
		return 0;
	}
	id = e->element[0];
	f = e->element[1];
	snprintf(where, sizeof(where), "%s of the stream", id->str);
	if (f->type == REDIS_REPLY_ARRAY) {
		k = field(f, "k");
		v = field(f, "v");
		o = field(f, "o");
		n = field(f, "n");
	}
	if (n && n->type == REDIS_REPLY_STRING)
		num = strtoull(n->str, NULL, 10);
	if (num && s->last_n && num > s->last_n + 1) {
		msg_warn("share: redis %s: entries %llu to %llu of the stream were "
			 "trimmed before this gateway read them (redis_stream_max %u): "
			 "reading every key again", s->server_text, s->last_n + 1, num - 1,
			 s->stream_max);
		s->read_all = 1;
		s->r.restarting = 1;
		link_drop(&s->r, "fell behind the stream");
		s->r.backoff_s = 0;
		loop_timer_set(s->loop, &s->r.retry, 0);
		return -1;
	}
	if (num)
		s->last_n = num;
	if (id_parse(id->str, &ms, &seq) == 0 && id_cmp(id->str, s->last_id) > 0) {
		snprintf(s->last_id, sizeof(s->last_id), "%s", id->str);
		c = clock_pair_now();
		s->st.lag_ms = c.wall / NS_PER_MS > ms ? c.wall / NS_PER_MS - ms : 0;
	}
	if (!k || !v || !o || k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING ||
	    o->type != REDIS_REPLY_STRING) {
		bad(s, where, "", 0, "fields k, v and o are not all there");
		return 0;
	}
	if (strcmp(o->str, s->origin) == 0)
		return 0;	/* ours */
	apply_text(s, where, k->str, (size_t)k->len, v->str, (size_t)v->len);
	return 0;
}

static void on_xread(redisAsyncContext *ac, void *r, void *priv)
{
	struct share *s = priv;
	redisReply *reply = r, *entries;

	if (answered(&s->r, ac, reply) < 0)
		return;
	if (reply->type == REDIS_REPLY_NIL) {
		s->st.lag_ms = 0;	/* nothing new for READ_BLOCK_MS */
	} else if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 1 &&
		   reply->element[0]->type == REDIS_REPLY_ARRAY &&
		   reply->element[0]->elements == 2 &&
		   reply->element[0]->element[1]->type == REDIS_REPLY_ARRAY) {
		entries = reply->element[0]->element[1];
		for (size_t i = 0; i < entries->elements; i++)
			if (entry(s, entries->element[i]) < 0)
				return;		/* dropped: read again from the keys */
	} else {
		link_drop(&s->r, reply->type == REDIS_REPLY_ERROR ? reply->str
				 : "XREAD answered out of shape");
		return;
	}
	read_stream(s);
}

/* read_stream - wait for the entries after the last one read */
static void read_stream(struct share *s)
{
	redisAsyncCommand(s->r.ac, on_xread, s, "XREAD COUNT %d BLOCK %d STREAMS %s %s",
			  READ_COUNT, READ_BLOCK_MS, s->stream,
			  s->last_id[0] ? s->last_id : "0-0");
	sent(&s->r);
}

/* ---- the whole ---- */

/* watch - a link stalled (no answer for SHARE_STALL_S, the reader's
 * block included) or never connected is dropped */
static void watch(struct link *l)
{
	__u64 now = now_ns();
	__u64 stall = (SHARE_STALL_S + (l == &l->s->r ? READ_BLOCK_MS / 1000 : 0)) * NS_PER_S;

	if (!l->ac)
		return;
	if (!l->connected && now - l->started_ns > CONNECT_S * NS_PER_S)
		link_drop(l, "connection timed out");
	else if (l->awaiting && now - l->progress_ns > stall)
		link_drop(l, "no answer");
}

void share_tick(struct share *s)
{
	if (!s)
		return;
	watch(&s->w);
	watch(&s->r);
	save_last_id(s);
	s->st.queued = s->q_len + (s->w.ready ? s->w.awaiting : 0);
}

const struct share_stats *share_stats(const struct share *s)
{
	return &s->st;
}

struct share *share_new(struct loop *l, const struct share_params *p,
			const struct share_sink *sink)
{
	struct share *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->loop = l;
	s->sink = *sink;
	s->server = p->server;
	snprintf(s->server_text, sizeof(s->server_text), "%s", p->server_text);
	snprintf(s->user, sizeof(s->user), "%s", p->user ? p->user : "");
	snprintf(s->prefix, sizeof(s->prefix), "%s", p->prefix);
	snprintf(s->stream, sizeof(s->stream), "%sstream", p->prefix);
	snprintf(s->seq, sizeof(s->seq), "%sseq", p->prefix);
	s->queue_max = p->queue_max ? p->queue_max : 1;
	s->stream_max = p->stream_max;
	if (p->password && !(s->password = strdup(p->password))) {
		free(s);
		return NULL;
	}
	if (p->state_dir)
		snprintf(s->id_path, sizeof(s->id_path), "%s/%s", p->state_dir,
			 SHARE_LAST_ID_FILE);
	random_name(s->origin, sizeof(s->origin));
	s->id_fd = -1;
	open_last_id(s);
	load_last_id(s);
	s->w = (struct link){ .s = s, .role = "writer" };
	s->r = (struct link){ .s = s, .role = "reader" };
	loop_timer_init(&s->w.retry, on_retry, &s->w);
	loop_timer_init(&s->r.retry, on_retry, &s->r);
	link_connect(&s->w);
	link_connect(&s->r);
	return s;
}

void share_free(struct share *s)
{
	if (!s)
		return;
	save_last_id(s);
	s->closing = 1;
	loop_timer_cancel(s->loop, &s->w.retry);
	loop_timer_cancel(s->loop, &s->r.retry);
	link_drop(&s->w, "stopping");
	link_drop(&s->r, "stopping");
	if (s->q_len)
		msg_warn("share: redis %s: %zu change(s) not written at stop: the "
			 "other gateways learn them on their own", s->server_text, s->q_len);
	if (s->id_fd >= 0)
		close(s->id_fd);
	if (s->password)
		explicit_bzero(s->password, strlen(s->password));
	free(s->password);
	free(s->q);
	free(s);
}
