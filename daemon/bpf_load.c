/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bpf_load.c - load, pin and attach the tc program; see bpf_load.h. */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
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

/* pin_differs - first attribute in which the pinned map (info) is not
 * the map this build wants; writes it to why, returns 0 when they agree */
static int pin_differs(const struct bpf_map_info *info,
		       const struct bpf_map *want, char *why, size_t len)
{
	const struct {
		const char *what;	/* attribute, as bpftool names it */
		__u32 have;		/* the pinned map's */
		__u32 want;		/* this build's */
	} attr[] = {
		{ "type", info->type, (__u32)bpf_map__type(want) },
		{ "key size", info->key_size, bpf_map__key_size(want) },
		{ "value size", info->value_size, bpf_map__value_size(want) },
		{ "max_entries", info->max_entries, bpf_map__max_entries(want) },
		{ "flags", info->map_flags, bpf_map__map_flags(want) },
	};

	for (size_t i = 0; i < sizeof(attr) / sizeof(attr[0]); i++) {
		if (attr[i].have != attr[i].want) {
			snprintf(why, len, "%s %u, this mxgate wants %u",
				 attr[i].what, attr[i].have, attr[i].want);
			return 1;
		}
	}
	return 0;
}

/* check_pins - every map already pinned fits what this build wants.
 * libbpf refuses to reuse a pin that does not, but says only "parameter
 * mismatch"; the admin needs the map, the pin and the difference. */
static int check_pins(struct mxgate_bpf *skel)
{
	struct bpf_map_info info;
	struct bpf_map *map;
	char why[128];
	__u32 len;
	int fd, bad = 0;

	bpf_object__for_each_map(map, skel->obj) {
		const char *path = bpf_map__pin_path(map);

		if (!path)
			continue;
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;	/* not pinned yet: libbpf creates it */
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
		    pin_differs(&info, map, why, sizeof(why))) {
			/* It holds learned state: never replaced silently. */
			msg_warn("map %s pinned at %s does not fit: %s; move it "
				 "away (or restore the old setting) and restart",
				 bpf_map__name(map), path, why);
			bad = 1;
		}
		close(fd);
	}
	return bad ? -1 : 0;
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
struct mxgate_bpf *bpf_load(const char *pin_dir, unsigned max_sources)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct mxgate_bpf *skel;
	int err;

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
	drop_old_countries(skel);
	if (check_pins(skel) < 0)
		goto bad;
	err = mxgate_bpf__load(skel);
	if (err) {
		msg_warn("cannot load the tc program (maps pinned under %s): %s",
			 pin_dir, strerror(-err));
		goto bad;
	}
	return skel;
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

/* bpf_attach - put the program on ifname's ingress, replacing ours */
int bpf_attach(struct mxgate_bpf *skel, const char *ifname)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = MXG_TC_HANDLE,
		    .priority = MXG_TC_PRIORITY, .flags = BPF_TC_F_REPLACE);
	struct bpf_tc_hook hook;
	int err;

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
		err = bpf_tc_attach(&hook, &opts);
	}
	if (err) {
		msg_warn("tc attach on %s: %s", ifname, strerror(-err));
		return -1;
	}
	return 0;
}

/* bpf_detach - take our program off ifname's ingress */
int bpf_detach(const char *ifname)
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
	return 0;
}

/* bpf_unload - free the skeleton; attached programs and pins stay */
void bpf_unload(struct mxgate_bpf *skel)
{
	mxgate_bpf__destroy(skel);
}
