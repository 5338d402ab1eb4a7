/* SPDX-License-Identifier: GPL-2.0-or-later */
/* maps.c - the maps mxgated pins: verdicts, counters, config; see maps.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "maps.h"

/* open_pinned - fd of pin_dir/name (flags: 0 or BPF_F_RDONLY), or
 * -errno */
static int open_pinned(const char *pin_dir, const char *name, __u32 flags)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = flags);
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", pin_dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get_opts(path, &opts);
	return fd < 0 ? -errno : fd;
}

/* verdicts_fit - can this build read and write the verdicts map at fd?
 * A value longer than ours (a newer mxgate's) would be copied past our
 * struct; a shorter one (an older mxgate's, until mxgated migrates it)
 * is read into its start, the fields it lacks zero (verdict_get).
 * 0, or -EINVAL */
static int verdicts_fit(int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
		return -errno;
	if (info.key_size != sizeof(struct mxg_key) ||
	    info.value_size > sizeof(struct mxg_verdict))
		return -EINVAL;
	return 0;
}

/* open_maps - open the pinned maps with flags (0, BPF_F_RDONLY) */
static int open_maps(struct pinned_maps *m, const char *pin_dir, __u32 flags)
{
	int err;

	m->verdicts_fd = m->stats_fd = m->rule_hits_fd = m->decisions_fd = -1;
	m->unproven_fd = -1;
	m->held = NULL;
	m->ncpus = libbpf_num_possible_cpus();
	if (m->ncpus <= 0)
		return m->ncpus < 0 ? m->ncpus : -EINVAL;
	m->verdicts_fd = open_pinned(pin_dir, MXG_MAP_VERDICTS, flags);
	if (m->verdicts_fd < 0) {
		err = m->verdicts_fd;
		goto bad;
	}
	err = verdicts_fit(m->verdicts_fd);
	if (err)
		goto bad;
	m->stats_fd = open_pinned(pin_dir, MXG_MAP_STATS, flags);
	if (m->stats_fd < 0) {
		err = m->stats_fd;
		goto bad;
	}
	m->rule_hits_fd = open_pinned(pin_dir, MXG_MAP_RULE_HITS, flags);
	if (m->rule_hits_fd < 0) {
		err = m->rule_hits_fd;
		goto bad;
	}
	m->decisions_fd = open_pinned(pin_dir, MXG_MAP_DECISIONS, flags);
	if (m->decisions_fd < 0) {
		err = m->decisions_fd;
		goto bad;
	}
	/* Optional: maps pinned by an mxgate before it have none (it comes
	 * with the next start of mxgated). */
	m->unproven_fd = open_pinned(pin_dir, MXG_MAP_UNPROVEN, flags);
	if (m->unproven_fd >= 0 && verdicts_fit(m->unproven_fd)) {
		close(m->unproven_fd);
		m->unproven_fd = -1;
	}
	return 0;
bad:
	maps_close(m);
	return err;
}

/* maps_open - open the pinned maps to read and write; -errno (ENOENT:
 * never pinned, EINVAL: a verdicts map of a newer mxgate) */
int maps_open(struct pinned_maps *m, const char *pin_dir)
{
	return open_maps(m, pin_dir, 0);
}

/* maps_open_ro - the same, read-only: what mxgatectl's read commands
 * need, and all that the group of the pins (share_pins) may do */
int maps_open_ro(struct pinned_maps *m, const char *pin_dir)
{
	return open_maps(m, pin_dir, BPF_F_RDONLY);
}

/* maps_close - close whatever is open, after the counters held */
void maps_close(struct pinned_maps *m)
{
	stats_flush(m);
	free(m->held);
	m->held = NULL;
	if (m->verdicts_fd >= 0)
		close(m->verdicts_fd);
	if (m->stats_fd >= 0)
		close(m->stats_fd);
	if (m->rule_hits_fd >= 0)
		close(m->rule_hits_fd);
	if (m->decisions_fd >= 0)
		close(m->decisions_fd);
	if (m->unproven_fd >= 0)
		close(m->unproven_fd);
	m->verdicts_fd = m->stats_fd = m->rule_hits_fd = m->decisions_fd = -1;
	m->unproven_fd = -1;
}

