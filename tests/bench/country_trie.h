/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * country_trie.h - benchmark only: the stock BPF LPM trie that the country
 * table replaced (the countries map and country_blocks() as they were in
 * bpf/mxgate.bpf.c), for country_trie.bpf.c.
 */
#ifndef MXG_COUNTRY_TRIE_H
#define MXG_COUNTRY_TRIE_H

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);
		__uint(max_entries, MXG_MAX_COUNTRY_PREFIXES);
		__uint(key_size, sizeof(struct mxg_lpm_key));
		__uint(value_size, sizeof(struct mxg_country));
		__uint(map_flags, BPF_F_NO_PREALLOC);
	});
} countries SEC(".maps");

static __always_inline int country_blocks(const struct mxg_key *src)
{
	struct mxg_lpm_key lk = { .prefixlen = 128 };
	struct mxg_country *c;
	__u32 zero = 0;
	void *set;

	set = bpf_map_lookup_elem(&countries, &zero);
	if (!set)
		return 0;
	__builtin_memcpy(lk.addr, src->addr, sizeof(lk.addr));
	c = bpf_map_lookup_elem(set, &lk);
	return c && c->action == MXG_ACT_BLOCK;
}

#endif /* MXG_COUNTRY_TRIE_H */
