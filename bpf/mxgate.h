/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mxgate.h - every map key, map value, action and reason bit shared by the
 * tc program (bpf/) and user space (daemon/). Nothing here is defined twice.
 *
 * It includes <linux/types.h> (the kernel's UAPI, both sides) and needs
 * nothing else. Times are CLOCK_MONOTONIC_COARSE nanoseconds (bpf_ktime_get_coarse_ns()
 * in the kernel, clock_gettime(CLOCK_MONOTONIC_COARSE) in user space), so
 * the kernel and the daemon read the same clock. Coarse: a verdict lasts
 * minutes to days, a tick of resolution is plenty, and reading it costs
 * the tc program a memory load instead of a clock-source read (measured:
 * 57 -> 33 ns per cached verdict, `make bench`).
 */
#ifndef MXGATE_H
#define MXGATE_H

#include <linux/types.h>

#define MXG_MAX_PORTS		8	/* protected TCP ports */
#define MXG_DEFAULT_MAX_SOURCES	262144	/* verdicts map entries */

/* Map names; pinned as <pin_dir>/<name>. */
#define MXG_MAP_VERDICTS	"verdicts"
#define MXG_MAP_CONFIG		"config"
#define MXG_MAP_STATS		"stats"
#define MXG_MAP_COUNTRIES	"countries"
#define MXG_MAP_RULE_HITS	"rule_hits"
#define MXG_MAP_DECISIONS	"decisions"	/* mxgated's counters by stat id */
#define MXG_MAP_THROTTLE	"throttle"
#define MXG_MAP_EVENTS		"events"
#define MXG_MAP_UNPROVEN	"unproven"	/* verdicts reached by timeout only */
#define MXG_MAP_MANUAL		"manual"	/* the admin's decisions, by prefix */
#define MXG_DEFAULT_MAX_UNPROVEN 32768	/* unproven map entries */
#define MXG_THROTTLE_ENTRIES	65536	/* token buckets: sources and prefixes */
#define MXG_EVENTS_BYTES	(256 * 1024)	/* ring buffer size */
#define MXG_THROTTLE_PLEN_V4	(96 + 24)	/* per-prefix bucket: /24 */
#define MXG_THROTTLE_PLEN_V6	64		/* per-prefix bucket: /64 */
#define MXG_RULE_SLOTS		32	/* rule_hits: S25R rule numbers */
#define MXG_STAT_SLOTS		256	/* stats, decisions: counter ids */
#define MXG_MAX_COUNTRY_PREFIXES (1 << 20)	/* per country set */

/* What happens to a source's SYNs. Stored in struct mxg_verdict.action. */
enum mxg_action {
	MXG_ACT_NONE = 0,	/* no verdict: the SYN is left to NFQUEUE */
	MXG_ACT_PASS,		/* mark PASS, on to the MTA */
	MXG_ACT_BLOCK,		/* drop in the kernel */
	MXG_ACT_GREYLIST,	/* responder says 450 until retried in window */
	MXG_ACT_TARPIT,		/* responder stutters the banner */
	MXG_ACT_THROTTLE,	/* token bucket, then PASS */
	MXG_ACT_MAX
};

/*
 * Why a verdict was reached; every reason that fired is set. Bit numbers
 * 0..6 are the S25R rules, so MXG_R_S25R(n) == 1 << n.
 */
enum mxg_reason {
	MXG_R_S25R0	= 1u << 0,	/* no PTR, or PTR not forward-confirmed */
	MXG_R_S25R1	= 1u << 1,
	MXG_R_S25R2	= 1u << 2,
	MXG_R_S25R3	= 1u << 3,
	MXG_R_S25R4	= 1u << 4,
	MXG_R_S25R5	= 1u << 5,
	MXG_R_S25R6	= 1u << 6,
	MXG_R_FCRDNS	= 1u << 7,	/* PTR name confirmed by A/AAAA */
	MXG_R_TIMEOUT	= 1u << 8,	/* decided at decision_timeout */
	MXG_R_DNSFAIL	= 1u << 9,	/* DNS server failure, not NXDOMAIN */
	MXG_R_MANUAL	= 1u << 10,	/* set by mxgatectl */
	MXG_R_TABLE_OK	= 1u << 11,	/* an access table said OK */
	MXG_R_TABLE_DENY = 1u << 12,	/* an access table refused */
	MXG_R_DNSBL	= 1u << 13,	/* DNSBL score reached dnsbl_threshold */
	MXG_R_DNSWL	= 1u << 14,	/* score at or below the allowlist threshold */
	MXG_R_S25R_EXTRA = 1u << 15,	/* a supplemental dynamic-pool pattern */
	MXG_R_RETRIED	= 1u << 16,	/* came back inside the greylist window */
	MXG_R_COUNTRY	= 1u << 17,	/* the action of the client's country */
	MXG_R_PREGREET	= 1u << 18,	/* spoke before the tarpit banner ended */
	MXG_R_HANGUP	= 1u << 19,	/* hung up during the tarpit banner */
	MXG_R_WAITED	= 1u << 20,	/* sat out the tarpit banner */
	MXG_R_PROVIDER	= 1u << 21,	/* confirmed name of a big provider */
	MXG_R_SPF	= 1u << 22,	/* a sender domain's SPF pool (sender key) */
};
#define MXG_R_S25R(n)		(1u << (n))
#define MXG_REASON_BITS		23
/* Reasons that make a refusal count as "S25R+greylist" in the breakdown. */
#define MXG_R_S25R_ANY		(0x7fu | MXG_R_S25R_EXTRA)

/*
 * verdicts map key: one type for both families. IPv4 is stored IPv4-mapped
 * (::ffff:a.b.c.d). plen is 128 for a single address; a shorter prefix
 * (IPv4 /24 = 120, IPv6 /64) aggregates a pool, with the host bits zero.
 */
struct mxg_key {
	__u8 addr[16];		/* network byte order */
	__u8 plen;		/* prefix length over the 128-bit form */
	__u8 pad[3];		/* zero */
};

/* mxg_key_is_v4 - an IPv4-mapped key (::ffff:a.b.c.d)? Shared, like the
 * helpers below, so that the kernel and the daemon agree to the bit. */
static inline int mxg_key_is_v4(const struct mxg_key *k)
{
	const __u8 *a = k->addr;

	return a[10] == 0xff && a[11] == 0xff &&
	       !(a[0] | a[1] | a[2] | a[3] | a[4] | a[5] | a[6] | a[7] | a[8] | a[9]);
}

/* mxg_key_prefix - k becomes its /plen prefix (over the 128-bit form, at
 * most 128): host bits cleared, so a prefix has exactly one spelling */
static inline void mxg_key_prefix(struct mxg_key *k, __u32 plen)
{
	int i;

	k->plen = (__u8)plen;
	for (i = 0; i < 16; i++) {
		if (plen >= 8 * (__u32)(i + 1))
			continue;
		if (plen <= 8 * (__u32)i)
			k->addr[i] = 0;
		else
			k->addr[i] &= (__u8)(0xff00 >> (plen - 8 * (__u32)i));
	}
}

/*
 * verdicts map value. decided_ns is when the current action was decided:
 * for GREYLIST the first contact, which starts the greylist clock, and
 * expires_ns the end of the window in which a retry is accepted. The tc
 * program promotes a client that retries after greylist_delay to PASS
 * (reason MXG_R_RETRIED, decided_ns the promotion) for allowlist_ttl,
 * refreshed at every SYN, and reports the renewal to the daemon at most
 * once per MXG_RENEW_REPORT_NS (reported_ns), so decided_ns keeps its
 * meaning while the client keeps coming back.
 *
 * The layout of this and of every other map value changes only by
 * appending fields: mxgated migrates a pinned map of an older layout by
 * copying each old value into the start of the new one, the new fields
 * zero (daemon/bpf_load.c). Never reorder, resize or remove a field.
 */
struct mxg_verdict {
	__u64 decided_ns;	/* when the current action was decided */
	__u64 expires_ns;	/* ignored (SYN queued again) from then on */
	__u32 reasons;		/* enum mxg_reason bits */
	__u32 hits;		/* SYNs the tc program judged by this entry */
	enum mxg_action action;
	__s32 dnsbl_score;	/* weighted DNSBL/DNSWL score */
	/* 32 bytes up to here: the layout before issue 9 */
	union {
		/* PASS: the last renewal reported to the daemon; 0 never */
		__u64 reported_ns;
		/* GREYLIST: the clock (decided_ns) on which the client had
		 * its session with the responder (the 450 with the reason,
		 * or as much of it as the client stayed for); 0 not yet. While
		 * equal to decided_ns, and with MXG_CFG_REPEAT_RESET, the tc
		 * program answers its too-early SYNs with a reset itself. */
		__u64 told_ns;
	};
};

/*
 * A prefix of a country file, as the daemon reads it (struct country_set)
 * and as the country table is built from it; and the key of the manual
 * map.
 */
struct mxg_lpm_key {
	__u32 prefixlen;	/* over the 128-bit form (IPv4: 96 + len) */
	__u8 addr[16];		/* IPv4-mapped for IPv4, network byte order */
};

/*
 * manual map: the admin's own decisions (mxgatectl allow, block), an LPM
 * trie keyed by struct mxg_lpm_key, so that one entry covers a prefix of
 * any length, IPv4 (mapped, 96 + len) or IPv6. The tc program asks it
 * before anything else: a live decision beats the country table and
 * every cached verdict, and the classifier never writes here. The
 * longest live prefix wins: an expired entry sends the lookup on to the
 * next shorter prefix (that is what prefixlen is kept for), at most
 * MXG_MANUAL_SHADOWS times. mxgatectl writes the map and its copy on disk
 * (state_dir, daemon/manual.h), which mxgated puts back at start.
 */
#define MXG_MANUAL_ENTRIES	65536	/* decisions the map holds */
#define MXG_MANUAL_COMMENT	64	/* bytes of a comment, NUL included */
#define MXG_MANUAL_SHADOWS	4	/* expired entries a lookup steps over */

struct mxg_manual {
	__u64 decided_ns;	/* when the admin said it */
	__u64 expires_ns;	/* from then on ignored; 0 = until forgotten */
	__u32 action;		/* MXG_ACT_PASS (allow) or MXG_ACT_BLOCK */
	__u32 hits;		/* SYNs the tc program judged by it */
	__u32 prefixlen;	/* the entry's key's, for the lookup to step on */
	__u32 pad;		/* zero */
	char comment[MXG_MANUAL_COMMENT]; /* the admin's note, NUL-terminated */
};

struct mxg_country {
	char cc[2];		/* ISO 3166 code, lower case: "cn" */
	__u8 action;		/* enum mxg_action */
	__u8 pad;		/* zero */
};

/*
 * countries: an array of one map, holding the country table in force. The
 * daemon builds a new table for every change (daemon/country_table.c) and
 * swaps it in with one update, so no lookup ever sees a half-loaded set.
 *
 * The table is a multibit trie with fixed strides in one BPF array whose
 * elements are nodes of 256 entries: 16 bits at the root, then 8 bits a
 * level (IPv4: 16-8-8, IPv6: 16-8-8-...-8, down to /128). The root is 256
 * consecutive nodes per family: node ROOT + first byte, entry second byte.
 * Every prefix is expanded into the entries of the level where it ends
 * (controlled prefix expansion, the longest prefix wins), so a lookup is
 * one array lookup per level it goes down: an IPv4 /16-/24 costs two, an
 * IPv6 /48 five. A key is IPv4 when IPv4-mapped (::ffff:a.b.c.d), as in
 * the 128-bit form; an IPv6 prefix shorter than /96 that covers
 * ::ffff:0:0/96 also covers every IPv4 address, as it would in an LPM trie.
 *
 * An entry is 0 (no country), MXG_CT_CHILD | node (go down), or
 * MXG_CT_LEAF | action << 16 | cc[0] << 8 | cc[1].
 */
#define MXG_CT_FANOUT		256
#define MXG_CT_ROOT_V4		0	/* nodes 0..255 */
#define MXG_CT_ROOT_V6		256	/* nodes 256..511 */
#define MXG_CT_ROOT_NODES	512
#define MXG_CT_MAX_NODES	(1u << 18)	/* 256 MiB: refused beyond */
#define MXG_CT_CHILD		0x80000000u
#define MXG_CT_LEAF		0x40000000u
#define MXG_CT_NODE_MASK	0x3fffffffu

struct mxg_ct_node {
	__u32 e[MXG_CT_FANOUT];
};

/* mxg_ct_leaf - the entry of a country */
static inline __u32 mxg_ct_leaf(const struct mxg_country *c)
{
	return MXG_CT_LEAF | (__u32)c->action << 16 |
	       (__u32)(__u8)c->cc[0] << 8 | (__u8)c->cc[1];
}

/* mxg_ct_leaf_action - the action of a leaf entry */
static inline __u32 mxg_ct_leaf_action(__u32 e)
{
	return (e >> 16) & 0xff;
}

/* Marks the tc program puts on skb->mark, within mark_mask. */
#define MXG_DEFAULT_MARK_PASS	0x00000100
#define MXG_DEFAULT_MARK_RESPONDER	0x00000200
#define MXG_DEFAULT_MARK_MASK	0x00000f00

/*
 * config map: a one-element array, written by the daemon at start.
 *
 * Throttle is a token bucket kept as one timestamp per key (GCRA): a SYN
 * is in budget when the key's "theoretical arrival time" is no more than
 * tolerance ahead of now, and then moves it interval further. interval is
 * 60 s / rate-per-minute, tolerance is (burst - 1) * interval; an interval
 * of 0 turns that bucket off.
 */
struct mxg_config {
	__u16 ports[MXG_MAX_PORTS];	/* host order; 0 = unused slot */
	__u32 mark_pass;
	__u32 mark_responder;		/* to the responder (nftables redirect) */
	__u32 mark_mask;		/* bits of skb->mark mxgate owns */
	__u8 greylist_plen_v4;		/* 0 = off, else 96 + /len: pool key */
	__u8 greylist_plen_v6;		/* 0 = off, else /len */
	__u8 pad[2];
	__u64 greylist_delay_ns;	/* a retry before this is still refused */
	__u64 allowlist_ttl_ns;		/* a retried client passes this long */
	__u64 throttle_interval_ns;	/* per source */
	__u64 throttle_tolerance_ns;
	__u64 throttle_prefix_interval_ns; /* per /24 or /64 */
	__u64 throttle_prefix_tolerance_ns;
	/* Appended for issue 11 (a shorter pinned value migrates, as
	 * struct mxg_verdict does). */
	__u32 stress;			/* MXG_STRESS_* flags, set by mxgated */
	__u32 flags;			/* MXG_CFG_* (was padding: 0 = none) */
	__u64 stress_until_ns;		/* ... in force until then: a lease */
};

/*
 * mxg_config.stress: mxgated is overloaded (pending table past its
 * high-water mark, or the DNS query budget spent). With
 * MXG_STRESS_TEMPFAIL the tc program sends a SYN of a source without a
 * verdict to the responder (mark_responder) instead of the queue: the
 * client is told to come back later, and only one that completes the
 * handshake is judged (the responder tells mxgated), so a spoofed flood
 * costs no DNS query. overload_action = pass leaves the flag off: such
 * SYNs are queued and mxgated passes what it cannot judge.
 *
 * The flags hold only until stress_until_ns, a lease mxgated renews every
 * second while it is overloaded: a daemon that dies in an overload leaves
 * no client sent to a responder nobody runs. Within MXG_STRESS_LEASE_NS
 * the queue's bypass lets new sources through again (fail-open).
 */
#define MXG_STRESS_LEASE_NS	(3ULL * 1000000000ULL)
#define MXG_STRESS_TEMPFAIL	1u

/*
 * mxg_config.flags. MXG_CFG_REPEAT_RESET (greylist_repeat_reply = reset):
 * a greylisted client back inside greylist_delay whose own verdict says
 * it was told why on its current clock (told_ns == decided_ns) gets a
 * TCP reset from the tc program, sent back out the interface its SYN
 * came in on, instead of a trip to the responder. Frames the program
 * does not rewrite (bpf/reset.h: VLAN tags, IPv4 options, IPv6
 * extension headers, a SYN without TCP options) and clients on a pool's
 * clock go to the responder as without the flag.
 */
#define MXG_CFG_REPEAT_RESET	1u

/* events ring buffer: what the tc program decided on its own, for the
 * daemon to log and write to the on-disk store. */
enum mxg_event_type {
	MXG_EV_PROMOTED = 1,	/* greylisted client retried in time: PASS */
	MXG_EV_RENEWED,		/* an allowlisted client came back: its new
				 * expiry, at most once per MXG_RENEW_REPORT_NS */
};
/* The tc program renews an allowlisted client's pass at every SYN; it
 * tells the daemon (for the disk copy) only this often per client: a
 * day after the promotion (decided_ns) or the last report (reported_ns),
 * whichever is later. */
#define MXG_RENEW_REPORT_NS	(86400ULL * 1000000000ULL)

struct mxg_event {
	__u32 type;		/* enum mxg_event_type */
	struct mxg_key key;	/* the entry that changed (maybe a prefix) */
	struct mxg_verdict verdict;	/* its new value */
};

/*
 * stats map: a per-CPU array of __u64 counters indexed by these ids;
 * decisions (the daemon's counters) is a plain array by the same ids.
 * Actions and reasons get one slot each after their base. Both maps have
 * MXG_STAT_SLOTS entries whatever MXG_STAT_MAX is, so that a new counter
 * does not change the layout of a pinned map.
 */
enum mxg_stat {
	MXG_STAT_PACKETS = 0,	/* packets the tc program saw */
	MXG_STAT_SYN,		/* SYNs without ACK to a protected port */
	MXG_STAT_UNKNOWN,	/* SYNs with no verdict: left to NFQUEUE */
	MXG_STAT_EXPIRED,	/* SYNs whose verdict had expired */
	MXG_STAT_MALFORMED,	/* truncated or unparsable headers (passed) */
	MXG_STAT_COUNTRY,	/* SYNs dropped by a country list */
	MXG_STAT_PROMOTED,	/* greylisted clients that retried in time */
	/*
	 * The seeds' breakdown (seed 001, table 4), in SYNs: each SYN the tc
	 * program or mxgated decides lands in exactly one of ACCEPTED and
	 * REFUSED_*, chosen by mxg_refusal_stat().
	 */
	MXG_STAT_ACCEPTED,	/* on to the MTA */
	MXG_STAT_REFUSED_GREYLIST, /* S25R+greylist: responder, or dropped */
	MXG_STAT_REFUSED_DNSBL,	/* DNS block lists */
	MXG_STAT_REFUSED_COUNTRY, /* country lists (kernel drop or verdict) */
	MXG_STAT_REFUSED_TABLE,	/* static access tables */
	MXG_STAT_REFUSED_THROTTLE, /* over the token bucket */
	MXG_STAT_REFUSED_OTHER,	/* manual blocks, anything else */
	MXG_STAT_GREYLIST_FIRST, /* greylist clocks started (first contacts) */
	MXG_STAT_GREYLIST_EXPIRED, /* retried after the window: clock restarts */
	MXG_STAT_TO_RESPONDER,	/* SYNs marked for the responder */
	MXG_STAT_RULES_RESTORED, /* mxgated reinstalled rules someone removed */
	MXG_STAT_ACTION,	/* + enum mxg_action: SYNs judged per action */
	MXG_STAT_REASON = MXG_STAT_ACTION + MXG_ACT_MAX,
				/* + reason bit: refused SYNs per reason */
	/* Appended after the reasons' slots, so that no id moves. Those
	 * marked (gauge) are values mxgated sets, not counts. */
	MXG_STAT_OVERLOAD_TEMPFAIL = MXG_STAT_REASON + 32,
				/* unjudged SYNs sent to the responder: overload */
	MXG_STAT_OVERLOAD_PASS,	/* unjudged SYNs passed: overload_action pass */
	MXG_STAT_OVERLOAD_EPISODES, /* times mxgated entered overload */
	MXG_STAT_PREFIX_CAP,	/* sources over their prefix's pending share */
	MXG_STAT_DNS_BUDGET,	/* sources refused by the dns_max_qps budget */
	MXG_STAT_DNS_SENT,	/* DNS queries sent */
	MXG_STAT_DNS_ANSWERED,	/* ... answered (records or none) */
	MXG_STAT_DNS_TIMEOUT,	/* ... timed out */
	MXG_STAT_DNS_FAILED,	/* ... failed otherwise (SERVFAIL, refused) */
	MXG_STAT_PROVEN,	/* sources that proved their address: judged
				 * after a handshake with the responder (in
				 * overload), or an unproven verdict moved to
				 * verdicts (handshake, greylist promotion) */
	MXG_STAT_UNPROVEN,	/* verdicts reached by timeout only: kept in
				 * the unproven map, never on disk */
	MXG_STAT_STORE_PRUNED,	/* records pruned from the store while running:
				 * expired, or dropped to make room near full */
	MXG_STAT_STRESS,	/* (gauge) 1 while overloaded */
	MXG_STAT_PENDING,	/* (gauge) sources being classified */
	MXG_STAT_STORE_BYTES,	/* (gauge) on-disk store size */
	MXG_STAT_STORE_RECORDS,	/* (gauge) records in the store */
	MXG_STAT_SPF_CHECKS,	/* SPF checks of a greylisted client's sender */
	MXG_STAT_SPF_PASS,	/* ... that passed: the domain's pool is clocked */
	MXG_STAT_SENDER_PASS,	/* new clients passed on a sender pool's clock */
	MXG_STAT_DNS_DOWN,	/* (gauge) 1 while every DNS lookup times out
				 * (daemon/dns_health.h) */
	MXG_STAT_MANUAL_CHANGES, /* changes of the manual map by mxgatectl:
				  * mxgated shares them (daemon/share.h) */
	MXG_STAT_SHARE_UP,	/* (gauge) 1 while both Redis links are up */
	MXG_STAT_SHARE_QUEUE,	/* (gauge) changes waiting to be written */
	MXG_STAT_SHARE_LAG_MS,	/* (gauge) age of the last stream entry read */
	MXG_STAT_SHARE_SENT,	/* changes written to (settled by) Redis */
	MXG_STAT_SHARE_APPLIED,	/* entries of other gateways applied */
	MXG_STAT_SHARE_DROPPED,	/* changes lost: queue full, refused */
	MXG_STAT_SHARE_BAD,	/* entries from Redis skipped as malformed */
	MXG_STAT_SHARE_RESYNCS,	/* full reads of the shared keys */
	MXG_STAT_REPEAT_RESETS,	/* greylisted repeats the tc program answered
				 * with a reset (MXG_CFG_REPEAT_RESET) */
	MXG_STAT_MAX
};
_Static_assert(MXG_STAT_MAX <= MXG_STAT_SLOTS,
	       "counter ids beyond the stats and decisions maps: raising "
	       "MXG_STAT_SLOTS changes a pinned map's layout (a migration)");
_Static_assert(MXG_REASON_BITS <= 32, "reasons are a __u32");

/*
 * mxg_refusal_stat - the breakdown slot of a refused SYN, by its verdict's
 * reasons and action. Shared so that the kernel and the daemon count alike.
 */
static inline __u32 mxg_refusal_stat(__u32 reasons, __u32 action)
{
	if (reasons & MXG_R_TABLE_DENY)
		return MXG_STAT_REFUSED_TABLE;
	if (reasons & MXG_R_COUNTRY)
		return MXG_STAT_REFUSED_COUNTRY;
	if (reasons & MXG_R_DNSBL)
		return MXG_STAT_REFUSED_DNSBL;
	if (action == MXG_ACT_THROTTLE)
		return MXG_STAT_REFUSED_THROTTLE;
	if ((reasons & (MXG_R_S25R_ANY | MXG_R_PREGREET | MXG_R_HANGUP)) ||
	    action == MXG_ACT_GREYLIST || action == MXG_ACT_TARPIT)
		return MXG_STAT_REFUSED_GREYLIST;
	return MXG_STAT_REFUSED_OTHER;
}

#endif /* MXGATE_H */