/* put_fresh - write a verdict decided now into map fd */
static int put_fresh(int fd, const struct mxg_key *k, enum mxg_action a,
		     __u32 reasons, int score, __u64 ttl_ns)
{
	struct mxg_verdict v = { 0 };

	v.decided_ns = now_ns();
	v.expires_ns = v.decided_ns + ttl_ns;
	v.reasons = reasons;
	v.action = a;
	v.dnsbl_score = score;
	return bpf_map_update_elem(fd, k, &v, BPF_ANY) ? -errno : 0;
}

/* verdict_put - write (or replace) the verdict for k, decided now, valid
 * for ttl_ns, never reported; an unproven one of k goes (the kernel reads
 * verdicts first anyway, this keeps mxgatectl's view single) */
int verdict_put(struct pinned_maps *m, const struct mxg_key *k,
		enum mxg_action a, __u32 reasons, int score, __u64 ttl_ns)
{
	if (m->unproven_fd >= 0)
		bpf_map_delete_elem(m->unproven_fd, k);
	return put_fresh(m->verdicts_fd, k, a, reasons, score, ttl_ns);
}

/* verdict_put_as - write v under k as it is (times and all); an
 * unproven verdict of k goes */
int verdict_put_as(struct pinned_maps *m, const struct mxg_key *k,
		   const struct mxg_verdict *v)
{
	if (m->unproven_fd >= 0)
		bpf_map_delete_elem(m->unproven_fd, k);
	return bpf_map_update_elem(m->verdicts_fd, k, v, BPF_ANY) ? -errno : 0;
}

/* verdict_rewrite - write v over k's verdict, only if k still has one
 * (-ENOENT if it went meanwhile: evicted, forgotten) */
int verdict_rewrite(struct pinned_maps *m, const struct mxg_key *k,
		    const struct mxg_verdict *v)
{
	return bpf_map_update_elem(m->verdicts_fd, k, v, BPF_EXIST) ? -errno : 0;
}

/* unproven_put - like verdict_put, into the unproven map (a verdict
 * reached by timeout only); -ENOENT when there is no such map */
int unproven_put(struct pinned_maps *m, const struct mxg_key *k,
		 enum mxg_action a, __u32 reasons, int score, __u64 ttl_ns)
{
	if (m->unproven_fd < 0)
		return -ENOENT;
	return put_fresh(m->unproven_fd, k, a, reasons, score, ttl_ns);
}

/* unproven_get - the unproven verdict for k; -ENOENT when none */
int unproven_get(struct pinned_maps *m, const struct mxg_key *k,
		 struct mxg_verdict *v)
{
	memset(v, 0, sizeof(*v));
	if (m->unproven_fd < 0)
		return -ENOENT;
	return bpf_map_lookup_elem(m->unproven_fd, k, v) ? -errno : 0;
}

/* unproven_prove - k proved its address (a handshake, a promotion): its
 * unproven verdict moves into the verdicts map, as it is; 0 with *v,
 * -ENOENT when there was none */
int unproven_prove(struct pinned_maps *m, const struct mxg_key *k,
		   struct mxg_verdict *v)
{
	int err = unproven_get(m, k, v);

	if (err)
		return err;
	if (bpf_map_update_elem(m->verdicts_fd, k, v, BPF_ANY))
		return -errno;
	bpf_map_delete_elem(m->unproven_fd, k);
	return 0;
}

/* verdict_restore - v back under k unless the kernel holds a verdict for
 * k already: that one is newer than any copy kept elsewhere. 0 written,
 * -EEXIST kept the kernel's, or another -errno */
int verdict_restore(struct pinned_maps *m, const struct mxg_key *k,
		    const struct mxg_verdict *v)
{
	return bpf_map_update_elem(m->verdicts_fd, k, v, BPF_NOEXIST) ? -errno : 0;
}

