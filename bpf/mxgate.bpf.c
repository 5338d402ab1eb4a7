// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mxgate.bpf.c - tc ingress: enforce cached verdicts on new SMTP SYNs.
 *
 * Only a SYN without ACK to a protected port is judged; every other packet
 * passes untouched. The admin's decisions (the manual map: allow marks
 * the SYN PASS, block drops it) come first, then the country table, then
 * the cached verdicts. A live verdict decides in the kernel: PASS marks the
 * packet so the nftables queue rule lets it by, BLOCK drops it, GREYLIST
 * and TARPIT mark it for the nftables redirect to mxgated's SMTP responder,
 * THROTTLE passes it while the source's token buckets allow. A source
 * without a live verdict passes unmarked, so netfilter queues it to
 * mxgated, which writes the verdict this program reads next time.
 *
 * The greylist clock runs here: a greylisted client that comes back after
 * greylist_delay, inside its window, is promoted to PASS on the spot and
 * the daemon hears of it through the events ring buffer.
 */
/* The kernel's UAPI headers, not a vmlinux.h: the program reads only
 * UAPI structures (struct __sk_buff) and parses headers by byte offset
 * (parse.h), so it needs no CO-RE and builds without the running
 * kernel's BTF. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include "mxgate.h"
#include "parse.h"
#include "reset.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MXG_DEFAULT_MAX_SOURCES);
	__type(key, struct mxg_key);
	__type(value, struct mxg_verdict);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} verdicts SEC(".maps");

/* unproven: verdicts reached by timeout only (no DNS answer about the
 * client, no completed handshake), as a spoofed flood leaves them. Kept
 * apart, so that such a flood evicts only its own kind, never what was
 * learned from real answers; looked up only when verdicts has nothing. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MXG_DEFAULT_MAX_UNPROVEN);
	__type(key, struct mxg_key);
	__type(value, struct mxg_verdict);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} unproven SEC(".maps");

/* manual: the admin's decisions by prefix (mxgatectl allow, block),
 * asked before anything else; see mxgate.h. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MXG_MANUAL_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* required of an LPM trie */
	__type(key, struct mxg_lpm_key);
	__type(value, struct mxg_manual);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} manual SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mxg_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MXG_STAT_SLOTS);	/* fixed: see mxgate.h */
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} stats SEC(".maps");

/* The countries map and country_blocks(). tests/bench/country_trie.bpf.c
 * builds this program with the stock LPM trie the table replaced, to
 * measure both in one run. */
#ifndef MXG_BENCH_STOCK_TRIE
#include "country_lookup.h"
#endif

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

/* decisions: the daemon's own counters, by the same ids as stats; here
 * only so that it is pinned with the others. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MXG_STAT_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} decisions SEC(".maps");

/* throttle: one GCRA timestamp (see struct mxg_config) per source and per
 * /24 or /64 of sources under a THROTTLE verdict. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MXG_THROTTLE_ENTRIES);
	__type(key, struct mxg_key);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} throttle SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, MXG_EVENTS_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} events SEC(".maps");

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

	/* Stop at the highest reason set: most verdicts have two or three. */
	for (bit = 0; bit < MXG_REASON_BITS && (reasons >> bit); bit++)
		if (reasons & (1u << bit))
			count(MXG_STAT_REASON + bit);
}

/* set_mark - put mark into skb->mark within the bits mxgate owns */
static __always_inline void set_mark(struct __sk_buff *skb,
				     const struct mxg_config *cfg, __u32 mark)
{
	skb->mark = (skb->mark & ~cfg->mark_mask) | mark;
}

/* lookup_verdict - the source's own verdict, else its pool's (greylist
 * prefix aggregation), else its unproven one, else NULL; *key is left at
 * the entry found */
static __always_inline struct mxg_verdict *
lookup_verdict(struct mxg_key *key, const struct mxg_config *cfg)
{
	struct mxg_verdict *v = bpf_map_lookup_elem(&verdicts, key);
	__u32 plen = mxg_key_is_v4(key) ? cfg->greylist_plen_v4 : cfg->greylist_plen_v6;
	struct mxg_key pool;

	if (v)
		return v;
	if (plen && plen < 128) {
		pool = *key;
		mxg_key_prefix(&pool, plen);
		v = bpf_map_lookup_elem(&verdicts, &pool);
		if (v) {
			*key = pool;
			return v;
		}
	}
	return bpf_map_lookup_elem(&unproven, key);
}

/* unjudged - a SYN of a source without a live verdict: on to NFQUEUE,
 * unless mxgated is overloaded and wants such clients told to come back
 * (mxgate.h, MXG_STRESS_TEMPFAIL): the responder then says 450 after the
 * handshake, and only a client that completes one costs a lookup */
