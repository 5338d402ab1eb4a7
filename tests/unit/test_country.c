/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_country.c - country files: layout, actions, bad lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "country.h"
#include "test.h"

static char msgs[8][512];
static int n_msgs;

/* collect - the loader's reporter */
static void collect(const char *msg)
{
	if (n_msgs < 8)
		snprintf(msgs[n_msgs], sizeof(msgs[0]), "%s", msg);
	n_msgs++;
}

/* put - write one file into dir */
static void put(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		test_fail(__FILE__, __LINE__, "cannot write %s", path);
		return;
	}
	fputs(text, f);
	fclose(f);
}

/* cleanup_dir - remove the test directory */
static void cleanup_dir(const char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		test_fail(__FILE__, __LINE__, "cannot remove %s", dir);
}

TEST(country_files_and_actions)
{
	char dir[] = "/tmp/mxgate-country-test.XXXXXX";
	struct country_set set;

	CHECK(mkdtemp(dir) != NULL);
	put(dir, "cn.zone", "1.0.1.0/24\n# comment\n\n1.0.2.0/23 \n");
	put(dir, "kr-aggregated.zone", "1.11.0.0/16\n");
	put(dir, "kr.ipv6.zone", "2001:db8:1::/48\n");
	put(dir, "jp.zone", "1.0.16.0/20\n");		/* jp:pass: not loaded */
	put(dir, "README", "not a zone file\n");
	n_msgs = 0;
	CHECK_EQ_INT(country_load(dir, "jp:pass, kr:greylist", MXG_ACT_BLOCK,
				  &set, collect), 0);
	CHECK_EQ_INT(n_msgs, 0);
	CHECK_EQ_INT(set.files, 4);
	CHECK_EQ_INT(set.n, 4);
	for (size_t i = 0; i < set.n; i++) {
		const struct country_entry *e = &set.entries[i];

		if (!memcmp(e->value.cc, "cn", 2))
			CHECK_EQ_INT(e->value.action, MXG_ACT_BLOCK);
		else if (!memcmp(e->value.cc, "kr", 2))
			CHECK_EQ_INT(e->value.action, MXG_ACT_GREYLIST);
		else
			test_fail(__FILE__, __LINE__, "unexpected country %.2s", e->value.cc);
		if (e->key.prefixlen == 96 + 23)	/* 1.0.2.0/23, mapped */
			CHECK_EQ_INT(e->key.addr[14], 2);
	}
	country_set_free(&set);
	cleanup_dir(dir);
}

TEST(country_bad_files_load_nothing)
{
	char dir[] = "/tmp/mxgate-country-test.XXXXXX";
	struct country_set set;
	char want[300];

	CHECK(mkdtemp(dir) != NULL);
	put(dir, "cn.zone", "1.0.1.0/24\n1.0.1.0/33\n");
	put(dir, "x.zone", "1.0.1.0/24\n");
	n_msgs = 0;
	CHECK_EQ_INT(country_load(dir, "", MXG_ACT_BLOCK, &set, collect), 2);
	CHECK_EQ_INT(set.n, 0);
	snprintf(want, sizeof(want), "%s/cn.zone:2: \"1.0.1.0/33\" is not", dir);
	CHECK((!strncmp(msgs[0], want, strlen(want))) || (!strncmp(msgs[1], want, strlen(want))));
	country_set_free(&set);
	/* No directory at all is no countries, not an error. */
	CHECK_EQ_INT(country_load("/nonexistent/countries.d", "", MXG_ACT_BLOCK,
				  &set, collect), 0);
	cleanup_dir(dir);
}

TEST(country_actions_syntax)
{
	char why[256];

	CHECK_EQ_INT(country_actions_valid("cn:block, kr:greylist br:tarpit", why, sizeof(why)), 0);
	CHECK_EQ_INT(country_actions_valid("cn=block", why, sizeof(why)), -1);
	CHECK(strstr(why, "\"cn=block\" is not cc:action") != NULL);
	CHECK_EQ_INT(country_actions_valid("cn:reject", why, sizeof(why)), -1);
	CHECK_EQ_INT(country_actions_valid("", why, sizeof(why)), 0);
}

TEST(country_long_lines_never_become_networks)
{
	char dir[] = "/tmp/mxgate-country-test.XXXXXX";
	char *text = malloc(4096), want[300];
	struct country_set set;
	size_t n;

	CHECK(mkdtemp(dir) != NULL);
	/* The file: a comment ending in 0.0.0.0/0 after byte 255
	 * added 0.0.0.0/0. Now it is a comment, whatever its length... */
	n = (size_t)sprintf(text, "# ");
	memset(text + n, 'c', 300);
	n += 300;
	sprintf(text + n, " 0.0.0.0/0\n1.0.1.0/24\n");
	put(dir, "cn.zone", text);
	n_msgs = 0;
	CHECK_EQ_INT(country_load(dir, "", MXG_ACT_BLOCK, &set, collect), 0);
	CHECK_EQ_INT(set.n, 1);
	CHECK(set.n == 1 && set.entries[0].key.prefixlen == 96 + 24);
	country_set_free(&set);
	/* ... up to 1,024 bytes; a longer line is refused at its own line
	 * number, never cut into a network. */
	n = (size_t)sprintf(text, "1.0.1.0/24\n# ");
	memset(text + n, 'c', 2000);
	n += 2000;
	sprintf(text + n, " 0.0.0.0/0\n1.0.2.0/24\n");
	put(dir, "cn.zone", text);
	n_msgs = 0;
	CHECK_EQ_INT(country_load(dir, "", MXG_ACT_BLOCK, &set, collect), 1);
	CHECK_EQ_INT(set.n, 0);
	snprintf(want, sizeof(want), "%s/cn.zone:2: line longer than 1024 bytes", dir);
	CHECK(n_msgs == 1 && !strcmp(msgs[0], want));
	/* A NUL byte is refused too; a CRLF file is fine. */
	{
		static const char nul[] = "1.0.1.0/24\0 0.0.0.0/0\n";
		FILE *f;

		snprintf(want, sizeof(want), "%s/cn.zone", dir);
		f = fopen(want, "w");
		CHECK(f != NULL);
		if (f) {
			fwrite(nul, 1, sizeof(nul) - 1, f);
			fclose(f);
		}
	}
	n_msgs = 0;
	CHECK_EQ_INT(country_load(dir, "", MXG_ACT_BLOCK, &set, collect), 1);
	CHECK(n_msgs == 1 && strstr(msgs[0], "cn.zone:1: line contains a NUL byte"));
	put(dir, "cn.zone", "1.0.1.0/24\r\n# comment\r\n2001:db8::/32 \r\n");
	CHECK_EQ_INT(country_load(dir, "", MXG_ACT_BLOCK, &set, collect), 0);
	CHECK_EQ_INT(set.n, 2);
	country_set_free(&set);
	free(text);
	cleanup_dir(dir);
}
