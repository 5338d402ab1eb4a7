/* SPDX-License-Identifier: GPL-2.0-or-later */
/* responder.c - the SMTP speaker for greylisted and tarpitted clients; see
 * responder.h for the contract. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "addr.h"
#include "log.h"
#include "clock.h"
#include "envelope.h"
#include "responder.h"

#define LISTENER_ID	0u	/* epoll id of the listener; slot i has i + 1 */
#define LISTEN_BACKLOG	512
#define MAX_SLOTS	(1u << 20)	/* sanity bound on max_connections */
#define READ_CHUNK	1024	/* bytes taken from a client per event */
/* "450 4.7.1 <hostname>: <text>\r\n" and every other reply fit */
#define REPLY_MAX	(RESPONDER_HOSTNAME_MAX + RESPONDER_TEXT_MAX + 32)
#define HOSTNAME_VAR	"$hostname"	/* where the banner puts the host */
#define NS_PER_MS	1000000ULL
#define SEEN_WAYS	4	/* entries per set of the seen cache */

enum conn_state {
	CONN_FREE,		/* slot unused, fd -1 */
	CONN_BANNER,		/* tarpit banner still trickling out */
	CONN_TALKING,		/* banner sent: commands get 250 or 450 */
};

/* How a conversation ended, for its log line (ended=). */
enum conn_end_why {
	END_QUIT,		/* QUIT, answered 221 */
	END_TIMEOUT,		/* idle for timeout: 421 */
	END_TOO_MANY,		/* RESPONDER_MAX_COMMANDS reached: 421 */
	END_CLOSED,		/* the client closed its side */
	END_RESET,		/* the client reset the connection */
	END_ERROR,		/* another socket error, or a reply not taken */
};

struct conn {
	struct responder *owner;	/* for the event loop's callback */
	int fd;				/* accepted socket, -1 when free */
	enum conn_state state;
	enum responder_mode mode;	/* what classify() said */
	struct mxg_key client;		/* peer address, IPv4-mapped for IPv4 */
	__u64 clock_ns;			/* its greylist clock (classify), 0: none */
	const char *text;		/* 450 reply text, from the reasons */
	__u64 accepted_ns;		/* when the connection was accepted */
	__u64 due_ns;			/* next banner byte, or idle timeout */
	unsigned banner_sent;		/* tarpit: banner bytes written */
	unsigned commands;		/* command lines answered */
	unsigned last_reply;		/* code of the last 250/450, 0: none yet */
	struct envelope env;		/* HELO, MAIL FROM, RCPT TO it sent */
	size_t line_len;		/* bytes held in line */
	int line_too_long;		/* line overflowed: skip to newline */
	int mail_told;			/* ops.mail() heard of its MAIL FROM */
	char line[RESPONDER_LINE_MAX];	/* the command line being read */
};

/* A client that had its full greylist dialogue, and when it ended. */
struct seen {
	struct mxg_key client;		/* plen 0: an empty entry */
	__u64 at_ns;			/* when its conversation ended */
};

struct responder {
	int listen_fd;			/* -1 when not open */
	struct loop *loop;		/* the daemon's event loop */
	struct loop_timer timer;	/* the earliest connection timer */
	__u64 (*now)(void);		/* its clock: now_ns, or a test's */
	unsigned port;			/* bound port, host order */
	struct responder_ops ops;
	void *ctx;			/* first argument of the ops */
	struct conn *conns;		/* max_conns slots */
	unsigned max_conns;
	unsigned active;		/* slots in use */
	__u64 timeout_ns;		/* idle limit of a conversation */
	__u64 tarpit_delay_ns;		/* accept to last banner byte */
	char hostname[RESPONDER_HOSTNAME_MAX + 1];
	char banner[REPLY_MAX];		/* "220 <hostname> ESMTP\r\n", expanded */
	unsigned banner_len;
	char replies[RESPONDER_REPLIES][RESPONDER_TEXT_MAX + 1]; /* 450 texts */
	/* "421 4.7.0 <hostname> <text>\r\n" for repeats, by reply kind */
	char repeat[RESPONDER_REPLIES][REPLY_MAX];
	unsigned repeat_len[RESPONDER_REPLIES];
	struct seen *seen;		/* RESPONDER_SEEN_SLOTS entries */
	struct responder_stats stats;
	struct msg_limit reset_log;	/* over-cap resets: a line a second */
	struct msg_limit outcome_log;	/* tarpit outcomes: a burst a second */
	struct msg_limit session_log;	/* greylist sessions: likewise */
	struct msg_limit repeat_log;	/* 421 repeats: likewise */
};