/* verdict_get - the verdict for k; -ENOENT when there is none */
int verdict_get(struct pinned_maps *m, const struct mxg_key *k,
		struct mxg_verdict *v)
{
	memset(v, 0, sizeof(*v));	/* a shorter, older value: the rest 0 */
	return bpf_map_lookup_elem(m->verdicts_fd, k, v) ? -errno : 0;
}

/* verdict_forget - delete the verdict for k, proven or not; -ENOENT
 * when there is none */
int verdict_forget(struct pinned_maps *m, const struct mxg_key *k)
{
	int gone = m->unproven_fd >= 0 && bpf_map_delete_elem(m->unproven_fd, k) == 0;

	if (bpf_map_delete_elem(m->verdicts_fd, k) == 0 || gone)
		return 0;
	return -errno;
}

/* stats_held - the daemon's counters and gauges changed in memory since
 * the last stats_flush() (stats_hold()) */
struct stats_held {
	__u64 add[MXG_STAT_MAX];	/* counts not yet added to decisions */
	__u64 gauge[MXG_STAT_MAX];	/* gauges set since, when set[id] */
	unsigned char set[MXG_STAT_MAX];
	__u64 rule_add[MXG_RULE_SLOTS];	/* rule hits not yet in rule_hits */
	int dirty;			/* anything above to write */
};

/* daemon_value - the daemon's own value of id: the decisions map's, with
 * what is held in memory (a gauge set replaces it, counts add) */
static __u64 daemon_value(struct pinned_maps *m, __u32 id, __u64 in_map)
{
	if (!m->held)
		return in_map;
	if (m->held->set[id])
		return m->held->gauge[id];
	return in_map + m->held->add[id];
}

/* stats_read - every counter: the kernel's, summed over the CPUs, plus
 * the daemon's for the same id */
int stats_read(struct pinned_maps *m, __u64 totals[MXG_STAT_MAX])
{
	__u64 *percpu = calloc((size_t)m->ncpus, sizeof(*percpu));
	int err = 0;

	if (!percpu)
		return -ENOMEM;
	for (__u32 id = 0; id < MXG_STAT_MAX; id++) {
		__u64 mine = 0;

		totals[id] = 0;
		if (bpf_map_lookup_elem(m->stats_fd, &id, percpu)) {
			err = -errno;
			break;
		}
		for (int c = 0; c < m->ncpus; c++)
			totals[id] += percpu[c];
		if (bpf_map_lookup_elem(m->decisions_fd, &id, percpu) == 0)
			mine = percpu[0];
		totals[id] += daemon_value(m, id, mine);
	}
	free(percpu);
	return err;
}

/* counter_add - n more in slot key of a counter array (a read and a
 * write: an update by another writer in between would be lost; only
 * mxgated writes these but for MXG_STAT_MANUAL_CHANGES, which mxgated
 * never counts) */
static void counter_add(int fd, __u32 key, __u64 n)
{
	__u64 v = 0;

	bpf_map_lookup_elem(fd, &key, &v);
	v += n;
	bpf_map_update_elem(fd, &key, &v, BPF_ANY);
}

/* rule_hit - one more decision in which rule fired */
void rule_hit(struct pinned_maps *m, int rule)
{
	if (rule < 0 || rule >= MXG_RULE_SLOTS)
		return;
	if (m->held) {
		m->held->rule_add[rule]++;
		m->held->dirty = 1;
		return;
	}
	counter_add(m->rule_hits_fd, (__u32)rule, 1);
}

/* stats_add - count n more under counter id, in the daemon's own map */
void stats_add(struct pinned_maps *m, __u32 id, __u64 n)
{
	if (id >= MXG_STAT_MAX || n == 0)
		return;
	if (m->held) {
		m->held->add[id] += n;
		m->held->dirty = 1;
		return;
	}
	counter_add(m->decisions_fd, id, n);
}

/* stats_set - a gauge of the daemon's (mxgate.h): value replaces it */
void stats_set(struct pinned_maps *m, __u32 id, __u64 value)
{
	if (id >= MXG_STAT_MAX)
		return;
	if (m->held) {
		m->held->gauge[id] = value;
		m->held->set[id] = 1;
		m->held->add[id] = 0;	/* a gauge is set, never added to */
		m->held->dirty = 1;
		return;
	}
	bpf_map_update_elem(m->decisions_fd, &id, &value, BPF_ANY);
}

