/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_config.c - mxgate.conf: defaults, good files, every kind of bad line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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
	char line[1100], path[64], *text = calloc(1, 65536);
	size_t o = 0;
	int n_defaults = 0;
	FILE *f = fopen("scripts/mxgate.conf", "r");

	CHECK(f != NULL && text != NULL);
	if (!f || !text) {
		free(text);
		if (f)
			fclose(f);
		return;
	}
	/* Uncomment every "#key = value" line: the file promises that each
	 * of them is the default, so the result must equal conf_defaults(). */
	while (fgets(line, sizeof(line), f) && o + strlen(line) < 65536) {
		size_t k = strspn(line + 1, "abcdefghijklmnopqrstuvwxyz_");
		int is_default = line[0] == '#' && k > 0 &&
				 strncmp(line + 1 + k, " = ", 3) == 0;

		n_defaults += is_default;
		o += (size_t)snprintf(text + o, 65536 - o, "%s",
				      is_default ? line + 1 : line);
	}
	fclose(f);
	conf_defaults(&defaults);
	c = defaults;
	CHECK_EQ_INT(load_text(&c, text, path, sizeof(path)), 0);
	for (int i = 0; i < n_msgs && i < MAX_MSGS; i++)
		test_fail(__FILE__, __LINE__, "%s", msgs[i]);
	CHECK(memcmp(&c, &defaults, sizeof(c)) == 0);
	/* Every key but interfaces, dns_servers, client_access, dnsbl_sites and
	 * country_actions (no default: an example is shown) has a default line. A
	 * new key fails here until the shipped file shows it. */
	CHECK_EQ_INT(n_defaults, 34);
	free(text);
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
