/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	bpf_load - load the tc program, pin its maps, attach it
 * SYNOPSIS
 *	struct mxgate_bpf *bpf_load(const char *pin_dir, unsigned max_sources,
 *				    unsigned max_unproven);
 *	int bpf_write_config(struct mxgate_bpf *skel, const struct mxg_config *cfg);
 *	int bpf_attach(struct mxgate_bpf *skel, const char *ifname);
 *	int bpf_detach(const char *ifname, int remove_clsact);
 *	void bpf_unload(struct mxgate_bpf *skel);
 * DESCRIPTION
 *	bpf_load() opens and loads the skeleton with every map pinned by name
 *	under pin_dir (created, and mounted as bpffs if it is not on one).
 *	Maps already pinned there are reused, so verdicts survive a daemon
 *	restart. A pinned map of another layout (value size, max_entries -
 *	max_sources for verdicts -, flags) is migrated: the old map is
 *	unpinned, the new one created and pinned in its place, and every
 *	entry copied that fits (key size and type must be the same; each
 *	value's common bytes are kept, appended fields start at zero; hash
 *	maps keep up to the new max_entries, arrays the common indices; ring
 *	buffers and maps of maps hold nothing to copy). One line is logged
 *	per map: "map stats pinned at P: value size 8 -> 8, max_entries 55
 *	-> 256: migrated, 55 entries kept". A map whose type or key size
 *	changed is left as it is and the load refused; when the load or a
 *	copy fails, the old maps are pinned back where they were, unchanged.
 *	Entries the earlier tc program (still attached until bpf_attach()
 *	replaces it) writes to an old map after its copy are lost. Returns
 *	NULL on error (reported with msg_warn). bpf_attach() puts the program on ifname's
 *	tc ingress hook (creating clsact if needed, replacing an earlier
 *	mxgate program at the same handle/priority); the program stays
 *	attached when the daemon exits, so cached verdicts keep working.
 *	bpf_attach() returns 1 when it created the clsact qdisc, 0 when one
 *	was there, -1 on error. bpf_detach() removes the program and, with
 *	remove_clsact, the clsact qdisc (with whatever else hangs on it: the
 *	caller asks only for a qdisc mxgate created). bpf_unload() frees the skeleton only.
 */
#ifndef MXG_BPF_LOAD_H
#define MXG_BPF_LOAD_H

#include <linux/types.h>
#include "mxgate.h"

struct mxgate_bpf;

#define MXG_TC_HANDLE	0x6d78	/* "mx" */
#define MXG_TC_PRIORITY	1

struct mxgate_bpf *bpf_load(const char *pin_dir, unsigned max_sources,
			    unsigned max_unproven);
int bpf_write_config(struct mxgate_bpf *skel, const struct mxg_config *cfg);
int bpf_attach(struct mxgate_bpf *skel, const char *ifname);
int bpf_detach(const char *ifname, int remove_clsact);
void bpf_unload(struct mxgate_bpf *skel);

#endif /* MXG_BPF_LOAD_H */