/* stats_hold - from now on, counters and gauges change in memory until
 * stats_flush(); 0 or -ENOMEM */
int stats_hold(struct pinned_maps *m)
{
	if (m->held)
		return 0;
	m->held = calloc(1, sizeof(*m->held));
	return m->held ? 0 : -ENOMEM;
}

/* stats_flush - what changed in memory since the last flush into the
 * maps: counts added to the map's values, gauges set */
void stats_flush(struct pinned_maps *m)
{
	struct stats_held *h = m->held;

	if (!h || !h->dirty)
		return;
	if (m->decisions_fd >= 0)
		for (__u32 id = 0; id < MXG_STAT_MAX; id++) {
			if (h->set[id])
				bpf_map_update_elem(m->decisions_fd, &id, &h->gauge[id], BPF_ANY);
			else if (h->add[id])
				counter_add(m->decisions_fd, id, h->add[id]);
			h->set[id] = 0;
			h->add[id] = 0;
		}
	if (m->rule_hits_fd >= 0)
		for (__u32 r = 0; r < MXG_RULE_SLOTS; r++) {
			if (h->rule_add[r])
				counter_add(m->rule_hits_fd, r, h->rule_add[r]);
			h->rule_add[r] = 0;
		}
	h->dirty = 0;
}

/* stats_daemon - one of the daemon's counters or gauges (the decisions
 * map, with what is held); 0 when it cannot be read */
__u64 stats_daemon(struct pinned_maps *m, __u32 id)
{
	__u64 v = 0;

	if (id >= MXG_STAT_MAX)
		return 0;
	if (m->held && m->held->set[id])
		return m->held->gauge[id];
	if (bpf_map_lookup_elem(m->decisions_fd, &id, &v))
		return 0;
	return daemon_value(m, id, v);
}

/* stats_kernel - counter id of the tc program alone, summed over the
 * CPUs; 0 when it cannot be read */
__u64 stats_kernel(struct pinned_maps *m, __u32 id)
{
	__u64 per_cpu[m->ncpus > 0 ? m->ncpus : 1], sum = 0;

	if (m->ncpus <= 0 || bpf_map_lookup_elem(m->stats_fd, &id, per_cpu))
		return 0;
	for (int i = 0; i < m->ncpus; i++)
		sum += per_cpu[i];
	return sum;
}

/* rule_hits_read - every rule's decisions (with those held) */
int rule_hits_read(struct pinned_maps *m, __u64 hits[MXG_RULE_SLOTS])
{
	for (__u32 k = 0; k < MXG_RULE_SLOTS; k++) {
		if (bpf_map_lookup_elem(m->rule_hits_fd, &k, &hits[k]))
			return -errno;
		if (m->held)
			hits[k] += m->held->rule_add[k];
	}
	return 0;
}

/* config_read - the config map pinned under pin_dir (its one element);
 * -ENOENT when it is not pinned, -EINVAL when its value is not a struct
 * mxg_config of this build (a map of another version) */
int config_read(const char *pin_dir, struct mxg_config *c)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info), key = 0;
	int fd = open_pinned(pin_dir, MXG_MAP_CONFIG, BPF_F_RDONLY), err = 0;

	if (fd < 0)
		return fd;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
		err = -errno;
	else if (info.type != BPF_MAP_TYPE_ARRAY || info.key_size != sizeof(key) ||
		 info.value_size != sizeof(*c) || info.max_entries < 1)
		err = -EINVAL;
	else if (bpf_map_lookup_elem(fd, &key, c) != 0)
		err = -errno;
	close(fd);
	return err;
}

/* map_walk_bound - max_entries of a map, or a generous guess when unknown */
__u32 map_walk_bound(int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0 || !info.max_entries)
		return 16777216;	/* config.c's max_sources ceiling */
	return info.max_entries;
}
