/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_config.c - mxgate.conf: defaults, good files, every kind of bad line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "addr.h"
#include "config.h"
#include "test.h"

#define MAX_MSGS 16

static char msgs[MAX_MSGS][1400];	/* the reports of the last load */
static int n_msgs;			/* how many there were */

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
		"mark_responder = 0x2000\n"
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
	CHECK(has_msg(path, 8, "\"averyveryverylongname0\" is not an interface name"));
	CHECK(has_msg(path, 9, "max_sources: \"-5\" is not a number"));
	CHECK(has_msg(path, 10, "verdict_ttl_block: \"99999999999999999999d\" is out of range"));
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
	CHECK_EQ_INT(load_text(&c, "dnsbl_threshold = 0\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "dnsbl_threshold: \"0\" is out of range (1-1000)"));
	CHECK_EQ_INT(load_text(&c, "dnsbl_allowlist_threshold = -1001\n", path, sizeof(path)), 1);
	CHECK_EQ_INT(load_text(&c, "dnsbl_allowlist_threshold = 2\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "is not a number from -1000 to 0"));
	CHECK_EQ_INT(load_text(&c, "dnsbl_sites = zen.spamhaus.org*x\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "dnsbl_sites: \"x\": weight must be"));
	CHECK_EQ_INT(load_text(&c, "greylist_delay = 1h\ngreylist_window = 30m\n", path, sizeof(path)), 1);
	CHECK(n_msgs == 1 && strstr(msgs[0], "greylist_delay (3600s) must be shorter than greylist_window (1800s)"));
	CHECK_EQ_INT(load_text(&c, "verdict_ttl_block = 60\n", path, sizeof(path)), 0);
	CHECK_EQ_INT(c.verdict_ttl_block, 60);
}

/* has_file_msg - some report is "PATH: " (no line: the whole file) + text */
static int has_file_msg(const char *path, const char *text)
{
	size_t n = strlen(path);

	for (int i = 0; i < n_msgs && i < MAX_MSGS; i++)
		if (!strncmp(msgs[i], path, n) && msgs[i][n] == ':' &&
		    msgs[i][n + 1] == ' ' && strstr(msgs[i], text))
			return 1;
	return 0;
}

TEST(config_marks_are_cross_checked)
{
	struct mxg_conf c;
	char path[64];

	conf_defaults(&c);
	CHECK_EQ_INT(load_text(&c, "mark_pass = 0x200\n", path, sizeof(path)), 1);
	/* Whole-file problems name the file without a line. */
	CHECK(n_msgs == 1 && has_file_msg(path, "mark_pass and mark_responder must be "
					  "different (both 0x200)"));
	CHECK_EQ_INT(c.mark_pass, 0x100);
	CHECK_EQ_INT(load_text(&c, "mark_pass = 0x10000\n", path, sizeof(path)), 1);
	CHECK(has_file_msg(path, "mark_pass 0x10000 is outside mark_mask 0xf00"));
	CHECK_EQ_INT(load_text(&c, "mark_responder = 0\n", path, sizeof(path)), 1);
	CHECK(has_file_msg(path, "mark_responder must not be 0"));
	CHECK_EQ_INT(load_text(&c, "mark_mask = 0\n", path, sizeof(path)), 2);
	CHECK_EQ_INT(c.mark_mask, 0xf00);
	/* Hex or decimal; the file as a whole is what counts. */
	CHECK_EQ_INT(load_text(&c, "mark_pass = 4096\nmark_responder = 0x2000\n"
			       "mark_mask = 0XF000\n", path, sizeof(path)), 0);
	CHECK_EQ_INT(c.mark_pass, 0x1000);
	CHECK_EQ_INT(c.mark_responder, 0x2000);
	CHECK_EQ_INT(c.mark_mask, 0xf000);
	CHECK_EQ_INT(load_text(&c, "mark_mask = 0x1ffffffff\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "mark_mask: \"0x1ffffffff\" is out of range"));
	CHECK_EQ_INT(load_text(&c, "mark_mask = 0xfg\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "mark_mask: \"0xfg\" is not a decimal or 0x hex number"));
	CHECK_EQ_INT(load_text(&c, "mark_mask = 0x\n", path, sizeof(path)), 1);
	CHECK_EQ_INT(load_text(&c, "mark_mask = 0x0x10\n", path, sizeof(path)), 1);
}

TEST(config_numbers_are_decimal)
{
	struct mxg_conf c;
	char path[64];

	conf_defaults(&c);
	/* A leading zero is not octal. */
	CHECK_EQ_INT(load_text(&c, "queue = 010\nports = 025\n", path, sizeof(path)), 0);
	CHECK_EQ_INT(c.queue, 10);
	CHECK_EQ_INT(c.ports[0], 25);
	CHECK_EQ_INT(load_text(&c, "queue = 0x10\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "queue: \"0x10\" is not a number"));
	CHECK_EQ_INT(load_text(&c, "max_pending = -1\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "max_pending: \"-1\" is not a number"));
	CHECK_EQ_INT(load_text(&c, "max_pending = +1\n", path, sizeof(path)), 1);
	CHECK_EQ_INT(load_text(&c, "max_pending = 1 000\n", path, sizeof(path)), 1);
	CHECK_EQ_INT(load_text(&c, "max_sources = 1023\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "max_sources: \"1023\" is out of range (1024-16777216)"));
	CHECK_EQ_INT(load_text(&c, "max_sources = 18446744073709551616\n", path,
			       sizeof(path)), 1);
	CHECK(has_msg(path, 1, "is out of range"));
	CHECK_EQ_INT(load_text(&c, "max_sources = 16777216\nmax_pending = 1\n",
			       path, sizeof(path)), 0);
	CHECK_EQ_INT(c.max_sources, 16777216);
	CHECK_EQ_INT(c.max_pending, 1);
	CHECK_EQ_INT(c.queue, 10);	/* what the file does not name stays */
}

TEST(config_durations)
{
	static const struct {
		const char *line;
		unsigned ms;	/* decision_timeout, ms */
	} ms[] = {
		{ "decision_timeout = 100ms\n", 100 },
		{ "decision_timeout = 2\n", 2000 },
		{ "decision_timeout = 30s\n", 30000 },
		{ "decision_timeout = 1m\n", 60000 },
		{ "decision_timeout=7s#comment\n", 7000 },
	};
	static const struct {
		const char *line;
		unsigned s;	/* verdict_ttl_pass, seconds */
	} secs[] = {
		{ "verdict_ttl_pass = 1\n", 1 },
		{ "verdict_ttl_pass = 2000ms\n", 2 },
		{ "verdict_ttl_pass = 90m\n", 5400 },
		{ "verdict_ttl_pass = 36h\n", 129600 },
		{ "verdict_ttl_pass = 365d\n", 365 * 86400 },
	};
	static const char *const bad[] = {
		"decision_timeout = 99ms\n", "decision_timeout = 61s\n",
		"decision_timeout = 0\n", "decision_timeout = 5x\n",
		"decision_timeout = 5 s\n", "decision_timeout = s\n",
		"decision_timeout = -5s\n", "decision_timeout = 5S\n",
		"decision_timeout = 5sec\n", "decision_timeout = 1.5s\n",
		"verdict_ttl_pass = 0s\n", "verdict_ttl_pass = 999ms\n",
		"verdict_ttl_pass = 1500ms\n", "verdict_ttl_pass = 366d\n",
		"verdict_ttl_pass = 213503982334601d\n",
		"verdict_ttl_pass = 99999999999999999999d\n",
		"verdict_ttl_pass = 99999999999999999999x\n",
	};
	struct mxg_conf c;
	char path[64];

	conf_defaults(&c);
	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		CHECK_EQ_INT(load_text(&c, ms[i].line, path, sizeof(path)), 0);
		CHECK_EQ_INT(c.decision_timeout_ms, ms[i].ms);
	}
	for (size_t i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
		CHECK_EQ_INT(load_text(&c, secs[i].line, path, sizeof(path)), 0);
		CHECK_EQ_INT(c.verdict_ttl_pass, secs[i].s);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (load_text(&c, bad[i], path, sizeof(path)) != 1 || !has_msg(path, 1, ": "))
			test_fail(__FILE__, __LINE__, "accepted: %s", bad[i]);
	CHECK_EQ_INT(c.verdict_ttl_pass, 365 * 86400);
	/* Ranges are said in the units a person would write. */
	CHECK_EQ_INT(load_text(&c, "verdict_ttl_pass = 366d\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "verdict_ttl_pass: \"366d\" is out of range (1s-365d)"));
	CHECK_EQ_INT(load_text(&c, "decision_timeout = 99ms\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "decision_timeout: \"99ms\" is out of range (100ms-1m)"));
	CHECK_EQ_INT(load_text(&c, "verdict_ttl_pass = 99999999999999999999d\n", path,
			       sizeof(path)), 1);
	CHECK(has_msg(path, 1, "is out of range (1s-365d)"));
	CHECK_EQ_INT(load_text(&c, "verdict_ttl_pass = 1500ms\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "\"1500ms\" is not a whole number of seconds"));
	CHECK_EQ_INT(load_text(&c, "decision_timeout = 5 fortnights\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "is not a duration"));
}

TEST(config_lists)
{
	struct mxg_conf c;
	char path[64];

	conf_defaults(&c);
	CHECK_EQ_INT(load_text(&c, "interfaces = eth0,eth1\tveth-gw.1 ,\n"
			       "ports = 25,,587\n", path, sizeof(path)), 0);
	CHECK_EQ_INT(c.n_interfaces, 3);
	CHECK_EQ_STR(c.interfaces[2], "veth-gw.1");
	CHECK_EQ_INT(c.n_ports, 2);
	CHECK_EQ_INT(load_text(&c, "ports = ,\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "ports: \",\" names no port"));
	CHECK_EQ_INT(load_text(&c, "ports = 25 587 25\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "ports: \"25\" is listed twice"));
	CHECK_EQ_INT(load_text(&c, "ports = 25x\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "ports: \"25x\" is not a port (1-65535)"));
	CHECK_EQ_INT(load_text(&c, "interfaces = eth0 eth0\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "interfaces: \"eth0\" is listed twice"));
	CHECK_EQ_INT(load_text(&c, "interfaces = eth/0\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "interfaces: \"eth/0\" is not an interface name"));
	CHECK_EQ_INT(load_text(&c, "interfaces = ..\n", path, sizeof(path)), 1);
	CHECK_EQ_INT(load_text(&c, "interfaces = a b c d e f g h i j k l m n o p q\n",
			       path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "more than 16 interfaces"));
	/* 15 characters is the longest name the kernel takes. */
	CHECK_EQ_INT(load_text(&c, "interfaces = abcdefghijklmno\n", path, sizeof(path)), 0);
	CHECK_EQ_INT(load_text(&c, "interfaces = abcdefghijklmnop\n", path, sizeof(path)), 1);
	CHECK_EQ_STR(c.interfaces[0], "abcdefghijklmno");
	CHECK_EQ_INT(c.n_interfaces, 1);
	CHECK_EQ_INT(c.n_ports, 2);
}

/* trusted - conf_trusted() for the client text (a host address) */
static int trusted(const struct mxg_conf *c, const char *client)
{
	struct mxg_key k;

	CHECK_EQ_INT(addr_parse(client, &k), 0);
	CHECK_EQ_INT(k.plen, 128);
	return conf_trusted(c, &k);
}

TEST(config_trusted_networks)
{
	struct mxg_conf c;
	char path[64], value[CONF_VALUE_MAX], line[2048];
	size_t i;
	int o;

	conf_defaults(&c);
	for (i = 0; strcmp(conf_key_at(i)->name, "trusted_networks") != 0; i++)
		;
	/* The default: loopback, both families, nothing else. */
	CHECK_EQ_INT(c.n_trusted, 2);
	CHECK(trusted(&c, "127.0.0.1") && trusted(&c, "127.255.255.254"));
	CHECK(trusted(&c, "::1"));
	CHECK(!trusted(&c, "128.0.0.1") && !trusted(&c, "::2"));
	CHECK(!trusted(&c, "192.0.2.1") && !trusted(&c, "2001:db8::1"));
	CHECK_EQ_INT(c.firewall_accept, 0);

	CHECK_EQ_INT(load_text(&c, "trusted_networks = 192.0.2.0/24, 2001:db8:1::/48\t"
			       "198.51.100.7 2001:db8:5::25\nfirewall_accept = yes\n",
			       path, sizeof(path)), 0);
	CHECK_EQ_INT(c.n_trusted, 4);
	CHECK_EQ_INT(c.firewall_accept, 1);
	CHECK(conf_format(&c, i, value, sizeof(value)) > 0);
	CHECK_EQ_STR(value, "192.0.2.0/24, 2001:db8:1::/48, 198.51.100.7/32, "
		     "2001:db8:5::25/128");
	CHECK(trusted(&c, "192.0.2.0") && trusted(&c, "192.0.2.255"));
	CHECK(!trusted(&c, "192.0.3.0") && !trusted(&c, "192.0.1.255"));
	CHECK(trusted(&c, "2001:db8:1::1") && trusted(&c, "2001:db8:1:ffff::1"));
	CHECK(!trusted(&c, "2001:db8:2::1"));
	CHECK(trusted(&c, "198.51.100.7") && !trusted(&c, "198.51.100.6"));
	CHECK(trusted(&c, "2001:db8:5::25") && !trusted(&c, "2001:db8:5::26"));
	CHECK(!trusted(&c, "127.0.0.1"));	/* replaced, not added to */

	/* Families apart: ::/0 holds every IPv6 client and no IPv4 one,
	 * 0.0.0.0/0 every IPv4 client and no IPv6 one. */
	CHECK_EQ_INT(load_text(&c, "trusted_networks = ::/0\n", path, sizeof(path)), 0);
	CHECK(trusted(&c, "2001:db8::1") && trusted(&c, "::1"));
	CHECK(!trusted(&c, "192.0.2.1") && !trusted(&c, "127.0.0.1"));
	CHECK_EQ_INT(load_text(&c, "trusted_networks = 0.0.0.0/0\n", path, sizeof(path)), 0);
	CHECK(trusted(&c, "192.0.2.1") && !trusted(&c, "2001:db8::1"));

	/* "none": nobody, and printed as such (the file's word for it). */
	CHECK_EQ_INT(load_text(&c, "trusted_networks = none\n", path, sizeof(path)), 0);
	CHECK_EQ_INT(c.n_trusted, 0);
	CHECK(!trusted(&c, "127.0.0.1") && !trusted(&c, "::1"));
	CHECK(conf_format(&c, i, value, sizeof(value)) > 0);
	CHECK_EQ_STR(value, "none");

	/* Bad values: FILE:LINE, the item named, nothing changed. */
	conf_defaults(&c);
	CHECK_EQ_INT(load_text(&c, "trusted_networks = 192.0.2.1/24\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "trusted_networks: \"192.0.2.1/24\" has host bits set "
		      "(the network is 192.0.2.0/24)"));
	CHECK_EQ_INT(load_text(&c, "trusted_networks = 2001:db8::1/64\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "\"2001:db8::1/64\" has host bits set (the network is "
		      "2001:db8::/64)"));
	CHECK_EQ_INT(load_text(&c, "trusted_networks = 192.0.2.0/33\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "trusted_networks: \"192.0.2.0/33\" is not an IPv4 or IPv6 network"));
	CHECK_EQ_INT(load_text(&c, "trusted_networks = 2001:db8::/129\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "is not an IPv4 or IPv6 network"));
	CHECK_EQ_INT(load_text(&c, "trusted_networks = example.com\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "\"example.com\" is not an IPv4 or IPv6 network"));
	CHECK_EQ_INT(load_text(&c, "trusted_networks = 192.0.2.0/-1\n", path, sizeof(path)), 1);
	CHECK_EQ_INT(load_text(&c, "trusted_networks = ::ffff:192.0.2.0/120\n", path,
			       sizeof(path)), 1);
	CHECK(has_msg(path, 1, "IPv4-mapped IPv6 network: write it in IPv4 form"));
	CHECK_EQ_INT(load_text(&c, "trusted_networks = 192.0.2.0/24 192.0.2.0/24\n", path,
			       sizeof(path)), 1);
	CHECK(has_msg(path, 1, "\"192.0.2.0/24\" is listed twice"));
	CHECK_EQ_INT(load_text(&c, "trusted_networks = ,\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "trusted_networks: \",\" names no network"));
	CHECK_EQ_INT(load_text(&c, "firewall_accept = 1\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "firewall_accept: \"1\" is not yes or no"));
	CHECK_EQ_INT(load_text(&c, "greylist_repeat_reply = drop\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "greylist_repeat_reply: \"drop\" is not 421, full or reset"));
	CHECK_EQ_INT(load_text(&c, "firewall_accept = YES\n", path, sizeof(path)), 1);
	o = snprintf(line, sizeof(line), "trusted_networks =");
	for (int n = 0; n <= MXG_MAX_TRUSTED; n++)
		o += snprintf(line + o, sizeof(line) - (size_t)o, " 10.%d.0.0/16", n);
	snprintf(line + o, sizeof(line) - (size_t)o, "\n");
	CHECK_EQ_INT(load_text(&c, line, path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "more than 64 networks"));
	CHECK_EQ_INT(c.n_trusted, 2);
	CHECK_EQ_INT(c.firewall_accept, 0);
	CHECK(trusted(&c, "127.0.0.1"));
}

TEST(config_dns_servers)
{
	static const char *const bad[] = {
		"192.0.2.1:", "192.0.2.1:0", "192.0.2.1:65536", "192.0.2.1:53x",
		"[192.0.2.1]:53", "[2001:db8::53", "[2001:db8::53]x",
		"[2001:db8::53]:", "2001:db8::zz", "192.0.2", "ns1.example.net",
		"192.0.2.1:-53",
	};
	struct mxg_conf c;
	char path[64], line[128];

	conf_defaults(&c);
	CHECK_EQ_INT(load_text(&c, "dns_servers = [2001:db8::53] 198.51.100.53:53\n",
			       path, sizeof(path)), 0);
	CHECK_EQ_STR(c.dns_servers, "[2001:db8::53],198.51.100.53:53");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "dns_servers = %s\n", bad[i]);
		if (load_text(&c, line, path, sizeof(path)) != 1 ||
		    !has_msg(path, 1, "is not an IP address with an optional port"))
			test_fail(__FILE__, __LINE__, "accepted: %s", bad[i]);
	}
	CHECK_EQ_STR(c.dns_servers, "[2001:db8::53],198.51.100.53:53");
}

TEST(config_lines_and_comments)
{
	struct mxg_conf c;
	char path[64], text[1100];

	conf_defaults(&c);
	/* Blanks, tabs, CRLF and comments around keys and values. */
	CHECK_EQ_INT(load_text(&c, "\t# comment = 1\n   \n\tqueue\t=\t4\t# four\r\n"
			       "rules_cmd = /usr/local/sbin/mxgate-rules\n"
			       "state_dir=/tmp/mxgate-state\n", path, sizeof(path)), 0);
	CHECK_EQ_INT(c.queue, 4);
	CHECK_EQ_STR(c.rules_cmd, "/usr/local/sbin/mxgate-rules");
	CHECK_EQ_STR(c.state_dir, "/tmp/mxgate-state");
	/* A comment where the value should be leaves the value empty. */
	CHECK_EQ_INT(load_text(&c, "queue = # 5\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "queue: empty value"));
	CHECK_EQ_INT(load_text(&c, "= 5\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "unknown key \"\""));
	CHECK_EQ_INT(load_text(&c, "Queue = 5\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "unknown key \"Queue\""));
	CHECK_EQ_INT(load_text(&c, "rules_cmd = mxgate rules\n", path, sizeof(path)), 1);
	/* Exactly 1024 bytes is a line; 1025 is too long. */
	memset(text, ' ', sizeof(text));
	memcpy(text, "queue = 6", 9);
	text[1023] = '#';
	text[1024] = '\n';
	text[1025] = 0;
	CHECK_EQ_INT(load_text(&c, text, path, sizeof(path)), 0);
	CHECK_EQ_INT(c.queue, 6);
	text[1024] = ' ';
	text[1025] = '\n';
	text[1026] = 0;
	CHECK_EQ_INT(load_text(&c, text, path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "line longer than 1024 bytes"));
	/* No newline at the end of the file. */
	CHECK_EQ_INT(load_text(&c, "queue = 8", path, sizeof(path)), 0);
	CHECK_EQ_INT(c.queue, 8);
	/* Missing '=' names the line's text. */
	CHECK_EQ_INT(load_text(&c, "queue 9\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "\"queue 9\": missing '='"));
}

TEST(config_nul_byte_is_an_error)
{
	static const char text[] = "queue = 3\0# hidden\nports = 587\n";
	struct mxg_conf c;
	char path[64];
	FILE *f;

	conf_defaults(&c);
	snprintf(path, sizeof(path), "/tmp/mxgate-conf-nul.%d", (int)getpid());
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fwrite(text, 1, sizeof(text) - 1, f);
	fclose(f);
	n_msgs = 0;
	CHECK_EQ_INT(conf_load(&c, path, collect), 1);
	CHECK(has_msg(path, 1, "NUL byte"));
	CHECK_EQ_INT(c.queue, 0);
	CHECK_EQ_INT(c.ports[0], 25);
	unlink(path);
}

TEST(config_unreadable_file_changes_nothing)
{
	struct mxg_conf c, before;

	conf_defaults(&c);
	before = c;
	n_msgs = 0;
	/* fopen() takes a directory; reading it fails. */
	CHECK_EQ_INT(conf_load(&c, "/", collect), -1);
	CHECK(n_msgs == 1 && strcmp(msgs[0], "/: Is a directory") == 0);
	CHECK(memcmp(&c, &before, sizeof(c)) == 0);
	/* Without a reporter nothing breaks. */
	CHECK_EQ_INT(conf_load(&c, "/nonexistent/mxgate.conf", NULL), -1);
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

TEST(config_shipped_file_shows_the_defaults)
{
	struct mxg_conf c, defaults;
	char line[1100], path[64], want[256];
	char *text = calloc(1, 65536), *raw = calloc(1, 65536);
	size_t o = 0, r = 0;
	int n_defaults = 0;
	FILE *f = fopen("scripts/mxgate.conf", "r");

	CHECK(f != NULL && text != NULL && raw != NULL);
	if (!f || !text || !raw) {
		free(text);
		free(raw);
		if (f)
			fclose(f);
		return;
	}
	/* Uncomment every "#key = value" line: the file promises that each
	 * of them is the default, so the result must equal conf_defaults(). */
	raw[r++] = '\n';
	while (fgets(line, sizeof(line), f) && o + strlen(line) < 65536 &&
	       r + strlen(line) < 65536) {
		size_t k = strspn(line + 1, "abcdefghijklmnopqrstuvwxyz_0123456789");
		int is_default = line[0] == '#' && k > 0 &&
				 strncmp(line + 1 + k, " = ", 3) == 0;

		n_defaults += is_default;
		o += (size_t)snprintf(text + o, 65536 - o, "%s",
				      is_default ? line + 1 : line);
		r += (size_t)snprintf(raw + r, 65536 - r, "%s", line);
	}
	fclose(f);
	conf_defaults(&defaults);
	c = defaults;
	CHECK_EQ_INT(load_text(&c, text, path, sizeof(path)), 0);
	for (int i = 0; i < n_msgs && i < MAX_MSGS; i++)
		test_fail(__FILE__, __LINE__, "%s", msgs[i]);
	CHECK(memcmp(&c, &defaults, sizeof(c)) == 0);
	/* Every key with a default has its line, with the table's text;
	 * every key without one (interfaces, dns_servers, client_access,
	 * dnsbl_sites, country_actions) an example. A new key fails here
	 * until the shipped file shows it. */
	for (size_t i = 0; i < conf_key_count(); i++) {
		const struct conf_key_info *k = conf_key_at(i);

		if (k->default_text[0]) {
			n_defaults--;
			snprintf(want, sizeof(want), "\n#%s = %s\n", k->name,
				 k->default_text);
		} else {
			snprintf(want, sizeof(want), "e.g. %s = ", k->name);
		}
		if (!strstr(raw, want))
			test_fail(__FILE__, __LINE__, "scripts/mxgate.conf lacks "
				  "\"%s\"", want);
	}
	CHECK_EQ_INT(n_defaults, 0);
	free(text);
	free(raw);
}

TEST(config_responder_tarpit_throttle_keys)
{
	struct mxg_conf c;
	char path[64];

	conf_defaults(&c);
	CHECK_EQ_INT(c.responder_port, 10025);
	CHECK_EQ_INT(c.tarpit_delay_ms, 65000);
	CHECK_EQ_INT(c.greylist_prefix_v4, 0);
	CHECK_EQ_INT(c.client_connection_limit, 20);
	CHECK_EQ_INT(load_text(&c,
		"responder_port = 2525\n"
		"responder_max_connections = 3\n"
		"responder_timeout = 500ms\n"
		"tarpit_delay = 3s\n"
		"greylist_prefix_v4 = 24\n"
		"greylist_prefix_v6 = /64\n"
		"throttle_rate = 60\n"
		"throttle_burst = 5\n"
		"throttle_prefix_rate = 0\n"
		"client_connection_limit = 0\n", path, sizeof(path)), 0);
	CHECK_EQ_INT(c.responder_port, 2525);
	CHECK_EQ_INT(c.responder_max_connections, 3);
	CHECK_EQ_INT(c.responder_timeout_ms, 500);
	CHECK_EQ_INT(c.tarpit_delay_ms, 3000);
	CHECK_EQ_INT(c.greylist_prefix_v4, 24);
	CHECK_EQ_INT(c.greylist_prefix_v6, 64);
	CHECK_EQ_INT(c.throttle_rate, 60);
	CHECK_EQ_INT(c.throttle_burst, 5);
	CHECK_EQ_INT(c.throttle_prefix_rate, 0);
	CHECK_EQ_INT(c.client_connection_limit, 0);
	CHECK_EQ_INT(load_text(&c, "greylist_prefix_v4 = off\n", path, sizeof(path)), 0);
	CHECK_EQ_INT(c.greylist_prefix_v4, 0);

	/* Each bad value names its line, and the good state is kept. */
	CHECK_EQ_INT(load_text(&c,
		"greylist_prefix_v4 = 33\n"
		"greylist_prefix_v6 = on\n"
		"responder_port = 0\n"
		"throttle_rate = 0\n"
		"tarpit_delay = 20m\n", path, sizeof(path)), 5);
	CHECK(has_msg(path, 1, "prefix length (8-32)"));
	CHECK(has_msg(path, 2, "\"on\" is not \"off\""));
	CHECK(has_msg(path, 3, "out of range"));
	CHECK(has_msg(path, 4, "out of range"));
	CHECK(has_msg(path, 5, "out of range"));
	CHECK_EQ_INT(c.greylist_prefix_v4, 0);
	CHECK_EQ_INT(c.responder_port, 2525);
}

TEST(config_responder_texts)
{
	struct mxg_conf c;
	char path[64], text[512];

	conf_defaults(&c);
	/* The system's host name, and a banner that names no product. */
	CHECK_EQ_STR(c.responder_hostname, "");
	CHECK_EQ_STR(c.responder_banner, "$hostname ESMTP");
	CHECK_EQ_STR(c.s25r_reply, "S25R check, be patient");
	CHECK_EQ_STR(c.dnsbl_reply, "listed by a DNS block list, be patient");
	CHECK_EQ_STR(c.country_reply, "greylisted by country, be patient");
	CHECK_EQ_STR(c.greylist_reply, "greylisted, try again later");
	CHECK_EQ_INT(load_text(&c,
		"responder_hostname = [192.0.2.25]\n"
		"responder_banner = $hostname\n"
		"s25r_reply = dynamic-looking host, retry later (see RFC 5321 4.5.4.1)\n"
		"greylist_reply =   spaces kept inside ,  trimmed outside  \n",
		path, sizeof(path)), 0);
	CHECK_EQ_STR(c.responder_hostname, "[192.0.2.25]");
	CHECK_EQ_STR(c.responder_banner, "$hostname");
	CHECK_EQ_STR(c.s25r_reply, "dynamic-looking host, retry later (see RFC 5321 4.5.4.1)");
	CHECK_EQ_STR(c.greylist_reply, "spaces kept inside ,  trimmed outside");

	/* Nothing a client could be sent that ends a reply early or adds
	 * one; each bad line named, the good state kept. */
	CHECK_EQ_INT(load_text(&c,
		"responder_banner = mx.example.org ESMTP\n"
		"s25r_reply = bad\rbyte\n"
		"dnsbl_reply = caf\xc3\xa9\n"
		"country_reply = costs $5\n"
		"greylist_reply = tab\there\n"
		"responder_hostname = mx example\n",
		path, sizeof(path)), 6);
	CHECK(has_msg(path, 1, "responder_banner: must start with \"$hostname\""));
	CHECK(has_msg(path, 2, "s25r_reply: byte 0x0d at 4 is not printable ASCII"));
	CHECK(has_msg(path, 3, "dnsbl_reply: byte 0xc3 at 4 is not printable ASCII"));
	CHECK(has_msg(path, 4, "country_reply: '$' at 7 is not allowed"));
	CHECK(has_msg(path, 5, "greylist_reply: byte 0x09 at 4"));
	CHECK(has_msg(path, 6, "responder_hostname: ' ' at 3 is not allowed"));
	CHECK_EQ_STR(c.responder_hostname, "[192.0.2.25]");
	CHECK_EQ_STR(c.responder_banner, "$hostname");
	CHECK_EQ_INT(load_text(&c, "responder_banner = $hostnameESMTP\n", path,
			       sizeof(path)), 1);
	CHECK(has_msg(path, 1, "responder_banner: must start with \"$hostname\""));
	CHECK_EQ_INT(load_text(&c, "responder_banner = $hostname ESMTP $version\n",
			       path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "'$' at 17: only the leading $hostname is replaced"));

	/* Length limits: 200 characters a text, 255 a host name. */
	memset(text, 'a', sizeof(text));
	memcpy(text, "s25r_reply = ", 13);
	strcpy(text + 13 + 200, "\n");
	CHECK_EQ_INT(load_text(&c, text, path, sizeof(path)), 0);
	CHECK_EQ_INT(strlen(c.s25r_reply), 200);
	strcpy(text + 13 + 201, "\n");
	text[13 + 200] = 'a';
	CHECK_EQ_INT(load_text(&c, text, path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "s25r_reply: must be 1-200 characters (it has 201)"));
	memset(text, 'a', sizeof(text));
	memcpy(text, "responder_hostname = ", 21);
	strcpy(text + 21 + 256, "\n");
	CHECK_EQ_INT(load_text(&c, text, path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "responder_hostname: too long (at most 255 characters)"));
	CHECK_EQ_INT(strlen(c.s25r_reply), 200);
}

/* A value other than the default for every key, how conf_format() says
 * it, and the apply class the key must have. A key missing here fails
 * config_key_table_walk until it is added. */
static const struct {
	const char *name;		/* the key */
	const char *value;		/* as a user might write it */
	const char *printed;		/* as conf_format() says it */
	enum conf_apply apply;		/* what a reload does with a change */
} other[] = {
	{ "interfaces", "eth0,eth1", "eth0, eth1", CONF_RESTART },
	{ "ports", "587 25", "587, 25", CONF_RESTART },
	{ "queue", "7", "7", CONF_RESTART },
	{ "rules_cmd", "none", "none", CONF_RESTART },
	{ "pin_dir", "/run/mxgate/bpf", "/run/mxgate/bpf", CONF_RESTART },
	{ "state_dir", "/tmp/mxgate-state", "/tmp/mxgate-state", CONF_RESTART },
	{ "pid_file", "/tmp/mxgated.pid", "/tmp/mxgated.pid", CONF_RESTART },
	{ "trusted_networks", "192.0.2.0/24 2001:DB8:1::/48 198.51.100.7",
	  "192.0.2.0/24, 2001:db8:1::/48, 198.51.100.7/32", CONF_RULES },
	{ "firewall_accept", "yes", "yes", CONF_RULES },
	{ "dns_servers", "192.0.2.53 [2001:db8::53]:5353",
	  "192.0.2.53, [2001:db8::53]:5353", CONF_RESTART },
	{ "decision_timeout", "1500ms", "1500ms", CONF_RESTART },
	{ "verdict_ttl_pass", "48h", "2d", CONF_LIVE },
	{ "verdict_ttl_block", "90m", "90m", CONF_LIVE },
	{ "max_sources", "1024", "1024", CONF_RESTART },
	{ "max_pending", "10", "10", CONF_RESTART },
	{ "user", "mail", "mail", CONF_RESTART },
	{ "metrics_listen", "[::1]:9464", "[::1]:9464", CONF_RESTART },
	{ "redis_server", "unix:/run/redis/redis.sock", "unix:/run/redis/redis.sock",
	  CONF_RESTART },
	{ "redis_user", "mxgate", "mxgate", CONF_RESTART },
	{ "redis_password_file", "/etc/mxgate/redis.pw", "/etc/mxgate/redis.pw",
	  CONF_RESTART },
	{ "redis_prefix", "mx1:", "mx1:", CONF_RESTART },
	{ "redis_queue_max", "5000", "5000", CONF_RESTART },
	{ "redis_stream_max", "2000", "2000", CONF_RESTART },
	{ "redis_cleartext_auth", "yes", "yes", CONF_RESTART },
	{ "greylist_repeat_reply", "full", "full", CONF_KERNEL },
	{ "greylist_repeat_reply", "reset", "reset", CONF_KERNEL },
	{ "greylist_smart", "no", "no", CONF_LIVE },
	{ "greylist_spf", "no", "no", CONF_LIVE },
	{ "greylist_spf_widest_v4", "24", "24", CONF_RESTART },
	{ "greylist_spf_widest_v6", "48", "48", CONF_RESTART },
	{ "overload_action", "pass", "pass", CONF_LIVE },
	{ "max_unproven", "4096", "4096", CONF_RESTART },
	{ "max_pending_per_prefix", "8", "8", CONF_LIVE },
	{ "pending_prefix_v4", "16", "16", CONF_LIVE },
	{ "pending_prefix_v6", "48", "48", CONF_LIVE },
	{ "dns_max_qps", "50", "50", CONF_LIVE },
	{ "client_access", "hash:/etc/mxgate/client_access",
	  "hash:/etc/mxgate/client_access", CONF_LIVE },
	{ "provider_allowlist", "none", "none", CONF_LIVE },
	{ "s25r_action", "tarpit", "tarpit", CONF_LIVE },
	{ "unknown_client_action", "block", "block", CONF_LIVE },
	{ "greylist_delay", "300", "5m", CONF_KERNEL },
	{ "greylist_window", "2h", "2h", CONF_LIVE },
	{ "allowlist_ttl", "7d", "7d", CONF_KERNEL },
	{ "greylist_prefix_v4", "/24", "24", CONF_KERNEL },
	{ "greylist_prefix_v6", "64", "64", CONF_KERNEL },
	{ "responder_port", "2525", "2525", CONF_RESTART },
	{ "responder_max_connections", "3", "3", CONF_RESTART },
	{ "responder_timeout", "500ms", "500ms", CONF_RESTART },
	{ "tarpit_delay", "60s", "1m", CONF_RESTART },
	{ "responder_hostname", "mx1.example.org", "mx1.example.org", CONF_RESTART },
	{ "responder_banner", "$hostname ESMTP ready", "$hostname ESMTP ready",
	  CONF_RESTART },
	{ "s25r_reply", "see https://mx.example.org/s25r", "see https://mx.example.org/s25r",
	  CONF_RESTART },
	{ "dnsbl_reply", "listed, be patient", "listed, be patient", CONF_RESTART },
	{ "country_reply", "not today", "not today", CONF_RESTART },
	{ "greylist_reply", "come back later", "come back later", CONF_RESTART },
	{ "throttle_rate", "60", "60", CONF_KERNEL },
	{ "throttle_burst", "5", "5", CONF_KERNEL },
	{ "throttle_prefix_rate", "0", "0", CONF_KERNEL },
	{ "throttle_prefix_burst", "20", "20", CONF_KERNEL },
	{ "client_connection_limit", "0", "0", CONF_RULES },
	{ "dnsbl_sites", "zen.spamhaus.org*3 list.dnswl.org*-2",
	  "zen.spamhaus.org*3 list.dnswl.org*-2", CONF_LIVE },
	{ "dnsbl_threshold", "3", "3", CONF_LIVE },
	{ "dnsbl_action", "greylist", "greylist", CONF_LIVE },
	{ "dnsbl_allowlist_threshold", "-1", "-1", CONF_LIVE },
	{ "dnsbl_min_ttl", "30", "30s", CONF_LIVE },
	{ "dnsbl_max_ttl", "86400", "1d", CONF_LIVE },
	{ "countries_dir", "/tmp/countries.d", "/tmp/countries.d", CONF_RESTART },
	{ "country_actions", "cn:block, jp:pass", "cn:block, jp:pass", CONF_LIVE },
	{ "country_default_action", "pass", "pass", CONF_LIVE },
	{ "mark_mask", "0XFF00", "0xff00", CONF_RESTART },
	{ "mark_pass", "1024", "0x400", CONF_RESTART },
	{ "mark_responder", "0x300", "0x300", CONF_RESTART },
};
#define N_OTHER (sizeof(other) / sizeof(other[0]))

/* format - key i of c as conf_format() says it, in a static buffer */
static const char *format(const struct mxg_conf *c, size_t i)
{
	static char buf[CONF_VALUE_MAX];
	int n = conf_format(c, i, buf, sizeof(buf));

	CHECK(n >= 0 && (size_t)n < sizeof(buf) && (size_t)n == strlen(buf));
	return buf;
}

/* set_one - load "name = value" on top of c: 0 if the file was good */
static int set_one(struct mxg_conf *c, const char *name, const char *value)
{
	char text[1100], path[64];

	snprintf(text, sizeof(text), "%s = %s\n", name, value);
	return load_text(c, text, path, sizeof(path));
}

TEST(config_key_table_walk)
{
	struct mxg_conf defaults, c, again, next;
	char restart[512], value[CONF_VALUE_MAX];
	size_t n = conf_key_count();

	conf_defaults(&defaults);
	CHECK(n > 0 && conf_key_at(n) == NULL);
	CHECK_EQ_INT(conf_format(&defaults, n, value, sizeof(value)), -1);
	for (size_t i = 0; i < n; i++) {
		const struct conf_key_info *k = conf_key_at(i);
		size_t t;

		for (size_t j = 0; j < i; j++)
			if (strcmp(conf_key_at(j)->name, k->name) == 0)
				test_fail(__FILE__, __LINE__, "%s listed twice", k->name);
		for (t = 0; t < N_OTHER && strcmp(other[t].name, k->name) != 0; t++)
			;
		if (t == N_OTHER) {
			test_fail(__FILE__, __LINE__, "no test value for key %s", k->name);
			continue;
		}
		/* The default text is what conf_format() prints for it (so it
		 * parses, as conf_defaults() did), and parses back to the
		 * same bytes. */
		CHECK_EQ_STR(format(&defaults, i), k->default_text);
		c = defaults;
		if (k->default_text[0]) {
			CHECK_EQ_INT(set_one(&c, k->name, k->default_text), 0);
			CHECK(memcmp(&c, &defaults, sizeof(c)) == 0);
		}
		if (k->apply != other[t].apply)
			test_fail(__FILE__, __LINE__, "%s is %s, expected %s", k->name,
				  conf_apply_name(k->apply),
				  conf_apply_name(other[t].apply));

		/* Another value: printed in the file's syntax, and what is
		 * printed parses back to the same bytes. */
		c = defaults;
		if (set_one(&c, k->name, other[t].value) != 0) {
			test_fail(__FILE__, __LINE__, "%s = %s: %s", k->name,
				  other[t].value, n_msgs ? msgs[0] : "?");
			continue;
		}
		CHECK(memcmp(&c, &defaults, sizeof(c)) != 0);
		CHECK_EQ_STR(format(&c, i), other[t].printed);
		again = defaults;
		CHECK_EQ_INT(set_one(&again, k->name, format(&c, i)), 0);
		CHECK(memcmp(&again, &c, sizeof(c)) == 0);
		for (size_t j = 0; j < n; j++)
			if (j != i) {
				snprintf(value, sizeof(value), "%s", format(&defaults, j));
				CHECK_EQ_STR(format(&c, j), value);
			}

		/* A reload that changes this key alone. */
		next = c;
		unsigned changed = conf_reload_merge(&next, &defaults, restart,
						     sizeof(restart));
		if (k->apply == CONF_RESTART) {
			CHECK_EQ_INT(changed, 0);
			CHECK_EQ_STR(restart, k->name);
			CHECK(memcmp(&next, &defaults, sizeof(next)) == 0);
		} else {
			CHECK_EQ_INT(changed, 1u << k->apply);
			CHECK_EQ_STR(restart, "");
			CHECK(memcmp(&next, &c, sizeof(next)) == 0);
		}
		/* ... and one that changes nothing. */
		next = defaults;
		CHECK_EQ_INT(conf_reload_merge(&next, &defaults, restart, sizeof(restart)), 0);
		CHECK_EQ_STR(restart, "");
	}
}

TEST(config_reload_merge_several_keys)
{
	struct mxg_conf running, next;
	char path[64], restart[64], tiny[8];
	unsigned changed;

	conf_defaults(&running);
	next = running;
	CHECK_EQ_INT(load_text(&next, "countries_dir = /tmp/c.d\npid_file = /tmp/p\n"
			       "greylist_delay = 5m\nthrottle_rate = 9\n"
			       "client_connection_limit = 3\nverdict_ttl_pass = 2d\n"
			       "mark_pass = 0x400\n", path, sizeof(path)), 0);
	changed = conf_reload_merge(&next, &running, restart, sizeof(restart));
	CHECK_EQ_INT(changed, 1u << CONF_LIVE | 1u << CONF_KERNEL | 1u << CONF_RULES);
	/* In the order of the table (and of the shipped file). */
	CHECK_EQ_STR(restart, "pid_file, countries_dir, mark_pass");
	CHECK_EQ_STR(next.countries_dir, "/etc/mxgate/countries.d");
	CHECK_EQ_STR(next.pid_file, "/run/mxgate/mxgated.pid");
	CHECK_EQ_INT(next.mark_pass, 0x100);
	CHECK_EQ_INT(next.greylist_delay, 300);
	CHECK_EQ_INT(next.throttle_rate, 9);
	CHECK_EQ_INT(next.client_connection_limit, 3);
	CHECK_EQ_INT(next.verdict_ttl_pass, 2 * 86400);

	/* A short buffer is cut, never overrun; none at all is fine too. */
	next = running;
	CHECK_EQ_INT(load_text(&next, "countries_dir = /tmp/c.d\npid_file = /tmp/p\n",
			       path, sizeof(path)), 0);
	memset(tiny, 'x', sizeof(tiny));
	CHECK_EQ_INT(conf_reload_merge(&next, &running, tiny, 4), 0);
	CHECK_EQ_STR(tiny, "pid");
	CHECK(tiny[4] == 'x');
	next = running;
	CHECK_EQ_INT(load_text(&next, "pid_file = /tmp/p\n", path, sizeof(path)), 0);
	CHECK_EQ_INT(conf_reload_merge(&next, &running, NULL, 0), 0);
	CHECK_EQ_STR(next.pid_file, "/run/mxgate/mxgated.pid");

	CHECK_EQ_STR(conf_apply_name(CONF_LIVE), "live");
	CHECK_EQ_STR(conf_apply_name(CONF_KERNEL), "kernel");
	CHECK_EQ_STR(conf_apply_name(CONF_RULES), "rules");
	CHECK_EQ_STR(conf_apply_name(CONF_RESTART), "restart");
}

TEST(config_defaults_are_the_documented_ones)
{
	struct mxg_conf c;

	conf_defaults(&c);
	CHECK_EQ_INT(c.n_ports, 1);
	CHECK_EQ_INT(c.ports[0], 25);
	CHECK_EQ_INT(c.decision_timeout_ms, 5000);
	CHECK_EQ_INT(c.greylist_delay, 1500);
	CHECK_EQ_INT(c.responder_port, 10025);
	CHECK_EQ_INT(c.client_connection_limit, 20);
	CHECK_EQ_INT(c.dnsbl_action, MXG_ACT_BLOCK);
	CHECK_EQ_INT(c.country_default_action, MXG_ACT_BLOCK);
	CHECK_EQ_STR(c.countries_dir, "/etc/mxgate/countries.d");
	CHECK_EQ_STR(c.state_dir, "/var/lib/mxgate");
	CHECK_EQ_STR(c.pid_file, "/run/mxgate/mxgated.pid");
	/* The BPF side keeps its own constants (the map size the program is
	 * compiled with, the marks of the tests): they must agree. */
	CHECK_EQ_INT(c.max_sources, MXG_DEFAULT_MAX_SOURCES);
	CHECK_EQ_INT(c.mark_pass, MXG_DEFAULT_MARK_PASS);
	CHECK_EQ_INT(c.mark_responder, MXG_DEFAULT_MARK_RESPONDER);
	CHECK_EQ_INT(c.mark_mask, MXG_DEFAULT_MARK_MASK);
}

TEST(config_mark_tarpit_is_mark_responder)
{
	struct mxg_conf c;
	char path[64];

	conf_defaults(&c);
	CHECK_EQ_INT(load_text(&c, "mark_tarpit = 0x400\n", path, sizeof(path)), 0);
	CHECK_EQ_INT(c.mark_responder, 0x400);
	/* One key, whichever name: set once. */
	CHECK_EQ_INT(load_text(&c, "mark_responder = 0x300\nmark_tarpit = 0x300\n",
			       path, sizeof(path)), 1);
	CHECK(has_msg(path, 2, "mark_tarpit: already set on line 1 as mark_responder"));
	CHECK_EQ_INT(load_text(&c, "mark_tarpit = 0x300\nmark_responder = 0x300\n",
			       path, sizeof(path)), 1);
	CHECK(has_msg(path, 2, "mark_responder: already set on line 1 as mark_tarpit"));
	CHECK_EQ_INT(load_text(&c, "mark_tarpit = 0x300\nmark_tarpit = 0x300\n",
			       path, sizeof(path)), 1);
	CHECK(has_msg(path, 2, "mark_tarpit: already set on line 1"));
	CHECK_EQ_INT(c.mark_responder, 0x400);
	/* Listed and printed under its name only. */
	for (size_t i = 0; i < conf_key_count(); i++)
		CHECK(strcmp(conf_key_at(i)->name, "mark_tarpit") != 0);
}

TEST(config_responder_port_and_dnsbl_ttls_are_cross_checked)
{
	struct mxg_conf c;
	char path[64];

	conf_defaults(&c);
	CHECK_EQ_INT(load_text(&c, "ports = 25, 587\nresponder_port = 587\n", path,
			       sizeof(path)), 1);
	CHECK(has_file_msg(path, "responder_port 587 is one of the protected ports"));
	CHECK_EQ_INT(c.responder_port, 10025);
	CHECK_EQ_INT(load_text(&c, "dnsbl_min_ttl = 2h\ndnsbl_max_ttl = 1h\n", path,
			       sizeof(path)), 1);
	CHECK(has_file_msg(path, "dnsbl_min_ttl (7200s) must not be longer than "
			   "dnsbl_max_ttl (3600s)"));
	CHECK_EQ_INT(load_text(&c, "dnsbl_min_ttl = 1h\ndnsbl_max_ttl = 1h\n", path,
			       sizeof(path)), 0);
}

TEST(config_dnsbl_zone_errors_name_the_line)
{
	struct mxg_conf c;
	char path[64];

	conf_defaults(&c);
	CHECK_EQ_INT(load_text(&c,
		"queue = 1\n"
		"dnsbl_sites = zen.spamhaus.org*2, bl..example\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 2, "dnsbl_sites: \"bl..example\" is not a DNS zone: "
		      "empty label"));
	CHECK_EQ_STR(c.dnsbl_sites, "");
}

TEST(config_redis_keys_are_checked)
{
	struct mxg_conf c;
	char path[64];

	conf_defaults(&c);
	CHECK_EQ_STR(c.redis_server, "");
	CHECK_EQ_STR(c.redis_prefix, "mxg:");
	CHECK_EQ_INT(c.redis_queue_max, 100000);
	CHECK_EQ_INT(load_text(&c, "redis_server = redis.example:6379\n", path,
			       sizeof(path)), 1);
	CHECK(has_msg(path, 1, "redis_server: \"redis.example:6379\": the host must be an address"));
	CHECK_EQ_INT(load_text(&c, "redis_prefix = mx*\n", path, sizeof(path)), 1);
	CHECK(has_msg(path, 1, "a prefix is letters, digits"));
	CHECK_EQ_INT(load_text(&c, "redis_password_file = pw\n", path, sizeof(path)), 1);
	/* A password to another host in clear: only when the admin says so. */
	CHECK_EQ_INT(load_text(&c, "redis_server = 192.0.2.6:6379\n"
			       "redis_password_file = /etc/mxgate/redis.pw\n", path,
			       sizeof(path)), 1);
	CHECK(has_file_msg(path, "redis_cleartext_auth: redis_server 192.0.2.6:6379 "
			   "is not on this host"));
	CHECK_EQ_INT(load_text(&c, "redis_server = 192.0.2.6:6379\n"
			       "redis_password_file = /etc/mxgate/redis.pw\n"
			       "redis_cleartext_auth = yes\n", path, sizeof(path)), 0);
	CHECK_EQ_INT(load_text(&c, "redis_server = 127.0.0.1:6379\n"
			       "redis_password_file = /etc/mxgate/redis.pw\n", path,
			       sizeof(path)), 0);
	CHECK_EQ_INT(load_text(&c, "redis_server = 192.0.2.6:6379\n", path, sizeof(path)), 0);
	conf_defaults(&c);
	CHECK_EQ_INT(load_text(&c, "redis_server = 127.0.0.1:6379\nredis_user = mxgate\n",
			       path, sizeof(path)), 1);
	CHECK(has_file_msg(path, "redis_user mxgate needs redis_password_file"));
}
