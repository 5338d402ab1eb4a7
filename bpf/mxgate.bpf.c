// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mxgate.bpf.c - tc ingress: enforce cached verdicts on new SMTP SYNs.
 *
 * Only a SYN without ACK to a protected port is judged; every other packet
 * passes untouched. A live verdict decides in the kernel: PASS marks the
 * packet so the nftables queue rule lets it by, BLOCK drops it. A source
 * without a live verdict passes unmarked, so netfilter queues it to
 * mxgated, which writes the verdict this program reads next time.
 */
/* vmlinux.h has a type named "config"; rename it so the map can keep the
 * name it is pinned and documented under. */
#define config vmlinux_config
#include "vmlinux.h"
#undef config
#include <bpf/bpf_helpers.h>
#include "mxgate.h"
#include "parse.h"

#define TC_ACT_OK	0
#define TC_ACT_SHOT	2

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MXG_DEFAULT_MAX_SOURCES);
	__type(key, struct mxg_key);
	__type(value, struct mxg_verdict);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} verdicts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mxg_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MXG_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	/* The country set in force; must come last. */
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);
		__uint(max_entries, MXG_MAX_COUNTRY_PREFIXES);
		/* Sizes, not types: a nested map's types reach BTF only as
		 * forward declarations, which libbpf cannot size. */
		__uint(key_size, sizeof(struct mxg_lpm_key));
		__uint(value_size, sizeof(struct mxg_country));
		__uint(map_flags, BPF_F_NO_PREALLOC);
	});
} countries SEC(".maps");

/* rule_hits: decisions per S25R rule number (0 = no confirmed name),
 * kept by mxgated and read by mxgatectl stats; the program never uses it,
 * it lives here so that it is pinned with the others. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MXG_RULE_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rule_hits SEC(".maps");

/* count - bump one per-CPU counter */
static __always_inline void count(__u32 id)
{
	__u64 *c = bpf_map_lookup_elem(&stats, &id);

	if (c)
		*c += 1;
}

/* protected_port - is port one of config.ports (port 25 if none set)? */
static __always_inline int protected_port(const struct mxg_config *cfg,
					  __u16 port)
{
	int i;

	if (cfg->ports[0] == 0)
		return port == 25;
	for (i = 0; i < MXG_MAX_PORTS; i++) {
		if (cfg->ports[i] == 0)
			return 0;
		if (cfg->ports[i] == port)
			return 1;
	}
	return 0;
}

/* count_reasons - one counter per reason bit of a blocked SYN */
static __always_inline void count_reasons(__u32 reasons)
{
	int bit;

	for (bit = 0; bit < MXG_REASON_BITS; bit++)
		if (reasons & (1u << bit))
			count(MXG_STAT_REASON + bit);
}

/* set_mark - put mark into skb->mark within the bits mxgate owns */
static __always_inline void set_mark(struct __sk_buff *skb,
				     const struct mxg_config *cfg, __u32 mark)
{
	skb->mark = (skb->mark & ~cfg->mark_mask) | mark;
}

/* country_blocks - is the source in a country set whose action refuses? */
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
	/* XXX - greylist and tarpit drop too until the responder exists. */
	return c && (c->action == MXG_ACT_BLOCK || c->action == MXG_ACT_GREYLIST ||
		     c->action == MXG_ACT_TARPIT);
}

SEC("tc")
int mxgate_ingress(struct __sk_buff *skb)
{
	const __u8 *data = (const __u8 *)(long)skb->data;
	const __u8 *end = (const __u8 *)(long)skb->data_end;
	struct mxg_verdict *v;
	struct mxg_config *cfg;
	struct mxg_pkt pkt;
	__u32 zero = 0;
	__u64 now;
	int rc;

	count(MXG_STAT_PACKETS);
	rc = mxg_parse_eth(data, end, &pkt);
	if (rc == MXG_PARSE_TRUNCATED) {
		count(MXG_STAT_MALFORMED);
		return TC_ACT_OK;
	}
	if (rc != MXG_PARSE_OK || !mxg_is_new_syn(&pkt))
		return TC_ACT_OK;
	cfg = bpf_map_lookup_elem(&config, &zero);
	if (!cfg || !protected_port(cfg, pkt.dport))
		return TC_ACT_OK;

	count(MXG_STAT_SYN);
	if (country_blocks(&pkt.key)) {
		count(MXG_STAT_COUNTRY);
		return TC_ACT_SHOT;
	}
	v = bpf_map_lookup_elem(&verdicts, &pkt.key);
	if (!v) {
		count(MXG_STAT_UNKNOWN);
		return TC_ACT_OK;
	}
	now = bpf_ktime_get_coarse_ns();
	if (now >= v->expires_ns) {
		count(MXG_STAT_EXPIRED);
		return TC_ACT_OK;
	}
	v->hits++;	/* approximate under contention; for the admin only */
	if (v->action < MXG_ACT_MAX)
		count(MXG_STAT_ACTION + v->action);
	switch (v->action) {
	case MXG_ACT_GREYLIST:
		/* The greylist clock: a real MTA retries after the delay and
		 * inside the window (the entry expires with it), a bot not. */
		if (now - v->set_ns >= cfg->greylist_delay_ns) {
			v->action = MXG_ACT_PASS;
			v->reasons |= MXG_R_RETRIED;
			v->set_ns = now;
			v->expires_ns = now + cfg->allowlist_ttl_ns;
			count(MXG_STAT_PROMOTED);
			set_mark(skb, cfg, cfg->mark_pass);
			return TC_ACT_OK;
		}
		/* fall through: too early */
	case MXG_ACT_BLOCK:
	/* XXX - greylist and tarpit are dropped until mxgated has its SMTP
	 * responder to send them to (then: the tarpit mark). */
	case MXG_ACT_TARPIT:
		count_reasons(v->reasons);
		return TC_ACT_SHOT;
	case MXG_ACT_PASS:
	case MXG_ACT_THROTTLE:
		/* A client that earned its pass keeps it while it comes back. */
		if (v->reasons & MXG_R_RETRIED)
			v->expires_ns = now + cfg->allowlist_ttl_ns;
		set_mark(skb, cfg, cfg->mark_pass);
		return TC_ACT_OK;
	default:
		return TC_ACT_OK;
	}
}
