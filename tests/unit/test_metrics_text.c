/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_metrics_text.c - the /metrics text: every family announced by HELP
 * and TYPE before its samples, the numbers where they belong, the
 * histogram cumulative, nothing per address; the metrics_listen key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "config.h"
#include "metrics_text.h"
#include "test.h"

#define MS	1000000ULL
#define SECOND	1000000000ULL

/* render - metrics_format() of s, in a buffer the caller frees */
static char *render(const struct metrics_snapshot *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	CHECK(out != NULL);
	if (!out)
		return NULL;
	CHECK_EQ_INT(metrics_format(out, s), 0);
	fclose(out);
	return text;
}

/* has_line - text holds this exact line */
static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; p; p = strchr(p, '\n')) {
		p += *p == '\n';
		if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == 0))
			return 1;
	}
	return 0;
}

/* check_structure - the exposition format as Prometheus parses it: each
 * sample's name is the family of the last TYPE line (a histogram's with
 * _bucket, _sum or _count), announced by HELP just before, each family
 * once, every line ending in a newline, values plain numbers */
static void check_structure(const char *text)
{
	char family[128] = "", type[32] = "", seen[4096] = " ";
	const char *p = text;

	CHECK(text[0] && text[strlen(text) - 1] == '\n');
	while (*p) {
		const char *end = strchr(p, '\n');
		char line[1024], name[128], help[128], *value;
		size_t n = end ? (size_t)(end - p) : strlen(p);

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		p += n + (end != NULL);
		if (sscanf(line, "# HELP %127s", help) == 1) {
			char key[132];

			snprintf(key, sizeof(key), " %s ", help);
			if (strstr(seen, key))
				test_fail(__FILE__, __LINE__, "family %s twice", help);
			snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s ", help);
			snprintf(family, sizeof(family), "%s", help);
			type[0] = 0;
			continue;
		}
		if (sscanf(line, "# TYPE %127s %31s", name, type) == 2) {
			if (strcmp(name, family) != 0)
				test_fail(__FILE__, __LINE__, "TYPE %s after HELP %s", name, family);
			if (strcmp(type, "counter") && strcmp(type, "gauge") &&
			    strcmp(type, "histogram"))
				test_fail(__FILE__, __LINE__, "%s: type %s", name, type);
			continue;
		}
		CHECK(line[0] != '#');
		n = strcspn(line, "{ ");
		snprintf(name, sizeof(name), "%.*s", (int)n, line);
		if (!type[0])
			test_fail(__FILE__, __LINE__, "sample before TYPE: %s", line);
		if (strcmp(name, family) != 0) {
			size_t f = strlen(family);
			int hist = strcmp(type, "histogram") == 0 &&
				   strncmp(name, family, f) == 0 &&
				   (!strcmp(name + f, "_bucket") || !strcmp(name + f, "_sum") ||
				    !strcmp(name + f, "_count"));

			if (!hist)
				test_fail(__FILE__, __LINE__, "%s in family %s", name, family);
		}
		if (!strcmp(type, "counter") && strcmp(name + strlen(name) - 6, "_total"))
			test_fail(__FILE__, __LINE__, "counter %s without _total", name);
		value = strrchr(line, ' ');
		CHECK(value && strspn(value + 1, "0123456789.") == strlen(value + 1));
		CHECK(strstr(line, "client") == NULL && strstr(line, "addr") == NULL);
	}
}

