/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	privs - give up root after setup, keeping only what the work needs
 * SYNOPSIS
 *	int privs_drop(const char *user, const char *run_dir, char *why,
 *		       size_t len);
 *	int privs_held(__u64 *effective, __u64 *bounding);
 *	int privs_share_pins(const char *pin_dir, const char *user,
 *			     char *why, size_t len);
 * DESCRIPTION
 *	Once mxgated has set everything up (maps pinned, the tc program
 *	attached, rules loaded, NFQUEUE bound, the responder listening, the
 *	store open), privs_drop() makes it user (its uid, its primary gid,
 *	and only the supplementary groups the admin gave that user, as
 *	initgroups() finds them: none for the user make install creates;
 *	adduser mxgate redis lets mxgated reach a local Redis's socket
 *	after a reconnection, share.h) holding only PRIVS_KEEP, in the effective,
 *	permitted, inheritable, ambient and bounding sets, and sets
 *	no_new_privs; run_dir (mxgate-rules' state, NULL: none) becomes
 *	the user's. What the capabilities are for, measured:
 *
 *	  CAP_NET_ADMIN	NFQUEUE verdicts (nfnetlink checks every message
 *			against the sender), and the rules: mxgate-rules and
 *			nft run with it (ambient) for a reinstall or a reload
 *	  CAP_BPF	a new country table is a new BPF map (map_create);
 *			verdicts, counters and config go through open fds
 *
 *	Everything else was needed only for setup (bpffs, program load and
 *	attach, the pid file, the state directory). Returns 0; PRIVS_NO_USER
 *	when there is no such user (nothing changed); or -1 when a step was
 *	refused (the process may be half changed: the caller exits). why
 *	says what happened. A user of uid 0 only cuts the bounding set.
 *
 *	privs_share_pins() lets the members of user's primary group read
 *	the pinned maps (mxgatectl lookup, list, stats, status open them
 *	read-only): pin_dir becomes root:group 0750 and each pin in it
 *	root:group 0640; when pin_dir's parent is a bpffs root others may
 *	not search (systemd mounts /sys/fs/bpf 0700), it gains o+x (search,
 *	not listing). Writes (forget) stay root's. 0, or -1 with why.
 *
 *	privs_held() reads the calling process's effective and bounding
 *	capability sets (bit n: capability n) from /proc/self/status, as
 *	the kernel has them, for the start-up line.
 */
#ifndef MXG_PRIVS_H
#define MXG_PRIVS_H

#include <stddef.h>
#include <linux/types.h>

#define PRIVS_NO_USER	1	/* privs_drop: no such user, nothing changed */

int privs_drop(const char *user, const char *run_dir, char *why, size_t len);
int privs_held(__u64 *effective, __u64 *bounding);
int privs_share_pins(const char *pin_dir, const char *user, char *why, size_t len);

#endif /* MXG_PRIVS_H */