#define LOG_INTERVAL_NS	(1000 * NS_PER_MS)	/* repeatable lines */

/* reply_kind - which 450 text a client's verdict reasons call for */
static enum responder_reply reply_kind(__u32 reasons)
{
	if (reasons & MXG_R_S25R_ANY)
		return RESPONDER_REPLY_S25R;
	if (reasons & MXG_R_DNSBL)
		return RESPONDER_REPLY_DNSBL;
	if (reasons & MXG_R_COUNTRY)
		return RESPONDER_REPLY_COUNTRY;
	return RESPONDER_REPLY_GREYLIST;
}

/* outcome_name - the word for an outcome in log lines */
static const char *outcome_name(enum responder_outcome o)
{
	switch (o) {
	case RESPONDER_DONE:
		return "done";
	case RESPONDER_TARPIT_WAITED:
		return "waited";
	case RESPONDER_TARPIT_PREGREET:
		return "pregreet";
	case RESPONDER_TARPIT_HANGUP:
		return "hangup";
	}
	return "unknown";
}

/* end_name - the word for how a conversation ended, in log lines */
static const char *end_name(enum conn_end_why why)
{
	switch (why) {
	case END_QUIT:
		return "quit";
	case END_TIMEOUT:
		return "timeout";
	case END_TOO_MANY:
		return "too_many_commands";
	case END_CLOSED:
		return "closed";
	case END_RESET:
		return "reset";
	case END_ERROR:
		return "error";
	}
	return "unknown";
}

/* not_logged - " (N more not logged)" after a rate-limited line, or "" */
static const char *not_logged(long long more, char *buf, size_t size)
{
	if (more <= 0)
		return "";
	snprintf(buf, size, " (%lld more not logged)", more);
	return buf;
}

/* peer_key - the map key of a peer address; -1 if not IPv4 or IPv6 */
static int peer_key(const struct sockaddr_storage *ss, struct mxg_key *k)
{
	memset(k, 0, sizeof(*k));
	k->plen = 128;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		k->addr[10] = k->addr[11] = 0xff;
		memcpy(k->addr + 12, &sin->sin_addr, 4);
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		/* A v4-mapped peer of a dual-stack socket is already in the
		 * key's IPv4-mapped form. */
		memcpy(k->addr, &sin6->sin6_addr, 16);
		return 0;
	}
	return -1;
}

/* seen_set - the first entry of the cache set a client falls in (FNV-1a
 * over the address; keys are always plen 128 here) */
static struct seen *seen_set(struct responder *r, const struct mxg_key *k)
{
	__u32 h = 2166136261u;

	for (int i = 0; i < 16; i++)
		h = (h ^ k->addr[i]) * 16777619u;
	return &r->seen[(h % (RESPONDER_SEEN_SLOTS / SEEN_WAYS)) * SEEN_WAYS];
}

/* seen_find - when a client's last full dialogue ended, 0: not known */
static __u64 seen_find(struct responder *r, const struct mxg_key *k)
{
	struct seen *set = seen_set(r, k);

	for (int i = 0; i < SEEN_WAYS; i++)
		if (set[i].client.plen && memcmp(set[i].client.addr, k->addr, 16) == 0)
			return set[i].at_ns;
	return 0;
}

/* seen_note - remember that a client's full dialogue ended at now: its
 * own entry, else an empty one, else the oldest of its set is replaced */
static void seen_note(struct responder *r, const struct mxg_key *k, __u64 now)
{
	struct seen *set = seen_set(r, k), *e = &set[0];

	for (int i = 0; i < SEEN_WAYS; i++) {
		if (set[i].client.plen && memcmp(set[i].client.addr, k->addr, 16) == 0) {
			e = &set[i];
			break;
		}
		if (!set[i].client.plen || set[i].at_ns < e->at_ns)
			e = &set[i];
		if (!set[i].client.plen)
			break;
	}
	e->client = *k;
	e->client.plen = 128;
	e->at_ns = now ? now : 1;
}

static void rearm(struct responder *r);

/* on_conn - the event loop: input (or EOF, or an error) on a connection */
static void on_conn(void *ctx, int fd, __u32 events)
{
	struct conn *c = ctx;
	struct responder *r = c->owner;

	(void)fd;
	responder_event(r, (__u32)(c - r->conns) + 1, events, r->now());
	rearm(r);
}

/* on_listener - the event loop: connections to accept */
static void on_listener(void *ctx, int fd, __u32 events)
{
	struct responder *r = ctx;

	(void)fd;
	responder_event(r, LISTENER_ID, events, r->now());
	rearm(r);
}

