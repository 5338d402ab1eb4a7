/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_dnsbl.c - the DNSBL scoring after c-ares: the DNS-list module
 * (daemon/dnsbl.c) against a surrogate resolver whose answers come from
 * the input, as postscreen_dnsbl_test.c drives postscreen's.
 *
 * The input is a program of one-byte operations with their arguments:
 * start a client's lookup, cancel one, answer a query (oldest or any)
 * with a status, addresses and a TTL, run the event loop once, or
 * reload the lists. At the end every query still out fails (-EAGAIN),
 * or, for inputs of odd length, is cancelled as resolve_free() does
 * (-ECANCELED), and the loop is run. Properties: every lookup that is
 * not cancelled gets exactly one done() (none once its queries are
 * cancelled), from the event loop and never from inside dnsbl_start(); a
 * score is a sum of
 * configured weights, each list counting at most once; a cancel returns
 * the score so far; nothing is leaked (LeakSanitizer) or used after
 * being freed (AddressSanitizer).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dnsbl.h"
#include "dnsbl_sites.h"
#include "fuzz.h"
#include "log.h"
#include "loop.h"

#define MAX_Q	256	/* queries held by the surrogate */
#define MAX_R	32	/* lookups a program may start */
#define SPEC_A	"bl.example=127.0.0.[2..11]*3, wl.example=127.0.[0..255].[1..3]*-2, " \
		"any.example"
#define SPEC_B	"bl.example*2 other.example=127.0.0.4*5"

struct query {
	resolve_a_fn answer;	/* dnsbl's callback */
	void *arg;		/* and its argument */
};

struct lookup {
	struct dnsbl_req *req;	/* NULL when not started or cancelled */
	int done;		/* done() calls */
	int cancelled;
	int score;
};

static struct query queries[MAX_Q];
static int n_queries;
static struct lookup lookups[MAX_R];
static int in_start;		/* inside dnsbl_start() */
static int min_score, max_score;	/* what any mix of lists can give */

/* fake_query - dnsbl's query function: hold the query for the program */
static void fake_query(void *ctx, const char *name, resolve_a_fn answer, void *arg)
{
	(void)ctx;
	FUZZ_CHECK(strlen(name) <= DNSBL_QNAME_MAX, "query name of %zu bytes",
		   strlen(name));
	if (n_queries == MAX_Q) {	/* full: a failure, answered later */
		answer(arg, -EAGAIN, NULL, 0, 0);
		return;
	}
	queries[n_queries].answer = answer;
	queries[n_queries].arg = arg;
	n_queries++;
}

/* on_done - a lookup's score */
static void on_done(void *arg, int score)
{
	struct lookup *l = arg;

	FUZZ_CHECK(!in_start, "done() from inside dnsbl_start()");
	FUZZ_CHECK(!l->cancelled, "done() after a cancel");
	FUZZ_CHECK(++l->done == 1, "done() twice");
	FUZZ_CHECK(score >= min_score && score <= max_score, "score %d not in "
		   "[%d, %d]", score, min_score, max_score);
	l->score = score;
	l->req = NULL;
}

/* weights - the range of scores of a spec: negative and positive sums */
static void weights(const char *spec)
{
	struct dnsbl_site s[DNSBL_MAX_SITES];
	char why[256];
	int n = dnsbl_sites_parse(spec, s, DNSBL_MAX_SITES, why, sizeof(why));

	FUZZ_CHECK(n > 0, "spec: %s", why);
	for (int i = 0; i < n; i++) {
		if (s[i].weight < 0)
			min_score += s[i].weight;
		else
			max_score += s[i].weight;
	}
}

/* answer - query i gets status, n addresses from the input, a TTL */
static void answer(struct fuzz_in *in, int i)
{
	static const int statuses[] = { 0, -ENOENT, -EAGAIN, 0 };
	struct query q = queries[i];
	__u8 addrs[8][4];
	int status = statuses[fuzz_byte(in) % 4], n = (int)(fuzz_byte(in) % 9);
	int ttl = (int)(fuzz_byte(in) * 60) - 60;

	for (int a = 0; a < n; a++) {
		fuzz_bytes(in, addrs[a], 4);
		if (fuzz_byte(in) & 1) {	/* mostly answers that mean something */
			addrs[a][0] = 127;
			addrs[a][1] = 0;
		}
	}
	queries[i] = queries[--n_queries];	/* before: it may ask again */
	q.answer(q.arg, status, status == 0 ? (const __u8 (*)[4])addrs : NULL,
		 status == 0 ? n : 0, ttl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct loop *l = loop_new();
	struct dnsbl *d;
	int n_lookups = 0;

	FUZZ_CHECK(l != NULL, "loop_new");
	n_queries = 0;
	memset(lookups, 0, sizeof(lookups));
	min_score = max_score = 0;
	d = dnsbl_new(l, fake_query, NULL);
	FUZZ_CHECK(d != NULL, "dnsbl_new");
	weights(SPEC_A);
	weights(SPEC_B);		/* a reload may switch to it */
	FUZZ_CHECK(dnsbl_configure(d, SPEC_A, 60, 3600) == 0, "configure");
	while (in.left) {
		unsigned op = fuzz_byte(&in);

		switch (op % 7) {
		case 0:			/* a client's lookup */
			if (n_lookups < MAX_R) {
				struct mxg_key k = { .plen = 128 };
				struct lookup *lk = &lookups[n_lookups++];

				fuzz_bytes(&in, k.addr + 12, 4);
				if (op & 8)	/* an IPv6 client */
					fuzz_bytes(&in, k.addr, 12);
				else
					k.addr[10] = k.addr[11] = 0xff;
				in_start = 1;
				lk->req = dnsbl_start(d, &k, on_done, lk);
				in_start = 0;
				FUZZ_CHECK(lk->req != NULL, "dnsbl_start: out of memory");
			}
			break;
		case 1:			/* cancel one */
			if (n_lookups) {
				struct lookup *lk = &lookups[fuzz_byte(&in) % n_lookups];

				if (lk->req && !lk->done) {
					int so_far = dnsbl_cancel(lk->req);

					FUZZ_CHECK(so_far >= min_score && so_far <= max_score,
						   "cancel: %d", so_far);
					lk->cancelled = 1;
					lk->req = NULL;
				}
			}
			break;
		case 2:			/* the oldest query answers */
		case 3:
			if (n_queries)
				answer(&in, 0);
			break;
		case 4:			/* any query answers */
			if (n_queries)
				answer(&in, (int)(fuzz_byte(&in) % (unsigned)n_queries));
			break;
		case 5:
			loop_run_once(l, 0);
			break;
		default:		/* a reload */
			FUZZ_CHECK(dnsbl_configure(d, op & 8 ? SPEC_B : SPEC_A, 60,
						   3600) == 0, "reload");
			break;
		}
	}
	/* The end: either every query still out fails (then every lookup
	 * not cancelled must have had its one done()), or the resolver is
	 * freed and cancels them (resolve_free(): no more done() calls). */
	while (n_queries) {
		struct query q = queries[--n_queries];

		q.answer(q.arg, size & 1 ? -ECANCELED : -EAGAIN, NULL, 0, 0);
	}
	loop_run_once(l, 0);
	for (int i = 0; i < n_lookups; i++)
		FUZZ_CHECK(lookups[i].cancelled || lookups[i].done == 1 ||
			   (size & 1 && lookups[i].done == 0),
			   "lookup %d: %d done() calls", i, lookups[i].done);
	dnsbl_free(d);
	loop_free(l);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	log_open("fuzz_dnsbl", 1);
	return 0;
}
