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
 * responder may send (the banner, 450, 221, 421) and ends in CRLF; no
 * more 450s than RESPONDER_MAX_COMMANDS; exactly one outcome per
 * connection (DONE for greylist; WAITED, PREGREET or HANGUP for a
 * tarpit), and the slot is free again afterwards.
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
#include "fuzz.h"
#include "log.h"
#include "loop.h"
#include "responder.h"

#define HOST		"mx.fuzz.example"
#define BANNER		"220 " HOST " ESMTP mxgate\r\n"
#define TIMEOUT_MS	1000	/* idle client: 421 */
#define TARPIT_MS	400	/* the tarpit banner takes this long */
#define STEP_NS		4000000ULL

static struct loop *loop;
static struct responder *resp;
static __u64 fake_now = 1000000000ULL;
static unsigned outcomes[RESPONDER_TARPIT_HANGUP + 1];
static enum responder_mode mode;	/* what classify() answers */
static __u32 reasons;

/* clock_now - the responder's clock: the target's */
static __u64 clock_now(void)
{
	return fake_now;
}

/* on_classify - the mode and reasons this input chose */
static enum responder_mode on_classify(void *ctx, const struct mxg_key *client,
				       __u32 *r)
{
	(void)ctx, (void)client;
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

static const struct responder_ops ops = { on_classify, on_outcome };

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
	loop = loop_new();
	FUZZ_CHECK(loop != NULL, "loop_new");
	resp = responder_open(&p, &ops, NULL, loop, why, sizeof(why));
	FUZZ_CHECK(resp != NULL, "responder_open: %s", why);
	return 0;
}