/* on_timer - the event loop: a banner byte or an idle timeout is due */
static void on_timer(void *ctx)
{
	struct responder *r = ctx;

	responder_tick(r, r->now());
	rearm(r);
}

/* rearm - the timer follows the earliest connection timer */
static void rearm(struct responder *r)
{
	int ms = responder_next_timeout_ms(r, r->now());

	if (ms < 0)
		loop_timer_cancel(r->loop, &r->timer);
	else
		loop_timer_set(r->loop, &r->timer, now_ns() + (__u64)ms * NS_PER_MS);
}

/* conn_release - close the socket and free the slot; reports nothing */
static void conn_release(struct responder *r, struct conn *c)
{
	struct responder *owner = c->owner;

	loop_unwatch(r->loop, c->fd);
	close(c->fd);
	memset(c, 0, sizeof(*c));
	c->owner = owner;
	c->fd = -1;
	c->state = CONN_FREE;
	r->active--;
}

/* log_outcome - the line of a tarpit outcome, with what the client said
 * if it said anything (a pregreet); rate-limited */
static void log_outcome(struct responder *r, const struct conn *c,
			enum responder_outcome o, __u64 now)
{
	char client[ADDR_STRLEN], env[ENVELOPE_FORMAT_MAX], more_text[48];
	long long more = msg_limit_burst(&r->outcome_log, now, LOG_INTERVAL_NS,
					 RESPONDER_LOG_BURST);

	if (more < 0)
		return;
	addr_format(&c->client, client, sizeof(client));
	envelope_format(&c->env, env, sizeof(env));
	msg_info("responder: tarpit client=%s outcome=%s%s elapsed_ms=%llu%s",
		 client, outcome_name(o), env,
		 (unsigned long long)((now - c->accepted_ns) / NS_PER_MS),
		 not_logged(more, more_text, sizeof(more_text)));
}

/* log_session - the line of a conversation that ended: the client, the
 * envelope it offered, how far it got; rate-limited */
static void log_session(struct responder *r, const struct conn *c,
			enum conn_end_why why, __u64 now)
{
	char client[ADDR_STRLEN], env[ENVELOPE_FORMAT_MAX], more_text[48];
	char reply[16] = "none";
	long long more = msg_limit_burst(&r->session_log, now, LOG_INTERVAL_NS,
					 RESPONDER_LOG_BURST);

	if (more < 0)
		return;
	addr_format(&c->client, client, sizeof(client));
	envelope_format(&c->env, env, sizeof(env));
	if (c->last_reply)
		snprintf(reply, sizeof(reply), "%u", c->last_reply);
	msg_info("responder: greylist client=%s%s commands=%u reply=%s "
		 "elapsed_ms=%llu ended=%s%s", client, env, c->commands, reply,
		 (unsigned long long)((now - c->accepted_ns) / NS_PER_MS),
		 end_name(why), not_logged(more, more_text, sizeof(more_text)));
}

/* report - count an outcome, log it if it is a tarpit one, tell the daemon */
static void report(struct responder *r, struct conn *c, enum responder_outcome o,
		   __u64 now)
{
	switch (o) {
	case RESPONDER_DONE:
		r->stats.greylist_done++;
		break;
	case RESPONDER_TARPIT_WAITED:
		r->stats.tarpit_waited++;
		break;
	case RESPONDER_TARPIT_PREGREET:
		r->stats.tarpit_pregreet++;
		break;
	case RESPONDER_TARPIT_HANGUP:
		r->stats.tarpit_hangup++;
		break;
	}
	if (o != RESPONDER_DONE)
		log_outcome(r, c, o, now);
	r->ops.outcome(r->ctx, &c->client, o);
}

/* conn_end - end a conversation: log it, DONE for greylist mode, close.
 * A tarpit client that got this far was reported WAITED already, and is
 * greylisted now: its conversation is logged like any other. */
static void conn_end(struct responder *r, struct conn *c, enum conn_end_why why,
		     __u64 now)
{
	log_session(r, c, why, now);
	seen_note(r, &c->client, now);	/* it had its full dialogue */
	if (c->mode == RESPONDER_GREYLIST) {
		if (c->clock_ns && r->ops.told)
			r->ops.told(r->ctx, &c->client, c->clock_ns);
		report(r, c, RESPONDER_DONE, now);
	}
	conn_release(r, c);
}

/* tarpit_fail - report a tarpit client that did not sit out the banner */
static void tarpit_fail(struct responder *r, struct conn *c,
			enum responder_outcome o, __u64 now)
{
	report(r, c, o, now);
	conn_release(r, c);
}

/* conn_send - write all of buf now or fail: replies are never queued, so
 * a client that does not read cannot make the daemon hold memory */
