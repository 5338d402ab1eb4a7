/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_responder.c - the SMTP responder over real TCP sockets on the
 * loopback: greylist replies, the tarpit stutter and its outcomes, the
 * connection cap, timeouts, hostile input, clean shutdown, and the log
 * line of each session with the envelope it offered.
 *
 * Each test runs the responder the way mxgated does (one epoll fd, the
 * responder's tagged fds, responder_tick() after every round, the real
 * CLOCK_MONOTONIC_COARSE) and talks to it through plain client sockets.
 * Waits end on a condition; their deadline is a safety net only.
 */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "addr.h"
#include "envelope.h"
#include "log.h"
#include "responder.h"
#include "test.h"

#define HOST		"mx.test.example"
#define BANNER		"220 " HOST " ESMTP\r\n"
#define SAFETY_MS	5000	/* give up waiting after this long */
#define POLL_MS		5	/* clients are checked at least this often */
#define NS_PER_MS	1000000ULL
#define OK_HELO		"250 " HOST "\r\n"
#define OK_MAIL		"250 2.1.0 Ok\r\n"

struct harness {
	struct loop *loop;
	struct responder *r;
	enum responder_mode mode;	/* what classify() answers */
	__u32 reasons;			/* the reasons it gives */
	unsigned classified;		/* classify() calls */
	__u64 clock_ns;			/* what classify() gives; 0: no repeats */
	unsigned outcomes[RESPONDER_TARPIT_HANGUP + 1]; /* outcome() calls */
	struct mxg_key last_client;	/* key passed to classify() */
	unsigned mails;			/* mail() calls */
	unsigned told;			/* told() calls */
	__u64 told_clock;		/* the clock the last one gave */
	char mail_from[ENVELOPE_FIELD_MAX + 1]; /* the sender mail() saw */
	__u64 fake_now;			/* the clock it sees; 0: the real one */
};

struct client {
	int fd;
	char buf[8192];			/* everything received, NUL-terminated */
	size_t len;
	unsigned reads;			/* recv() calls that returned data */
	int eof;			/* orderly close seen */
	int reset;			/* ECONNRESET seen */
};

/* coarse_ns - the daemon's clock */
static __u64 coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/* elapsed_ms - precise ms since start (CLOCK_MONOTONIC) */
static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* on_classify - the ops callback: answer as the test set up, and count */
static enum responder_mode on_classify(void *ctx, const struct mxg_key *client,
				       __u32 *reasons, __u64 *clock_ns)
{
	struct harness *h = ctx;

	h->classified++;
	h->last_client = *client;
	*reasons = h->reasons;
	*clock_ns = h->clock_ns;
	return h->mode;
}

/* on_outcome - the ops callback: count outcomes by kind */
static void on_outcome(void *ctx, const struct mxg_key *client,
		       enum responder_outcome o)
{
	struct harness *h = ctx;

	(void)client;
	h->outcomes[o]++;
}

/* on_mail - the ops callback: count, and keep the sender it was told */
static void on_mail(void *ctx, const struct mxg_key *client, const struct envelope *e)
{
	struct harness *h = ctx;

	(void)client;
	h->mails++;
	snprintf(h->mail_from, sizeof(h->mail_from), "%.*s", e->from.len, e->from.text);
}

/* on_told - the ops callback: count, and keep the clock */
static void on_told(void *ctx, const struct mxg_key *client, __u64 clock_ns)
{
	struct harness *h = ctx;

	(void)client;
	h->told++;
	h->told_clock = clock_ns;
}

static const struct responder_ops ops = { on_classify, on_outcome, on_mail, on_told };

/* The lines logged since harness_open(), '\n' after each. */
static char logged[65536];

/* take_line - the log sink: keep the line */
static void take_line(const char *line)
{
	size_t n = strlen(logged);

	snprintf(logged + n, sizeof(logged) - n, "%s\n", line);
}

/* line_end - the end of the logged line starting at p (its '\n', or the
 * end of logged when the buffer filled up) */
static const char *line_end(const char *p)
{
	const char *eol = strchr(p, '\n');

	return eol ? eol : p + strlen(p);
}

/* log_lines - how many lines logged contain needle */
static unsigned log_lines(const char *needle)
{
	unsigned n = 0;

	for (const char *p = logged, *eol; *p; p = *eol ? eol + 1 : eol) {
		const char *hit = strstr(p, needle);

		eol = line_end(p);
		n += hit && hit < eol;
	}
	return n;
}

/* log_line - the first line logged that contains needle, without its
 * newline ("" if none) */
static const char *log_line(const char *needle)
{
	static char line[LOG_LINE_MAX];
	const char *hit = strstr(logged, needle), *start;

	line[0] = '\0';
	if (!hit)
		return line;
	for (start = hit; start > logged && start[-1] != '\n'; start--)
		;
	snprintf(line, sizeof(line), "%.*s", (int)(line_end(hit) - start), start);
	return line;
}

static struct harness *current;	/* whose clock harness_clock() reads */
static __u64 harness_now(const struct harness *h);

/* harness_clock - the responder's clock: the test's, when it set one */
static __u64 harness_clock(void)
{
	return harness_now(current);
}

/* harness_start - a responder with parameters p (its clock: the
 * harness's) in a new epoll fd; -1 (and the test fails) if it cannot be
 * opened */
static int harness_start(struct harness *h, struct responder_params *p)
{
	char why[256] = "";

	memset(h, 0, sizeof(*h));
	current = h;
	h->mode = RESPONDER_GREYLIST;
	logged[0] = '\0';
	log_sink(take_line);
	h->loop = loop_new();
	p->now = harness_clock;
	h->r = responder_open(p, &ops, h, h->loop, why, sizeof(why));
	if (!h->r) {
		test_fail(__FILE__, __LINE__, "responder_open: %s", why);
		loop_free(h->loop);
		log_sink(NULL);
		return -1;
	}
	CHECK(responder_port(h->r) != 0);
	return 0;
}

/* harness_open - a responder on bind_addr, any port, with the default
 * texts; -1 (and the test fails) if it cannot be opened */
static int harness_open(struct harness *h, const char *bind_addr,
			unsigned max_conns, unsigned tarpit_delay_ms)
{
	struct responder_params p = {
		.bind_addr = bind_addr,
		.max_connections = max_conns,
		.timeout_ms = 300,
		.tarpit_delay_ms = tarpit_delay_ms,
		.hostname = HOST,
	};

	return harness_start(h, &p);
}

/* harness_close - close the responder, then its epoll fd; the lines it
 * logged stay in logged */
static void harness_close(struct harness *h)
{
	responder_close(h->r);
	loop_free(h->loop);
	log_sink(NULL);
}

