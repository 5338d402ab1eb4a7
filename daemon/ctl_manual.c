/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctl_manual.c - mxgatectl allow, block, forget, list --manual; see ctl_manual.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "clock.h"
#include "ctl_manual.h"
#include "manual.h"
#include "names.h"
#include "store.h"

#define EXIT_NO		1
#define EXIT_ERROR	2

/* report - a complaint about the file, as one "mxgatectl: " line */
static void report(const char *msg)
{
	fprintf(stderr, "mxgatectl: %s\n", msg);
}

/* wall_s - the wall clock, in seconds (the file's clock) */
static __u64 wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec;
}

/* root_hint - what to add to a "permission denied" */
static const char *root_hint(int err)
{
	return err == EACCES || err == EPERM ? " (changing decisions needs root)" : "";
}

/* parse_prefix - ADDR or CIDR, or a message */
static int parse_prefix(const char *text, struct mxg_key *k)
{
	if (addr_parse(text, k) == 0)
		return 0;
	fprintf(stderr, "mxgatectl: \"%s\" is not an IPv4 or IPv6 address or "
		"prefix (e.g. 192.0.2.7, 192.0.2.0/24, 2001:db8::/48)\n", text);
	return -1;
}

/* lock_state - state_dir locked against other writers of the file (and
 * created, 0700, with create): its fd; -2 when it does not exist and may
 * not be created; -1 on an error (said) */