static int conn_send(struct conn *c, const char *buf, size_t len)
{
	ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

	return n == (ssize_t)len ? 0 : -1;
}

/* conn_reply - format and send one reply line (CRLF added) */
static int conn_reply(struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int conn_reply(struct conn *c, const char *fmt, ...)
{
	char buf[REPLY_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf) - 2)
		return -1;
	memcpy(buf + n, "\r\n", 2);
	return conn_send(c, buf, (size_t)n + 2);
}

/* banner_byte_due - when banner byte i goes out: evenly spaced, byte 0 at
 * accept and the last one tarpit_delay after it (a banner has > 1 byte) */
static __u64 banner_byte_due(const struct responder *r, const struct conn *c,
			     unsigned i)
{
	return c->accepted_ns + r->tarpit_delay_ns * i / (r->banner_len - 1);
}

/* tarpit_trickle - send the banner bytes that are due; report WAITED and
 * start talking once the last one is out */
static void tarpit_trickle(struct responder *r, struct conn *c, __u64 now)
{
	unsigned n = 0;

	/* Normally one byte is due; when the loop ran late, the bytes owed
	 * go together so that the banner still ends on time. */
	while (c->banner_sent + n < r->banner_len &&
	       banner_byte_due(r, c, c->banner_sent + n) <= now)
		n++;
	if (n == 0)
		return;
	if (conn_send(c, r->banner + c->banner_sent, n) < 0) {
		tarpit_fail(r, c, RESPONDER_TARPIT_HANGUP, now);
		return;
	}
	c->banner_sent += n;
	if (c->banner_sent < r->banner_len) {
		c->due_ns = banner_byte_due(r, c, c->banner_sent);
		return;
	}
	report(r, c, RESPONDER_TARPIT_WAITED, now);
	c->state = CONN_TALKING;
	c->due_ns = now + r->timeout_ns;
}

/* is_quit - "QUIT" in any case, with nothing after it but white space */
static int is_quit(const char *line, size_t len)
{
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' ||
			   line[len - 1] == '\t'))
		len--;
	return len == 4 && strncasecmp(line, "QUIT", 4) == 0;
}

/*
 * send_answer - 250 to HELO, EHLO and MAIL FROM, 450 with the reason to
 * everything else. A real MTA whose EHLO and HELO both get a 4xx gives
 * up there (Postfix's smtp client does), so its envelope would never be
 * seen; postscreen too says 250 until RCPT TO. No mail can get through:
 * RCPT TO, DATA and the rest get 450. RSET gets 450 as well, so that a
 * client cannot keep the session for another try: every retry is a new
 * connection, whose SYN the greylist clock sees.
 */
static int send_answer(struct responder *r, struct conn *c,
		       enum envelope_verb verb)
{
	unsigned code = 250;
	int rc;

	if (verb == ENVELOPE_HELO || verb == ENVELOPE_EHLO) {
		rc = conn_reply(c, "250 %s", r->hostname);
	} else if (verb == ENVELOPE_MAIL) {
		rc = conn_reply(c, "250 2.1.0 Ok");
	} else {
		code = 450;
		rc = conn_reply(c, "450 4.7.1 %s: %s", r->hostname, c->text);
		if (rc == 0)
			r->stats.replies_450++;
	}
	if (rc == 0)
		c->last_reply = code;
	return rc;
}

/* answer_command - reply to the complete line held in c; -1 when the
 * conversation is over (the connection is then closed) */
static int answer_command(struct responder *r, struct conn *c, __u64 now)
{
	enum envelope_verb verb = ENVELOPE_OTHER;
	int quit = 0;

	/* A line cut short by line_too_long is neither QUIT nor envelope. */
	if (!c->line_too_long) {
		quit = is_quit(c->line, c->line_len);
		verb = envelope_note(&c->env, c->line, c->line_len);
	}
	c->line_len = 0;
	c->line_too_long = 0;
	c->commands++;
	/* Only a complete line restarts the idle clock: a client dribbling
	 * one byte at a time cannot hold a slot for longer than timeout. */
	c->due_ns = now + r->timeout_ns;
	if (quit) {
		(void)conn_reply(c, "221 2.0.0 Bye");
		conn_end(r, c, END_QUIT, now);
		return -1;
	}
	if (send_answer(r, c, verb) < 0) {
		conn_end(r, c, END_ERROR, now);
		return -1;
	}
	if (verb == ENVELOPE_MAIL && !c->mail_told && r->ops.mail) {
		c->mail_told = 1;
		r->ops.mail(r->ctx, &c->client, &c->env);
	}
	if (c->commands >= RESPONDER_MAX_COMMANDS) {
		(void)conn_reply(c, "421 4.7.0 %s too many commands", r->hostname);
		conn_end(r, c, END_TOO_MANY, now);
		return -1;
	}
	return 0;
}

