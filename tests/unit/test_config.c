/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_config.c - mxgate.conf: defaults, good files, every kind of bad line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "test.h"

#define MAX_MSGS 16

static char msgs[MAX_MSGS][1400];
static int n_msgs;

/* collect - conf_load's report callback for the tests */
static void collect(const char *msg)
{
	if (n_msgs < MAX_MSGS)
		snprintf(msgs[n_msgs], sizeof(msgs[0]), "%s", msg);
	n_msgs++;
}

/* load_text - write text to a temporary file and load it on top of c */
static int load_text(struct mxg_conf *c, const char *text, char *path, size_t len)
{
	int fd, rc;

	snprintf(path, len, "/tmp/mxgate-conf-test.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -100;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		return -100;
	}
	close(fd);
	n_msgs = 0;
	rc = conf_load(c, path, collect);
	unlink(path);
	return rc;
}

/* has_msg - some report starts with "PATH:LINE: " and contains text */
static int has_msg(const char *path, int line, const char *text)
{
	char prefix[128];

	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	for (int i = 0; i < n_msgs && i < MAX_MSGS; i++)
		if (!strncmp(msgs[i], prefix, strlen(prefix)) && strstr(msgs[i], text))
			return 1;
	return 0;
}

TEST(config_defaults)
{
	struct mxg_conf c;

	conf_defaults(&c);
	CHECK_EQ_INT(c.n_ports, 1);
	CHECK_EQ_INT(c.ports[0], 25);
	CHECK_EQ_INT(c.queue, 0);
	CHECK_EQ_STR(c.pin_dir, "/sys/fs/bpf/mxgate");
	CHECK_EQ_STR(c.rules_cmd, "mxgate-rules");
	CHECK_EQ_STR(c.dns_servers, "");
	CHECK_EQ_INT(c.decision_timeout_ms, 5000);
	CHECK_EQ_INT(c.verdict_ttl_pass, 86400);
	CHECK_EQ_INT(c.verdict_ttl_block, 3600);
	CHECK_EQ_INT(c.n_interfaces, 0);
	CHECK_EQ_INT(c.s25r_action, MXG_ACT_GREYLIST);
	CHECK_EQ_INT(c.unknown_client_action, MXG_ACT_GREYLIST);
	CHECK_EQ_STR(c.client_access, "");
	CHECK_EQ_INT(c.greylist_delay, 25 * 60);
	CHECK_EQ_INT(c.greylist_window, 45 * 60);
	CHECK_EQ_INT(c.allowlist_ttl, 20 * 86400);
}

TEST(config_good_file)
{
	struct mxg_conf c;
	char path[64];

	conf_defaults(&c);
	CHECK_EQ_INT(load_text(&c,
		"# mxgate\n"
		"\n"
		"interfaces = eth0, eth1\n"
		"  ports=25 587   # submission too\n"
		"queue = 7\n"
		"dns_servers = 203.0.113.53, 192.0.2.1:5353 [2001:db8::53]:53 2001:db8::54\n"
		"pin_dir = /run/mxgate/bpf\n"
		"rules_cmd = none\n"
		"decision_timeout = 1500ms\n"
		"verdict_ttl_pass = 20d\n"
		"verdict_ttl_block = 45m\n"
		"max_pending = 10\n"
		"mark_mask = 0xf000\n"
		"mark_pass = 0x1000\n"
		"mark_tarpit = 0x2000\n"
		"client_access = hash:/etc/mxgate/client_access, pcre:/etc/mxgate/s25r\n"
		"s25r_action = greylist\n"
		"unknown_client_action = tarpit\n"
		"dnsbl_sites = zen.spamhaus.org=127.0.0.[2..11]*3 list.dnswl.org*-2\n"
		"dnsbl_threshold = 3\n"
		"dnsbl_allowlist_threshold = -1\n"
		"dnsbl_max_ttl = 2h\n", path, sizeof(path)), 0);
	CHECK_EQ_INT(n_msgs, 0);
	CHECK_EQ_INT(c.n_interfaces, 2);
	CHECK_EQ_STR(c.interfaces[1], "eth1");
	CHECK_EQ_INT(c.n_ports, 2);
	CHECK_EQ_INT(c.ports[1], 587);
	CHECK_EQ_INT(c.queue, 7);
	CHECK_EQ_STR(c.dns_servers,
		     "203.0.113.53,192.0.2.1:5353,[2001:db8::53]:53,2001:db8::54");
	CHECK_EQ_STR(c.pin_dir, "/run/mxgate/bpf");
	CHECK_EQ_STR(c.rules_cmd, "");
	CHECK_EQ_INT(c.decision_timeout_ms, 1500);
	CHECK_EQ_INT(c.verdict_ttl_pass, 20 * 86400);
	CHECK_EQ_INT(c.verdict_ttl_block, 45 * 60);
	CHECK_EQ_INT(c.max_pending, 10);
	CHECK_EQ_INT(c.mark_pass, 0x1000);
	CHECK_EQ_STR(c.client_access, "hash:/etc/mxgate/client_access, pcre:/etc/mxgate/s25r");
	CHECK_EQ_INT(c.s25r_action, MXG_ACT_GREYLIST);
	CHECK_EQ_INT(c.unknown_client_action, MXG_ACT_TARPIT);
	CHECK_EQ_INT(c.dnsbl_threshold, 3);
	CHECK_EQ_INT(c.dnsbl_allowlist_threshold, -1);
	CHECK_EQ_INT(c.dnsbl_max_ttl, 7200);
	CHECK_EQ_INT(c.dnsbl_min_ttl, 60);
}