/* harness_now - the time the responder is told */
static __u64 harness_now(const struct harness *h)
{
	return h->fake_now ? h->fake_now : coarse_ns();
}

/* drive - one round of the daemon's loop, waiting at most max_ms */
static void drive(struct harness *h, int max_ms)
{
	int timeout = responder_next_timeout_ms(h->r, harness_now(h));

	if (timeout < 0 || timeout > max_ms)
		timeout = max_ms;
	CHECK(loop_run_once(h->loop, timeout) >= 0);
	responder_tick(h->r, harness_now(h));
}

/* client_connect - a connected client socket to the responder */
static void client_connect(struct client *c, struct harness *h, int family)
{
	struct sockaddr_storage ss;
	socklen_t len;

	memset(c, 0, sizeof(*c));
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		sin6->sin6_port = htons((__u16)responder_port(h->r));
		len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin->sin_port = htons((__u16)responder_port(h->r));
		len = sizeof(*sin);
	}
	c->fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(c->fd >= 0);
	/* The kernel completes the handshake from the listen backlog. */
	if (connect(c->fd, (struct sockaddr *)&ss, len) < 0)
		test_fail(__FILE__, __LINE__, "connect: %s", strerror(errno));
}

/* client_pump - take whatever has arrived, without blocking */
static void client_pump(struct client *c)
{
	while (!c->eof && !c->reset && c->len < sizeof(c->buf) - 1) {
		ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len,
				 MSG_DONTWAIT);

		if (n > 0) {
			c->len += (size_t)n;
			c->buf[c->len] = '\0';
			c->reads++;
		} else if (n == 0) {
			c->eof = 1;
		} else {
			if (errno == ECONNRESET)
				c->reset = 1;
			return;
		}
	}
}

/* client_send_bytes - send len bytes, all of them */
static void client_send_bytes(struct client *c, const char *bytes, size_t len)
{
	CHECK_EQ_INT(send(c->fd, bytes, len, MSG_NOSIGNAL), len);
}

/* client_send - send text, all of it */
static void client_send(struct client *c, const char *text)
{
	client_send_bytes(c, text, strlen(text));
}

/* client_close - close the client side; fd -1 */
static void client_close(struct client *c)
{
	close(c->fd);
	c->fd = -1;
}

/* count_of - occurrences of needle in hay */
static unsigned count_of(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* wait_texts - drive until the client has received text n times (1), or
 * give up (0): closed first, or the safety deadline */
static int wait_texts(struct harness *h, struct client *c, const char *text,
		      unsigned n)
{
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (client_pump(c); count_of(c->buf, text) < n; client_pump(c)) {
		if (elapsed_ms(&start) > SAFETY_MS || c->eof || c->reset) {
			test_fail(__FILE__, __LINE__, "never got \"%s\" x%u, got \"%s\"",
				  text, n, c->buf);
			return 0;
		}
		drive(h, POLL_MS);
	}
	return 1;
}

/* wait_text - wait_texts() for one occurrence */
static int wait_text(struct harness *h, struct client *c, const char *text)
{
	return wait_texts(h, c, text, 1);
}

/* wait_closed - drive until the responder closed the client (1) */
static int wait_closed(struct harness *h, struct client *c)
{
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (client_pump(c); !c->eof && !c->reset; client_pump(c)) {
		if (elapsed_ms(&start) > SAFETY_MS) {
			test_fail(__FILE__, __LINE__, "connection never closed");
			return 0;
		}
		drive(h, POLL_MS);
	}
	return 1;
}

/* wait_count - drive until *counter reaches want (1) */
static int wait_count(struct harness *h, const unsigned *counter, unsigned want)
{
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (*counter < want) {
		if (elapsed_ms(&start) > SAFETY_MS) {
			test_fail(__FILE__, __LINE__, "counter at %u, wanted %u",
				  *counter, want);
			return 0;
		}
		drive(h, POLL_MS);
	}
	return 1;
}

/* drive_for - run the loop for ms, for things that must NOT happen */
static void drive_for(struct harness *h, long ms)
{
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (elapsed_ms(&start) < ms)
		drive(h, POLL_MS);
}

/* open_fds - how many fds this process has open */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own fd */
}


/* pause_ms - let the loopback deliver (the test may sleep; the responder
 * never does) */
static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* tick_at - run the responder's timers at time t, then let the loopback
 * deliver what they sent */
static void tick_at(struct harness *h, struct client *c, __u64 t)
{
	h->fake_now = t;
	responder_tick(h->r, t);
	pause_ms(20);
	client_pump(c);
}

/* expect_text - a greylist client with these reasons gets this 450 text */
static void expect_text(struct harness *h, __u32 reasons, const char *text)
{
	char reply[256];
	struct client c;

	snprintf(reply, sizeof(reply), "450 4.7.1 " HOST ": %s\r\n", text);
	h->reasons = reasons;
	client_connect(&c, h, AF_INET);
	if (wait_text(h, &c, BANNER)) {
		/* A bare LF ends a line. */
		client_send(&c, "RCPT TO:<u@mx.example>\n");
		wait_text(h, &c, reply);
	}
	CHECK_EQ_INT(count_of(c.buf, "450 "), 1);
	client_close(&c);
}

#define S25R_450 "450 4.7.1 " HOST ": S25R check, be patient\r\n"

TEST(responder_greylist_250_until_rcpt_then_450_with_s25r_text)
{
	struct harness h;
	struct client c;

	if (harness_open(&h, "127.0.0.1", 4, 300) < 0)
		return;
	h.reasons = MXG_R_S25R1 | MXG_R_FCRDNS;
	client_connect(&c, &h, AF_INET);
	if (wait_text(&h, &c, BANNER)) {
		CHECK_EQ_STR(c.buf, BANNER);	/* at once, and nothing else */
		client_send(&c, "EHLO bot.example\r\n");
		wait_text(&h, &c, OK_HELO);
		client_send(&c, "MAIL FROM:<a@bot.example>\r\n");
		wait_text(&h, &c, OK_MAIL);
		client_send(&c, "RCPT TO:<u@mx.example>\r\n");
		wait_texts(&h, &c, S25R_450, 1);
		client_send(&c, "DATA\r\n");
		wait_texts(&h, &c, S25R_450, 2);
		client_send(&c, "quit\r\n");
		wait_closed(&h, &c);
	}
	CHECK_EQ_STR(c.buf, BANNER OK_HELO OK_MAIL S25R_450 S25R_450 "221 2.0.0 Bye\r\n");
	CHECK(c.eof);
	drive_for(&h, 50);	/* a second DONE would show up here */
	CHECK_EQ_INT(h.classified, 1);
	CHECK_EQ_INT(h.outcomes[RESPONDER_DONE], 1);
	CHECK_EQ_INT(h.outcomes[RESPONDER_TARPIT_WAITED], 0);
	CHECK_EQ_INT(responder_stats(h.r)->accepted, 1);
	CHECK_EQ_INT(responder_stats(h.r)->replies_450, 2);
	CHECK_EQ_INT(responder_stats(h.r)->greylist_done, 1);
	CHECK_EQ_INT(responder_active(h.r), 0);
	client_close(&c);
	harness_close(&h);
}