/* line_append - add len bytes to the current line, or mark it too long */
static void line_append(struct conn *c, const char *p, size_t len)
{
	if (c->line_too_long)
		return;
	if (len > sizeof(c->line) - c->line_len) {
		c->line_too_long = 1;	/* discarded up to its newline */
		return;
	}
	memcpy(c->line + c->line_len, p, len);
	c->line_len += len;
}

/* talk_input - split what a client sent into command lines and answer
 * each; stops when the conversation ends */
static void talk_input(struct responder *r, struct conn *c, const char *p,
		       size_t len, __u64 now)
{
	while (len > 0) {
		const char *nl = memchr(p, '\n', len);
		size_t part = nl ? (size_t)(nl - p) : len;

		line_append(c, p, part);
		if (!nl || answer_command(r, c, now) < 0)
			return;
		p += part + 1;
		len -= part + 1;
	}
}

/* note_pregreet - the envelope in what a tarpit client sent too early:
 * its complete lines, never answered (a bot may send a whole transaction
 * without waiting for replies) */
static void note_pregreet(struct conn *c, const char *p, size_t len)
{
	const char *nl;

	while ((nl = memchr(p, '\n', len)) != NULL) {
		(void)envelope_note(&c->env, p, (size_t)(nl - p));
		len -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
}

/* conn_input - a connection is readable, at EOF, or failed */
static void conn_input(struct responder *r, struct conn *c, __u64 now)
{
	char buf[READ_CHUNK];
	ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (c->state == CONN_BANNER) {
		if (n > 0)
			note_pregreet(c, buf, (size_t)n);
		tarpit_fail(r, c, n > 0 ? RESPONDER_TARPIT_PREGREET
					: RESPONDER_TARPIT_HANGUP, now);
	} else if (n == 0) {
		conn_end(r, c, END_CLOSED, now);
	} else if (n < 0) {
		conn_end(r, c, errno == ECONNRESET ? END_RESET : END_ERROR, now);
	} else {
		talk_input(r, c, buf, (size_t)n, now);
	}
}

/* free_slot - an unused connection slot; the caller checked active < max.
 * A linear scan, like the timers: see responder_tick(). */
static struct conn *free_slot(struct responder *r)
{
	for (unsigned i = 0; i < r->max_conns; i++)
		if (r->conns[i].state == CONN_FREE)
			return &r->conns[i];
	msg_panic("responder: no free slot with %u of %u in use",
		  r->active, r->max_conns);
}

/* reset_over_cap - refuse a connection beyond max_connections with a RST */
static void reset_over_cap(struct responder *r, int fd, const struct mxg_key *k)
{
	struct linger abort_on_close = { .l_onoff = 1, .l_linger = 0 };
	char client[ADDR_STRLEN];
	long long more;

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close,
			 sizeof(abort_on_close));
	close(fd);
	r->stats.over_cap++;
	more = msg_limit(&r->reset_log, now_ns(), LOG_INTERVAL_NS);
	if (more < 0)
		return;
	addr_format(k, client, sizeof(client));
	msg_warn("responder: reset client=%s open=%u max_connections=%u "
		 "(%lld more reset since the last line)", client, r->active,
		 r->max_conns, more);
}

/* accept_failed - taking a connection failed (out of memory or file
 * descriptors): clients can make it repeat, so a line a second */
static void accept_failed(const char *what, int err, __u64 now)
{
	static struct msg_limit limit;
	long long more = msg_limit(&limit, now, LOG_INTERVAL_NS);

	if (more >= 0)
		msg_warn("responder: %s: %s (%lld more failures since the last "
			 "line)", what, strerror(err), more);
}

/* repeat_reply - a greylisted client back inside its delay after its full
 * dialogue: the 421 greeting, written once, and the socket closed without
 * waiting for the client (no slot, no epoll watch, no timer) */
static void repeat_reply(struct responder *r, int fd, const struct mxg_key *k,
			 enum responder_reply kind, __u64 clock_ns, __u64 now)
{
	char client[ADDR_STRLEN], more_text[48];
	long long more;

