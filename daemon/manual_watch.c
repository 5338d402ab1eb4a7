/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * manual_watch.c - the admin's decisions, compared with the last copy.
 * See manual_watch.h.
 */
#include <stdlib.h>
#include <string.h>
#include "manual_watch.h"

static int cmp_seen(const void *a, const void *b)
{
	const struct manual_seen *x = a, *y = b;

	return memcmp(&x->prefix, &y->prefix, sizeof(x->prefix));
}

/* same - the same decision (hits aside) */
static int same(const struct mxg_manual *a, const struct mxg_manual *b)
{
	return a->decided_ns == b->decided_ns && a->expires_ns == b->expires_ns &&
	       a->action == b->action &&
	       strncmp(a->comment, b->comment, sizeof(a->comment)) == 0;
}

struct copy {
	struct manual_watch w;
	int oom;
};

static void add(void *ctx, const struct mxg_key *prefix, const struct mxg_manual *m)
{
	struct copy *c = ctx;

	if (c->w.n == c->w.cap) {
		size_t cap = c->w.cap ? 2 * c->w.cap : 64;
		struct manual_seen *e = realloc(c->w.e, cap * sizeof(*e));

		if (!e) {
			c->oom = 1;
			return;
		}
		c->w.e = e;
		c->w.cap = cap;
	}
	c->w.e[c->w.n].prefix = *prefix;
	c->w.e[c->w.n++].m = *m;
}

/* take - the map's decisions, sorted; 0 or -1 */
static int take(int fd, struct manual_watch *out)
{
	struct copy c = { { 0 }, 0 };

	if (manual_walk(fd, add, &c) < 0 || c.oom) {
		free(c.w.e);
		return -1;
	}
	if (c.w.n)
		qsort(c.w.e, c.w.n, sizeof(*c.w.e), cmp_seen);
	*out = c.w;
	return 0;
}

int manual_watch_init(struct manual_watch *w, int fd)
{
	struct manual_watch fresh;

	if (take(fd, &fresh) < 0)
		return -1;
	manual_watch_free(w);
	*w = fresh;
	return 0;
}

int manual_watch_diff(struct manual_watch *w, int fd, manual_walk_fn changed, void *ctx)
{
	struct manual_watch now;
	size_t i = 0, j = 0;

	if (take(fd, &now) < 0)
		return -1;
	while (i < w->n || j < now.n) {
		int c = i == w->n ? 1 : j == now.n ? -1 : cmp_seen(&w->e[i], &now.e[j]);

		if (c < 0) {
			changed(ctx, &w->e[i++].prefix, NULL);
		} else if (c > 0) {
			changed(ctx, &now.e[j].prefix, &now.e[j].m);
			j++;
		} else {
			if (!same(&w->e[i].m, &now.e[j].m))
				changed(ctx, &now.e[j].prefix, &now.e[j].m);
			i++;
			j++;
		}
	}
	manual_watch_free(w);
	*w = now;
	return 0;
}

void manual_watch_set(struct manual_watch *w, const struct mxg_key *p,
		      const struct mxg_manual *m)
{
	struct manual_seen key = { .prefix = *p };
	struct manual_seen *e = w->n ? bsearch(&key, w->e, w->n, sizeof(*w->e), cmp_seen)
				     : NULL;

	if (e && m) {
		e->m = *m;
	} else if (e) {
		memmove(e, e + 1, (size_t)(w->e + w->n - (e + 1)) * sizeof(*e));
		w->n--;
	} else if (m) {
		struct copy c = { *w, 0 };

		add(&c, p, m);
		if (c.oom)
			return;
		*w = c.w;
		qsort(w->e, w->n, sizeof(*w->e), cmp_seen);
	}
}

void manual_watch_free(struct manual_watch *w)
{
	free(w->e);
	*w = (struct manual_watch){ 0 };
}
