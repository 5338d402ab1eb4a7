/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	mapfill - how many entries a BPF hash map holds
 * DESCRIPTION
 *	Implements mapfill.h (the contract is there).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "mapfill.h"

/* count_keys - key by key (bpf_map_get_next_key), for a kernel without
 * batches */
static long long count_keys(int fd, void *prev, void *next, size_t key_size)
{
	long long n = 0;
	void *from = NULL;

	while (bpf_map_get_next_key(fd, from, next) == 0) {
		n++;
		memcpy(prev, next, key_size);
		from = prev;
	}
	return errno == ENOENT ? n : -errno;
}

/* count_batches - MAPFILL_BATCH entries a call; a negative errno when
 * the kernel cannot (ENOTSUPP, 524, for a map type without batches) */
static long long count_batches(int fd, void *keys, void *values, void *token)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	long long n = 0;
	void *in = NULL;

	for (;;) {
		__u32 count = MAPFILL_BATCH;
		int err = bpf_map_lookup_batch(fd, in, token, keys, values, &count, &opts);

		if (err < 0 && err != -ENOENT)
			return err;
		n += count;
		if (err == -ENOENT)		/* the walk is over */
			return n;
		in = token;
	}
}

/* map_fill - count fd's entries; its capacity into *capacity */
long long map_fill(int fd, long long *capacity)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	void *keys = NULL, *values = NULL, *token = NULL;
	long long n;
	int err;

	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err < 0)
		return err;
	*capacity = info.max_entries;
	keys = malloc((size_t)MAPFILL_BATCH * info.key_size);
	values = malloc((size_t)MAPFILL_BATCH * info.value_size);
	/* A hash map's batch token is a bucket number; a key always holds it. */
	token = calloc(1, info.key_size > 8 ? info.key_size : 8);
	if (!keys || !values || !token)
		n = -ENOMEM;
	else if ((n = count_batches(fd, keys, values, token)) < 0)
		n = count_keys(fd, keys, (char *)keys + info.key_size, info.key_size);
	free(keys);
	free(values);
	free(token);
	return n;
}
