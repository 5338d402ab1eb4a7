/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_responder.c - the SMTP responder's per-connection input, over a
 * real TCP connection on the loopback, with no hook in the responder: it
 * is driven through its own entry points (responder_event(),
 * responder_tick()) with a clock of the target's, as its unit tests do.
 *
 * One responder lives for the whole run. Each input is one connection:
 * byte 0 chooses the mode (greylist or tarpit), the reasons and how the
 * client leaves (close or reset); then records of [len, time step,
 * bytes...] are sent one after the other, the clock moving on by the
 * step (0..255 x 4 ms) before each; at the end the client leaves and the
 * clock runs past every timer. Properties: every reply line is one the
 * responder may send (the banner, 250, 450, 221, 421) and ends in CRLF;
 * no more 450s than RESPONDER_MAX_COMMANDS; exactly one outcome per
 * connection (DONE for greylist; WAITED, PREGREET or HANGUP for a
 * tarpit), and the slot is free again afterwards. Its log lines (taken
 * by a log_sink()) are printable ASCII, one "responder: greylist" line
 * per conversation (a greylist one, or a tarpit one after WAITED) and one
 * "responder: tarpit" line per tarpit outcome, each made of key=value
 * fields whose helo=, from= and to= values are <...> with every byte
 * outside 0x21-0x7e and every delimiter escaped: nothing the client sent
 * can split a line or fake a field.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "envelope.h"
#include "fuzz.h"
#include "log.h"
#include "loop.h"
#include "responder.h"

#define HOST		"mx.fuzz.example"
#define BANNER		"220 " HOST " ESMTP\r\n"
#define TIMEOUT_MS	1000	/* idle client: 421 */
#define TARPIT_MS	400	/* the tarpit banner takes this long */
#define STEP_NS		4000000ULL
#define SECOND_NS	1000000000ULL	/* between inputs: no line rate-limited */

static struct loop *loop;
static struct responder *resp;
static __u64 fake_now = 1000000000ULL;
static unsigned outcomes[RESPONDER_TARPIT_HANGUP + 1];
static enum responder_mode mode;	/* what classify() answers */
static __u32 reasons;
static unsigned greylist_lines;		/* this input's "responder: greylist" */
static unsigned tarpit_lines;		/* this input's "responder: tarpit" */

/* clock_now - the responder's clock: the target's */
static __u64 clock_now(void)
{
	return fake_now;
}

/* on_classify - the mode and reasons this input chose */
static enum responder_mode on_classify(void *ctx, const struct mxg_key *client,
				       __u32 *r, __u64 *clock_ns)
{
	(void)ctx, (void)client;
	*clock_ns = 1;	/* repeats: the second conversation of a client */
	*r = reasons;
	return mode;
}

/* on_outcome - count outcomes */
static void on_outcome(void *ctx, const struct mxg_key *client,
		       enum responder_outcome o)
{
	(void)ctx, (void)client;
	FUZZ_CHECK(o <= RESPONDER_TARPIT_HANGUP, "outcome %d", o);
	outcomes[o]++;
}

static const struct responder_ops ops = { .classify = on_classify, .outcome = on_outcome };

/* escaped_ok - a field value as log_escape() writes it, perhaps with
 * "..." (cut): only 0x21-0x7e, delimiters only as \xHH, bounded */
static int escaped_ok(const char *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t units = 0;

	for (size_t i = 0; i < len; units++) {
		if (p[i] == '\\') {
			if (len - i < 4 || p[i + 1] != 'x' || !memchr(hex, p[i + 2], 16) ||
			    !memchr(hex, p[i + 3], 16))
				return 0;
			i += 4;
			continue;
		}
		if (p[i] < 0x21 || p[i] > 0x7e || strchr("<>=\"", p[i]))
			return 0;
		i++;
	}
	return units <= ENVELOPE_FIELD_MAX + 3;
}

/* check_field - one "key=value" of a responder line */
static void check_field(const char *line, const char *f, size_t len)
{
	static const char *const keys[] = { "client", "outcome", "helo", "from",
		"to", "rcpts", "commands", "reply", "elapsed_ms", "ended" };
	const char *eq = memchr(f, '=', len);
	size_t klen = eq ? (size_t)(eq - f) : 0, vlen = eq ? len - klen - 1 : 0;
	int known = 0, envelope;

	FUZZ_CHECK(eq != NULL, "a field without '=' in \"%s\"", line);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		known |= strlen(keys[i]) == klen && !memcmp(keys[i], f, klen);
	FUZZ_CHECK(known, "unknown field \"%.*s\" in \"%s\"", (int)len, f, line);
	envelope = (klen == 4 && (!memcmp(f, "helo", 4) || !memcmp(f, "from", 4))) ||
		   (klen == 2 && !memcmp(f, "to", 2));
	if (envelope)
		FUZZ_CHECK(vlen >= 2 && eq[1] == '<' && eq[vlen] == '>' &&
			   escaped_ok(eq + 2, vlen - 2),
			   "a badly escaped value \"%.*s\" in \"%s\"", (int)len, f, line);
	else	/* numbers, addresses, words */
		FUZZ_CHECK(vlen > 0 && strspn(eq + 1, "0123456789abcdef"
					      "ghijklmnopqrstuvwxyz_.:") >= vlen,
			   "an odd value \"%.*s\" in \"%s\"", (int)len, f, line);
}