TEST(responder_450_text_follows_the_reasons)
{
	struct harness h;

	if (harness_open(&h, "127.0.0.1", 4, 300) < 0)
		return;
	expect_text(&h, MXG_R_DNSBL, "listed by a DNS block list, be patient");
	expect_text(&h, MXG_R_COUNTRY, "greylisted by country, be patient");
	expect_text(&h, MXG_R_S25R_EXTRA, "S25R check, be patient");
	expect_text(&h, MXG_R_S25R0 | MXG_R_DNSBL, "S25R check, be patient");
	expect_text(&h, 0, "greylisted, try again later");
	expect_text(&h, MXG_R_TIMEOUT, "greylisted, try again later");
	CHECK_EQ_INT(h.classified, 6);
	CHECK(wait_count(&h, &h.outcomes[RESPONDER_DONE], 6));
	harness_close(&h);
}

TEST(responder_banner_and_450_texts_are_the_configured_ones)
{
	struct responder_params p = {
		.bind_addr = "127.0.0.1", .max_connections = 4, .timeout_ms = 300,
		.tarpit_delay_ms = 300, .hostname = "mx1.example.org",
		.banner = "$hostname ESMTP ready",
		.replies = {
			[RESPONDER_REPLY_S25R] = "dynamic-looking name, retry",
			[RESPONDER_REPLY_COUNTRY] = "country check",
			/* DNSBL and the plain greylist: the defaults */
		},
	};
	const char *banner = "220 mx1.example.org ESMTP ready\r\n";
	struct harness h;
	struct client c;

	if (harness_start(&h, &p) < 0)
		return;
	h.reasons = MXG_R_S25R1 | MXG_R_DNSBL | MXG_R_COUNTRY;
	client_connect(&c, &h, AF_INET);
	if (wait_text(&h, &c, banner)) {
		CHECK_EQ_STR(c.buf, banner);
		client_send(&c, "HELO bot.example\r\nRCPT TO:<u@mx.example>\r\nQUIT\r\n");
		wait_closed(&h, &c);
	}
	CHECK_EQ_STR(c.buf, "220 mx1.example.org ESMTP ready\r\n250 mx1.example.org\r\n"
		     "450 4.7.1 mx1.example.org: dynamic-looking name, retry\r\n"
		     "221 2.0.0 Bye\r\n");
	client_close(&c);
	/* The same precedence as the defaults', the texts the configured. */
	h.reasons = MXG_R_DNSBL | MXG_R_COUNTRY;
	client_connect(&c, &h, AF_INET);
	if (wait_text(&h, &c, banner)) {
		client_send(&c, "RCPT TO:<u@mx.example>\r\n");
		wait_text(&h, &c, "450 4.7.1 mx1.example.org: listed by a DNS block "
			  "list, be patient\r\n");
	}
	client_close(&c);
	h.reasons = MXG_R_COUNTRY;
	client_connect(&c, &h, AF_INET);
	if (wait_text(&h, &c, banner)) {
		client_send(&c, "RCPT TO:<u@mx.example>\r\n");
		wait_text(&h, &c, "450 4.7.1 mx1.example.org: country check\r\n");
	}
	client_close(&c);
	CHECK(wait_count(&h, &h.outcomes[RESPONDER_DONE], 3));
	harness_close(&h);

	/* A banner that is just the name, trickled out by the tarpit. */
	p.banner = "$hostname";
	p.tarpit_delay_ms = 100;
	if (harness_start(&h, &p) < 0)
		return;
	h.mode = RESPONDER_TARPIT;
	client_connect(&c, &h, AF_INET);
	wait_text(&h, &c, "220 mx1.example.org\r\n");
	CHECK_EQ_STR(c.buf, "220 mx1.example.org\r\n");
	CHECK(wait_count(&h, &h.outcomes[RESPONDER_TARPIT_WAITED], 1));
	client_close(&c);
	harness_close(&h);
}

TEST(responder_tarpit_banner_trickles_then_waited_then_450)
{
	const long delay_ms = 400;
	struct harness h;
	struct client c;
	struct timespec start;
	long took_ms;

	if (harness_open(&h, "127.0.0.1", 4, (unsigned)delay_ms) < 0)
		return;
	h.mode = RESPONDER_TARPIT;
	h.reasons = MXG_R_DNSBL;
	clock_gettime(CLOCK_MONOTONIC, &start);
	client_connect(&c, &h, AF_INET);
	for (client_pump(&c); c.len < strlen(BANNER); client_pump(&c)) {
		if (h.outcomes[RESPONDER_TARPIT_WAITED] != 0 || c.eof || c.reset ||
		    elapsed_ms(&start) > SAFETY_MS)
			break;
		drive(&h, POLL_MS);
	}
	took_ms = elapsed_ms(&start);
	CHECK_EQ_STR(c.buf, BANNER);
	/* Accepted after connect() began, so never early, on the coarse
	 * clock's 4 ms ticks. */
	CHECK(took_ms >= delay_ms - 10);
	CHECK(c.reads >= 10);	/* byte by byte, not in one piece */
	/* Reported as the last byte went out, not before. */
	CHECK_EQ_INT(h.outcomes[RESPONDER_TARPIT_WAITED], 1);
	client_send(&c, "EHLO patient.example\r\n");
	wait_text(&h, &c, OK_HELO);
	client_send(&c, "RCPT TO:<u@mx.example>\r\n");
	wait_text(&h, &c, "450 4.7.1 " HOST ": listed by a DNS block list, be patient\r\n");
	client_send(&c, "QUIT\r\n");
	wait_closed(&h, &c);
	CHECK(strstr(c.buf, "221 2.0.0 Bye\r\n") != NULL);
	drive_for(&h, 50);
	CHECK_EQ_INT(h.outcomes[RESPONDER_TARPIT_WAITED], 1);
	CHECK_EQ_INT(h.outcomes[RESPONDER_DONE], 0);	/* WAITED was its outcome */
	CHECK_EQ_INT(h.outcomes[RESPONDER_TARPIT_PREGREET], 0);
	CHECK_EQ_INT(h.outcomes[RESPONDER_TARPIT_HANGUP], 0);
	CHECK_EQ_INT(responder_stats(h.r)->tarpit_waited, 1);
	CHECK_EQ_INT(responder_stats(h.r)->replies_450, 1);
	/* Its outcome line at the banner's end, then, greylisted now, the
	 * line of its conversation. */
	CHECK_EQ_INT(log_lines("responder: tarpit client=127.0.0.1 outcome=waited "
			       "elapsed_ms="), 1);
	CHECK_EQ_INT(log_lines("responder: greylist client=127.0.0.1 "
			       "helo=<patient.example> to=<u@mx.example> rcpts=1 "
			       "commands=3 reply=450 elapsed_ms="), 1);
	CHECK_EQ_INT(log_lines(" ended=quit"), 1);
	client_close(&c);
	harness_close(&h);
}

