/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	responder - the tiny SMTP speaker for greylisted and tarpitted clients
 * SYNOPSIS
 *	struct responder *responder_open(const struct responder_params *p,
 *			const struct responder_ops *ops, void *ctx,
 *			struct loop *loop, char *why, size_t why_len);
 *	unsigned responder_port(const struct responder *r);
 *	void responder_event(struct responder *r, __u32 id, __u32 events,
 *			     __u64 now_ns);
 *	int responder_next_timeout_ms(const struct responder *r, __u64 now_ns);
 *	void responder_tick(struct responder *r, __u64 now_ns);
 *	const struct responder_stats *responder_stats(const struct responder *r);
 *	unsigned responder_active(const struct responder *r);
 *	void responder_close(struct responder *r);
int responder_hostname_check(const char *name, char *why, size_t len);
int responder_banner_check(const char *text, char *why, size_t len);
int responder_reply_check(const char *text, char *why, size_t len);
 *
 *	int responder_hostname_check(const char *name, char *why, size_t len);
 *	int responder_banner_check(const char *text, char *why, size_t len);
 *	int responder_reply_check(const char *text, char *why, size_t len);
 * DESCRIPTION
 *	nftables redirects the connections of greylisted and tarpitted
 *	clients to this listener. The responder never lets them near the
 *	MTA: it greets them, lets them name sender and recipients, refuses
 *	each recipient with a 450 that says why ("S25R check, be patient"),
 *	logs the envelope they offered, and tells the daemon how a tarpitted
 *	client behaved. It runs inside mxgated's single epoll loop: every
 *	socket is non-blocking, nothing sleeps, and no reply is ever queued
 *	(a write that would block closes the connection).
 *
 *	responder_open() listens on p->bind_addr (NULL: "::", dual-stack)
 *	port p->port (0: any free port; responder_port() says which) and
 *	preallocates p->max_connections connection slots. It returns NULL
 *	with a reason in why on failure. Every fd it owns is watched on the
 *	event loop (loop.h), and one loop timer follows the earliest
 *	connection timer (responder_next_timeout_ms(), -1: none), which runs
 *	responder_tick(). responder_event(r, id, events, now) and
 *	responder_tick(r, now) are what those callbacks run (id 0 is the
 *	listener, slot i is i + 1); a test may call them with times of its
 *	own. Times are CLOCK_MONOTONIC_COARSE ns.
 *
 *	A new connection beyond max_connections is reset at once (RST) and
 *	counted in over_cap; no callback hears of it. For every other one
 *	ops->classify(ctx, client, &reasons) is called once, with the client
 *	address as a map key (IPv4 IPv4-mapped, plen 128), and chooses:
 *
 *	GREYLIST: "220 <banner>" at once, then each command line (LF or
 *	CRLF; a line over RESPONDER_LINE_MAX bytes is discarded and
 *	answered once) is answered: HELO and EHLO get "250 <hostname>" (no
 *	extensions), MAIL FROM gets "250 2.1.0 Ok" (envelope.h says what is
 *	recognised), QUIT gets "221 2.0.0 Bye", and every other line (RCPT
 *	TO, DATA, RSET, anything) "450 4.7.1 <hostname>: <text>", the text
 *	chosen by reasons: p->replies[RESPONDER_REPLY_S25R] when an S25R
 *	rule fired, else [..._DNSBL] for a DNS list, else [..._COUNTRY] for
 *	a country, else [..._GREYLIST]. The banner is p->banner with its
 *	leading "$hostname" replaced by p->hostname. A NULL banner or text
 *	is its RESPONDER_*_DEFAULT; none of them names mxgate, so a bot
 *	learns nothing about what screens it.
 *	The RESPONDER_MAX_COMMANDS-th command is answered and followed by
 *	"421 4.7.0 <hostname> too many commands"; no complete command line
 *	for timeout_ms gets "421 4.4.2 <hostname> timeout"; each of these,
 *	and a client close or a socket error, ends the conversation and
 *	ops->outcome(ctx, client, RESPONDER_DONE) is called once.
 *
 *	REPEATS: a GREYLIST client that already had its full dialogue
 *	(any greylist-mode conversation that reached its end, in this
 *	process) at or after the start of its greylist clock (*clock_ns
 *	from classify, not 0) is a repeat inside greylist_delay: it is sent
 *	"421 4.7.0 <hostname> <text>" (the 450 text its reasons choose)
 *	right after accept, and the socket is closed at once without
 *	reading anything (RFC 5321 allows a 421 greeting; an MTA retries
 *	later). No slot, epoll watch or timer is used; ops->outcome() hears
 *	RESPONDER_DONE, counted in repeats_421 and greylist_done, and the
 *	line "responder: greylist client=C reply=421 repeat" is logged,
 *	rate-limited like the session lines. A new client sharing another's
 *	clock (a pool, a sender or smart key) has no full dialogue of its
 *	own remembered, so it gets one first. The memory is a bounded cache
 *	(RESPONDER_SEEN_SLOTS), lost at a restart: an evicted or forgotten
 *	client gets the full dialogue once more.
 *
 *	TARPIT: the same banner trickles out one byte at a time, evenly
 *	spaced from accept until tarpit_delay_ms after it. A client that
 *	sends anything before the last byte is reported TARPIT_PREGREET, one
 *	that closes (or whose socket fails) TARPIT_HANGUP, and the connection
 *	is closed. When the last byte is out the client is reported
 *	TARPIT_WAITED and then treated as in GREYLIST mode, without a DONE.
 *
 *	LOG LINES: every conversation in GREYLIST mode, and every tarpit
 *	client's after WAITED, is logged once when it ends (any way), with
 *	the envelope it offered (envelope.h: the first HELO/EHLO name, MAIL
 *	FROM and RCPT TO address, each escaped with log_escape(), and how
 *	many RCPT TO came), e.g.
 *
 *	responder: greylist client=198.51.100.20 helo=<mail.example.org>
 *	  from=<alice@example.org> to=<bob@example.net> rcpts=2 commands=5
 *	  reply=450 elapsed_ms=120 ended=quit
 *
 *	(one line). A field that never came is left out; from=<> is the null
 *	sender. commands counts every line answered (QUIT included); reply
 *	is the last 250 or 450 sent (none: no command answered); elapsed_ms
 *	runs from accept; ended is quit, timeout, too_many_commands, closed,
 *	reset or error. Each tarpit outcome is logged as "responder: tarpit
 *	client=... outcome=pregreet|hangup|waited elapsed_ms=...", a
 *	pregreet with the envelope found in the complete lines it sent too
 *	early (they are never answered). Both kinds are rate-limited:
 *	RESPONDER_LOG_BURST lines of each a second, the first line after
 *	a drop ending in "(N more not logged)".
 *
 *	responder_close() closes the listener and every connection and frees
 *	everything; it calls no callback (the daemon is going away, and its
 *	ctx may be half torn down), so a conversation open at that moment
 *	gets no outcome and no log line.
 *
 *	TEXTS: whatever is sent to a client passes these checks, which
 *	responder_open() applies to its parameters and mxgate.conf's keys
 *	(config.c) to their values, so that -t refuses what start-up would.
 *	Each returns 0, or -1 with the reason in why. Every text is
 *	printable ASCII (0x20-0x7e: no CR, LF or other control byte, no
 *	8-bit byte, so no text can end a reply early or add one).
 *	responder_hostname_check(): 1-255 bytes, no space.
 *	responder_banner_check(): at most RESPONDER_TEXT_MAX bytes, starting
 *	with "$hostname" (RFC 5321: the greeting begins with the server's
 *	name) followed by nothing or a space; no other '$'.
 *	responder_reply_check(): 1-RESPONDER_TEXT_MAX bytes, no '$' (the
 *	replies name the host already). A 450 line is then at most
 *	10 + 255 + 2 + RESPONDER_TEXT_MAX + 2 bytes, well inside RFC 5321's
 *	512.
 */