static int lock_state(const char *state_dir, int create)
{
	int fd;

	if (create && mkdir(state_dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "mxgatectl: state_dir %s: %s%s\n", state_dir,
			strerror(errno), root_hint(errno));
		return -1;
	}
	fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && !create && errno == ENOENT)
		return -2;
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		fprintf(stderr, "mxgatectl: state_dir %s: %s%s\n", state_dir,
			strerror(errno), root_hint(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* print_manual - one decision as list --manual prints it */
static void print_manual(const struct mxg_key *prefix, const struct mxg_manual *m,
			 __u64 now)
{
	char addr[ADDR_STRLEN], comment[MXG_MANUAL_COMMENT], quoted[MANUAL_QUOTED_MAX];

	addr_format(prefix, addr, sizeof(addr));
	printf("%s %s reasons=manual age=%llus ", addr, action_name(m->action),
	       (unsigned long long)(now > m->decided_ns ? (now - m->decided_ns) / NS_PER_S : 0));
	if (!m->expires_ns)
		printf("forever");
	else if (m->expires_ns > now)
		printf("expires_in=%llus", (unsigned long long)((m->expires_ns - now) / NS_PER_S));
	else
		printf("expired");
	printf(" hits=%u", m->hits);
	/* Whatever the map holds, printed on one line and never past it. */
	memcpy(comment, m->comment, sizeof(comment));
	comment[sizeof(comment) - 1] = 0;
	if (comment[0]) {
		manual_quote(comment, quoted, sizeof(quoted));
		printf(" comment=%s", quoted);
	}
	putchar('\n');
}

/* open_manual - the pinned manual map, or a message saying why not
 * (-ENOENT quietly: the callers say what that means for them) */
static int open_manual(const char *pin_dir, int write)
{
	int fd = manual_open(pin_dir, write);

	if (fd == -EINVAL)
		fprintf(stderr, "mxgatectl: %s/%s is not a manual map of this mxgate "
			"version\n", pin_dir, MXG_MAP_MANUAL);
	else if (fd < 0 && fd != -ENOENT)
		fprintf(stderr, "mxgatectl: %s/%s: %s%s\n", pin_dir, MXG_MAP_MANUAL,
			strerror(-fd), write ? root_hint(-fd) : "");
	return fd;
}

/* join_comment - the words from args on, joined by single spaces, into
 * buf; -1 (said) when they are no comment */
static int join_comment(char **args, char *buf, size_t len)
{
	char why[128];
	size_t o = 0;

	buf[0] = 0;
	for (; *args; args++) {
		int n = snprintf(buf + o, len - o, "%s%s", o ? " " : "", *args);

		if (n < 0 || (size_t)n >= len - o) {
			fprintf(stderr, "mxgatectl: the comment is longer than %d bytes\n",
				MXG_MANUAL_COMMENT - 1);
			return -1;
		}
		o += (size_t)n;
	}
	if (manual_comment_ok(buf, why, sizeof(why)) < 0) {
		fprintf(stderr, "mxgatectl: %s\n", why);
		return -1;
	}
	return 0;
}

/* write_file - the decision e into the file (replacing one for its
 * prefix), expired decisions out (into *gone); 0 or -1 (said) */
static int write_file(const char *path, const struct manual_entry *e,
		      struct manual_list *gone)
{
	struct manual_list l;
	struct manual_entry *slot;
	__u64 now = wall_s();
	int rc = -1;

	if (manual_load(&l, path, report) < 0) {
		fprintf(stderr, "mxgatectl: %s cannot be read; nothing changed\n", path);
		return -1;
	}
	memset(gone, 0, sizeof(*gone));
	for (size_t i = 0; i < l.n; i++)
		if (l.e[i].expires_s && l.e[i].expires_s <= now && (slot = manual_list_add(gone)))
			*slot = l.e[i];
	manual_list_prune(&l, now);
	slot = manual_list_find(&l, &e->prefix);
	if (!slot)
		slot = manual_list_add(&l);
	if (!slot) {
		fprintf(stderr, "mxgatectl: out of memory\n");
	} else {
		*slot = *e;
		if (manual_save(&l, path) == 0)
			rc = 0;
		else
			fprintf(stderr, "mxgatectl: cannot write %s: %s%s\n", path,
				strerror(errno), root_hint(errno));
	}
	manual_list_free(&l);
	return rc;
}

/* write_kernel - the decision into the map, hits kept when the prefix
 * had the same action; the file's expired decisions out of it (if the
 * map has expired them too). 0, or -1 (said) */
static int write_kernel(int fd, const struct manual_entry *e,
			const struct manual_list *gone, struct mxg_manual *m)
{
	struct mxg_manual old;
	__u64 now = now_ns();
	int err;

	for (size_t i = 0; i < gone->n; i++)
		if (manual_get(fd, &gone->e[i].prefix, &old) == 0 && !manual_live(&old, now))
			manual_delete(fd, &gone->e[i].prefix);
	manual_to_kernel(e, wall_s(), now, m);
	if (manual_get(fd, &e->prefix, &old) == 0 && old.action == m->action)
		m->hits = old.hits;
	err = manual_put(fd, &e->prefix, m);
	if (err == -E2BIG || err == -ENOSPC)
		fprintf(stderr, "mxgatectl: the manual map is full (%d decisions); the "
			"decision is on disk and comes into force when there is room at "
			"mxgated's next start: forget some\n", MXG_MANUAL_ENTRIES);
	else if (err)
		fprintf(stderr, "mxgatectl: cannot write the manual map: %s%s\n",
			strerror(-err), root_hint(-err));
	return err ? -1 : 0;
}

/* ctl_decide - allow or block a prefix, on disk and in the kernel */
int ctl_decide(const struct mxg_conf *conf, __u32 action, char **args)
{
	struct manual_entry e = { .action = action };
	struct manual_list gone = { 0 };
	struct mxg_manual m;
	char path[PATH_MAX], why[160];
	__u64 ttl = 0;
	int dir, fd, rc = EXIT_ERROR;

	if (parse_prefix(args[0], &e.prefix) < 0)
		return EXIT_ERROR;
	args++;
	/* A lifetime starts with a digit; anything else begins the comment. */
	if (*args && ((**args >= '0' && **args <= '9') || strcmp(*args, "forever") == 0)) {
		if (manual_parse_ttl(*args, &ttl, why, sizeof(why)) < 0) {
			fprintf(stderr, "mxgatectl: %s\n", why);
			return EXIT_ERROR;
		}
		args++;
	}
	if (join_comment(args, e.comment, sizeof(e.comment)) < 0)
		return EXIT_ERROR;
	e.decided_s = wall_s();
	e.expires_s = ttl ? e.decided_s + ttl : 0;

	dir = lock_state(conf->state_dir, 1);
	if (dir < 0)
		return EXIT_ERROR;
	manual_path(conf->state_dir, path, sizeof(path));
	if (write_file(path, &e, &gone) < 0)
		goto out;
	fd = open_manual(conf->pin_dir, 1);
	if (fd == -ENOENT) {
		manual_to_kernel(&e, e.decided_s, now_ns(), &m);
		print_manual(&e.prefix, &m, now_ns());
		fprintf(stderr, "mxgatectl: note: no manual map is pinned under %s (no "
			"mxgated of this version has run): the decision is kept in %s "
			"and comes into force when mxgated starts\n", conf->pin_dir, path);
		rc = 0;
		goto out;
	}
	if (fd < 0)
		goto out;
	if (write_kernel(fd, &e, &gone, &m) == 0) {
		print_manual(&e.prefix, &m, now_ns());
		rc = 0;
	}
	close(fd);
out:
	manual_list_free(&gone);
	close(dir);
	return rc;
}

/* forget_manual - the decision of exactly prefix, in the file and the
 * map: 1 gone (its action in *action), 0 there was none, -1 (said) */
static int forget_manual(const struct mxg_conf *conf, const struct mxg_key *prefix,
			 __u32 *action)
{
	struct manual_list l;
	struct manual_entry *e;
	struct mxg_manual m;
	char path[PATH_MAX];
	int dir = lock_state(conf->state_dir, 0), fd, found = 0;

	if (dir == -1)
		return -1;
	manual_path(conf->state_dir, path, sizeof(path));
	if (dir >= 0 && access(path, F_OK) == 0) {
		if (manual_load(&l, path, report) < 0) {
			fprintf(stderr, "mxgatectl: %s cannot be read; nothing changed\n", path);
			close(dir);
			return -1;
		}
		e = manual_list_find(&l, prefix);
		if (e) {
			*action = e->action;
			manual_list_remove(&l, e);
			if (manual_save(&l, path) != 0) {
				fprintf(stderr, "mxgatectl: cannot write %s: %s%s\n", path,
					strerror(errno), root_hint(errno));
				manual_list_free(&l);
				close(dir);
				return -1;
			}
			found = 1;
		}
		manual_list_free(&l);
	}
	fd = open_manual(conf->pin_dir, 1);
	if (fd >= 0) {
		if (manual_get(fd, prefix, &m) == 0 && manual_delete(fd, prefix) == 0) {
			*action = m.action;
			found = 1;
		}
		close(fd);
	}
	if (dir >= 0)
		close(dir);
	return found;
}

/* inside - does key k lie within prefix p (the same, or longer under it)? */
static int inside(const struct mxg_key *k, const struct mxg_key *p)
{
	struct mxg_key cut = *k;

	if (k->plen < p->plen)
		return 0;
	addr_prefix(&cut, p->plen);
	return memcmp(cut.addr, p->addr, sizeof(cut.addr)) == 0;
}

/* Keys found under a prefix, in the kernel and on disk. */
struct keys {
	const struct mxg_key *under;	/* the prefix */
	struct mxg_key *k;
	size_t n, cap;
	int oom;
};

/* keys_add - one more key, if it lies under the prefix and is new */
static void keys_add(struct keys *ks, const struct mxg_key *k)
{
	if (!inside(k, ks->under))
		return;
	for (size_t i = 0; i < ks->n; i++)
		if (memcmp(&ks->k[i], k, sizeof(*k)) == 0)
			return;
	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? 2 * ks->cap : 64;
		struct mxg_key *v = realloc(ks->k, cap * sizeof(*v));

		if (!v) {
			ks->oom = 1;
			return;
		}
		ks->k = v;
		ks->cap = cap;
	}
	ks->k[ks->n++] = *k;
}

/* keys_of_map - the keys of a verdicts-like map under the prefix */
static void keys_of_map(struct keys *ks, int fd)
{
	struct mxg_key k, next;
	void *prev = NULL;

	/* Bounded: an eviction under the walk restarts it. */
	for (unsigned steps = 0; fd >= 0 && steps < 2 * 16777216U; steps++) {
		if (bpf_map_get_next_key(fd, prev, &next) != 0)
			return;
		k = next;
		prev = &k;
		keys_add(ks, &k);
	}
}

/* key_of_record - store_iterate's visitor: a record's key */
static void key_of_record(void *ctx, const struct mxg_key *k, const struct mxg_verdict *v)
{
	(void)v;
	keys_add(ctx, k);
}

/* forget_verdicts - every verdict under prefix (the client's own for an
 * address), in the kernel and on disk; how many, or -1 (said) */
static int forget_verdicts(const struct mxg_conf *conf, struct pinned_maps *m,
			   const struct mxg_key *prefix)
{
	struct keys ks = { prefix, NULL, 0, 0, 0 };
	struct store s;
	int opened, n = 0, err;

	opened = store_open(&s, &store_lmdb_ops, conf->state_dir, 0) == 0;
	if (prefix->plen == 128) {
		/* One client: as forget always did, the kernel says whether
		 * there was one; the disk copy goes either way. */
		if (opened)
			store_delete(&s, prefix);
		err = verdict_forget(m, prefix);
		if (err && err != -ENOENT) {
			fprintf(stderr, "mxgatectl: forget: %s\n", strerror(-err));
			n = -1;
		} else {
			n = err == 0;
		}
	} else {
		keys_of_map(&ks, m->verdicts_fd);
		keys_of_map(&ks, m->unproven_fd);
		if (opened)
			store_iterate(&s, key_of_record, &ks);
		for (size_t i = 0; i < ks.n; i++) {
			if (opened)
				store_delete(&s, &ks.k[i]);
			verdict_forget(m, &ks.k[i]);
		}
		n = (int)ks.n;
		if (ks.oom) {
			fprintf(stderr, "mxgatectl: out of memory: some verdicts were "
				"not forgotten\n");
			n = -1;
		}
		free(ks.k);
	}
	if (opened)
		store_close(&s);
	return n;
}

/* ctl_forget - the manual decision and the verdicts of ADDR|CIDR */
int ctl_forget(const struct mxg_conf *conf, struct pinned_maps *m, const char *text)
{
	struct mxg_key prefix;
	__u32 action = 0;
	int manual, verdicts;

	if (parse_prefix(text, &prefix) < 0)
		return EXIT_ERROR;
	manual = forget_manual(conf, &prefix, &action);
	if (manual < 0)
		return EXIT_ERROR;
	verdicts = forget_verdicts(conf, m, &prefix);
	if (verdicts < 0)
		return EXIT_ERROR;
	if (!manual && !verdicts) {
		fprintf(stderr, "mxgatectl: %s has no verdict and no manual decision\n", text);
		return EXIT_NO;
	}
	printf("%s forgotten:", text);
	if (manual)
		printf(" the manual %s%s", manual_action_word(action), verdicts ? "," : "");
	if (verdicts)
		printf(" %d verdict(s)", verdicts);
	putchar('\n');
	return 0;
}

/* One decision of the map, for sorting. */
struct decision_row {
	struct mxg_key prefix;
	struct mxg_manual m;
};

struct rows {
	struct decision_row *r;
	size_t n, cap;
	int action;			/* only these; negative: all */
	int oom;
};

/* row_add - manual_walk's visitor: keep the decision */
static void row_add(void *ctx, const struct mxg_key *prefix, const struct mxg_manual *m)
{
	struct rows *rs = ctx;

	if (rs->action >= 0 && m->action != (__u32)rs->action)
		return;
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 64;
		struct decision_row *r = realloc(rs->r, cap * sizeof(*r));

		if (!r) {
			rs->oom = 1;
			return;
		}
		rs->r = r;
		rs->cap = cap;
	}
	rs->r[rs->n].prefix = *prefix;
	rs->r[rs->n++].m = *m;
}