TEST(responder_tarpit_pregreet_is_reported_and_closed)
{
	struct harness h;
	struct client c;

	if (harness_open(&h, "127.0.0.1", 4, 600) < 0)
		return;
	h.mode = RESPONDER_TARPIT;
	client_connect(&c, &h, AF_INET);
	if (wait_text(&h, &c, "2")) {	/* the banner has begun */
		client_send(&c, "EHLO impatient.example\r\n");
		wait_count(&h, &h.outcomes[RESPONDER_TARPIT_PREGREET], 1);
		wait_closed(&h, &c);
	}
	CHECK(c.len < strlen(BANNER));
	CHECK(c.eof || c.reset);
	drive_for(&h, 50);
	CHECK_EQ_INT(h.outcomes[RESPONDER_TARPIT_PREGREET], 1);
	CHECK_EQ_INT(h.outcomes[RESPONDER_TARPIT_WAITED], 0);
	CHECK_EQ_INT(h.outcomes[RESPONDER_TARPIT_HANGUP], 0);
	CHECK_EQ_INT(h.outcomes[RESPONDER_DONE], 0);
	CHECK_EQ_INT(responder_stats(h.r)->tarpit_pregreet, 1);
	CHECK_EQ_INT(responder_active(h.r), 0);
	client_close(&c);
	harness_close(&h);
}

TEST(responder_tarpit_hangup_is_reported)
{
	struct harness h;
	struct client c;

	if (harness_open(&h, "127.0.0.1", 4, 600) < 0)
		return;
	h.mode = RESPONDER_TARPIT;
	client_connect(&c, &h, AF_INET);
	if (wait_text(&h, &c, "2")) {
		client_close(&c);
		wait_count(&h, &h.outcomes[RESPONDER_TARPIT_HANGUP], 1);
	}
	drive_for(&h, 50);
	CHECK_EQ_INT(h.outcomes[RESPONDER_TARPIT_HANGUP], 1);
	CHECK_EQ_INT(h.outcomes[RESPONDER_TARPIT_PREGREET], 0);
	CHECK_EQ_INT(h.outcomes[RESPONDER_TARPIT_WAITED], 0);
	CHECK_EQ_INT(responder_stats(h.r)->tarpit_hangup, 1);
	CHECK_EQ_INT(responder_active(h.r), 0);
	if (c.fd >= 0)
		client_close(&c);
	harness_close(&h);
}

TEST(responder_over_cap_resets_without_callbacks)
{
	struct harness h;
	struct client a, b, extra, later;

	if (harness_open(&h, "127.0.0.1", 2, 300) < 0)
		return;
	client_connect(&a, &h, AF_INET);
	client_connect(&b, &h, AF_INET);
	wait_text(&h, &a, BANNER);
	wait_text(&h, &b, BANNER);
	client_connect(&extra, &h, AF_INET);
	wait_closed(&h, &extra);
	CHECK(extra.reset);		/* RST, not a polite close */
	CHECK_EQ_INT(extra.len, 0);	/* not greeted */
	CHECK_EQ_INT(responder_stats(h.r)->over_cap, 1);
	CHECK_EQ_INT(responder_stats(h.r)->accepted, 2);
	CHECK_EQ_INT(h.classified, 2);
	CHECK_EQ_INT(h.outcomes[RESPONDER_DONE], 0);
	CHECK_EQ_INT(responder_active(h.r), 2);
	/* A freed slot takes the next client. */
	client_close(&a);
	wait_count(&h, &h.outcomes[RESPONDER_DONE], 1);
	client_connect(&later, &h, AF_INET);
	wait_text(&h, &later, BANNER);
	CHECK_EQ_INT(h.classified, 3);
	CHECK_EQ_INT(responder_stats(h.r)->over_cap, 1);
	client_close(&b);
	client_close(&extra);
	client_close(&later);
	harness_close(&h);
}

TEST(responder_idle_client_gets_421_timeout)
{
	struct harness h;
	struct client c;
	struct timespec start;

	if (harness_open(&h, "127.0.0.1", 4, 300) < 0)
		return;
	client_connect(&c, &h, AF_INET);
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (wait_text(&h, &c, BANNER))
		wait_closed(&h, &c);
	CHECK_EQ_STR(c.buf, BANNER "421 4.4.2 " HOST " timeout\r\n");
	CHECK(elapsed_ms(&start) >= 300 - 10);
	CHECK_EQ_INT(h.outcomes[RESPONDER_DONE], 1);
	CHECK_EQ_INT(responder_active(h.r), 0);
	CHECK_EQ_INT(responder_next_timeout_ms(h.r, coarse_ns()), -1);
	client_close(&c);
	harness_close(&h);
}