/* on_log - the log sink: one line of printable ASCII; a responder line
 * is counted and made of well-formed fields */
static void on_log(const char *line)
{
	static const char grey[] = "responder: greylist ";
	static const char tarpit[] = "responder: tarpit ";
	const char *p = line;

	for (const char *q = line; *q; q++)
		FUZZ_CHECK(*q >= 0x20 && *q <= 0x7e, "byte 0x%02x in log line \"%s\"",
			   (unsigned char)*q, line);
	if (!strncmp(line, grey, sizeof(grey) - 1)) {
		greylist_lines++;
		p += sizeof(grey) - 1;
	} else if (!strncmp(line, tarpit, sizeof(tarpit) - 1)) {
		tarpit_lines++;
		p += sizeof(tarpit) - 1;
	} else {
		return;
	}
	while (*p) {
		size_t len = strcspn(p, " ");

		check_field(line, p, len);
		p += len + (p[len] == ' ');
	}
}

/* drive - let the responder read and run its timers, as its epoll loop
 * would: the connection's slot is 1 (the only one ever in use) */
static void drive(void)
{
	for (int i = 0; i < 4; i++)	/* one recv() of at most 1 KiB each */
		responder_event(resp, 1, EPOLLIN, fake_now);
	responder_tick(resp, fake_now);
}

/* collect - what the client received so far, appended to buf */
static void collect(int fd, char *buf, size_t *len, size_t cap)
{
	for (;;) {
		ssize_t n = recv(fd, buf + *len, cap - 1 - *len, MSG_DONTWAIT);

		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	buf[*len] = 0;
}

/* starts - does the line at p begin with prefix? */
static int starts(const char *p, const char *eol, const char *prefix)
{
	size_t n = strlen(prefix);

	return (size_t)(eol - p) >= n && !memcmp(p, prefix, n);
}

/* check_replies - the banner (a tarpit's may be cut short by a pregreet
 * or a hangup), then only lines the responder may send */
static void check_replies(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	size_t banner = strlen(BANNER);
	unsigned n450 = 0;

	FUZZ_CHECK(!memcmp(buf, BANNER, len < banner ? len : banner),
		   "not the banner: \"%.40s\"", buf);
	if (len < banner) {
		FUZZ_CHECK(mode == RESPONDER_TARPIT, "greylist banner cut short");
		return;
	}
	p += banner;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		FUZZ_CHECK(eol && eol > p && eol[-1] == '\r',
			   "a reply line without CRLF: \"%.60s\"", p);
		FUZZ_CHECK(starts(p, eol, "450 4.7.1 " HOST ": ") ||
			   starts(p, eol, "250 " HOST "\r") ||
			   starts(p, eol, "250 2.1.0 Ok\r") ||
			   starts(p, eol, "221 2.0.0 Bye\r") ||
			   starts(p, eol, "421 4.7.0 " HOST " too many commands\r") ||
			   starts(p, eol, "421 4.4.2 " HOST " timeout\r"),
			   "unexpected reply \"%.*s\"", (int)(eol - p), p);
		n450 += starts(p, eol, "450 ");
		p = eol + 1;
	}
	FUZZ_CHECK(n450 <= RESPONDER_MAX_COMMANDS, "%u 450 replies", n450);
}

/* client_connect - a new client connection to the responder, from the
 * next address of 127.1.0.0/16: a million connections from one address
 * would leave its ephemeral ports in TIME_WAIT, and connect() would
 * search them for longer than libFuzzer's alarm lets it (EINTR) */