TEST(config_every_bad_line_is_reported_with_file_and_line)
{
	struct mxg_conf c, before;
	char path[64];
	int rc;

	conf_defaults(&c);
	before = c;
	rc = load_text(&c,
		"ports = 70000\n"			/* 1 */
		"queue 3\n"				/* 2 */
		"colour = blue\n"			/* 3 */
		"verdict_ttl_pass =\n"			/* 4 */
		"decision_timeout = 5 fortnights\n"	/* 5 */
		"decision_timeout = 90s\n"		/* 6: duplicate */
		"dns_servers = ns1.example.net\n"	/* 7 */
		"interfaces = averyveryverylongname0\n"	/* 8 */
		"max_sources = -5\n"			/* 9 */
		"verdict_ttl_block = 99999999999999999999d\n" /* 10 */
		"pin_dir = relative/path\n"		/* 11 */
		"queue = 12abc\n",			/* 12 */
		path, sizeof(path));
	CHECK_EQ_INT(rc, 12);
	CHECK(has_msg(path, 1, "ports: \"70000\" is not a port"));
	CHECK(has_msg(path, 2, "expected \"key = value\""));
	CHECK(has_msg(path, 3, "unknown key \"colour\""));
	CHECK(has_msg(path, 4, "verdict_ttl_pass: empty value"));
	CHECK(has_msg(path, 5, "decision_timeout: \"5 fortnights\" is not a duration"));
	CHECK(has_msg(path, 6, "already set on line 5"));
	CHECK(has_msg(path, 7, "\"ns1.example.net\" is not an IP address"));
	CHECK(has_msg(path, 8, "too long for an interface name"));
	CHECK(has_msg(path, 9, "max_sources: \"-5\" is not a number"));
	CHECK(has_msg(path, 10, "verdict_ttl_block"));
	CHECK(has_msg(path, 11, "not an absolute path"));
	CHECK(has_msg(path, 12, "queue: \"12abc\" is not a number"));
	/* Nothing of a bad file is applied: the last good state stays. */
	CHECK(memcmp(&c, &before, sizeof(c)) == 0);
}

TEST(config_ranges)
{
	struct mxg_conf c;
	char path[64];

	conf_defaults(&c);
	CHECK_EQ_INT(load_text(&c, "decision_timeout = 50ms\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "out of range"));
	CHECK_EQ_INT(load_text(&c, "verdict_ttl_pass = 366d\n", path, sizeof(path)), 1);
	CHECK_EQ_INT(load_text(&c, "queue = 65536\n", path, sizeof(path)), 1);
	CHECK_EQ_INT(load_text(&c, "ports = 0\n", path, sizeof(path)), 1);
	CHECK_EQ_INT(load_text(&c, "ports = 1 2 3 4 5 6 7 8 9\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "more than 8 ports"));
	CHECK_EQ_INT(load_text(&c, "dns_servers = 192.0.2.1:99999\n", path, sizeof(path)), 1);
	CHECK_EQ_INT(load_text(&c, "s25r_action = reject\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "s25r_action: \"reject\" is not an action"));
	CHECK_EQ_INT(load_text(&c, "unknown_client_action = none\n", path, sizeof(path)), 1);
	CHECK_EQ_INT(load_text(&c, "dnsbl_allowlist_threshold = 2\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "is not a number from -1000 to 0"));
	CHECK_EQ_INT(load_text(&c, "dnsbl_sites = zen.spamhaus.org*x\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "dnsbl_sites: \"x\": weight must be"));
	CHECK_EQ_INT(load_text(&c, "greylist_delay = 1h\ngreylist_window = 30m\n", path, sizeof(path)), 1);
	CHECK(n_msgs == 1 && strstr(msgs[0], "greylist_delay (3600s) must be shorter than greylist_window (1800s)"));
	CHECK_EQ_INT(load_text(&c, "verdict_ttl_block = 60\n", path, sizeof(path)), 0);
	CHECK_EQ_INT(c.verdict_ttl_block, 60);
}

TEST(config_marks_are_cross_checked)
{
	struct mxg_conf c;
	char path[64];

	conf_defaults(&c);
	CHECK_EQ_INT(load_text(&c, "mark_pass = 0x200\n", path, sizeof(path)), 1);
	/* Whole-file problems name the file without a line. */
	CHECK(n_msgs == 1 && strstr(msgs[0], "must be different") &&
	      !strncmp(msgs[0], path, strlen(path)) && msgs[0][strlen(path)] == ':' &&
	      msgs[0][strlen(path) + 1] == ' ');
	CHECK_EQ_INT(c.mark_pass, 0x100);
	CHECK_EQ_INT(load_text(&c, "mark_pass = 0x10000\n", path, sizeof(path)), 1);
}

TEST(config_overlong_line_is_an_error_not_truncated)
{
	struct mxg_conf c;
	char path[64], *text = malloc(3000);

	conf_defaults(&c);
	memset(text, 'x', 2000);
	memcpy(text, "ports = 25 ", 11);
	strcpy(text + 2000, "\nqueue = 3\n");
	CHECK_EQ_INT(load_text(&c, text, path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "longer than"));
	free(text);
}

TEST(config_missing_file)
{
	struct mxg_conf c;

	conf_defaults(&c);
	n_msgs = 0;
	CHECK_EQ_INT(conf_load(&c, "/nonexistent/mxgate.conf", collect), -1);
	CHECK(n_msgs == 1 && strstr(msgs[0], "/nonexistent/mxgate.conf: No such file"));
}