TEST(responder_overlong_line_is_answered_once)
{
	struct harness h;
	struct client c;
	char line[2001];

	if (harness_open(&h, "127.0.0.1", 4, 300) < 0)
		return;
	memset(line, 'A', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	h.reasons = MXG_R_S25R2;
	client_connect(&c, &h, AF_INET);
	if (wait_text(&h, &c, BANNER)) {
		client_send(&c, line);
		drive_for(&h, 100);
		CHECK_EQ_INT(count_of(c.buf, "450 "), 0);	/* no newline yet */
		CHECK(!c.eof && !c.reset);
		client_send(&c, "\r\n");
		wait_texts(&h, &c, S25R_450, 1);
		/* Only the end of this one fits: it is discarded, not a QUIT. */
		client_send(&c, line + 1000);
		client_send(&c, "QUIT\r\n");
		wait_texts(&h, &c, S25R_450, 2);
		/* The line state is clean again: QUIT is understood. */
		client_send(&c, "QUIT\r\n");
		wait_closed(&h, &c);
	}
	CHECK_EQ_STR(c.buf, BANNER S25R_450 S25R_450 "221 2.0.0 Bye\r\n");
	CHECK_EQ_INT(responder_stats(h.r)->replies_450, 2);
	client_close(&c);
	harness_close(&h);
}

TEST(responder_too_many_commands_get_421)
{
	struct harness h;
	struct client c;
	char burst[25 * 6 + 1] = "";

	if (harness_open(&h, "127.0.0.1", 4, 300) < 0)
		return;
	for (int i = 0; i < 25; i++)
		strcat(burst, "NOOP\r\n");
	client_connect(&c, &h, AF_INET);
	if (wait_text(&h, &c, BANNER)) {
		client_send(&c, burst);
		wait_closed(&h, &c);
	}
	CHECK_EQ_INT(count_of(c.buf, "450 4.7.1 "), RESPONDER_MAX_COMMANDS);
	CHECK(strstr(c.buf, S25R_450) == NULL);	/* reasons 0: plain text */
	CHECK_EQ_INT(count_of(c.buf, "421 4.7.0 " HOST " too many commands\r\n"), 1);
	CHECK_EQ_INT(h.outcomes[RESPONDER_DONE], 1);
	CHECK_EQ_INT(responder_stats(h.r)->replies_450, RESPONDER_MAX_COMMANDS);
	client_close(&c);
	harness_close(&h);
}

TEST(responder_close_with_open_connections_leaks_nothing)
{
	int fds_before = open_fds();
	struct harness h;
	struct client c[3];

	if (harness_open(&h, "127.0.0.1", 4, 600) < 0)
		return;
	client_connect(&c[0], &h, AF_INET);
	wait_count(&h, &h.classified, 1);
	h.mode = RESPONDER_TARPIT;	/* mid-banner at close */
	client_connect(&c[1], &h, AF_INET);
	wait_count(&h, &h.classified, 2);
	h.mode = RESPONDER_GREYLIST;
	client_connect(&c[2], &h, AF_INET);
	wait_text(&h, &c[2], BANNER);
	client_send(&c[2], "EHLO x\r\nMAIL FROM:<x@");	/* half a line held */
	drive_for(&h, 30);
	CHECK_EQ_INT(responder_active(h.r), 3);
	harness_close(&h);
	for (int i = 0; i < 3; i++) {
		for (int tries = 0; tries < 100 && !c[i].eof && !c[i].reset; tries++) {
			pause_ms(10);
			client_pump(&c[i]);
		}
		CHECK(c[i].eof || c[i].reset);
		client_close(&c[i]);
	}
	CHECK_EQ_INT(h.outcomes[RESPONDER_DONE], 0);	/* no callbacks at close */
	CHECK_EQ_INT(h.outcomes[RESPONDER_TARPIT_HANGUP], 0);
	CHECK_EQ_INT(open_fds(), fds_before);
}

/* check_client_key - the key classify() got is the address in text */
static void check_client_key(struct harness *h, int family, const char *text)
{
	struct client c;
	struct mxg_key want;
	char shown[ADDR_STRLEN];
	unsigned before = h->classified;

	CHECK_EQ_INT(addr_parse(text, &want), 0);
	client_connect(&c, h, family);
	if (wait_count(h, &h->classified, before + 1)) {
		CHECK(memcmp(&h->last_client, &want, sizeof(want)) == 0);
		addr_format(&h->last_client, shown, sizeof(shown));
		CHECK_EQ_STR(shown, text);
	}
	client_close(&c);
}

TEST(responder_client_keys_v4_mapped_and_v6)
{
	struct harness h;

	/* Dual-stack "::": an IPv6 peer and a v4-mapped IPv4 one. */
	if (harness_open(&h, NULL, 4, 300) < 0)
		return;
	check_client_key(&h, AF_INET6, "::1");
	check_client_key(&h, AF_INET, "127.0.0.1");
	CHECK(addr_is_v4(&h.last_client));
	harness_close(&h);
	/* An IPv4 listener: sockaddr_in peers get the same mapped key. */
	if (harness_open(&h, "127.0.0.1", 4, 300) < 0)
		return;
	check_client_key(&h, AF_INET, "127.0.0.1");
	CHECK_EQ_INT(h.last_client.plen, 128);
	harness_close(&h);
}

/* open_fails - responder_open() refuses p, leaking nothing, with a reason */
static void open_fails(const struct responder_params *p, const char *why_part)
{
	struct loop *loop = loop_new();
	int fds_before = open_fds();
	char why[256] = "";
	struct responder *r = responder_open(p, &ops, NULL, loop, why, sizeof(why));

	CHECK(r == NULL);
	responder_close(r);
	if (!strstr(why, why_part))
		test_fail(__FILE__, __LINE__, "why \"%s\" lacks \"%s\"", why, why_part);
	CHECK_EQ_INT(open_fds(), fds_before);
	loop_free(loop);
}

TEST(responder_open_refuses_bad_parameters)
{
	struct responder_params ok = {
		.bind_addr = "127.0.0.1", .max_connections = 2, .timeout_ms = 300,
		.tarpit_delay_ms = 300, .hostname = HOST,
	};
	struct responder_params p;

	p = ok, p.hostname = "mx.example\r\n250 OK";
	open_fails(&p, "hostname byte 0x0d at 11 is not printable ASCII");
	p = ok, p.hostname = "";
	open_fails(&p, "hostname must be 1-255 characters");
	p = ok, p.hostname = NULL;
	open_fails(&p, "no hostname");
	/* The texts: what a client is sent cannot end a reply or add one. */
	p = ok, p.banner = "$hostname ESMTP\r\n250 OK";
	open_fails(&p, "banner byte 0x0d at 16");
	p = ok, p.banner = "mx.example ESMTP";
	open_fails(&p, "banner must start with \"$hostname\"");
	p = ok, p.banner = "$hostname $hostname";
	open_fails(&p, "banner '$' at 11");
	p = ok, p.replies[RESPONDER_REPLY_DNSBL] = "listed\n250 OK";
	open_fails(&p, "450 text byte 0x0a at 7");
	p = ok, p.replies[RESPONDER_REPLY_GREYLIST] = "";
	open_fails(&p, "450 text must be 1-200 characters (it has 0)");
	p = ok, p.replies[RESPONDER_REPLY_COUNTRY] = "caf\xc3\xa9";
	open_fails(&p, "450 text byte 0xc3 at 4");
	p = ok, p.max_connections = 0;
	open_fails(&p, "max_connections");
	p = ok, p.timeout_ms = 0;
	open_fails(&p, "timeout");
	p = ok, p.bind_addr = "mx.example";
	open_fails(&p, "bad bind address");
	p = ok, p.bind_addr = "192.0.2.1";	/* not ours: bind fails */
	open_fails(&p, "192.0.2.1");
}

TEST(responder_timers_on_a_controlled_clock)
{
	const __u64 t0 = 1000000 * NS_PER_MS, delay = 310 * NS_PER_MS;
	const __u64 timeout = 300 * NS_PER_MS;
	const size_t banner_len = strlen(BANNER);
	const __u64 step = delay / (banner_len - 1);
	struct harness h;
	struct client c;
	__u64 t1;

	if (harness_open(&h, "127.0.0.1", 4, 310) < 0)
		return;
	h.mode = RESPONDER_TARPIT;
	h.fake_now = t0;
	client_connect(&c, &h, AF_INET);
	if (!wait_text(&h, &c, "2")) {
		harness_close(&h);
		client_close(&c);
		return;
	}
	/* Byte 0 at accept, the next one step later. */
	CHECK_EQ_INT(c.len, 1);
	CHECK_EQ_INT(responder_next_timeout_ms(h.r, t0),
		     (step + NS_PER_MS - 1) / NS_PER_MS);
	/* Late ticks catch up; the last byte waits for the whole delay. */
	tick_at(&h, &c, t0 + delay - 1);
	CHECK_EQ_INT(c.len, banner_len - 1);
	CHECK_EQ_INT(h.outcomes[RESPONDER_TARPIT_WAITED], 0);
	CHECK_EQ_INT(responder_next_timeout_ms(h.r, t0 + delay - 1), 1);
	t1 = t0 + delay;
	tick_at(&h, &c, t1);
	CHECK_EQ_STR(c.buf, BANNER);
	CHECK_EQ_INT(h.outcomes[RESPONDER_TARPIT_WAITED], 1);
	/* Then the idle clock: a command restarts it. */
	CHECK_EQ_INT(responder_next_timeout_ms(h.r, t1), 300);
	h.fake_now = t1 + 200 * NS_PER_MS;
	client_send(&c, "RSET\r\n");
	wait_text(&h, &c, "450 ");
	tick_at(&h, &c, t1 + 200 * NS_PER_MS + timeout - 1);
	CHECK(!strstr(c.buf, "421") && !c.eof);
	tick_at(&h, &c, t1 + 200 * NS_PER_MS + timeout);
	CHECK(strstr(c.buf, "421 4.4.2 " HOST " timeout\r\n") != NULL);
	CHECK_EQ_INT(responder_active(h.r), 0);
	CHECK_EQ_INT(h.outcomes[RESPONDER_DONE], 0);
	client_close(&c);
	harness_close(&h);
}

TEST(responder_greylist_idle_clock_ignores_partial_lines)
{
	const __u64 t0 = 1000000 * NS_PER_MS, timeout = 300 * NS_PER_MS;
	struct harness h;
	struct client c;

	if (harness_open(&h, "127.0.0.1", 4, 300) < 0)
		return;
	h.fake_now = t0;
	client_connect(&c, &h, AF_INET);
	if (wait_text(&h, &c, BANNER)) {
		CHECK_EQ_INT(responder_next_timeout_ms(h.r, t0), 300);
		/* Bytes without a newline do not buy more time. */
		h.fake_now = t0 + 200 * NS_PER_MS;
		client_send(&c, "MAIL FROM:<slow@");
		drive_for(&h, 30);
		tick_at(&h, &c, t0 + timeout - 1);
		CHECK(!c.eof && !strstr(c.buf, "421"));
		tick_at(&h, &c, t0 + timeout);
	}
	CHECK_EQ_STR(c.buf, BANNER "421 4.4.2 " HOST " timeout\r\n");
	CHECK_EQ_INT(h.outcomes[RESPONDER_DONE], 1);
	client_close(&c);
	harness_close(&h);
}

#define T0	(1000000 * NS_PER_MS)	/* a controlled clock's start */

TEST(responder_session_logs_one_line_with_its_envelope)
{
	struct harness h;
	struct client c;

	if (harness_open(&h, "127.0.0.1", 4, 300) < 0)
		return;
	h.reasons = MXG_R_S25R1;
	h.fake_now = T0;
	client_connect(&c, &h, AF_INET);
	if (wait_text(&h, &c, BANNER)) {
		client_send(&c, "EHLO mail.example.org\r\n");
		wait_text(&h, &c, OK_HELO);
		client_send(&c, "MAIL FROM:<alice@example.org> SIZE=1024\r\n");
		wait_text(&h, &c, OK_MAIL);
		client_send(&c, "RCPT TO:<bob@example.net>\r\n");
		wait_texts(&h, &c, S25R_450, 1);
		client_send(&c, "RCPT TO:<carol@example.net>\r\n");
		wait_texts(&h, &c, S25R_450, 2);
		h.fake_now = T0 + 120 * NS_PER_MS;
		client_send(&c, "QUIT\r\n");
		wait_closed(&h, &c);
	}
	drive_for(&h, 30);	/* a second line would show up here */
	CHECK_EQ_INT(log_lines("responder: "), 1);
	CHECK_EQ_STR(log_line("responder: greylist "),
		     "responder: greylist client=127.0.0.1 helo=<mail.example.org> "
		     "from=<alice@example.org> to=<bob@example.net> rcpts=2 "
		     "commands=5 reply=450 elapsed_ms=120 ended=quit");
	CHECK_EQ_INT(responder_stats(h.r)->greylist_done, 1);
	CHECK_EQ_INT(responder_stats(h.r)->replies_450, 2);
	client_close(&c);
	harness_close(&h);
}

/* only_printable - every byte of the log is printable ASCII or a newline */
static int only_printable(const char *text)
{
	for (; *text; text++)
		if ((*text < 0x20 || *text > 0x7e) && *text != '\n')
			return 0;
	return 1;
}

TEST(responder_session_log_escapes_what_the_client_sent)
{
	/* Control bytes, a NUL, 8-bit bytes, '>' and '=' inside values, and
	 * a recipient that tries to end the line and fake another one. */
	static const char evil[] =
		"HELO a\rb\x01\x1b[2J\0c\xe9\r\n"
		"MAIL FROM:x>y=z\"\\ SIZE=1\r\n"
		"RCPT TO:<bob\r ended=quit\rresponder: greylist "
		"client=192.0.2.1 helo=<x>\r\n"
		"RCPT TO:<a\nQUIT>\r\n";
	struct harness h;
	struct client c;

	if (harness_open(&h, "127.0.0.1", 4, 300) < 0)
		return;
	h.fake_now = T0;
	client_connect(&c, &h, AF_INET);
	if (wait_text(&h, &c, BANNER)) {
		client_send_bytes(&c, evil, sizeof(evil) - 1);
		/* "QUIT>" is not QUIT: a 450 like the RCPTs before it */
		wait_texts(&h, &c, "450 ", 3);
		client_send(&c, "QUIT\r\n");
		wait_closed(&h, &c);
	}
	CHECK_EQ_STR(c.buf, BANNER OK_HELO OK_MAIL "450 4.7.1 " HOST ": greylisted, "
		     "try again later\r\n450 4.7.1 " HOST ": greylisted, try again "
		     "later\r\n450 4.7.1 " HOST ": greylisted, try again later\r\n"
		     "221 2.0.0 Bye\r\n");
	CHECK_EQ_INT(log_lines(""), 1);		/* one line, nothing split off */
	CHECK_EQ_INT(log_lines("client="), 1);	/* no field faked */
	CHECK(only_printable(logged));
	CHECK_EQ_STR(log_line("responder: greylist "),
		     "responder: greylist client=127.0.0.1 "
		     "helo=<a\\x0db\\x01\\x1b[2J\\x00c\\xe9> "
		     "from=<x\\x3ey\\x3dz\\x22\\x5c> "
		     "to=<bob\\x0d\\x20ended\\x3dquit\\x0dresponder:\\x20greylist"
		     "\\x20client\\x3d192.0.2.1\\x20helo\\x3d\\x3cx> rcpts=2 "
		     "commands=6 reply=450 elapsed_ms=0 ended=quit");
	client_close(&c);
	harness_close(&h);
}

TEST(responder_session_that_only_times_out_logs_no_envelope)
{
	struct harness h;
	struct client c;

	if (harness_open(&h, "127.0.0.1", 4, 300) < 0)
		return;
	h.fake_now = T0;
	client_connect(&c, &h, AF_INET);
	if (wait_text(&h, &c, BANNER))
		tick_at(&h, &c, T0 + 300 * NS_PER_MS);
	CHECK(strstr(c.buf, "421 4.4.2 " HOST " timeout\r\n") != NULL);
	/* No HELO, MAIL FROM or RCPT TO: no helo=, from= or to= at all. */
	CHECK_EQ_STR(log_line("responder: greylist "),
		     "responder: greylist client=127.0.0.1 commands=0 reply=none "
		     "elapsed_ms=300 ended=timeout");
	client_close(&c);
	harness_close(&h);
}

TEST(responder_session_log_bounds_each_field)
{
	char helo[5 + 300 + 3], rcpt[9 + 600 + 3], want[512];
	struct harness h;
	struct client c;

	memcpy(helo, "HELO ", 5);
	memset(helo + 5, 'h', 300);
	strcpy(helo + 305, "\r\n");
	memcpy(rcpt, "RCPT TO:<", 9);	/* over RESPONDER_LINE_MAX: discarded */
	memset(rcpt + 9, 'r', 600);
	strcpy(rcpt + 609, ">\n");
	if (harness_open(&h, "127.0.0.1", 4, 300) < 0)
		return;
	h.fake_now = T0;
	client_connect(&c, &h, AF_INET);
	if (wait_text(&h, &c, BANNER)) {
		client_send(&c, helo);
		wait_text(&h, &c, OK_HELO);
		client_send(&c, rcpt);
		wait_texts(&h, &c, "450 ", 1);
		client_send(&c, "RCPT TO:<ok@example.net>\r\n");
		wait_texts(&h, &c, "450 ", 2);
		client_close(&c);
		wait_count(&h, &h.outcomes[RESPONDER_DONE], 1);
	}
	snprintf(want, sizeof(want), "responder: greylist client=127.0.0.1 helo=<%.*s...> "
		 "to=<ok@example.net> rcpts=1 commands=3 reply=450 elapsed_ms=0 "
		 "ended=closed", ENVELOPE_FIELD_MAX, helo + 5);
	CHECK_EQ_STR(log_line("responder: greylist "), want);
	harness_close(&h);
}

TEST(responder_tarpit_pregreet_logs_the_envelope_it_sent)
{
	struct harness h;
	struct client c;

	if (harness_open(&h, "127.0.0.1", 4, 600) < 0)
		return;
	h.mode = RESPONDER_TARPIT;
	client_connect(&c, &h, AF_INET);
	if (wait_text(&h, &c, "2")) {
		client_send(&c, "EHLO early.example\r\nMAIL FROM:<spam@bot.example>\r\n"
			    "RCPT TO:<victim@mx.example>\r\nDATA\r\n");
		wait_count(&h, &h.outcomes[RESPONDER_TARPIT_PREGREET], 1);
	}
	CHECK_EQ_INT(log_lines("responder: "), 1);
	CHECK_EQ_INT(log_lines("responder: tarpit client=127.0.0.1 outcome=pregreet "
			       "helo=<early.example> from=<spam@bot.example> "
			       "to=<victim@mx.example> rcpts=1 elapsed_ms="), 1);
	client_close(&c);
	harness_close(&h);
}

TEST(responder_mail_callback_once_per_session_after_the_first_mail_from)
{
	struct harness h;
	struct client c;

	if (harness_open(&h, "127.0.0.1", 4, 300) < 0)
		return;
	client_connect(&c, &h, AF_INET);
	if (wait_text(&h, &c, BANNER)) {
		client_send(&c, "EHLO mail.example.org\r\n");
		wait_text(&h, &c, OK_HELO);
		CHECK_EQ_INT(h.mails, 0);
		client_send(&c, "MAIL FROM:<alice@example.org>\r\n");
		wait_text(&h, &c, OK_MAIL);
		CHECK_EQ_INT(h.mails, 1);
		CHECK_EQ_STR(h.mail_from, "alice@example.org");
		client_send(&c, "MAIL FROM:<mallory@example.net>\r\n");
		wait_texts(&h, &c, OK_MAIL, 2);
		client_send(&c, "QUIT\r\n");
		wait_closed(&h, &c);
	}
	CHECK_EQ_INT(h.mails, 1);
	client_close(&c);
	/* A tarpitted client that speaks too early names no sender. */
	h.mode = RESPONDER_TARPIT;
	client_connect(&c, &h, AF_INET);
	client_send(&c, "EHLO early.example\r\nMAIL FROM:<spam@bot.example>\r\n");
	wait_count(&h, &h.outcomes[RESPONDER_TARPIT_PREGREET], 1);
	CHECK_EQ_INT(h.mails, 1);
	client_close(&c);
	harness_close(&h);
}

TEST(responder_session_lines_are_rate_limited)
{
	const unsigned extra = 5;
	char more[64];
	struct harness h;
	struct client c;

	if (harness_open(&h, "127.0.0.1", 4, 300) < 0)
		return;
	h.fake_now = T0;	/* all in the same second */
	for (unsigned i = 0; i < RESPONDER_LOG_BURST + extra; i++) {
		client_connect(&c, &h, AF_INET);
		wait_text(&h, &c, BANNER);
		client_close(&c);
		wait_count(&h, &h.outcomes[RESPONDER_DONE], i + 1);
	}
	CHECK_EQ_INT(log_lines("responder: greylist client=127.0.0.1 commands=0 "
			       "reply=none elapsed_ms=0 ended=closed"),
		     RESPONDER_LOG_BURST);
	CHECK_EQ_INT(log_lines("more not logged"), 0);
	/* A second later: logged again, saying how many were not. */
	h.fake_now = T0 + 1000 * NS_PER_MS;
	client_connect(&c, &h, AF_INET);
	wait_text(&h, &c, BANNER);
	client_close(&c);
	wait_count(&h, &h.outcomes[RESPONDER_DONE], RESPONDER_LOG_BURST + extra + 1);
	snprintf(more, sizeof(more), "ended=closed (%u more not logged)", extra);
	CHECK_EQ_INT(log_lines(more), 1);
	CHECK_EQ_INT(log_lines("responder: greylist "), RESPONDER_LOG_BURST + 1);
	CHECK_EQ_INT(responder_stats(h.r)->greylist_done, RESPONDER_LOG_BURST + extra + 1);
	harness_close(&h);
}

#define S25R_421 "421 4.7.0 " HOST " S25R check, be patient\r\n"

/* full_session - a client's whole dialogue: banner, EHLO, RCPT (450), QUIT */
static void full_session(struct harness *h, int family)
{
	struct client c;

	client_connect(&c, h, family);
	if (wait_text(h, &c, BANNER)) {
		client_send(&c, "EHLO mail.example\r\nRCPT TO:<u@mx.example>\r\n");
		wait_text(h, &c, S25R_450);
		client_send(&c, "QUIT\r\n");
		wait_closed(h, &c);
	}
	CHECK_EQ_STR(c.buf, BANNER OK_HELO S25R_450 "221 2.0.0 Bye\r\n");
	client_close(&c);
}

/* repeat_session - a client that sends nothing: what it got before the
 * responder closed */
static void repeat_session(struct harness *h, int family, struct client *c)
{
	client_connect(c, h, family);
	wait_closed(h, c);
	client_close(c);
}

TEST(responder_repeat_after_full_dialogue_gets_421_at_once)
{
	struct harness h;
	struct client c;

	if (harness_open(&h, "::", 4, 300) < 0)
		return;
	h.fake_now = T0;
	h.reasons = MXG_R_S25R1 | MXG_R_FCRDNS;
	h.clock_ns = T0 - 60000 * NS_PER_MS;	/* its clock started a minute ago */
	full_session(&h, AF_INET);
	CHECK_EQ_INT(responder_stats(h.r)->repeats_421, 0);
	/* told() hears the clock its dialogue was on (greylist_repeat_reply
	 * = reset marks the verdict with it). */
	CHECK_EQ_INT(h.told, 1);
	CHECK_EQ_INT(h.told_clock, T0 - 60000 * NS_PER_MS);
	/* Back inside the delay: the 421 greeting, then the close, without
	 * the client saying anything; no slot is held. */
	h.fake_now = T0 + 1000 * NS_PER_MS;
	repeat_session(&h, AF_INET, &c);
	CHECK_EQ_STR(c.buf, S25R_421);
	CHECK(c.eof || c.reset);
	CHECK_EQ_INT(h.classified, 2);
	CHECK_EQ_INT(h.told, 2);		/* a repeat is told again */
	CHECK_EQ_INT(h.outcomes[RESPONDER_DONE], 2);
	CHECK_EQ_INT(responder_stats(h.r)->accepted, 2);
	CHECK_EQ_INT(responder_stats(h.r)->repeats_421, 1);
	CHECK_EQ_INT(responder_stats(h.r)->greylist_done, 2);
	CHECK_EQ_INT(responder_stats(h.r)->replies_450, 1);
	CHECK_EQ_INT(responder_active(h.r), 0);
	CHECK_EQ_INT(log_lines("responder: greylist client=127.0.0.1 reply=421 repeat"), 1);
	/* And again: every repeat gets the same. */
	repeat_session(&h, AF_INET, &c);
	CHECK_EQ_STR(c.buf, S25R_421);
	CHECK_EQ_INT(responder_stats(h.r)->repeats_421, 2);
	harness_close(&h);
}

TEST(responder_repeat_needs_its_own_full_dialogue_on_this_clock)
{
	struct harness h;
	struct client c;

	if (harness_open(&h, "::", 4, 300) < 0)
		return;
	h.fake_now = T0;
	h.reasons = MXG_R_S25R1;
	h.clock_ns = T0 - 1000 * NS_PER_MS;
	full_session(&h, AF_INET);		/* 127.0.0.1 had its dialogue */
	/* Another client on the same (shared) clock: its first visit is the
	 * full dialogue, then it too is a repeat. */
	h.fake_now = T0 + 1000 * NS_PER_MS;
	full_session(&h, AF_INET6);		/* ::1 */
	repeat_session(&h, AF_INET6, &c);
	CHECK_EQ_STR(c.buf, S25R_421);
	/* A clock started after its dialogue (its verdict expired and it was
	 * greylisted anew): the full dialogue again. */
	h.fake_now = T0 + 5000 * NS_PER_MS;
	h.clock_ns = T0 + 4000 * NS_PER_MS;
	full_session(&h, AF_INET);
	repeat_session(&h, AF_INET, &c);
	CHECK_EQ_STR(c.buf, S25R_421);
	/* No clock given (greylist_repeat_reply = full, or no verdict):
	 * always the full dialogue, and no told(). */
	h.clock_ns = 0;
	h.told = 0;
	full_session(&h, AF_INET);
	CHECK_EQ_INT(h.told, 0);
	CHECK_EQ_INT(responder_stats(h.r)->repeats_421, 2);
	CHECK_EQ_INT(responder_stats(h.r)->replies_450, 4);
	harness_close(&h);
}

TEST(responder_repeat_never_skips_a_tarpit)
{
	struct harness h;
	struct client c;

	if (harness_open(&h, "127.0.0.1", 4, 300) < 0)
		return;
	h.fake_now = T0;
	h.reasons = MXG_R_S25R1;
	h.clock_ns = T0 - 1000 * NS_PER_MS;
	full_session(&h, AF_INET);
	h.mode = RESPONDER_TARPIT;
	client_connect(&c, &h, AF_INET);
	drive_for(&h, 30);
	client_pump(&c);
	CHECK(count_of(c.buf, "421") == 0);	/* the banner trickles instead */
	CHECK_EQ_INT(h.told, 1);		/* the greylist dialogue only */
	CHECK_EQ_INT(responder_active(h.r), 1);
	CHECK_EQ_INT(responder_stats(h.r)->repeats_421, 0);
	client_close(&c);
	harness_close(&h);
}