/* sample - a snapshot with some of everything */
static void sample(struct metrics_snapshot *s, struct metrics_decisions *d)
{
	memset(s, 0, sizeof(*s));
	memset(d, 0, sizeof(*d));
	s->version = "0.9.0";
	s->stats_ok = 1;
	s->stats[MXG_STAT_ACCEPTED] = 7;
	s->stats[MXG_STAT_REFUSED_GREYLIST] = 5;
	s->stats[MXG_STAT_REFUSED_DNSBL] = 2;
	s->stats[MXG_STAT_REASON + 1] = 4;		/* s25r1 */
	s->stats[MXG_STAT_PROMOTED] = 3;
	s->stats[MXG_STAT_GREYLIST_FIRST] = 6;
	s->stats[MXG_STAT_DNS_ANSWERED] = 40;
	s->stats[MXG_STAT_DNS_TIMEOUT] = 9;
	s->stats[MXG_STAT_DNS_FAILED] = 1;
	s->stats[MXG_STAT_OVERLOAD_EPISODES] = 2;
	s->stats[MXG_STAT_OVERLOAD_TEMPFAIL] = 11;
	s->stats[MXG_STAT_STRESS] = 1;
	s->stats[MXG_STAT_STORE_BYTES] = 65536;
	s->decisions = d;
	s->maps[0] = (struct metrics_map){ "verdicts", 12, 262144 };
	s->maps[1] = (struct metrics_map){ "unproven", -1, 32768 };
	s->maps[2] = (struct metrics_map){ "throttle", 0, 65536 };
	s->n_maps = 3;
	s->rules_loaded = 1;
	s->resolver_up = 1;
}

TEST(metrics_text_counters_from_the_maps)
{
	struct metrics_snapshot s;
	struct metrics_decisions d;
	char *text;

	sample(&s, &d);
	text = render(&s);
	if (!text)
		return;
	check_structure(text);
	CHECK(has_line(text, "mxgate_build_info{version=\"0.9.0\"} 1"));
	CHECK(has_line(text, "mxgate_syns_total{action=\"accepted\",reason=\"none\"} 7"));
	CHECK(has_line(text, "mxgate_syns_total{action=\"refused\",reason=\"greylist\"} 5"));
	CHECK(has_line(text, "mxgate_syns_total{action=\"refused\",reason=\"dnsbl\"} 2"));
	/* Every cause, zeros too: a rate() needs the series before it moves. */
	CHECK(has_line(text, "mxgate_syns_total{action=\"refused\",reason=\"other\"} 0"));
	CHECK(has_line(text, "mxgate_syn_reasons_total{reason=\"s25r1\"} 4"));
	CHECK(has_line(text, "mxgate_syn_reasons_total{reason=\"provider\"} 0"));
	CHECK(has_line(text, "mxgate_greylist_promotions_total 3"));
	CHECK(has_line(text, "mxgate_greylist_first_contacts_total 6"));
	CHECK(has_line(text, "mxgate_dns_queries_total{result=\"answered\"} 40"));
	CHECK(has_line(text, "mxgate_dns_queries_total{result=\"timeout\"} 9"));
	CHECK(has_line(text, "mxgate_dns_queries_total{result=\"failed\"} 1"));
	CHECK(has_line(text, "mxgate_overload_total 2"));
	CHECK(has_line(text, "mxgate_overload_syns_total{outcome=\"tempfail\"} 11"));
	CHECK(has_line(text, "mxgate_overload 1"));
	CHECK(has_line(text, "mxgate_store_bytes 65536"));
	CHECK(has_line(text, "mxgate_map_entries{map=\"verdicts\"} 12"));
	CHECK(has_line(text, "mxgate_map_capacity{map=\"verdicts\"} 262144"));
	CHECK(has_line(text, "mxgate_map_entries{map=\"throttle\"} 0"));
	CHECK(!strstr(text, "map=\"unproven\""));	/* could not be counted */
	CHECK(has_line(text, "mxgate_rules_loaded 1"));
	CHECK(has_line(text, "mxgate_resolver_up 1"));
	CHECK(has_line(text, "# TYPE mxgate_syns_total counter"));
	CHECK(has_line(text, "# TYPE mxgate_resolver_up gauge"));
	free(text);
}