static __always_inline int unjudged(struct __sk_buff *skb, const struct mxg_config *cfg)
{
	if (!(cfg->stress & MXG_STRESS_TEMPFAIL) ||
	    bpf_ktime_get_coarse_ns() >= cfg->stress_until_ns)
		return TC_ACT_OK;	/* no overload, or its lease ran out */
	count(MXG_STAT_OVERLOAD_TEMPFAIL);
	count(MXG_STAT_TO_RESPONDER);
	set_mark(skb, cfg, cfg->mark_responder);
	return TC_ACT_OK;
}

/* A bucket asked about one SYN: where its state lives and what it said. */
struct gcra_bucket {
	__u64 *tat;		/* the map's value, or NULL: new or off */
	__u64 next;		/* the tat to store if the SYN is let by */
	int on;			/* 0: interval 0, no bucket */
};

/* bucket_allows - may one more SYN pass the bucket under key? Charges
 * nothing: the caller charges only when every bucket allows. */
static __always_inline int bucket_allows(const struct mxg_key *key, __u64 now,
					 __u64 interval, __u64 tolerance,
					 struct gcra_bucket *b)
{
	__u64 start;

	b->on = interval != 0;
	b->tat = NULL;
	if (!b->on)
		return 1;
	b->tat = bpf_map_lookup_elem(&throttle, key);
	start = b->tat && *b->tat > now ? *b->tat : now;
	b->next = start + interval;
	return start - now <= tolerance;
}

/* bucket_charge - the SYN passed: move the bucket on */
static __always_inline void bucket_charge(const struct mxg_key *key,
					  struct gcra_bucket *b)
{
	if (!b->on)
		return;
	if (b->tat)
		*b->tat = b->next;	/* racy across CPUs: a token at worst */
	else
		bpf_map_update_elem(&throttle, key, &b->next, BPF_ANY);
}

/* throttle_ok - the source's bucket and its /24 or /64's both allow; a
 * SYN refused by either spends no token of the other */
static __always_inline int throttle_ok(const struct mxg_key *src, __u64 now,
				       const struct mxg_config *cfg)
{
	struct mxg_key pool = *src;
	struct gcra_bucket own, shared;

	mxg_key_prefix(&pool, mxg_key_is_v4(src) ? MXG_THROTTLE_PLEN_V4 : MXG_THROTTLE_PLEN_V6);
	if (!bucket_allows(src, now, cfg->throttle_interval_ns,
			   cfg->throttle_tolerance_ns, &own) ||
	    !bucket_allows(&pool, now, cfg->throttle_prefix_interval_ns,
			   cfg->throttle_prefix_tolerance_ns, &shared))
		return 0;
	bucket_charge(src, &own);
	bucket_charge(&pool, &shared);
	return 1;
}

/* report - tell mxgated what the program changed, for its log and disk */
static __always_inline void report(__u32 type, const struct mxg_key *key,
				   const struct mxg_verdict *v)
{
	struct mxg_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return;		/* daemon behind: the map still holds it */
	e->type = type;
	e->key = *key;
	e->verdict = *v;
	bpf_ringbuf_submit(e, 0);
}

/* refuse - count a refused SYN in the breakdown and per reason */
static __always_inline void refuse(const struct mxg_verdict *v)
{
	count(mxg_refusal_stat(v->reasons, v->action));
	count_reasons(v->reasons);
}

/* manual_decision - the admin's live decision for the source: the
 * longest prefix of the manual map that covers it and has not expired
 * (an expired one sends the lookup on to the shorter prefixes), or NULL */
static __always_inline struct mxg_manual *manual_decision(const struct mxg_key *src,
							  __u64 now)
{
	struct mxg_lpm_key k = { .prefixlen = 128 };
	struct mxg_manual *m;
	int i;

	__builtin_memcpy(k.addr, src->addr, sizeof(k.addr));
	for (i = 0; i < MXG_MANUAL_SHADOWS; i++) {
		m = bpf_map_lookup_elem(&manual, &k);
		if (!m)
			return NULL;
		if (!m->expires_ns || now < m->expires_ns)
			return m;
		if (m->prefixlen == 0 || m->prefixlen > 128)
			return NULL;
		k.prefixlen = m->prefixlen - 1;
	}
	return NULL;
}

/* obey - enforce the admin's decision: allow marks the SYN for the MTA,
 * block drops it (counted under reason manual); anything else (no
 * mxgatectl writes it) is left to the rest of the program: -1 */
static __always_inline int obey(struct __sk_buff *skb, const struct mxg_config *cfg,
				struct mxg_manual *m)
{
	if (m->action == MXG_ACT_PASS) {
		m->hits++;
		count(MXG_STAT_ACTION + MXG_ACT_PASS);
		count(MXG_STAT_ACCEPTED);
		set_mark(skb, cfg, cfg->mark_pass);
		return TC_ACT_OK;
	}
	if (m->action == MXG_ACT_BLOCK) {
		m->hits++;
		count(MXG_STAT_ACTION + MXG_ACT_BLOCK);
		count(mxg_refusal_stat(MXG_R_MANUAL, MXG_ACT_BLOCK));
		count_reasons(MXG_R_MANUAL);
		return TC_ACT_SHOT;
	}
	return -1;
}

