/* SPDX-License-Identifier: GPL-2.0-or-later */
/* manual.c - the admin's decisions, in the map and in their file; see manual.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "addr.h"
#include "clock.h"
#include "lines.h"
#include "log.h"
#include "manual.h"

#define LINE_MAX_BYTES	(ADDR_STRLEN + 64 + MANUAL_QUOTED_MAX)

/* manual_parse_ttl - "forever" (0), or N[s|m|h|d|w] seconds */
int manual_parse_ttl(const char *text, __u64 *seconds, char *why, size_t len)
{
	static const struct { char unit; __u64 s; } units[] = {
		{ 0, 1 }, { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
		{ 'w', 7 * 86400 },
	};
	unsigned long long n = 0;
	const char *p = text;

	if (strcmp(text, "forever") == 0) {
		*seconds = 0;
		return 0;
	}
	/* Digits by hand: strtoull takes signs, blanks and 0x. */
	for (; *p >= '0' && *p <= '9'; p++)
		if (n <= MANUAL_TTL_MAX)	/* beyond, out of range: no overflow */
			n = n * 10 + (unsigned)(*p - '0');
	if (p == text || (p[0] && p[1]))
		goto bad;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (units[i].unit != *p)
			continue;
		if (n == 0 || n > MANUAL_TTL_MAX / units[i].s) {
			snprintf(why, len, "\"%s\" is out of range (1s to %llud, or "
				 "forever)", text, MANUAL_TTL_MAX / 86400);
			return -1;
		}
		*seconds = n * units[i].s;
		return 0;
	}
bad:
	snprintf(why, len, "\"%s\" is not a lifetime (e.g. 90m, 12h, 7d, 2w, forever)",
		 text);
	return -1;
}

/* manual_comment_ok - printable ASCII, short enough for the map */
int manual_comment_ok(const char *text, char *why, size_t len)
{
	size_t n = strlen(text);

	if (n >= MXG_MANUAL_COMMENT) {
		snprintf(why, len, "the comment is %zu bytes long; at most %d", n,
			 MXG_MANUAL_COMMENT - 1);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] > 0x7e) {
			snprintf(why, len, "the comment may hold printable ASCII only "
				 "(byte %zu is 0x%02x)", i + 1, (unsigned char)text[i]);
			return -1;
		}
	return 0;
}

/* manual_quote - "comment" with \" \\ and \xHH, on one line whatever it holds */
void manual_quote(const char *comment, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (len < 3) {
		if (len)
			buf[0] = 0;
		return;
	}
	buf[o++] = '"';
	for (const char *p = comment; *p && o + 5 < len; p++) {
		unsigned char b = (unsigned char)*p;

		if (b == '"' || b == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)b;
		} else if (b >= 0x20 && b <= 0x7e) {
			buf[o++] = (char)b;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[b >> 4];
			buf[o++] = hex[b & 15];
		}
	}
	buf[o++] = '"';
	buf[o] = 0;
}

/* hex_digit - the value of one hex digit, or -1 */
static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* manual_unquote - a quoted comment back; past its closing quote, or NULL */
const char *manual_unquote(const char *text, char *comment, size_t len)
{
	const char *p = text;
	size_t o = 0;

	if (*p++ != '"' || len == 0)
		return NULL;
	for (; *p && *p != '"'; p++) {
		int b = (unsigned char)*p;

		if (*p == '\\') {
			p++;
			if (*p == '"' || *p == '\\') {
				b = (unsigned char)*p;
			} else if (*p == 'x' && hex_digit(p[1]) >= 0 && hex_digit(p[2]) >= 0) {
				b = hex_digit(p[1]) << 4 | hex_digit(p[2]);
				p += 2;
			} else {
				return NULL;
			}
			if (b == 0)
				return NULL;
		}
		if (o + 1 >= len)
			return NULL;
		comment[o++] = (char)b;
	}
	if (*p != '"')
		return NULL;
	comment[o] = 0;
	return p + 1;
}

/* manual_action_word - the command word of an action */
const char *manual_action_word(__u32 action)
{
	return action == MXG_ACT_PASS ? "allow" : action == MXG_ACT_BLOCK ? "block" : "?";
}

/* lpm_key - the map's key of a prefix */
static struct mxg_lpm_key lpm_key(const struct mxg_key *prefix)
{
	struct mxg_lpm_key k = { .prefixlen = prefix->plen };

	memcpy(k.addr, prefix->addr, sizeof(k.addr));
	return k;
}