TEST(metrics_text_sharing_only_when_configured)
{
	struct metrics_snapshot s;
	struct metrics_decisions d;
	char *text;

	sample(&s, &d);
	text = render(&s);
	if (!text)
		return;
	CHECK(!strstr(text, "mxgate_share_"));	/* a single gateway */
	free(text);
	s.sharing = 1;
	s.stats[MXG_STAT_SHARE_UP] = 1;
	s.stats[MXG_STAT_SHARE_LAG_MS] = 1234;
	s.stats[MXG_STAT_SHARE_SENT] = 40;
	s.stats[MXG_STAT_SHARE_BAD] = 2;
	text = render(&s);
	if (!text)
		return;
	check_structure(text);
	CHECK(has_line(text, "mxgate_share_up 1"));
	CHECK(has_line(text, "mxgate_share_queue 0"));
	CHECK(has_line(text, "mxgate_share_lag_seconds 1.234"));
	CHECK(has_line(text, "mxgate_share_entries_total{outcome=\"sent\"} 40"));
	CHECK(has_line(text, "mxgate_share_entries_total{outcome=\"bad\"} 2"));
	CHECK(has_line(text, "# TYPE mxgate_share_resyncs_total counter"));
	free(text);
}

TEST(metrics_text_decisions_and_their_histogram)
{
	struct metrics_snapshot s;
	struct metrics_decisions d;
	char *text;

	sample(&s, &d);
	metrics_count_decision(&d, MXG_ACT_PASS, -1, 3 * MS);		/* le 0.005 */
	metrics_count_decision(&d, MXG_ACT_PASS, -1, 5 * MS);		/* le 0.005: bounds included */
	metrics_count_decision(&d, MXG_ACT_GREYLIST, 1, 7 * SECOND);	/* le 10 */
	metrics_count_decision(&d, MXG_ACT_GREYLIST, 0, 100 * SECOND);	/* +Inf */
	metrics_count_decision(&d, 99, 99, 1);			/* nonsense: none, none */
	text = render(&s);
	if (!text)
		return;
	check_structure(text);
	CHECK(has_line(text, "mxgate_decisions_total{action=\"pass\",rule=\"none\"} 2"));
	CHECK(has_line(text, "mxgate_decisions_total{action=\"greylist\",rule=\"s25r1\"} 1"));
	CHECK(has_line(text, "mxgate_decisions_total{action=\"greylist\",rule=\"s25r0\"} 1"));
	CHECK(has_line(text, "mxgate_decisions_total{action=\"none\",rule=\"none\"} 1"));
	CHECK(!strstr(text, "action=\"block\""));	/* only what happened */
	CHECK(has_line(text, "# TYPE mxgate_decision_duration_seconds histogram"));
	/* Cumulative: each bucket holds every observation up to its bound. */
	CHECK(has_line(text, "mxgate_decision_duration_seconds_bucket{le=\"0.005\"} 3"));
	CHECK(has_line(text, "mxgate_decision_duration_seconds_bucket{le=\"5\"} 3"));
	CHECK(has_line(text, "mxgate_decision_duration_seconds_bucket{le=\"10\"} 4"));
	CHECK(has_line(text, "mxgate_decision_duration_seconds_bucket{le=\"60\"} 4"));
	CHECK(has_line(text, "mxgate_decision_duration_seconds_bucket{le=\"+Inf\"} 5"));
	CHECK(has_line(text, "mxgate_decision_duration_seconds_count 5"));
	CHECK(has_line(text, "mxgate_decision_duration_seconds_sum 107.008000001"));
	free(text);
}

TEST(metrics_text_what_is_left_out)
{
	struct metrics_snapshot s;
	struct metrics_decisions d;
	char *text;

	/* No maps to read, rules not ours, resolver down, no verdict yet,
	 * a version with characters a label must escape. */
	sample(&s, &d);
	s.stats_ok = 0;
	s.rules_loaded = -1;
	s.resolver_up = 0;
	s.decisions = NULL;
	s.n_maps = 0;
	s.version = "0.9\"x\\y\nz";
	text = render(&s);
	if (!text)
		return;
	check_structure(text);
	CHECK(has_line(text, "mxgate_build_info{version=\"0.9\\\"x\\\\y\\nz\"} 1"));
	CHECK(!strstr(text, "mxgate_syns_total"));
	CHECK(!strstr(text, "mxgate_dns_queries_total"));
	CHECK(!strstr(text, "mxgate_rules_loaded"));
	CHECK(has_line(text, "mxgate_resolver_up 0"));
	CHECK(has_line(text, "mxgate_decision_duration_seconds_count 0"));
	CHECK(has_line(text, "mxgate_decision_duration_seconds_sum 0.000000000"));
	CHECK(!strstr(text, "mxgate_decisions_total{"));
	CHECK(!strstr(text, "mxgate_map_entries{"));
	free(text);
	/* rules_loaded 0: the rules are not in place. */
	sample(&s, &d);
	s.rules_loaded = 0;
	text = render(&s);
	CHECK(text && has_line(text, "mxgate_rules_loaded 0"));
	free(text);
}