	/* A full socket buffer cannot happen on a fresh connection; if the
	 * write fails the client simply sees the close. */
	(void)send(fd, r->repeat[kind], r->repeat_len[kind], MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
	r->stats.accepted++;
	r->stats.repeats_421++;
	r->stats.greylist_done++;
	if (r->ops.told)
		r->ops.told(r->ctx, k, clock_ns);
	r->ops.outcome(r->ctx, k, RESPONDER_DONE);
	more = msg_limit_burst(&r->repeat_log, now, LOG_INTERVAL_NS, RESPONDER_LOG_BURST);
	if (more < 0)
		return;
	addr_format(k, client, sizeof(client));
	msg_info("responder: greylist client=%s reply=421 repeat%s", client,
		 not_logged(more, more_text, sizeof(more_text)));
}

/* conn_start - take an accepted socket: classify the client, greet it */
static void conn_start(struct responder *r, int fd, const struct mxg_key *k,
		       __u64 now)
{
	struct conn *c;
	__u32 reasons = 0;
	__u64 clock_ns = 0, seen_ns;
	enum responder_mode mode;

	if (r->active >= r->max_conns) {
		reset_over_cap(r, fd, k);
		return;
	}
	mode = r->ops.classify(r->ctx, k, &reasons, &clock_ns);
	if (mode == RESPONDER_GREYLIST && clock_ns &&
	    (seen_ns = seen_find(r, k)) != 0 && seen_ns >= clock_ns) {
		repeat_reply(r, fd, k, reply_kind(reasons), clock_ns, now);
		return;
	}
	c = free_slot(r);
	if (loop_watch(r->loop, fd, EPOLLIN, on_conn, c) < 0) {
		accept_failed("epoll_ctl", errno, now);
		close(fd);	/* not accepted: no outcome, as before */
		return;
	}
	c->fd = fd;
	c->client = *k;
	c->clock_ns = mode == RESPONDER_GREYLIST ? clock_ns : 0;
	c->accepted_ns = now;
	r->active++;
	r->stats.accepted++;
	c->mode = mode;
	c->text = r->replies[reply_kind(reasons)];
	if (c->mode == RESPONDER_TARPIT) {
		c->state = CONN_BANNER;
		tarpit_trickle(r, c, now);	/* byte 0 is due at once */
		return;
	}
	c->state = CONN_TALKING;
	c->due_ns = now + r->timeout_ns;
	if (conn_send(c, r->banner, r->banner_len) < 0)
		conn_end(r, c, END_ERROR, now);
}

/* accept_clients - accept every pending connection */
static void accept_clients(struct responder *r, __u64 now)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		struct mxg_key k;
		int fd = accept4(r->listen_fd, (struct sockaddr *)&ss, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			/* EMFILE/ENFILE would leave the connection in the
			 * backlog and the listener readable: a busy loop.
			 * mxgated raises RLIMIT_NOFILE above
			 * responder_max_connections to keep that away. */
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				accept_failed("accept", errno, now);
			return;
		}
		if (peer_key(&ss, &k) < 0) {
			close(fd);	/* not IP: cannot happen on this socket */
			continue;
		}
		conn_start(r, fd, &k, now);
	}
}

/* responder_event - an epoll event on one of the responder's fds */
void responder_event(struct responder *r, __u32 id, __u32 events, __u64 now_ns)
{
	struct conn *c;

	/* recv() tells data, EOF and errors apart; the bits add nothing. */
	(void)events;
	if (id == LISTENER_ID) {
		accept_clients(r, now_ns);
		return;
	}
	if (id > r->max_conns)
		return;
	c = &r->conns[id - 1];
	if (c->state != CONN_FREE)
		conn_input(r, c, now_ns);
}

/*
 * responder_tick - run due timers: send banner bytes, time out idle
 * clients. Like responder_next_timeout_ms(), it scans every slot:
 * max_connections is hundreds, the scan runs once per epoll round and
 * costs about a microsecond, and a timer heap would have to be updated on
 * every banner byte and every command instead.
 */
void responder_tick(struct responder *r, __u64 now_ns)
{
	for (unsigned i = 0; i < r->max_conns && r->active > 0; i++) {
		struct conn *c = &r->conns[i];

		if (c->state == CONN_FREE || c->due_ns > now_ns)
			continue;
		if (c->state == CONN_BANNER) {
			tarpit_trickle(r, c, now_ns);
		} else {
			(void)conn_reply(c, "421 4.4.2 %s timeout", r->hostname);
			conn_end(r, c, END_TIMEOUT, now_ns);
		}
	}
}

/* responder_next_timeout_ms - ms until the earliest timer, rounded up;
 * -1 when no connection is open */