/* by_prefix - qsort: by address, shorter prefixes first */
static int by_prefix(const void *a, const void *b)
{
	const struct decision_row *x = a, *y = b;
	int c = memcmp(x->prefix.addr, y->prefix.addr, sizeof(x->prefix.addr));

	return c ? c : (int)x->prefix.plen - (int)y->prefix.plen;
}

/* ctl_list_manual - every decision of the map, sorted */
int ctl_list_manual(const char *pin_dir, int action)
{
	struct rows rs = { NULL, 0, 0, action, 0 };
	int fd = open_manual(pin_dir, 0), err;
	__u64 now = now_ns();

	if (fd == -ENOENT)
		fprintf(stderr, "mxgatectl: %s/%s does not exist: no mxgated of this "
			"version has run, or pin_dir is wrong (-p, -c)\n", pin_dir,
			MXG_MAP_MANUAL);
	if (fd < 0)
		return EXIT_ERROR;
	err = manual_walk(fd, row_add, &rs);
	close(fd);
	if (err || rs.oom) {
		fprintf(stderr, "mxgatectl: list --manual: %s\n",
			strerror(err ? -err : ENOMEM));
		free(rs.r);
		return EXIT_ERROR;
	}
	qsort(rs.r, rs.n, sizeof(rs.r[0]), by_prefix);
	for (size_t i = 0; i < rs.n; i++)
		print_manual(&rs.r[i].prefix, &rs.r[i].m, now);
	free(rs.r);
	return 0;
}

/* ctl_lookup_manual - the decision that covers client, printed; 1 if any */
int ctl_lookup_manual(const char *pin_dir, const struct mxg_key *client)
{
	int fd = manual_open(pin_dir, 0), found;
	struct mxg_key prefix;
	struct mxg_manual m;
	__u64 now = now_ns();

	if (fd < 0)
		return 0;
	found = manual_find(fd, client, now, &prefix, &m) == 1;
	if (found)
		print_manual(&prefix, &m, now);
	close(fd);
	return found;
}