#ifndef MXG_RESPONDER_H
#define MXG_RESPONDER_H

#include <stddef.h>
#include <linux/types.h>
#include "envelope.h"
#include "loop.h"
#include "mxgate.h"

#define RESPONDER_LINE_MAX 512		/* longer command lines are discarded */
#define RESPONDER_MAX_COMMANDS 20	/* then 421 and close */
/* Tarpit outcome lines and session lines a second, each kind: a busy
 * gateway delays a few clients a second and every one of them belongs in
 * the log, while a flood of connections cannot write more than 2 x 20
 * lines (of at most about 1.4 KB) a second. */
#define RESPONDER_LOG_BURST 20
#define RESPONDER_HOSTNAME_MAX 255	/* RFC 1035 */
/* Clients remembered as having had their full greylist dialogue: a
 * 4-way set-associative cache (so a flood of new clients evicts old ones,
 * and an evicted client simply gets its full dialogue once more). */
#define RESPONDER_SEEN_SLOTS 16384
#define RESPONDER_TEXT_MAX 200		/* banner template, each 450 text */

/* The texts' defaults, also those of mxgate.conf (config.c's key table
 * takes them from here). The banner says ESMTP and the host, nothing of
 * the product: a bot is not told what screens it. */
#define RESPONDER_BANNER_DEFAULT	"$hostname ESMTP"
#define RESPONDER_GREYLIST_DEFAULT	"greylisted, try again later"
#define RESPONDER_S25R_DEFAULT		"S25R check, be patient"
#define RESPONDER_DNSBL_DEFAULT		"listed by a DNS block list, be patient"
#define RESPONDER_COUNTRY_DEFAULT	"greylisted by country, be patient"

