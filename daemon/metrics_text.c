/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	metrics_text - the Prometheus exposition text, without sockets
 * DESCRIPTION
 *	Implements metrics_text.h (the contract is there). Every family is
 *	written by one call of family() followed by its samples; the
 *	labels are mxgate's own words (names.c, s25r.c), never text a
 *	client sent, but they are escaped all the same.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include "metrics_text.h"
#include "names.h"

#define NS_PER_S	1000000000ULL

/* The histogram's bounds: Prometheus's default buckets, then 30 s and
 * 60 s (decision_timeout goes up to 60 s). Kept as integers and as
 * the text of their le label, so no float is ever rounded. */
static const struct {
	__u64 ns;
	const char *le;
} bounds[METRICS_BUCKETS] = {
	{ 5000000, "0.005" }, { 10000000, "0.01" }, { 25000000, "0.025" },
	{ 50000000, "0.05" }, { 100000000, "0.1" }, { 250000000, "0.25" },
	{ 500000000, "0.5" }, { 1000000000, "1" }, { 2500000000, "2.5" },
	{ 5000000000, "5" }, { 10000000000, "10" }, { 30000000000, "30" },
	{ 60000000000, "60" },
};

/* The breakdown's causes: each refused SYN lands in exactly one
 * (mxg_refusal_stat() in mxgate.h), as mxgatectl stats prints them. */
static const struct {
	const char *reason;
	unsigned id;
} refusals[] = {
	{ "greylist", MXG_STAT_REFUSED_GREYLIST },
	{ "dnsbl", MXG_STAT_REFUSED_DNSBL },
	{ "country", MXG_STAT_REFUSED_COUNTRY },
	{ "table", MXG_STAT_REFUSED_TABLE },
	{ "throttle", MXG_STAT_REFUSED_THROTTLE },
	{ "other", MXG_STAT_REFUSED_OTHER },
};

/* metrics_count_decision - one verdict: its action and rule, its time */
void metrics_count_decision(struct metrics_decisions *m, unsigned action, int rule,
			    __u64 elapsed_ns)
{
	unsigned b = 0;

	if (action >= MXG_ACT_MAX)
		action = MXG_ACT_NONE;
	if (rule < 0 || rule > S25R_ALL)
		rule = METRICS_RULE_NONE;
	m->n[action][rule]++;
	while (b < METRICS_BUCKETS && elapsed_ns > bounds[b].ns)
		b++;
	m->bucket[b]++;
	m->count++;
	m->sum_ns += elapsed_ns;
}

/* family - a family's HELP and TYPE lines */
static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* label - a label value, with \ " and newline escaped as the format says */
static void label(FILE *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', out);
		if (*v == '\n')
			fputs("\\n", out);
		else
			fputc(*v, out);
	}
}

/* single - a family of one sample without labels */
static void single(FILE *out, const char *name, const char *type, const char *help,
		   unsigned long long value)
{
	family(out, name, type, help);
	fprintf(out, "%s %llu\n", name, value);
}

/* format_syns - what happened to SYNs, from the pinned counters */
static void format_syns(FILE *out, const __u64 *t)
{
	family(out, "mxgate_syns_total", "counter",
	       "SYNs to the protected ports decided by the tc program or mxgated, "
	       "each counted once: accepted, or refused by its first cause.");
	fprintf(out, "mxgate_syns_total{action=\"accepted\",reason=\"none\"} %llu\n",
		(unsigned long long)t[MXG_STAT_ACCEPTED]);
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		fprintf(out, "mxgate_syns_total{action=\"refused\",reason=\"%s\"} %llu\n",
			refusals[i].reason, (unsigned long long)t[refusals[i].id]);
	family(out, "mxgate_syn_reasons_total", "counter",
	       "SYNs the tc program refused by a cached verdict, by each reason "
	       "the verdict holds; a SYN with several reasons counts under each.");
	for (unsigned bit = 0; bit < MXG_REASON_BITS; bit++) {
		fputs("mxgate_syn_reasons_total{reason=\"", out);
		label(out, reason_name(bit));
		fprintf(out, "\"} %llu\n", (unsigned long long)t[MXG_STAT_REASON + bit]);
	}
	single(out, "mxgate_greylist_first_contacts_total", "counter",
	       "Greylist clocks started: first contacts of greylisted clients.",
	       t[MXG_STAT_GREYLIST_FIRST]);
	single(out, "mxgate_greylist_promotions_total", "counter",
	       "Greylisted clients that retried in time and were allowlisted.",
	       t[MXG_STAT_PROMOTED]);
	single(out, "mxgate_greylist_repeat_resets_total", "counter",
	       "Greylisted clients back too early that the tc program answered "
	       "with a TCP reset (greylist_repeat_reply = reset).",
	       t[MXG_STAT_REPEAT_RESETS]);
}