int responder_next_timeout_ms(const struct responder *r, __u64 now_ns)
{
	__u64 next = ~0ULL, ms;

	if (r->active == 0)
		return -1;
	for (unsigned i = 0; i < r->max_conns; i++)
		if (r->conns[i].state != CONN_FREE && r->conns[i].due_ns < next)
			next = r->conns[i].due_ns;
	if (next <= now_ns)
		return 0;
	ms = (next - now_ns + NS_PER_MS - 1) / NS_PER_MS;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* The texts a NULL parameter stands for. */
static const char *const reply_defaults[RESPONDER_REPLIES] = {
	[RESPONDER_REPLY_GREYLIST] = RESPONDER_GREYLIST_DEFAULT,
	[RESPONDER_REPLY_S25R] = RESPONDER_S25R_DEFAULT,
	[RESPONDER_REPLY_DNSBL] = RESPONDER_DNSBL_DEFAULT,
	[RESPONDER_REPLY_COUNTRY] = RESPONDER_COUNTRY_DEFAULT,
};

/* text_check - printable ASCII only, between min and max bytes; what may
 * not appear beyond that is in forbid. 0, or -1 with why. */
static int text_check(const char *text, size_t min, size_t max,
		      const char *forbid, char *why, size_t len)
{
	size_t n = strlen(text);

	if (n < min || n > max) {
		snprintf(why, len, "must be %zu-%zu characters (it has %zu)", min,
			 max, n);
		return -1;
	}
	for (const char *p = text; *p; p++) {
		if (*p < ' ' || *p > '~') {
			snprintf(why, len, "byte 0x%02x at %zu is not printable "
				 "ASCII (no CR, LF, control or 8-bit bytes)",
				 (unsigned char)*p, (size_t)(p - text) + 1);
			return -1;
		}
		if (strchr(forbid, *p)) {
			snprintf(why, len, "'%c' at %zu is not allowed here", *p,
				 (size_t)(p - text) + 1);
			return -1;
		}
	}
	return 0;
}

/* responder_hostname_check - fit for "220 <name>", "250 <name>", ... */
int responder_hostname_check(const char *name, char *why, size_t len)
{
	return text_check(name, 1, RESPONDER_HOSTNAME_MAX, " ", why, len);
}

/* responder_banner_check - "$hostname", then nothing or a space and
 * printable text without another '$' */
int responder_banner_check(const char *text, char *why, size_t len)
{
	size_t var = strlen(HOSTNAME_VAR);
	const char *dollar;

	if (strncmp(text, HOSTNAME_VAR, var) != 0 ||
	    (text[var] != '\0' && text[var] != ' ')) {
		snprintf(why, len, "must start with \"" HOSTNAME_VAR "\" (the SMTP "
			 "greeting begins with the server's name), then a space "
			 "or nothing");
		return -1;
	}
	if (text_check(text, var, RESPONDER_TEXT_MAX, "", why, len) < 0)
		return -1;
	dollar = strchr(text + var, '$');
	if (dollar) {
		snprintf(why, len, "'$' at %zu: only the leading " HOSTNAME_VAR
			 " is replaced", (size_t)(dollar - text) + 1);
		return -1;
	}
	return 0;
}

/* responder_reply_check - a 450 text: printable, no '$' */
int responder_reply_check(const char *text, char *why, size_t len)
{
	return text_check(text, 1, RESPONDER_TEXT_MAX, "$", why, len);
}

/* check_params - refuse parameters the responder cannot work with */
static int check_params(const struct responder_params *p,
			const struct responder_ops *ops, char *why, size_t why_len)
{
	const char *problem = NULL;
	char text_why[160];

	if (!ops || !ops->classify || !ops->outcome)
		problem = "classify and outcome callbacks are required";
	else if (p->max_connections == 0 || p->max_connections > MAX_SLOTS)
		problem = "max_connections out of range";
	else if (p->port > 65535)
		problem = "port out of range";
	else if (p->timeout_ms == 0)
		problem = "timeout must be positive";
	else if (!p->hostname)
		problem = "no hostname";
	if (problem) {
		snprintf(why, why_len, "responder: %s", problem);
		return -1;
	}
	/* The texts: text_why says what is wrong with the first bad one. */
	if (responder_hostname_check(p->hostname, text_why, sizeof(text_why)) < 0)
		problem = "hostname";
	else if (p->banner &&
		 responder_banner_check(p->banner, text_why, sizeof(text_why)) < 0)
		problem = "banner";
	for (int i = 0; !problem && i < RESPONDER_REPLIES; i++)
		if (p->replies[i] &&
		    responder_reply_check(p->replies[i], text_why, sizeof(text_why)) < 0)
			problem = "450 text";
	if (problem)
		snprintf(why, why_len, "responder: %s %s", problem, text_why);
	return problem ? -1 : 0;
}

/* bind_sockaddr - the listening address from text (NULL: "::") and port */
static int bind_sockaddr(const char *text, unsigned port,
			 struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (!text)
		text = "::";
	if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((__u16)port);
		*len = sizeof(*sin6);
		return 0;
	}
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((__u16)port);
		*len = sizeof(*sin);
		return 0;
	}
	return -1;
}