TEST(metrics_text_listen_addresses)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t len = 0;
	char why[256], a[INET6_ADDRSTRLEN];
	static const char *const bad[] = {
		"", "9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
		"127.0.0.1:94a", "127.0.0.1:+1", "localhost:9464", "::1:9464",
		"[::1]", "[::1]9464", "[127.0.0.1]:9464", "[::1:9464", ":9464",
		"127.0.0.1:009464", "[]:9464",
	};

	CHECK_EQ_INT(metrics_listen_parse("127.0.0.1:9464", &ss, &len, why, sizeof(why)), 0);
	CHECK_EQ_INT(ss.ss_family, AF_INET);
	CHECK_EQ_INT(len, sizeof(struct sockaddr_in));
	CHECK_EQ_INT(ntohs(in4->sin_port), 9464);
	CHECK_EQ_STR(inet_ntop(AF_INET, &in4->sin_addr, a, sizeof(a)), "127.0.0.1");
	CHECK_EQ_INT(metrics_listen_parse("[::1]:1", &ss, &len, why, sizeof(why)), 0);
	CHECK_EQ_INT(ss.ss_family, AF_INET6);
	CHECK_EQ_INT(len, sizeof(struct sockaddr_in6));
	CHECK_EQ_INT(ntohs(in6->sin6_port), 1);
	CHECK_EQ_STR(inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a)), "::1");
	CHECK_EQ_INT(metrics_listen_parse("[2001:db8::1]:65535", NULL, NULL, why,
					  sizeof(why)), 0);
	CHECK_EQ_INT(metrics_listen_parse("0.0.0.0:9464", NULL, NULL, why, sizeof(why)), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = 0;
		if (metrics_listen_parse(bad[i], &ss, &len, why, sizeof(why)) != -1)
			test_fail(__FILE__, __LINE__, "\"%s\" accepted", bad[i]);
		else if (!strstr(why, "e.g. 127.0.0.1:9464"))
			test_fail(__FILE__, __LINE__, "\"%s\": %s", bad[i], why);
	}
}

/* conf_text - mxgate.conf of text on top of the defaults; bad lines */
static int conf_text(struct mxg_conf *c, const char *text)
{
	char path[] = "/tmp/mxgate-metrics-conf.XXXXXX";
	int fd = mkstemp(path), rc = -100;

	conf_defaults(c);
	if (fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text))
		rc = conf_load(c, path, NULL);
	if (fd >= 0)
		close(fd);
	unlink(path);
	return rc;
}

TEST(metrics_text_listen_key)
{
	struct mxg_conf c;

	conf_defaults(&c);
	CHECK_EQ_STR(c.metrics_listen, "");		/* off */
	CHECK_EQ_INT(conf_text(&c, "metrics_listen = 127.0.0.1:9464\n"), 0);
	CHECK_EQ_STR(c.metrics_listen, "127.0.0.1:9464");
	CHECK_EQ_INT(conf_text(&c, "metrics_listen = [::1]:9464\n"), 0);
	CHECK_EQ_STR(c.metrics_listen, "[::1]:9464");
	CHECK_EQ_INT(conf_text(&c, "metrics_listen = localhost:9464\n"), 1);
	CHECK_EQ_STR(c.metrics_listen, "");		/* the file refused whole */
	CHECK_EQ_INT(conf_text(&c, "metrics_listen = 9464\n"), 1);
}