static int client_connect(void)
{
	static unsigned next;		/* the next source address */
	struct sockaddr_in to = { .sin_family = AF_INET }, from = to;
	struct pollfd p;
	socklen_t len = sizeof(int);
	int fd, on = 1, err = 0;

	to.sin_port = htons((__u16)responder_port(resp));
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	from.sin_addr.s_addr = htonl(0x7f010000u | (next++ & 0xffff));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	FUZZ_CHECK(fd >= 0, "socket: %s", strerror(errno));
	(void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof(on));
	FUZZ_CHECK(bind(fd, (struct sockaddr *)&from, sizeof(from)) == 0,
		   "bind: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) == 0)
		return fd;
	/* Interrupted (libFuzzer's alarm): the connection goes on; wait. */
	FUZZ_CHECK(errno == EINTR, "connect: %s", strerror(errno));
	p.fd = fd;
	p.events = POLLOUT;
	while (poll(&p, 1, -1) < 0)
		FUZZ_CHECK(errno == EINTR, "poll: %s", strerror(errno));
	FUZZ_CHECK(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && !err,
		   "connect: %s", strerror(err));
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	unsigned opts = fuzz_byte(&in), total;
	int reset = opts & 4;
	char got[16384];
	size_t got_len = 0;
	int fd;

	mode = opts & 1 ? RESPONDER_TARPIT : RESPONDER_GREYLIST;
	reasons = (opts >> 3) & 1 ? MXG_R_S25R(1) : (opts >> 4) & 1 ? MXG_R_DNSBL : 0;
	memset(outcomes, 0, sizeof(outcomes));
	greylist_lines = tarpit_lines = 0;
	fake_now += SECOND_NS;
	FUZZ_CHECK(responder_active(resp) == 0, "a connection is left over");

	fd = client_connect();
	responder_event(resp, 0, EPOLLIN, fake_now);	/* accept, greet */
	FUZZ_CHECK(responder_active(resp) == 1, "not accepted");

	while (in.left) {
		uint8_t chunk[2048];
		size_t want = fuzz_byte(&in) * 8u + 1, n;

		fake_now += fuzz_byte(&in) * STEP_NS;
		responder_tick(resp, fake_now);
		n = fuzz_bytes(&in, chunk, want < sizeof(chunk) ? want : sizeof(chunk));
		if (n && send(fd, chunk, n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			break;		/* the responder closed: nothing to say */
		drive();
		collect(fd, got, &got_len, sizeof(got));
		if (responder_active(resp) == 0)
			break;
	}
	if (reset) {
		struct linger abort_on_close = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close,
			   sizeof(abort_on_close));
	} else {
		shutdown(fd, SHUT_WR);
	}
	drive();
	collect(fd, got, &got_len, sizeof(got));
	close(fd);
	/* Past every timer: the banner's end, the idle timeout. */
	for (int i = 0; i < 3 && responder_active(resp); i++) {
		fake_now += (TIMEOUT_MS + TARPIT_MS) * 1000000ULL;
		drive();
	}
	FUZZ_CHECK(responder_active(resp) == 0, "the connection outlived the test");
	check_replies(got, got_len);
	total = outcomes[0] + outcomes[1] + outcomes[2] + outcomes[3];
	if (mode == RESPONDER_GREYLIST)
		FUZZ_CHECK(outcomes[RESPONDER_DONE] == 1 && total == 1,
			   "greylist outcomes: %u done, %u in all",
			   outcomes[RESPONDER_DONE], total);
	else
		FUZZ_CHECK(outcomes[RESPONDER_DONE] == 0 && total == 1,
			   "tarpit outcomes: waited %u pregreet %u hangup %u done %u",
			   outcomes[RESPONDER_TARPIT_WAITED],
			   outcomes[RESPONDER_TARPIT_PREGREET],
			   outcomes[RESPONDER_TARPIT_HANGUP], outcomes[RESPONDER_DONE]);
	FUZZ_CHECK(tarpit_lines == total - outcomes[RESPONDER_DONE],
		   "%u tarpit lines for %u tarpit outcomes", tarpit_lines,
		   total - outcomes[RESPONDER_DONE]);
	FUZZ_CHECK(greylist_lines == outcomes[RESPONDER_DONE] +
				     outcomes[RESPONDER_TARPIT_WAITED],
		   "%u greylist lines, %u conversations", greylist_lines,
		   outcomes[RESPONDER_DONE] + outcomes[RESPONDER_TARPIT_WAITED]);
	return 0;
}

/* LLVMFuzzerInitialize - one responder on the loopback for the run */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct responder_params p = {
		.bind_addr = "127.0.0.1",
		.max_connections = 2,
		.timeout_ms = TIMEOUT_MS,
		.tarpit_delay_ms = TARPIT_MS,
		.hostname = HOST,
		.now = clock_now,
	};
	char why[256] = "";

	(void)argc, (void)argv;
	log_open("fuzz_responder", 1);
	log_sink(on_log);
	loop = loop_new();
	FUZZ_CHECK(loop != NULL, "loop_new");
	resp = responder_open(&p, &ops, NULL, loop, why, sizeof(why));
	FUZZ_CHECK(resp != NULL, "responder_open: %s", why);
	return 0;
}