/* listen_socket - a non-blocking listener on bind_addr, port; -1 with why */
static int listen_socket(const char *bind_addr, unsigned port, char *why,
			 size_t why_len)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, on = 1, off = 0;
	const char *shown = bind_addr ? bind_addr : "::";

	if (bind_sockaddr(bind_addr, port, &ss, &len) < 0) {
		snprintf(why, why_len, "responder: bad bind address \"%s\"", shown);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    (ss.ss_family == AF_INET6 &&	/* "::" takes IPv4 clients too */
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0) ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    listen(fd, LISTEN_BACKLOG) < 0) {
		snprintf(why, why_len, "responder: listen on %s port %u: %s",
			 shown, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* bound_port - the port a listener got (port 0 asks for any) */
static unsigned bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* responder_open - listen, preallocate the slots, register in epfd */
struct responder *responder_open(const struct responder_params *p,
				 const struct responder_ops *ops, void *ctx,
				 struct loop *loop, char *why, size_t why_len)
{
	struct responder *r;

	if (check_params(p, ops, why, why_len) < 0)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(why, why_len, "responder: out of memory");
		return NULL;
	}
	r->listen_fd = -1;
	r->loop = loop;
	r->now = p->now ? p->now : now_ns;
	loop_timer_init(&r->timer, on_timer, r);
	r->ops = *ops;
	r->ctx = ctx;
	r->max_conns = p->max_connections;
	r->timeout_ns = p->timeout_ms * NS_PER_MS;
	r->tarpit_delay_ns = p->tarpit_delay_ms * NS_PER_MS;
	snprintf(r->hostname, sizeof(r->hostname), "%s", p->hostname);
	/* Checked: "$hostname" leads, the rest has no '$'; it fits. */
	r->banner_len = (unsigned)snprintf(r->banner, sizeof(r->banner),
					   "220 %s%s\r\n", r->hostname,
					   (p->banner ? p->banner : RESPONDER_BANNER_DEFAULT) +
					   strlen(HOSTNAME_VAR));
	for (int i = 0; i < RESPONDER_REPLIES; i++) {
		snprintf(r->replies[i], sizeof(r->replies[i]), "%s",
			 p->replies[i] ? p->replies[i] : reply_defaults[i]);
		r->repeat_len[i] = (unsigned)snprintf(r->repeat[i], sizeof(r->repeat[i]),
						      "421 4.7.0 %s %s\r\n", r->hostname,
						      r->replies[i]);
	}
	r->seen = calloc(RESPONDER_SEEN_SLOTS, sizeof(*r->seen));
	if (!r->seen) {
		snprintf(why, why_len, "responder: out of memory");
		goto bad;
	}
	r->conns = calloc(r->max_conns, sizeof(*r->conns));
	if (!r->conns) {
		snprintf(why, why_len, "responder: out of memory for %u connections",
			 r->max_conns);
		goto bad;
	}
	for (unsigned i = 0; i < r->max_conns; i++) {
		r->conns[i].fd = -1;
		r->conns[i].owner = r;
	}
	r->listen_fd = listen_socket(p->bind_addr, p->port, why, why_len);
	if (r->listen_fd < 0)
		goto bad;
	if (loop_watch(loop, r->listen_fd, EPOLLIN, on_listener, r) < 0) {
		snprintf(why, why_len, "responder: cannot watch the listener: %s",
			 strerror(errno));
		goto bad;
	}
	r->port = bound_port(r->listen_fd);
	return r;
bad:
	responder_close(r);
	return NULL;
}

/* responder_port - the port the listener is bound to */
unsigned responder_port(const struct responder *r)
{
	return r->port;
}

/* responder_stats - counters since responder_open() */
const struct responder_stats *responder_stats(const struct responder *r)
{
	return &r->stats;
}

/* responder_active - connections open now */
unsigned responder_active(const struct responder *r)
{
	return r->active;
}

/* responder_close - close every fd and free everything; no callbacks */
void responder_close(struct responder *r)
{
	if (!r)
		return;
	for (unsigned i = 0; r->conns && i < r->max_conns; i++)
		if (r->conns[i].state != CONN_FREE)
			conn_release(r, &r->conns[i]);
	if (r->listen_fd >= 0) {
		loop_unwatch(r->loop, r->listen_fd);
		close(r->listen_fd);
	}
	loop_timer_cancel(r->loop, &r->timer);
	free(r->conns);
	free(r->seen);
	free(r);
}
