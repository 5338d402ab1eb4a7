/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_spf.c - hostile SPF records and DNS answers through the SPF module
 * (daemon/spf.c): libspf2's check_host() fed from the module's cache, and
 * the module's own pool walk, against a surrogate resolver that answers
 * from a table the input writes, through the event loop.
 *
 * Byte 0: bit 0 an IPv6 client, bit 1 the pool oracle (below), bits 2-4
 * and 5-7 the widest IPv4 and IPv6 prefixes. Then the client's address
 * (16 bytes; the last 4 for IPv4). Then records, each: a name (byte %
 * 9: n0.example .. n7.example, or the client's reverse name), a byte
 * whose low 3 bits choose the type (TXT, A, AAAA, MX, PTR) and whose
 * high bits what the query gets (records; raw bytes for the answer and
 * authority sections, read as TXT text is; a failure; the answer cut
 * short; a TTL of 0), and the value: TXT text up to a newline, 4 or 16
 * address bytes, or a name's index (MX, PTR). The check is of
 * "u@n0.example".
 *
 * Properties: one done(), never from inside spf_check(); an outcome in
 * range, within SPF_MAX_ROUNDS; a pool only on a pass, at most
 * SPF_POOL_MAX networks, each masked to its length, none wider than the
 * widest allowed nor touching the IPv4-mapped space from IPv6; a why
 * that is printable. The oracle: every network of the pool passes
 * check_host() too (a check of its first and last address gives pass),
 * which is what the pool promises. At the end the module is freed with
 * queries out and the resolver cancels them: nothing leaks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../unit/dns_answer.h"
#include "addr.h"
#include "fuzz.h"
#include "log.h"
#include "loop.h"
#include "spf.h"

#define N_NAMES		9	/* n0..n7.example, the client's reverse name */
#define MAX_RR		128	/* records of the table */
#define TXT_MAX		4200	/* bytes of one TXT record */
#define MAX_Q		512	/* queries held */
#define ORACLE_MAX	4	/* pool networks checked again */

enum status { ST_OK, ST_RAW, ST_FAIL, ST_CUT, ST_TTL0 };

struct rr {
	unsigned name;			/* index */
	unsigned type;			/* DNS_T_* */
	enum status status;
	size_t len;			/* of value */
	uint8_t value[TXT_MAX];
};

static struct rr table[MAX_RR];
static unsigned n_rr;
static char names[N_NAMES][80];

static struct held {
	char name[SPF_DOMAIN_MAX];
	int type;
	spf_answer_fn answer;
	void *arg;
} held[MAX_Q];
static unsigned n_held;
static struct loop *loop;
static struct loop_timer answer_timer;

static unsigned done_calls;
static int in_check;
static struct spf_answer last;

/* put_rdata - one record's rdata at p; its length */
static size_t put_rdata(uint8_t *p, const struct rr *r)
{
	size_t o = 0;

	switch (r->type) {
	case DNS_T_TXT:
		for (size_t i = 0; i < r->len || i == 0; i += 255) {
			size_t n = r->len - i > 255 ? 255 : r->len - i;

			p[o++] = (uint8_t)n;
			memcpy(p + o, r->value + i, n);
			o += n;
		}
		return o;
	case DNS_T_MX:
		o += dns_put16(p, DNS_MX_PREF);
		/* fall through */
	case DNS_T_PTR:
		return o + dns_put_name(p + o, names[r->value[0] % N_NAMES]);
	default:
		memcpy(p, r->value, r->len);
		return r->len;
	}
}

/* build - the table's answer to (name, type) into buf: its status */
static int build(const char *name, int type, uint8_t *buf, size_t *len)
{
	size_t o = 0, an_at;
	unsigned n = 0, cut = 0;

	o += dns_put16(buf + o, 0x1234);
	o += dns_put16(buf + o, 0x8180);
	o += dns_put16(buf + o, 1);
	an_at = o;
	o += dns_put16(buf + o, 0);
	o += dns_put16(buf + o, 0);
	o += dns_put16(buf + o, 0);
	o += dns_put_name(buf + o, name);
	o += dns_put16(buf + o, (unsigned)type);
	o += dns_put16(buf + o, 1);
	for (unsigned i = 0; i < n_rr; i++) {
		const struct rr *r = &table[i];
		size_t rdlen_at;

		if ((int)r->type != type || strcmp(names[r->name], name))
			continue;
		if (r->status == ST_FAIL)
			return -EAGAIN;
		if (r->status == ST_RAW) {
			/* Its first two bytes: how many records the answer
			 * and authority sections claim; the rest follows the
			 * question as they are. */
			if (r->len > 2) {
				memcpy(buf + o, r->value + 2, r->len - 2);
				o += r->len - 2;
			}
			dns_put16(buf + an_at, r->len > 0 ? r->value[0] : 0);
			dns_put16(buf + an_at + 2, r->len > 1 ? r->value[1] : 0);
			*len = o;
			return 0;
		}
		cut |= r->status == ST_CUT;
		o += dns_put16(buf + o, 0xc00c);
		o += dns_put16(buf + o, r->type);
		o += dns_put16(buf + o, 1);
		o += dns_put16(buf + o, 0);
		o += dns_put16(buf + o, r->status == ST_TTL0 ? 0 : 300);
		rdlen_at = o;
		o += 2;
		o += put_rdata(buf + o, r);
		dns_put16(buf + rdlen_at, (unsigned)(o - rdlen_at - 2));
		n++;
	}
	dns_put16(buf + an_at, n);
	*len = cut ? o - 1 - o / 3 : o;
	return n ? 0 : -ENOENT;
}

/* answer_held - every query held gets its answer, from the event loop */
static void answer_held(void *ctx)
{
	static uint8_t buf[MAX_RR * (TXT_MAX + 64) + 512];
	static struct held now[MAX_Q];
	unsigned n = n_held;

	(void)ctx;
	memcpy(now, held, n * sizeof(now[0]));
	n_held = 0;
	for (unsigned i = 0; i < n; i++) {
		size_t len = 0;
		int status = build(now[i].name, now[i].type, buf, &len);

		now[i].answer(now[i].arg, status, status == -EAGAIN ? NULL : buf, (int)len);
	}
}

/* fake_query - the module's query function: answered from the loop */
static void fake_query(void *ctx, const char *name, int type, spf_answer_fn answer,
		       void *arg)
{
	(void)ctx;
	FUZZ_CHECK(strlen(name) < SPF_DOMAIN_MAX, "query name of %zu bytes", strlen(name));
	FUZZ_CHECK(n_held < MAX_Q, "more than %d queries out", MAX_Q);
	snprintf(held[n_held].name, sizeof(held[0].name), "%s", name);
	held[n_held].type = type;
	held[n_held].answer = answer;
	held[n_held].arg = arg;
	n_held++;
	loop_timer_set(loop, &answer_timer, 0);
}

/* on_done - a check's answer */
static void on_done(void *ctx, const struct spf_answer *a)
{
	(void)ctx;
	FUZZ_CHECK(!in_check, "done() from inside spf_check()");
	done_calls++;
	last = *a;
}

/* read_table - the records the input writes */
static void read_table(struct fuzz_in *in)
{
	static const unsigned types[5] = { DNS_T_TXT, DNS_T_A, DNS_T_AAAA, DNS_T_MX,
					   DNS_T_PTR };

	n_rr = 0;
	while (in->left && n_rr < MAX_RR) {
		struct rr *r = &table[n_rr++];
		unsigned how;

		r->name = fuzz_byte(in) % N_NAMES;
		how = fuzz_byte(in);
		r->type = types[(how & 7) % 5];
		r->status = (how >> 3) % 8 < 4 ? ST_OK : (enum status)((how >> 3) % 8 - 3);
		r->len = 0;
		if (r->type == DNS_T_TXT || r->status == ST_RAW) {
			while (in->left && r->len < TXT_MAX) {
				unsigned c = fuzz_byte(in);

				if (c == '\n')
					break;
				r->value[r->len++] = (uint8_t)c;
			}
		} else if (r->type == DNS_T_A || r->type == DNS_T_AAAA) {
			r->len = fuzz_bytes(in, r->value, r->type == DNS_T_A ? 4 : 16);
			r->len = r->type == DNS_T_A ? 4 : 16;
		} else {
			r->value[0] = (uint8_t)fuzz_byte(in);
			r->len = 1;
		}
	}
}

/* run_check - one check to its answer; its outcome, -1 when refused */
static int run_check(struct spf *s, const struct mxg_key *client)
{
	unsigned before = done_calls;
	int rc;

	in_check = 1;
	rc = spf_check(s, client, "u@n0.example", "n1.example");
	in_check = 0;
	if (rc < 0)
		return -1;
	FUZZ_CHECK(done_calls == before, "done() before the loop ran");
	for (int i = 0; i < 16 * SPF_MAX_ROUNDS && done_calls == before; i++)
		loop_run_once(loop, 0);
	FUZZ_CHECK(done_calls == before + 1, "%u done() calls", done_calls - before);
	return (int)last.outcome;
}

/* check_answer - the properties of an answer */
static void check_answer(const struct spf_params *p, const struct mxg_key *client)
{
	FUZZ_CHECK(last.outcome < SPF_OUTCOME_MAX, "outcome %d", last.outcome);
	FUZZ_CHECK(last.rounds >= 1 && last.rounds <= SPF_MAX_ROUNDS, "%u rounds",
		   last.rounds);
	FUZZ_CHECK(!memcmp(&last.client, client, sizeof(*client)), "another client");
	FUZZ_CHECK(!strcmp(last.domain, "n0.example"), "domain %s", last.domain);
	FUZZ_CHECK(memchr(last.why, 0, sizeof(last.why)) != NULL, "why not terminated");
	for (const char *w = last.why; *w; w++)
		FUZZ_CHECK(*w >= 0x20 && *w <= 0x7e, "why holds byte 0x%02x",
			   (unsigned char)*w);
	FUZZ_CHECK(last.n_pool <= SPF_POOL_MAX, "%u networks", last.n_pool);
	FUZZ_CHECK(last.outcome == SPF_OUTCOME_PASS || last.n_pool == 0,
		   "a pool with %s", spf_outcome_name(last.outcome));
	for (unsigned i = 0; i < last.n_pool; i++) {
		struct mxg_key k = last.pool[i];
		int v4 = addr_is_v4(&k) && k.plen >= 96;

		addr_prefix(&k, k.plen);
		FUZZ_CHECK(!memcmp(&k, &last.pool[i], sizeof(k)), "network %u not masked", i);
		if (v4)
			FUZZ_CHECK(k.plen > 96 && k.plen >= 96 + p->widest_v4,
				   "IPv4 network /%u", k.plen - 96);
		else
			FUZZ_CHECK(k.plen > 0 && k.plen >= p->widest_v6 && !addr_is_v4(&k),
				   "IPv6 network /%u", k.plen);
	}
}

/* oracle - the first and last address of some pool networks pass too */
static void oracle(struct spf *s, const struct spf_params *p)
{
	struct mxg_key pool[SPF_POOL_MAX];
	unsigned n = last.n_pool;

	memcpy(pool, last.pool, sizeof(pool));
	for (unsigned i = 0; i < n && i < ORACLE_MAX; i++) {
		for (int end = 0; end < 2; end++) {
			struct mxg_key k = pool[i];
			char text[ADDR_STRLEN];

			for (unsigned b = k.plen; end && b < 128; b++)
				k.addr[b / 8] |= (uint8_t)(0x80 >> (b % 8));
			k.plen = 128;
			addr_format(&pool[i], text, sizeof(text));
			FUZZ_CHECK(run_check(s, &k) == SPF_OUTCOME_PASS,
				   "pool network %s: an address of it gets %s (%s)", text,
				   spf_outcome_name(last.outcome), last.why);
			check_answer(p, &k);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	unsigned flags = fuzz_byte(&in);
	struct spf_params p = { .widest_v4 = 8 + 3 * ((flags >> 2) & 7),
				.widest_v6 = 16 + 8 * ((flags >> 5) & 7),
				.max_checks = 4 };
	struct mxg_key client = { .plen = 128 };
	struct spf *s;

	fuzz_bytes(&in, client.addr, 16);
	if (!(flags & 1)) {
		memset(client.addr, 0, 10);
		client.addr[10] = client.addr[11] = 0xff;
	}
	for (unsigned i = 0; i < 8; i++)
		snprintf(names[i], sizeof(names[i]), "n%u.example", i);
	addr_reverse_name(&client, NULL, names[8], sizeof(names[8]));
	read_table(&in);
	n_held = 0;
	done_calls = 0;
	loop = loop_new();
	FUZZ_CHECK(loop != NULL, "loop_new");
	loop_timer_init(&answer_timer, answer_held, NULL);
	s = spf_new(loop, &p, fake_query, NULL, on_done, NULL);
	FUZZ_CHECK(s != NULL, "spf_new");
	FUZZ_CHECK(run_check(s, &client) >= 0, "check refused");
	check_answer(&p, &client);
	if (last.outcome == SPF_OUTCOME_PASS && (flags & 2))
		oracle(s, &p);
	/* The module goes first, queries still out; then the resolver,
	 * which cancels them (resolve_free()). */
	spf_free(s);
	while (n_held) {
		struct held h = held[--n_held];

		h.answer(h.arg, -ECANCELED, NULL, 0);
	}
	loop_timer_cancel(loop, &answer_timer);
	loop_free(loop);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	log_open("fuzz_spf", 1);
	return 0;
}