/* format_daemon - mxgated's own counters and gauges in the pinned maps */
static void format_daemon(FILE *out, const __u64 *t)
{
	family(out, "mxgate_dns_queries_total", "counter",
	       "DNS queries mxgated sent, by outcome (answered: records or none; "
	       "failed: SERVFAIL, REFUSED, a bad answer).");
	fprintf(out, "mxgate_dns_queries_total{result=\"answered\"} %llu\n"
		"mxgate_dns_queries_total{result=\"timeout\"} %llu\n"
		"mxgate_dns_queries_total{result=\"failed\"} %llu\n",
		(unsigned long long)t[MXG_STAT_DNS_ANSWERED],
		(unsigned long long)t[MXG_STAT_DNS_TIMEOUT],
		(unsigned long long)t[MXG_STAT_DNS_FAILED]);
	single(out, "mxgate_overload_total", "counter",
	       "Times mxgated entered overload (pending table or DNS budget).",
	       t[MXG_STAT_OVERLOAD_EPISODES]);
	family(out, "mxgate_overload_syns_total", "counter",
	       "SYNs of new sources not judged because of overload: told to come "
	       "back (tempfail) or passed (overload_action = pass).");
	fprintf(out, "mxgate_overload_syns_total{outcome=\"tempfail\"} %llu\n"
		"mxgate_overload_syns_total{outcome=\"pass\"} %llu\n",
		(unsigned long long)t[MXG_STAT_OVERLOAD_TEMPFAIL],
		(unsigned long long)t[MXG_STAT_OVERLOAD_PASS]);
	single(out, "mxgate_overload", "gauge", "1 while mxgated is overloaded.",
	       t[MXG_STAT_STRESS]);
	single(out, "mxgate_pending_sources", "gauge",
	       "Sources being classified now.", t[MXG_STAT_PENDING]);
	single(out, "mxgate_store_records", "gauge",
	       "Records in the on-disk store.", t[MXG_STAT_STORE_RECORDS]);
	single(out, "mxgate_store_bytes", "gauge",
	       "Size of the on-disk store in bytes.", t[MXG_STAT_STORE_BYTES]);
	single(out, "mxgate_rules_restored_total", "counter",
	       "Times mxgated reinstalled rules someone removed or changed.",
	       t[MXG_STAT_RULES_RESTORED]);
}

/* format_sharing - the link to the other gateways' Redis (share.h) */
static void format_sharing(FILE *out, const __u64 *t)
{
	single(out, "mxgate_share_up", "gauge",
	       "1 while both links to the gateways' Redis are up.", t[MXG_STAT_SHARE_UP]);
	single(out, "mxgate_share_queue", "gauge",
	       "Changes waiting to be written to Redis.", t[MXG_STAT_SHARE_QUEUE]);
	family(out, "mxgate_share_lag_seconds", "gauge",
	       "Age of the last stream entry read when it was read (0 when idle).");
	fprintf(out, "mxgate_share_lag_seconds %llu.%03llu\n",
		(unsigned long long)(t[MXG_STAT_SHARE_LAG_MS] / 1000),
		(unsigned long long)(t[MXG_STAT_SHARE_LAG_MS] % 1000));
	family(out, "mxgate_share_entries_total", "counter",
	       "Entries shared: written to Redis (sent), of other gateways applied "
	       "here (applied), lost (dropped: queue full or refused), skipped as "
	       "malformed (bad).");
	fprintf(out, "mxgate_share_entries_total{outcome=\"sent\"} %llu\n"
		"mxgate_share_entries_total{outcome=\"applied\"} %llu\n"
		"mxgate_share_entries_total{outcome=\"dropped\"} %llu\n"
		"mxgate_share_entries_total{outcome=\"bad\"} %llu\n",
		(unsigned long long)t[MXG_STAT_SHARE_SENT],
		(unsigned long long)t[MXG_STAT_SHARE_APPLIED],
		(unsigned long long)t[MXG_STAT_SHARE_DROPPED],
		(unsigned long long)t[MXG_STAT_SHARE_BAD]);
	single(out, "mxgate_share_resyncs_total", "counter",
	       "Full reads of the shared keys (first start, trimmed stream, lost data).",
	       t[MXG_STAT_SHARE_RESYNCS]);
}

