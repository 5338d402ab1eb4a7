/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_dryrun_json.c - check ADDR -j from evidence: every stage, escaped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "addr.h"
#include "dryrun_json.h"
#include "s25r.h"
#include "test.h"

/* dry_json - the document for client with evidence e, decided by the
 * policy; the caller frees it */
static char *dry_json(const struct mxg_conf *c, const struct table_set *tables,
		      const char *client, const struct evidence *e, int country_known)
{
	struct policy_env env = { c, tables, NULL };
	struct decision d;
	struct mxg_key k;
	struct json j;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	addr_parse(client, &k);
	policy_decide(&env, &k, e, &d);
	json_init(&j, f);
	dryrun_json(&j, &env, &k, e, &d, country_known);
	CHECK_EQ_INT(json_finish(&j), 0);
	fclose(f);
	return text;
}

TEST(dryrun_json_a_dynamic_name)
{
	struct table_set none = { 0 };
	struct mxg_conf c;
	struct evidence e;
	char *text;

	CHECK_EQ_INT(s25r_init(), 0);
	conf_defaults(&c);
	evidence_init(&e);
	e.fcrdns.status = FCRDNS_PASS;
	strcpy(e.fcrdns.name, "dyn-198-51-100-20.pool.example.net");
	text = dry_json(&c, &none, "198.51.100.20", &e, 0);
	CHECK(strstr(text, "{\"client\":\"198.51.100.20\",\"dry_run\":true,"
		     "\"address_table\":null,\"dns_skipped\":false,"
		     "\"ptr\":\"dyn-198-51-100-20.pool.example.net\",\"fcrdns\":\"pass\","
		     "\"dns_timed_out\":false,\"name_table\":null,\"s25r_rule\":\"s25r1\","
		     "\"s25r_pattern\":\"") == text);
	CHECK(strstr(text, "\"provider\":null,\"dnsbl\":{\"configured\":false,\"score\":0,"
		     "\"threshold\":1,\"allowlist_threshold\":0},"
		     "\"country\":{\"known\":false,\"code\":null,\"action\":null},"
		     "\"verdict\":{\"action\":\"greylist\",\"reasons\":[\"s25r1\",\"fcrdns\"],"
		     "\"ttl_s\":2700},\"would_pass\":false}\n"));
	free(text);
	s25r_free();
}

TEST(dryrun_json_no_name_a_country_a_timeout)
{
	struct table_set none = { 0 };
	struct mxg_country cn = { .cc = "cn", .action = MXG_ACT_TARPIT };
	struct mxg_conf c;
	struct evidence e;
	char *text;

	CHECK_EQ_INT(s25r_init(), 0);
	conf_defaults(&c);
	evidence_init(&e);
	e.fcrdns.status = FCRDNS_TEMPFAIL;
	e.fcrdns.timed_out = 1;
	e.country = mxg_ct_leaf(&cn);
	text = dry_json(&c, &none, "2001:db8::7", &e, 1);
	CHECK(strstr(text, "\"client\":\"2001:db8::7\""));
	CHECK(strstr(text, "\"ptr\":null,\"fcrdns\":\"tempfail\",\"dns_timed_out\":true,"));
	CHECK(strstr(text, "\"s25r_rule\":\"s25r0\",\"s25r_pattern\":null,"));
	CHECK(strstr(text, "\"country\":{\"known\":true,\"code\":\"cn\",\"action\":\"tarpit\"}"));
	CHECK(strstr(text, "\"reasons\":[\"s25r0\",\"timeout\",\"country\"]"));
	free(text);
	s25r_free();
}

TEST(dryrun_json_a_table_entry_with_any_bytes)
{
	char path[] = "/tmp/mxgate-dryrun-json.XXXXXX", spec[64];
	/* UTF-8, quotes, a backslash, a control byte, Latin-1. */
	const char line[] = "198.51.100.10/32 OK Gr\xc3\xbc\xc3\x9f" "e \"vom\" \\ \x01 \xfc" "ber\n";
	struct table_set tables;
	struct mxg_conf c;
	struct evidence e;
	char *text;
	int fd = mkstemp(path);

	CHECK(fd >= 0 && write(fd, line, sizeof(line) - 1) == (ssize_t)sizeof(line) - 1);
	close(fd);
	snprintf(spec, sizeof(spec), "cidr:%s", path);
	CHECK_EQ_INT(table_set_load(&tables, spec, NULL), 0);
	CHECK_EQ_INT(s25r_init(), 0);
	conf_defaults(&c);
	evidence_init(&e);		/* an address table OK: DNS skipped */
	text = dry_json(&c, &tables, "198.51.100.10", &e, 1);
	CHECK(strstr(text, "\"address_table\":{\"type\":\"cidr\",\"file\":\""));
	CHECK(strstr(text, "\",\"line\":1,\"action\":\"pass\",\"text\":"
		     "\"Gr\xc3\xbc\xc3\x9f" "e \\\"vom\\\" \\\\ \\u0001 \\ufffdber\"},"));
	CHECK(strstr(text, "\"dns_skipped\":true,\"ptr\":null,\"fcrdns\":\"skipped\","));
	CHECK(strstr(text, "\"verdict\":{\"action\":\"pass\",\"reasons\":[\"table_ok\"],"));
	CHECK(strstr(text, "\"would_pass\":true}\n"));
	free(text);
	table_set_free(&tables);
	s25r_free();
	unlink(path);
}