SEC("tc")
int mxgate_ingress(struct __sk_buff *skb)
{
	const __u8 *data = (const __u8 *)(long)skb->data;
	const __u8 *end = (const __u8 *)(long)skb->data_end;
	struct mxg_verdict *v;
	struct mxg_manual *m;
	struct mxg_config *cfg;
	struct mxg_key key;
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
	/* The admin's word first: no cached verdict or country set
	 * overrules it. */
	now = bpf_ktime_get_coarse_ns();
	m = manual_decision(&pkt.key, now);
	if (m && (rc = obey(skb, cfg, m)) >= 0)
		return rc;
	if (country_blocks(&pkt.key)) {
		count(MXG_STAT_COUNTRY);
		count(MXG_STAT_REFUSED_COUNTRY);
		return TC_ACT_SHOT;
	}
	key = pkt.key;
	v = lookup_verdict(&key, cfg);
	if (!v) {
		count(MXG_STAT_UNKNOWN);
		return unjudged(skb, cfg);
	}
	if (now >= v->expires_ns) {
		count(MXG_STAT_EXPIRED);
		if (v->action == MXG_ACT_GREYLIST)
			count(MXG_STAT_GREYLIST_EXPIRED);
		return unjudged(skb, cfg);
	}
	v->hits++;	/* approximate under contention; for the admin only */
	if (v->action < MXG_ACT_MAX)
		count(MXG_STAT_ACTION + v->action);
	switch (v->action) {
	case MXG_ACT_GREYLIST:
		/* The greylist clock: a real MTA retries after the delay and
		 * inside the window (the entry expires with it), a bot not. */
		if (now - v->decided_ns >= cfg->greylist_delay_ns) {
			v->action = MXG_ACT_PASS;
			v->reasons |= MXG_R_RETRIED;
			v->decided_ns = now;
			v->reported_ns = 0;	/* was told_ns */
			v->expires_ns = now + cfg->allowlist_ttl_ns;
			count(MXG_STAT_PROMOTED);
			count(MXG_STAT_ACCEPTED);
			report(MXG_EV_PROMOTED, &key, v);
			set_mark(skb, cfg, cfg->mark_pass);
			return TC_ACT_OK;
		}
		/* Too early. A client told why on this clock, by its own
		 * entry (not a pool's: a new member hears why first), may
		 * get a reset from here; a frame reset.h does not rewrite
		 * goes to the responder like any other. */
		if ((cfg->flags & MXG_CFG_REPEAT_RESET) && v->told_ns &&
		    v->told_ns == v->decided_ns && key.plen == 128 &&
		    (rc = mxg_reset_reply(skb)) != MXG_RESET_NOT_MINE) {
			refuse(v);
			if (rc != MXG_RESET_READY)
				return TC_ACT_SHOT;	/* cut, unfinished */
			count(MXG_STAT_REPEAT_RESETS);
			return bpf_redirect(skb->ifindex, 0);
		}
		/* fall through: the responder says 421 or 450 again */
	case MXG_ACT_TARPIT:
		refuse(v);
		count(MXG_STAT_TO_RESPONDER);
		set_mark(skb, cfg, cfg->mark_responder);
		return TC_ACT_OK;
	case MXG_ACT_BLOCK:
		refuse(v);
		return TC_ACT_SHOT;
	case MXG_ACT_THROTTLE:
		if (!throttle_ok(&pkt.key, now, cfg)) {
			refuse(v);
			return TC_ACT_SHOT;
		}
		count(MXG_STAT_ACCEPTED);
		set_mark(skb, cfg, cfg->mark_pass);
		return TC_ACT_OK;
	case MXG_ACT_PASS:
		/* A client that earned its pass keeps it while it comes back;
		 * the disk copy hears of it once a day after the promotion
		 * (itself reported) or the last renewal report. */
		if (v->reasons & MXG_R_RETRIED) {
			/* The later of the two, compared as times (a signed
			 * difference), not as numbers. */
			__u64 told = v->reported_ns &&
				     (__s64)(v->reported_ns - v->decided_ns) > 0 ?
				     v->reported_ns : v->decided_ns;

			v->expires_ns = now + cfg->allowlist_ttl_ns;
			if (now - told >= MXG_RENEW_REPORT_NS) {
				v->reported_ns = now;
				report(MXG_EV_RENEWED, &key, v);
			}
		}
		count(MXG_STAT_ACCEPTED);
		set_mark(skb, cfg, cfg->mark_pass);
		return TC_ACT_OK;
	default:
		return TC_ACT_OK;
	}
}