/* manual_open - the pinned manual map, checked for this build's layout */
int manual_open(const char *pin_dir, int write)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = write ? 0 : BPF_F_RDONLY);
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", pin_dir, MXG_MAP_MANUAL) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get_opts(path, &opts);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0 ||
	    info.type != BPF_MAP_TYPE_LPM_TRIE ||
	    info.key_size != sizeof(struct mxg_lpm_key) ||
	    info.value_size != sizeof(struct mxg_manual)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

/* manual_live - does m hold at now? */
int manual_live(const struct mxg_manual *m, __u64 now)
{
	return !m->expires_ns || now < m->expires_ns;
}

/* manual_find - the longest live prefix over client, as the tc program
 * finds it; 1 found, 0 none, -errno */
int manual_find(int fd, const struct mxg_key *client, __u64 now,
		struct mxg_key *prefix, struct mxg_manual *m)
{
	struct mxg_lpm_key k = lpm_key(client);
	struct mxg_manual v;

	k.prefixlen = 128;
	for (int i = 0; i < MXG_MANUAL_SHADOWS; i++) {
		if (bpf_map_lookup_elem(fd, &k, &v) != 0)
			return errno == ENOENT ? 0 : -errno;
		if (manual_live(&v, now)) {
			if (prefix) {
				*prefix = *client;
				addr_prefix(prefix, v.prefixlen);
			}
			if (m)
				*m = v;
			return 1;
		}
		if (v.prefixlen == 0 || v.prefixlen > 128)
			return 0;
		k.prefixlen = v.prefixlen - 1;
	}
	return 0;
}

/* manual_get - the entry of exactly prefix; -ENOENT when none (a lookup
 * finds the longest match: it is ours only if its length is) */
int manual_get(int fd, const struct mxg_key *prefix, struct mxg_manual *m)
{
	struct mxg_lpm_key k = lpm_key(prefix);

	if (bpf_map_lookup_elem(fd, &k, m) != 0)
		return -errno;
	return m->prefixlen == prefix->plen ? 0 : -ENOENT;
}

/* manual_put - write the entry of prefix (replacing one) */
int manual_put(int fd, const struct mxg_key *prefix, const struct mxg_manual *m)
{
	struct mxg_lpm_key k = lpm_key(prefix);
	struct mxg_manual v = *m;

	v.prefixlen = prefix->plen;
	return bpf_map_update_elem(fd, &k, &v, BPF_ANY) ? -errno : 0;
}

/* manual_delete - remove the entry of exactly prefix */
int manual_delete(int fd, const struct mxg_key *prefix)
{
	struct mxg_lpm_key k = lpm_key(prefix);

	return bpf_map_delete_elem(fd, &k) ? -errno : 0;
}

/* manual_walk - fn for every entry. An LPM trie is small and changed
 * only by mxgatectl: the walk is bounded all the same. */
int manual_walk(int fd, manual_walk_fn fn, void *ctx)
{
	struct mxg_lpm_key k, next;
	struct mxg_manual v;
	struct mxg_key prefix;
	void *prev = NULL;

	for (unsigned steps = 0; steps < 2 * MXG_MANUAL_ENTRIES; steps++) {
		if (bpf_map_get_next_key(fd, prev, &next) != 0)
			return errno == ENOENT ? 0 : -errno;
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &v) != 0 || v.prefixlen != k.prefixlen)
			continue;	/* gone meanwhile */
		memset(&prefix, 0, sizeof(prefix));
		memcpy(prefix.addr, k.addr, sizeof(prefix.addr));
		prefix.plen = (__u8)k.prefixlen;
		fn(ctx, &prefix, &v);
	}
	return 0;
}

/* manual_path - where the file lives */
void manual_path(const char *state_dir, char *buf, size_t len)
{
	snprintf(buf, len, "%s/" MANUAL_FILE, state_dir);
}

/* manual_list_find - the entry of exactly prefix, or NULL */
struct manual_entry *manual_list_find(struct manual_list *l, const struct mxg_key *prefix)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->e[i].prefix.plen == prefix->plen &&
		    memcmp(l->e[i].prefix.addr, prefix->addr, 16) == 0)
			return &l->e[i];
	return NULL;
}

/* manual_list_add - a new zeroed entry at the end, or NULL */
struct manual_entry *manual_list_add(struct manual_list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct manual_entry *e = realloc(l->e, cap * sizeof(*e));

		if (!e)
			return NULL;
		l->e = e;
		l->cap = cap;
	}
	memset(&l->e[l->n], 0, sizeof(l->e[0]));
	return &l->e[l->n++];
}

