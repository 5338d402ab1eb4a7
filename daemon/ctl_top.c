/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctl_top.c - mxgatectl top; see ctl_top.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "addr.h"
#include "clock.h"
#include "ctl_top.h"
#include "loop.h"
#include "manual.h"
#include "names.h"
#include "offenders.h"
#include "resolve.h"

#define EXIT_ERROR	2
#define PTR_MAX		(RESOLVE_NAME_MAX + 20)

/* One row's name, asked at print time. */
struct ptr {
	int asked;			/* a lookup was started */
	int done;			/* ... and answered (or failed) */
	char text[PTR_MAX];		/* what the ptr column says */
};

/* ptr_done - resolve_start's callback: the column's text */
static void ptr_done(void *arg, const struct fcrdns_result *r)
{
	struct ptr *p = arg;

	p->done = 1;
	switch (r->status) {
	case FCRDNS_PASS:
		snprintf(p->text, sizeof(p->text), "%s", r->name);
		break;
	case FCRDNS_FAIL:
		snprintf(p->text, sizeof(p->text), "%s (not confirmed)",
			 r->name[0] ? r->name : "?");
		break;
	case FCRDNS_NONE:
		snprintf(p->text, sizeof(p->text), "-");
		break;
	default:
		snprintf(p->text, sizeof(p->text), "?");
		break;
	}
}

/* all_done - every lookup started has answered */
static int all_done(const struct ptr *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i].asked && !p[i].done)
			return 0;
	return 1;
}

/* resolve_names - the names of the rows' single addresses, all asked at
 * once, waited for until CTL_TOP_DNS_MS; p[i].text is set for every row */
static void resolve_names(const struct mxg_conf *conf, const struct offender *rows,
			  size_t n, struct ptr *p)
{
	struct loop *l = loop_new();
	struct resolver *r = l ? resolve_new(l, conf->dns_servers, CTL_TOP_DNS_MS / 4) : NULL;
	__u64 deadline = now_ns() + CTL_TOP_DNS_MS * NS_PER_MS;

	for (size_t i = 0; i < n; i++) {
		snprintf(p[i].text, sizeof(p[i].text), r ? "-" : "?");
		if (r && rows[i].busiest.plen == 128)
			p[i].asked = resolve_start(r, &rows[i].busiest, ptr_done, &p[i]) != NULL;
		if (r && rows[i].busiest.plen == 128 && !p[i].asked)
			snprintf(p[i].text, sizeof(p[i].text), "?");
	}
	while (r && !all_done(p, n) && now_ns() < deadline)
		loop_run_once(l, 50);
	for (size_t i = 0; i < n; i++)
		if (p[i].asked && !p[i].done)
			snprintf(p[i].text, sizeof(p[i].text), "?");
	if (r)
		resolve_free(r);	/* cancels what is still out */
	if (l)
		loop_free(l);
}

/* parse_count - N of top [N]; -1 (said) when it is not 1..CTL_TOP_MAX */
static long parse_count(const char *text)
{
	char *end;
	long n;

	if (!text)
		return CTL_TOP_DEFAULT;
	errno = 0;
	n = strtol(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || *end || errno || n < 1 || n > CTL_TOP_MAX) {
		fprintf(stderr, "mxgatectl: top: \"%s\" is not a number of rows "
			"(1 to %d)\n", text, CTL_TOP_MAX);
		return -1;
	}
	return n;
}

/* width - the widest of a column's texts and its header */
static int width(int w, const char *text)
{
	int n = (int)strlen(text);

	return n > w ? n : w;
}

/* print_rows - the table: a header, then one line a row */
static void print_rows(const struct offender *rows, size_t n, const struct ptr *p,
		       int by_prefix)
{
	char (*addr)[ADDR_STRLEN] = calloc(n ? n : 1, sizeof(*addr));
	char (*busiest)[ADDR_STRLEN] = calloc(n ? n : 1, sizeof(*busiest));
	char (*why)[256] = calloc(n ? n : 1, sizeof(*why));
	int w_ref = 7, w_addr = by_prefix ? 7 : 6, w_busy = 7, w_act = 6, w_why = 7, w_last;

	if (!addr || !busiest || !why) {
		fprintf(stderr, "mxgatectl: top: out of memory\n");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		char num[24];

		snprintf(num, sizeof(num), "%llu", (unsigned long long)rows[i].refused);
		w_ref = width(w_ref, num);
		addr_format(&rows[i].key, addr[i], sizeof(addr[i]));
		addr_format(&rows[i].busiest, busiest[i], sizeof(busiest[i]));
		reasons_format(rows[i].reasons, why[i], sizeof(why[i]));
		w_addr = width(w_addr, addr[i]);
		w_busy = width(w_busy, busiest[i]);
		w_act = width(w_act, action_name(rows[i].action));
		w_why = width(w_why, why[i]);
	}
	/* The last column is padded only when ptr follows: no trailing blanks. */
	w_last = p ? (by_prefix ? w_act : w_why) : 0;
	if (by_prefix)
		printf("%*s  %-*s  %7s  %-*s  %-*s", w_ref, "refused", w_addr, "network",
		       "sources", w_busy, "busiest", w_last, "action");
	else
		printf("%*s  %-*s  %-*s  %-*s", w_ref, "refused", w_addr, "client",
		       w_act, "action", w_last, "reasons");
	printf("%s\n", p ? "  ptr" : "");
	for (size_t i = 0; i < n; i++) {
		const char *last = by_prefix ? action_name(rows[i].action) : why[i];

		printf("%*llu  %-*s  ", w_ref, (unsigned long long)rows[i].refused,
		       w_addr, addr[i]);
		if (by_prefix)
			printf("%7u  %-*s  ", rows[i].sources, w_busy, busiest[i]);
		else
			printf("%-*s  ", w_act, action_name(rows[i].action));
		printf("%-*s", w_last, last);
		if (p)
			printf("  %s", p[i].text);
		putchar('\n');
	}
out:
	free(addr);
	free(busiest);
	free(why);
}

/* ctl_top - the ranking, its first rows with their names */
int ctl_top(const struct mxg_conf *conf, struct pinned_maps *m, const char *count,
	    int by_prefix, int resolve)
{
	struct offenders o = { 0 };
	struct ptr *p = NULL;
	long n = parse_count(count);
	int manual_fd, err;

	if (n < 0)
		return EXIT_ERROR;
	manual_fd = manual_open(conf->pin_dir, 0);	/* optional: older pins */
	err = offenders_collect(&o, m->verdicts_fd, m->unproven_fd, manual_fd);
	if (manual_fd >= 0)
		close(manual_fd);
	if (!err && offenders_group(&o, by_prefix ? 96 + 24 : 128, by_prefix ? 64 : 128) < 0)
		err = -ENOMEM;
	if (err) {
		fprintf(stderr, "mxgatectl: top: %s\n", strerror(-err));
		offenders_free(&o);
		return EXIT_ERROR;
	}
	if ((size_t)n > o.n)
		n = (long)o.n;
	if (resolve) {
		p = calloc((size_t)n ? (size_t)n : 1, sizeof(*p));
		if (p)
			resolve_names(conf, o.v, (size_t)n, p);
	}
	print_rows(o.v, (size_t)n, p, by_prefix);
	free(p);
	offenders_free(&o);
	return 0;
}
