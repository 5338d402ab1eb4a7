/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	manual - the admin's decisions: allow or block a prefix, in the
 *	kernel and on disk
 * SYNOPSIS
 *	int manual_parse_ttl(const char *text, __u64 *seconds, char *why,
 *			     size_t len);
 *	int manual_comment_ok(const char *text, char *why, size_t len);
 *	void manual_quote(const char *comment, char *buf, size_t len);
 *	const char *manual_unquote(const char *text, char *comment, size_t len);
 *	const char *manual_action_word(__u32 action);
 *
 *	int manual_open(const char *pin_dir, int write);
 *	int manual_find(int fd, const struct mxg_key *client, __u64 now,
 *			struct mxg_key *prefix, struct mxg_manual *m);
 *	int manual_get(int fd, const struct mxg_key *prefix, struct mxg_manual *m);
 *	int manual_put(int fd, const struct mxg_key *prefix,
 *		       const struct mxg_manual *m);
 *	int manual_delete(int fd, const struct mxg_key *prefix);
 *	int manual_walk(int fd, manual_walk_fn fn, void *ctx);
 *	int manual_live(const struct mxg_manual *m, __u64 now);
 *
 *	void manual_path(const char *state_dir, char *buf, size_t len);
 *	int manual_load(struct manual_list *l, const char *path,
 *			void (*report)(const char *msg));
 *	int manual_save(const struct manual_list *l, const char *path);
 *	struct manual_entry *manual_list_find(struct manual_list *l,
 *					       const struct mxg_key *prefix);
 *	struct manual_entry *manual_list_add(struct manual_list *l);
 *	void manual_list_remove(struct manual_list *l, struct manual_entry *e);
 *	unsigned manual_list_prune(struct manual_list *l, __u64 wall_s);
 *	void manual_list_free(struct manual_list *l);
 *	void manual_to_kernel(const struct manual_entry *e, __u64 wall_s,
 *			      __u64 mono_ns, struct mxg_manual *m);
 *	int manual_sync(int fd, const char *state_dir,
 *			void (*report)(const char *msg), struct manual_synced *r);
 * DESCRIPTION
 *	A manual decision is the admin's word about a prefix of any length
 *	(a single address is a /32 or /128): allow (MXG_ACT_PASS) or block
 *	(MXG_ACT_BLOCK), until a time or until forgotten, with a comment.
 *	It lives twice: in the pinned manual map (mxgate.h), which the tc
 *	program asks before anything else, and in a text file under
 *	state_dir (MANUAL_FILE), from which mxgated puts the map back at
 *	start (after a reboot the map is gone). mxgatectl writes both, the
 *	file first, as root; mxgated only reads the file, at start, while
 *	it is still root. The classifier never writes either.
 *
 *	manual_parse_ttl() reads a lifetime: "forever" (*seconds 0), or a
 *	number of seconds with an optional unit s, m, h, d or w, from 1 s
 *	to MANUAL_TTL_MAX; 0, or -1 with why. manual_comment_ok() accepts a
 *	comment of printable ASCII (spaces included) of at most
 *	MXG_MANUAL_COMMENT - 1 bytes; 0, or -1 with why.
 *	manual_quote() writes a comment in double quotes, with '"' and '\'
 *	escaped by a backslash and every byte outside printable ASCII as
 *	\xHH, so that whatever a map holds prints on one line (the file and
 *	mxgatectl's lines use it); MANUAL_QUOTED_MAX bytes always hold it.
 *	manual_unquote() reads such a quoted comment back into comment (at
 *	most len - 1 bytes), returning the first byte after the closing
 *	quote, or NULL when text is not a well-formed quoted comment that
 *	fits. manual_action_word() is "allow" or "block" (the command
 *	words; "?" for anything else).
 *
 *	manual_open() opens the pinned manual map (write: read-write, else
 *	read-only): its fd, or -ENOENT when it is not pinned (an mxgated
 *	of this version has not run), -EINVAL when it is not a manual map
 *	of this build's layout, another -errno. manual_find() is the tc
 *	program's lookup from user space: the longest live prefix covering
 *	client, stepping over expired ones as the program does; 1 with
 *	*prefix and *m (either may be NULL), 0 when none, -errno.
 *	manual_get() reads the entry of exactly prefix (0, -ENOENT),
 *	manual_put() writes it (replacing), manual_delete() removes it
 *	(-ENOENT when there was none). manual_walk() calls fn for every
 *	entry, live or not; 0 or -errno. manual_live() says whether an
 *	entry holds at now (the now_ns() clock).
 *
 *	The file. manual_path() is state_dir/MANUAL_FILE. Each line is one
 *	decision:
 *
 *	    PREFIX ACTION DECIDED EXPIRES "COMMENT"
 *	    192.0.2.0/24 block 1767225600 never "spam run, ticket 42"
 *	    2001:db8:5::/48 allow 1767225600 1767830400 ""
 *
 *	with times in seconds since the epoch (the wall clock: the
 *	monotonic clock of the map restarts at boot), EXPIRES "never" for
 *	a decision until forgotten; lines starting with '#' and blank lines
 *	are ignored. manual_load() reads it into l (a file that does not
 *	exist is an empty list): 0, or -1 when it cannot be read (reported
 *	through report, which may be NULL); a bad line is reported as
 *	FILE:LINE: reason and skipped, a prefix given twice keeps its last
 *	line. manual_save() writes l in whole to a new file and renames it
 *	over path (mode 0600), so that a crash leaves the old file or the
 *	new one; 0, or -1 with errno. The caller serialises writers.
 *
 *	A struct manual_list is an array the functions grow: find by exact
 *	prefix, add (a zeroed entry, NULL when out of memory), remove,
 *	prune (drops the entries expired at wall_s; returns how many),
 *	free. manual_to_kernel() turns an entry into the map's value on
 *	the monotonic clock (hits 0), given both clocks read now.
 *
 *	manual_sync() makes the map at fd what the file says: every
 *	unexpired decision of the file goes in (an entry already there for
 *	the same prefix and action keeps its hits), every map entry the
 *	file does not hold goes; counts in *r. mxgated calls it at start,
 *	mxgatectl after each change of the file, so that there is one way
 *	into the map. 0, or -1 when the file cannot be read (the map is left
 *	as it is).
 */
#ifndef MXG_MANUAL_H
#define MXG_MANUAL_H

#include <stddef.h>
#include <linux/types.h>
#include "mxgate.h"

#define MANUAL_FILE		"manual"	/* under state_dir */
#define MANUAL_TTL_MAX		(3650ULL * 86400)	/* ten years, seconds */
/* '"' + every byte as \xHH + '"' + NUL */
#define MANUAL_QUOTED_MAX	(4 * MXG_MANUAL_COMMENT + 3)

/* A decision as the file keeps it: wall-clock seconds. */
struct manual_entry {
	struct mxg_key prefix;		/* plen over 128 bits, host bits zero */
	__u32 action;			/* MXG_ACT_PASS or MXG_ACT_BLOCK */
	__u64 decided_s;		/* when the admin said it */
	__u64 expires_s;		/* from then on void; 0: until forgotten */
	char comment[MXG_MANUAL_COMMENT];
};

struct manual_list {
	struct manual_entry *e;		/* n of them, in the file's order */
	size_t n, cap;
};

/* What manual_sync() did. */
struct manual_synced {
	unsigned written;		/* decisions written into the map */
	unsigned expired;		/* decisions of the file over already */
	unsigned dropped;		/* map entries the file does not hold */
};

typedef void (*manual_walk_fn)(void *ctx, const struct mxg_key *prefix,
			       const struct mxg_manual *m);

int manual_parse_ttl(const char *text, __u64 *seconds, char *why, size_t len);
int manual_comment_ok(const char *text, char *why, size_t len);
void manual_quote(const char *comment, char *buf, size_t len);
const char *manual_unquote(const char *text, char *comment, size_t len);
const char *manual_action_word(__u32 action);

int manual_open(const char *pin_dir, int write);
int manual_find(int fd, const struct mxg_key *client, __u64 now,
		struct mxg_key *prefix, struct mxg_manual *m);
int manual_get(int fd, const struct mxg_key *prefix, struct mxg_manual *m);
int manual_put(int fd, const struct mxg_key *prefix, const struct mxg_manual *m);
int manual_delete(int fd, const struct mxg_key *prefix);
int manual_walk(int fd, manual_walk_fn fn, void *ctx);
int manual_live(const struct mxg_manual *m, __u64 now);

void manual_path(const char *state_dir, char *buf, size_t len);
int manual_load(struct manual_list *l, const char *path, void (*report)(const char *msg));
int manual_save(const struct manual_list *l, const char *path);
struct manual_entry *manual_list_find(struct manual_list *l, const struct mxg_key *prefix);
struct manual_entry *manual_list_add(struct manual_list *l);
void manual_list_remove(struct manual_list *l, struct manual_entry *e);
unsigned manual_list_prune(struct manual_list *l, __u64 wall_s);
void manual_list_free(struct manual_list *l);
void manual_to_kernel(const struct manual_entry *e, __u64 wall_s, __u64 mono_ns,
		      struct mxg_manual *m);
int manual_sync(int fd, const char *state_dir, void (*report)(const char *msg),
		struct manual_synced *r);

#endif /* MXG_MANUAL_H */
