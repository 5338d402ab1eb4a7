/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bpf_load.c - load, pin and attach the tc program; see bpf_load.h. */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf_load.h"
#include "log.h"
#include "mxgate.skel.h"

/* libbpf_print - libbpf's warnings into our log; its chatter is dropped */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	/* The kernel's netlink notes ("Exclusivity flag on", "Parent Qdisc
	 * doesn't exists") come with an error code we report ourselves. */
	if (level != LIBBPF_WARN || strstr(fmt, "Kernel error message"))
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = 0;
	msg_warn("%s", line);	/* libbpf says "libbpf: " itself */
	return 0;
}

/* ensure_bpffs - pin_dir exists and lies on a bpf filesystem */
static int ensure_bpffs(const char *pin_dir)
{
	struct statfs fs;

	if (mkdir(pin_dir, 0700) < 0 && errno != EEXIST) {
		msg_warn("pin_dir %s: %s", pin_dir, strerror(errno));
		return -1;
	}
	if (statfs(pin_dir, &fs) == 0 && fs.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", pin_dir, "bpf", 0, "mode=0700") < 0) {
		msg_warn("pin_dir %s is not on a bpf filesystem and mounting "
			 "one there failed: %s", pin_dir, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Migration of pinned maps. A map pinned by an earlier mxgate keeps
 * learned state (verdicts, counters); when this build wants it in another
 * layout, the old map is kept open and unpinned, libbpf creates and pins
 * the new one at load, and every entry that fits is copied across. Value
 * layouts change only by appending fields (mxgate.h), so an old value is
 * the start of a new one and the new fields are zero; a value that
 * shrank keeps its first bytes. A map whose type or key size changed
 * cannot be copied and is left pinned: the load is refused and the admin
 * told. If the load or a copy fails, the old maps are pinned again where
 * they were: learned state is never lost by a failed start.
 */
#define MAX_MIGRATIONS	16	/* maps of the object that may be pinned */

struct migration {
	struct bpf_map *map;		/* this build's */
	int old_fd;			/* the old map, unpinned while we work */
	struct bpf_map_info old;	/* its attributes */
	char path[PATH_MAX];		/* where it was (and the new one is) pinned */
};

/* map_info - the attributes of the map behind fd; 0 or -errno */
static int map_info(int fd, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

/* fits - does the pinned map (info) have the layout this build wants? */
static int fits(const struct bpf_map_info *info, const struct bpf_map *want)
{
	return info->type == (__u32)bpf_map__type(want) &&
	       info->key_size == bpf_map__key_size(want) &&
	       info->value_size == bpf_map__value_size(want) &&
	       info->max_entries == bpf_map__max_entries(want) &&
	       info->map_flags == bpf_map__map_flags(want);
}

/* not_migratable - why the pinned map's entries cannot go into the map
 * this build wants (written to why), or 0 when they can */
static int not_migratable(const struct bpf_map_info *info,
			  const struct bpf_map *want, char *why, size_t len)
{
	if (info->type != (__u32)bpf_map__type(want))
		snprintf(why, len, "type %u, this mxgate wants %u", info->type,
			 (__u32)bpf_map__type(want));
	else if (info->key_size != bpf_map__key_size(want))
		snprintf(why, len, "key size %u, this mxgate wants %u",
			 info->key_size, bpf_map__key_size(want));
	else
		return 0;
	return 1;
}

/* plan_migrations - for every pinned map that does not fit, keep an fd
 * and unpin it; returns how many, or -1 (reported) when one cannot be
 * migrated, in which case nothing was unpinned */
static int plan_migrations(struct mxgate_bpf *skel, struct migration *mig)
{
	struct bpf_map_info info;
	struct bpf_map *map;
	char why[128];
	int n = 0, bad = 0, fd;

	bpf_object__for_each_map(map, skel->obj) {
		const char *path = bpf_map__pin_path(map);

		if (!path || (fd = bpf_obj_get(path)) < 0)
			continue;	/* not pinned yet: libbpf creates it */
		if (map_info(fd, &info) < 0 || fits(&info, map)) {
			close(fd);	/* libbpf reuses it (or says why not) */
			continue;
		}
		if (not_migratable(&info, map, why, sizeof(why)) || n == MAX_MIGRATIONS) {
			/* It holds learned state: never replaced silently. */
			msg_warn("map %s pinned at %s cannot be migrated: %s; move "
				 "it away (or run the mxgate that made it) and restart",
				 bpf_map__name(map), path,
				 n == MAX_MIGRATIONS ? "too many maps" : why);
			close(fd);
			bad = 1;
			continue;
		}
		mig[n].map = map;
		mig[n].old_fd = fd;
		mig[n].old = info;
		snprintf(mig[n].path, sizeof(mig[n].path), "%s", path);
		n++;
	}
	for (int i = 0; i < n && !bad; i++) {
		if (unlink(mig[i].path) < 0) {
			msg_warn("map %s: cannot unpin %s to migrate it: %s",
				 bpf_map__name(mig[i].map), mig[i].path, strerror(errno));
			while (i-- > 0)
				bpf_obj_pin(mig[i].old_fd, mig[i].path);
			bad = 1;
		}
	}
	if (bad) {
		for (int i = 0; i < n; i++)
			close(mig[i].old_fd);
		return -1;
	}
	return n;
}

/* pin_back - put the old maps back where they were pinned (the load or a
 * copy failed); what libbpf pinned there in their place goes */
static void pin_back(struct migration *mig, int n)
{
	for (int i = 0; i < n; i++) {
		unlink(mig[i].path);
		if (bpf_obj_pin(mig[i].old_fd, mig[i].path) < 0)
			msg_warn("map %s: cannot pin the old map back at %s: %s",
				 bpf_map__name(mig[i].map), mig[i].path, strerror(errno));
		else
			msg_warn("map %s: the old map is pinned at %s again, unchanged",
				 bpf_map__name(mig[i].map), mig[i].path);
	}
}

/* close_old - the old maps' fds; a map goes when nothing else holds it
 * (the earlier tc program does until bpf_attach() replaces it) */
static void close_old(struct migration *mig, int n)
{
	for (int i = 0; i < n; i++)
		close(mig[i].old_fd);
}

/* is_percpu - a map with one value per possible CPU */
static int is_percpu(__u32 type)
{
	return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* is_hashed - a map walked key by key (bpf_map_get_next_key) */
static int is_hashed(__u32 type)
{
	return type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_LRU_HASH ||
	       type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LPM_TRIE;
}

/* Buffers for moving one entry, sized for both layouts. */
struct mover {
	__u32 old_size, new_size;	/* value sizes */
	__u32 old_stride, new_stride;	/* per CPU: rounded up to 8 bytes */
	int ncpus;			/* values per entry: possible CPUs or 1 */
	void *key, *next, *old_val, *new_val;
};

/* mover_init - buffers for m into a map of new_info; 0 or -errno */
static int mover_init(struct mover *mv, const struct migration *m,
		      const struct bpf_map_info *new_info)
{
	int percpu = is_percpu(new_info->type);

	memset(mv, 0, sizeof(*mv));
	mv->ncpus = percpu ? libbpf_num_possible_cpus() : 1;
	if (mv->ncpus <= 0)
		return mv->ncpus < 0 ? mv->ncpus : -EINVAL;
	mv->old_size = m->old.value_size;
	mv->new_size = new_info->value_size;
	mv->old_stride = percpu ? (mv->old_size + 7) / 8 * 8 : mv->old_size;
	mv->new_stride = percpu ? (mv->new_size + 7) / 8 * 8 : mv->new_size;
	mv->key = calloc(1, new_info->key_size ? new_info->key_size : 1);
	mv->next = calloc(1, new_info->key_size ? new_info->key_size : 1);
	mv->old_val = calloc((size_t)mv->ncpus, mv->old_stride ? mv->old_stride : 1);
	mv->new_val = calloc((size_t)mv->ncpus, mv->new_stride ? mv->new_stride : 1);
	return mv->key && mv->next && mv->old_val && mv->new_val ? 0 : -ENOMEM;
}

/* mover_free - the buffers */
static void mover_free(struct mover *mv)
{
	free(mv->key);
	free(mv->next);
	free(mv->old_val);
	free(mv->new_val);
}

/* convert - old_val into new_val: per CPU the bytes both layouts have,
 * the rest zero */
static void convert(struct mover *mv)
{
	__u32 n = mv->old_size < mv->new_size ? mv->old_size : mv->new_size;

	memset(mv->new_val, 0, (size_t)mv->ncpus * mv->new_stride);
	for (int c = 0; c < mv->ncpus; c++)
		memcpy((char *)mv->new_val + (size_t)c * mv->new_stride,
		       (char *)mv->old_val + (size_t)c * mv->old_stride, n);
}

/* count_keys - entries in a hashed map (walks it) */
static long count_keys(int fd, struct mover *mv, __u32 key_size, __u32 max)
{
	void *prev = NULL;
	long n = 0;

	while ((unsigned long)n < 2UL * max &&
	       bpf_map_get_next_key(fd, prev, mv->next) == 0) {
		memcpy(mv->key, mv->next, key_size);
		prev = mv->key;
		n++;
	}
	return n;
}

/* copy_hashed - every entry of the old map into the new one, as long as
 * it has room; *seen is how many the old map held. The earlier tc program
 * may still be changing the old map: an entry evicted under the walk
 * restarts it, hence the bound, and a key met twice is copied once. */
static int copy_hashed(const struct migration *m, int new_fd,
		       const struct bpf_map_info *ni, struct mover *mv,
		       long *kept, long *seen)
{
	__u64 steps = 0, limit = 2ULL * m->old.max_entries;
	long copied = 0;
	void *prev = NULL;

	*seen = 0;
	while (steps++ < limit) {
		if (bpf_map_get_next_key(m->old_fd, prev, mv->next) != 0) {
			if (errno == ENOENT)
				break;
			return -errno;
		}
		memcpy(mv->key, mv->next, ni->key_size);
		prev = mv->key;
		if (bpf_map_lookup_elem(m->old_fd, mv->key, mv->old_val) != 0)
			continue;	/* gone meanwhile */
		(*seen)++;
		if ((__u64)copied >= ni->max_entries)
			continue;	/* the new map is smaller: full */
		convert(mv);
		if (bpf_map_update_elem(new_fd, mv->key, mv->new_val, BPF_NOEXIST) == 0)
			copied++;
		else if (errno == EEXIST)
			(*seen)--;	/* met twice: the walk restarted */
		else
			return -errno;
	}
	/* An LRU map may have evicted some to make room: count what is there. */
	*kept = count_keys(new_fd, mv, ni->key_size, ni->max_entries);
	return 0;
}

/* copy_array - index by index, up to the smaller max_entries */
static int copy_array(const struct migration *m, int new_fd,
		      const struct bpf_map_info *ni, struct mover *mv,
		      long *kept, long *seen)
{
	__u32 n = m->old.max_entries < ni->max_entries ? m->old.max_entries : ni->max_entries;

	*seen = m->old.max_entries;
	for (__u32 i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(m->old_fd, &i, mv->old_val) != 0)
			return -errno;
		convert(mv);
		if (bpf_map_update_elem(new_fd, &i, mv->new_val, BPF_ANY) != 0)
			return -errno;
	}
	*kept = n;
	return 0;
}

/* migrate_one - copy what m's old map holds into the map libbpf made for
 * it and log one line; 0 or -errno (reported) */
static int migrate_one(const struct migration *m)
{
	int new_fd = bpf_map__fd(m->map), err;
	struct bpf_map_info ni;
	char change[160], flags[64] = "";
	long kept = 0, seen = 0;
	struct mover mv;

	err = map_info(new_fd, &ni);
	if (err)
		goto bad;
	if (m->old.map_flags != ni.map_flags)
		snprintf(flags, sizeof(flags), ", flags 0x%x -> 0x%x",
			 m->old.map_flags, ni.map_flags);
	snprintf(change, sizeof(change), "value size %u -> %u, max_entries %u -> %u%s",
		 m->old.value_size, ni.value_size, m->old.max_entries,
		 ni.max_entries, flags);
	if (!is_hashed(ni.type) && ni.type != BPF_MAP_TYPE_ARRAY &&
	    ni.type != BPF_MAP_TYPE_PERCPU_ARRAY) {
		/* Ring buffers, maps of maps: nothing learned to keep. */
		msg_info("map %s pinned at %s: %s: replaced, nothing to copy",
			 bpf_map__name(m->map), m->path, change);
		return 0;
	}
	err = mover_init(&mv, m, &ni);
	if (!err)
		err = is_hashed(ni.type) ? copy_hashed(m, new_fd, &ni, &mv, &kept, &seen) :
					   copy_array(m, new_fd, &ni, &mv, &kept, &seen);
	mover_free(&mv);
	if (err)
		goto bad;
	if (seen > kept)
		msg_info("map %s pinned at %s: %s: migrated, %ld entries kept, %ld "
			 "dropped (no room)", bpf_map__name(m->map), m->path, change,
			 kept, seen - kept);
	else
		msg_info("map %s pinned at %s: %s: migrated, %ld entries kept",
			 bpf_map__name(m->map), m->path, change, kept);
	return 0;
bad:
	msg_warn("map %s pinned at %s: cannot migrate it: %s",
		 bpf_map__name(m->map), m->path, strerror(-err));
	return err;
}

/* drop_old_countries - a countries map pinned by an mxgate from before
 * the country table holds LPM tries, and the verifier judges the program
 * by the pinned map's inner map: unpin it, libbpf makes a new one. It
 * holds nothing learned; mxgated fills it from countries_dir at start. */
static void drop_old_countries(struct mxgate_bpf *skel)
{
	const char *path = bpf_map__pin_path(skel->maps.countries);
	struct bpf_map_info info;
	__u32 len = sizeof(info), zero = 0, id;
	int fd, inner, old = 1;

	if (!path || (fd = bpf_obj_get(path)) < 0)
		return;
	if (bpf_map_lookup_elem(fd, &zero, &id) < 0) {
		close(fd);	/* empty: its layout cannot be told, nothing lost */
		unlink(path);
		return;
	}
	inner = bpf_map_get_fd_by_id(id);
	memset(&info, 0, sizeof(info));
	if (inner >= 0 && bpf_obj_get_info_by_fd(inner, &info, &len) == 0 &&
	    info.type == BPF_MAP_TYPE_ARRAY &&
	    info.value_size == sizeof(struct mxg_ct_node) &&
	    (info.map_flags & BPF_F_INNER_MAP))
		old = 0;
	if (inner >= 0)
		close(inner);
	close(fd);
	if (old) {
		msg_info("countries: the map pinned at %s is of an older layout; "
			 "replaced (the country set is loaded again)", path);
		unlink(path);
	}
}

/* bpf_load - open and load the skeleton, maps pinned (or reused) by name */
struct mxgate_bpf *bpf_load(const char *pin_dir, unsigned max_sources,
			    unsigned max_unproven)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct migration mig[MAX_MIGRATIONS];
	struct mxgate_bpf *skel;
	int err, n_mig = 0;

	libbpf_set_print(libbpf_print);
	if (ensure_bpffs(pin_dir) < 0)
		return NULL;
	skel = mxgate_bpf__open_opts(&opts);
	if (!skel) {
		msg_warn("cannot open the BPF object: %s", strerror(errno));
		return NULL;
	}
	err = bpf_map__set_max_entries(skel->maps.verdicts, max_sources);
	if (err) {
		msg_warn("verdicts map: max_sources %u: %s", max_sources,
			 strerror(-err));
		goto bad;
	}
	err = bpf_map__set_max_entries(skel->maps.unproven, max_unproven);
	if (err) {
		msg_warn("unproven map: max_unproven %u: %s", max_unproven,
			 strerror(-err));
		goto bad;
	}
	drop_old_countries(skel);
	n_mig = plan_migrations(skel, mig);
	if (n_mig < 0)
		goto bad;
	err = mxgate_bpf__load(skel);
	if (err) {
		msg_warn("cannot load the tc program (maps pinned under %s): %s",
			 pin_dir, strerror(-err));
		goto unmigrate;
	}
	for (int i = 0; i < n_mig; i++)
		if (migrate_one(&mig[i]) < 0)
			goto unmigrate;
	close_old(mig, n_mig);
	return skel;
unmigrate:
	pin_back(mig, n_mig);
	close_old(mig, n_mig);
bad:
	mxgate_bpf__destroy(skel);
	return NULL;
}

/* bpf_write_config - the daemon's settings into the config map */
int bpf_write_config(struct mxgate_bpf *skel, const struct mxg_config *cfg)
{
	__u32 zero = 0;

	if (bpf_map__update_elem(skel->maps.config, &zero, sizeof(zero), cfg,
				 sizeof(*cfg), BPF_ANY)) {
		msg_warn("config map: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* tc_hook - the ingress hook of ifname, or -1 if there is no such link */
static int tc_hook(const char *ifname, struct bpf_tc_hook *hook)
{
	int ifindex = (int)if_nametoindex(ifname);

	if (!ifindex) {
		msg_warn("interface %s: %s", ifname, strerror(errno));
		return -1;
	}
	memset(hook, 0, sizeof(*hook));
	hook->sz = sizeof(*hook);
	hook->ifindex = ifindex;
	hook->attach_point = BPF_TC_INGRESS;
	return 0;
}

/* bpf_attach - put the program on ifname's ingress, replacing ours;
 * 1 when it had to create the clsact qdisc, 0 when it was there, -1 */
int bpf_attach(struct mxgate_bpf *skel, const char *ifname)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = MXG_TC_HANDLE,
		    .priority = MXG_TC_PRIORITY, .flags = BPF_TC_F_REPLACE);
	struct bpf_tc_hook hook;
	int err, created = 0;

	if (tc_hook(ifname, &hook) < 0)
		return -1;
	opts.prog_fd = bpf_program__fd(skel->progs.mxgate_ingress);
	/* Usually the clsact qdisc is there from an earlier run; creating
	 * it only when missing keeps the kernel's "exists" note out of the
	 * log. */
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		err = bpf_tc_hook_create(&hook);
		if (err && err != -EEXIST) {
			msg_warn("tc hook on %s: %s", ifname, strerror(-err));
			return -1;
		}
		created = err == 0;
		err = bpf_tc_attach(&hook, &opts);
	}
	if (err) {
		msg_warn("tc attach on %s: %s", ifname, strerror(-err));
		return -1;
	}
	return created;
}

/* bpf_detach - take our program off ifname's ingress; with
 * remove_clsact, the clsact qdisc too (mxgate created it) */
int bpf_detach(const char *ifname, int remove_clsact)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = MXG_TC_HANDLE,
		    .priority = MXG_TC_PRIORITY);
	struct bpf_tc_hook hook;
	int err;

	if (tc_hook(ifname, &hook) < 0)
		return -1;
	err = bpf_tc_detach(&hook, &opts);
	if (err && err != -ENOENT) {
		msg_warn("tc detach on %s: %s", ifname, strerror(-err));
		return -1;
	}
	if (!remove_clsact)
		return 0;
	/* Ingress and egress together name the clsact qdisc itself. */
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	err = bpf_tc_hook_destroy(&hook);
	if (err && err != -ENOENT && err != -EINVAL) {
		msg_warn("tc clsact on %s: %s", ifname, strerror(-err));
		return -1;
	}
	return 0;
}

/* bpf_unload - free the skeleton; attached programs and pins stay */
void bpf_unload(struct mxgate_bpf *skel)
{
	mxgate_bpf__destroy(skel);
}