/* Which 450 text a client gets, by its verdict's reasons. */
enum responder_reply {
	RESPONDER_REPLY_GREYLIST,	/* none of the others */
	RESPONDER_REPLY_S25R,		/* an S25R rule (0-6, supplemental) */
	RESPONDER_REPLY_DNSBL,		/* DNS list score */
	RESPONDER_REPLY_COUNTRY,	/* the client's country */
	RESPONDER_REPLIES
};

enum responder_mode { RESPONDER_GREYLIST, RESPONDER_TARPIT };

enum responder_outcome {
	RESPONDER_DONE,		   /* a greylist conversation ended (any way) */
	RESPONDER_TARPIT_WAITED,   /* sat through the whole tarpit banner */
	RESPONDER_TARPIT_PREGREET, /* sent bytes before the banner was complete */
	RESPONDER_TARPIT_HANGUP,   /* closed before the banner was complete */
};

struct responder_ops {
	/* The client's mode and verdict reasons (enum mxg_reason bits, used
	 * to choose the 450 text), and in *clock_ns (set to 0 before the
	 * call) when its greylist clock started (its verdict's decided_ns),
	 * or 0: a client that had its full dialogue since then is answered
	 * with the short repeat reply; 0 always gets the full dialogue.
	 * Called once per accepted connection. */
	enum responder_mode (*classify)(void *ctx, const struct mxg_key *client,
					__u32 *reasons, __u64 *clock_ns);
	/* Called exactly once per accepted (not over-cap) connection for a
	 * tarpit outcome (WAITED is reported when the banner completes, and
	 * then no further outcome for that connection), or RESPONDER_DONE
	 * when a greylist-mode conversation is closed. */
	void (*outcome)(void *ctx, const struct mxg_key *client,
			enum responder_outcome o);
	/* Optional (may be NULL): a conversation in GREYLIST mode named its
	 * sender. Called once per connection, right after the first MAIL
	 * FROM is answered, with the envelope so far (envelope.h). */
	void (*mail)(void *ctx, const struct mxg_key *client,
		     const struct envelope *e);
	/* Optional (may be NULL): a GREYLIST client whose classify() gave
	 * a clock heard why on it: its full dialogue ended, or it was
	 * answered as a repeat. Called once per such connection. */
	void (*told)(void *ctx, const struct mxg_key *client, __u64 clock_ns);
};

struct responder_params {
	const char *bind_addr;		/* NULL: "::" dual-stack (IPV6_V6ONLY=0) */
	unsigned port;			/* 0: any free port; see responder_port() */
	unsigned max_connections;	/* over it: reset at once, count over_cap */
	unsigned timeout_ms;		/* idle client -> 421 and close */
	unsigned tarpit_delay_ms;	/* the whole tarpit banner takes this long */
	const char *hostname;		/* in the banner and replies */
	const char *banner;		/* after "220 ", "$hostname ..."; NULL: default */
	const char *replies[RESPONDER_REPLIES];	/* 450 texts; NULL: default */
	__u64 (*now)(void);		/* NULL: now_ns(); a test's own clock */
};

struct responder_stats {
	unsigned long long accepted;	/* connections given a slot */
	unsigned long long over_cap;	/* reset: all slots were busy */
	unsigned long long greylist_done; /* RESPONDER_DONE outcomes */
	unsigned long long tarpit_waited; /* RESPONDER_TARPIT_WAITED outcomes */
	unsigned long long tarpit_pregreet; /* RESPONDER_TARPIT_PREGREET */
	unsigned long long tarpit_hangup; /* RESPONDER_TARPIT_HANGUP */
	unsigned long long replies_450;	/* 450 replies sent */
	unsigned long long repeats_421;	/* repeats answered 421 at once */
};

struct responder;

struct responder *responder_open(const struct responder_params *p,
				 const struct responder_ops *ops, void *ctx,
				 struct loop *loop, char *why, size_t why_len);
unsigned responder_port(const struct responder *r);
void responder_event(struct responder *r, __u32 id, __u32 events, __u64 now_ns);
int responder_next_timeout_ms(const struct responder *r, __u64 now_ns);
void responder_tick(struct responder *r, __u64 now_ns);
const struct responder_stats *responder_stats(const struct responder *r);
unsigned responder_active(const struct responder *r);
void responder_close(struct responder *r);
int responder_hostname_check(const char *name, char *why, size_t len);
int responder_banner_check(const char *text, char *why, size_t len);
int responder_reply_check(const char *text, char *why, size_t len);

#endif /* MXG_RESPONDER_H */