/* manual_list_remove - take e out, keeping the order of the rest */
void manual_list_remove(struct manual_list *l, struct manual_entry *e)
{
	size_t i = (size_t)(e - l->e);

	if (i >= l->n)
		return;
	memmove(e, e + 1, (l->n - i - 1) * sizeof(*e));
	l->n--;
}

/* manual_list_prune - drop what expired by wall_s; how many */
unsigned manual_list_prune(struct manual_list *l, __u64 wall_s)
{
	unsigned gone = 0;
	size_t o = 0;

	for (size_t i = 0; i < l->n; i++) {
		if (l->e[i].expires_s && l->e[i].expires_s <= wall_s) {
			gone++;
			continue;
		}
		l->e[o++] = l->e[i];
	}
	l->n = o;
	return gone;
}

/* manual_list_free - the array */
void manual_list_free(struct manual_list *l)
{
	free(l->e);
	memset(l, 0, sizeof(*l));
}

/* parse_u64 - a whole line field of decimal digits */
static int parse_u64(const char *s, __u64 *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* next_word - the next blank-separated word of *cur, cut in place */
static char *next_word(char **cur)
{
	char *w = *cur + strspn(*cur, " \t");

	if (!*w)
		return NULL;
	*cur = w + strcspn(w, " \t");
	if (**cur)
		*(*cur)++ = 0;
	return w;
}

/* parse_line - one decision line into e; NULL, or why it is bad */
static const char *parse_line(char *line, struct manual_entry *e)
{
	char *cur = line, *prefix = next_word(&cur), *action = next_word(&cur);
	char *decided = next_word(&cur), *expires = next_word(&cur);
	const char *rest;

	memset(e, 0, sizeof(*e));
	if (!prefix || !action || !decided || !expires)
		return "expected PREFIX ACTION DECIDED EXPIRES \"COMMENT\"";
	if (addr_parse(prefix, &e->prefix) != 0)
		return "not an address or prefix";
	if (strcmp(action, "allow") == 0)
		e->action = MXG_ACT_PASS;
	else if (strcmp(action, "block") == 0)
		e->action = MXG_ACT_BLOCK;
	else
		return "the action is neither allow nor block";
	if (parse_u64(decided, &e->decided_s) != 0)
		return "DECIDED is not a number of seconds";
	if (strcmp(expires, "never") != 0 &&
	    (parse_u64(expires, &e->expires_s) != 0 || e->expires_s == 0))
		return "EXPIRES is neither a number of seconds nor never";
	cur += strspn(cur, " \t");
	if (!*cur)
		return NULL;		/* no comment */
	rest = manual_unquote(cur, e->comment, sizeof(e->comment));
	if (!rest)
		return "the comment is not a well-formed quoted string that fits";
	if (rest[strspn(rest, " \t\r")])
		return "text after the comment";
	return NULL;
}

/* manual_load - the file's decisions; a missing file is none */
int manual_load(struct manual_list *l, const char *path, void (*report)(const char *msg))
{
	struct manual_entry e, *slot;
	struct lines lr;
	const char *why;
	char *line;
	int rc = 0;

	memset(l, 0, sizeof(*l));
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	if (lines_open(&lr, path, LINE_MAX_BYTES, report) < 0)
		return -1;
	while ((line = lines_next(&lr))) {
		line[strcspn(line, "\r")] = 0;
		if (line[strspn(line, " \t")] == 0 || line[strspn(line, " \t")] == '#')
			continue;
		why = parse_line(line, &e);
		if (why) {
			msg_at(report, path, lr.lineno, "%s: line skipped", why);
			continue;
		}
		slot = manual_list_find(l, &e.prefix);
		if (!slot)
			slot = manual_list_add(l);
		if (!slot) {
			msg_at(report, path, 0, "out of memory");
			rc = -1;
			break;
		}
		*slot = e;
	}
	if (lr.read_errno)
		rc = -1;
	lines_close(&lr);
	if (rc)
		manual_list_free(l);
	return rc;
}

/* write_all - every entry of l as a line of f */
static int write_all(FILE *f, const struct manual_list *l)
{
	char addr[ADDR_STRLEN], comment[MANUAL_QUOTED_MAX], expires[24];

	fprintf(f, "# mxgate: the admin's decisions (mxgatectl allow, block, forget).\n"
		"# Written by mxgatectl; mxgated puts them into the kernel at start.\n"
		"# PREFIX ACTION DECIDED EXPIRES \"COMMENT\" (times: seconds since "
		"the epoch)\n");
	for (size_t i = 0; i < l->n; i++) {
		const struct manual_entry *e = &l->e[i];

		/* A single address is written as one, a prefix with /len:
		 * either reads back as it was (addr_parse). */
		addr_format(&e->prefix, addr, sizeof(addr));
		manual_quote(e->comment, comment, sizeof(comment));
		if (e->expires_s)
			snprintf(expires, sizeof(expires), "%llu",
				 (unsigned long long)e->expires_s);
		else
			snprintf(expires, sizeof(expires), "never");
		fprintf(f, "%s %s %llu %s %s\n", addr, manual_action_word(e->action),
			(unsigned long long)e->decided_s, expires, comment);
	}
	return ferror(f) ? -1 : 0;
}

/* manual_save - the whole list to path, by a rename: never half written */
int manual_save(const struct manual_list *l, const char *path)
{
	char tmp[PATH_MAX];
	FILE *f;
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	if (!f) {
		err = errno;
		close(fd);
		unlink(tmp);
		errno = err;
		return -1;
	}
	if (write_all(f, l) < 0 || fflush(f) != 0 || fsync(fd) != 0) {
		err = errno ? errno : EIO;
		fclose(f);
		unlink(tmp);
		errno = err;
		return -1;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		err = errno;
		unlink(tmp);
		errno = err;
		return -1;
	}
	return 0;
}

/* manual_to_kernel - e on the monotonic clock (both clocks read now);
 * an expiry never becomes 0, which would read "until forgotten" */
void manual_to_kernel(const struct manual_entry *e, __u64 wall_s, __u64 mono_ns,
		      struct mxg_manual *m)
{
	__u64 ago = e->decided_s < wall_s ? (wall_s - e->decided_s) * NS_PER_S : 0;

	memset(m, 0, sizeof(*m));
	m->action = e->action;
	m->prefixlen = e->prefix.plen;
	m->decided_ns = ago < mono_ns ? mono_ns - ago : 0;
	if (e->expires_s) {
		__u64 left = e->expires_s > wall_s ? e->expires_s - wall_s : 0;

		if (left > MANUAL_TTL_MAX)	/* a hand-made line: no overflow */
			left = MANUAL_TTL_MAX;
		m->expires_ns = left ? mono_ns + left * NS_PER_S : (mono_ns ? mono_ns : 1);
	}
	snprintf(m->comment, sizeof(m->comment), "%s", e->comment);
}

/* What manual_sync's walk collects: the map's entries to drop. */
struct strays {
	struct manual_list *file;	/* what the file holds, unexpired */
	struct mxg_key *keys;		/* entries it does not */
	size_t n, cap;
};

/* collect_stray - a map entry the file does not hold */
static void collect_stray(void *ctx, const struct mxg_key *prefix,
			  const struct mxg_manual *m)
{
	struct strays *s = ctx;

	(void)m;
	if (manual_list_find(s->file, prefix))
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct mxg_key *k = realloc(s->keys, cap * sizeof(*k));

		if (!k)
			return;		/* left in the map: the file wins next time */
		s->keys = k;
		s->cap = cap;
	}
	s->keys[s->n++] = *prefix;
}

/* manual_sync - the file's decisions into the map, and nothing else */
int manual_sync(int fd, const char *state_dir, void (*report)(const char *msg),
		struct manual_synced *r)
{
	char path[PATH_MAX];
	struct manual_list l;
	struct strays s = { &l, NULL, 0, 0 };
	struct timespec ts;
	__u64 wall, mono;

	memset(r, 0, sizeof(*r));
	manual_path(state_dir, path, sizeof(path));
	if (manual_load(&l, path, report) < 0)
		return -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	wall = (__u64)ts.tv_sec;
	mono = now_ns();
	r->expired = manual_list_prune(&l, wall);
	for (size_t i = 0; i < l.n; i++) {
		struct mxg_manual m, old;

		manual_to_kernel(&l.e[i], wall, mono, &m);
		if (manual_get(fd, &l.e[i].prefix, &old) == 0 && old.action == m.action)
			m.hits = old.hits;
		if (manual_put(fd, &l.e[i].prefix, &m) == 0)
			r->written++;
	}
	manual_walk(fd, collect_stray, &s);
	for (size_t i = 0; i < s.n; i++)
		if (manual_delete(fd, &s.keys[i]) == 0)
			r->dropped++;
	free(s.keys);
	manual_list_free(&l);
	return 0;
}