/* format_decisions - mxgated's verdicts and their time, since it started */
static void format_decisions(FILE *out, const struct metrics_decisions *m)
{
	static const struct metrics_decisions none;
	unsigned long long cum = 0;

	if (!m)
		m = &none;
	family(out, "mxgate_decisions_total", "counter",
	       "Verdicts mxgated reached since it started, by action and by the "
	       "S25R rule that decided (none: no rule).");
	for (unsigned a = 0; a < MXG_ACT_MAX; a++)
		for (int r = 0; r <= METRICS_RULE_NONE; r++)
			if (m->n[a][r])
				fprintf(out, "mxgate_decisions_total{action=\"%s\","
					"rule=\"%s\"} %llu\n", action_name(a),
					r == METRICS_RULE_NONE ? "none" : s25r_name(r),
					m->n[a][r]);
	family(out, "mxgate_decision_duration_seconds", "histogram",
	       "Time from a new client's first SYN to mxgated's verdict.");
	for (unsigned b = 0; b < METRICS_BUCKETS; b++) {
		cum += m->bucket[b];
		fprintf(out, "mxgate_decision_duration_seconds_bucket{le=\"%s\"} %llu\n",
			bounds[b].le, cum);
	}
	cum += m->bucket[METRICS_BUCKETS];
	fprintf(out, "mxgate_decision_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
		"mxgate_decision_duration_seconds_sum %llu.%09llu\n"
		"mxgate_decision_duration_seconds_count %llu\n", cum,
		(unsigned long long)(m->sum_ns / NS_PER_S),
		(unsigned long long)(m->sum_ns % NS_PER_S), m->count);
}

/* format_maps - how full the pinned maps are */
static void format_maps(FILE *out, const struct metrics_snapshot *s)
{
	family(out, "mxgate_map_entries", "gauge", "Entries in each pinned map.");
	for (int i = 0; i < s->n_maps && i < METRICS_MAPS; i++)
		if (s->maps[i].name && s->maps[i].entries >= 0) {
			fputs("mxgate_map_entries{map=\"", out);
			label(out, s->maps[i].name);
			fprintf(out, "\"} %lld\n", s->maps[i].entries);
		}
	family(out, "mxgate_map_capacity", "gauge", "Entries each pinned map can hold.");
	for (int i = 0; i < s->n_maps && i < METRICS_MAPS; i++)
		if (s->maps[i].name && s->maps[i].entries >= 0) {
			fputs("mxgate_map_capacity{map=\"", out);
			label(out, s->maps[i].name);
			fprintf(out, "\"} %lld\n", s->maps[i].capacity);
		}
}

/* metrics_format - the whole exposition text for one scrape */
int metrics_format(FILE *out, const struct metrics_snapshot *s)
{
	family(out, "mxgate_build_info", "gauge", "The mxgate version running; always 1.");
	fputs("mxgate_build_info{version=\"", out);
	label(out, s->version ? s->version : "unknown");
	fputs("\"} 1\n", out);
	if (s->stats_ok) {
		format_syns(out, s->stats);
		format_daemon(out, s->stats);
		if (s->sharing)
			format_sharing(out, s->stats);
	}
	format_decisions(out, s->decisions);
	format_maps(out, s);
	if (s->rules_loaded >= 0)
		single(out, "mxgate_rules_loaded", "gauge",
		       "1 while mxgate's nftables rules are in place as mxgated "
		       "loaded them.", s->rules_loaded > 0);
	single(out, "mxgate_resolver_up", "gauge",
	       "0 once every DNS lookup has timed out for 30 s; 1 again at the "
	       "next answer.", s->resolver_up != 0);
	return ferror(out) ? -1 : 0;
}

/* parse_port - "1".."65535", digits only */
static int parse_port(const char *p, unsigned *port)
{
	unsigned long n = 0;

	if (!*p || strlen(p) > 5)
		return -1;
	for (; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		n = n * 10 + (unsigned long)(*p - '0');
	}
	if (n < 1 || n > 65535)
		return -1;
	*port = (unsigned)n;
	return 0;
}

/* metrics_listen_parse - "127.0.0.1:9464" or "[::1]:9464" */
int metrics_listen_parse(const char *text, struct sockaddr_storage *ss,
			 socklen_t *len, char *why, size_t wlen)
{
	struct sockaddr_storage tmp;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&tmp;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&tmp;
	char host[INET6_ADDRSTRLEN];
	const char *port_text, *end, *orig = text;
	int v6 = text[0] == '[';
	unsigned port;
	size_t n;

	memset(&tmp, 0, sizeof(tmp));
	if (v6) {
		end = strchr(text, ']');
		if (!end || end[1] != ':')
			goto bad;
		text++;
		port_text = end + 2;
	} else {
		end = strchr(text, ':');
		if (!end || strchr(end + 1, ':'))
			goto bad;
		port_text = end + 1;
	}
	n = (size_t)(end - text);
	if (n == 0 || n >= sizeof(host) || parse_port(port_text, &port) < 0)
		goto bad;
	memcpy(host, text, n);
	host[n] = 0;
	if (v6 ? inet_pton(AF_INET6, host, &in6->sin6_addr) != 1
	       : inet_pton(AF_INET, host, &in4->sin_addr) != 1)
		goto bad;
	if (v6) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((__u16)port);
	} else {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((__u16)port);
	}
	if (ss)
		*ss = tmp;
	if (len)
		*len = v6 ? sizeof(*in6) : sizeof(*in4);
	return 0;
bad:
	snprintf(why, wlen, "\"%s\" is not ADDRESS:PORT or [IPv6 ADDRESS]:PORT "
		 "(e.g. 127.0.0.1:9464, [::1]:9464)", orig);
	return -1;
}
