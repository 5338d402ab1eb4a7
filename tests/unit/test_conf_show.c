/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_conf_show.c - the configuration printer: every key, some, the diff. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "conf_show.h"
#include "test.h"

/* ignore - conf_load's report callback: the files here are good */
static void ignore(const char *msg)
{
	test_fail(__FILE__, __LINE__, "unexpected complaint: %s", msg);
}

/* load - defaults, then text as a file on top; 0 when it loaded */
static int load(struct mxg_conf *c, const char *text)
{
	char path[] = "/tmp/mxgate-conf-show.XXXXXX";
	int fd = mkstemp(path), rc;

	conf_defaults(c);
	if (fd < 0)
		return -1;
	rc = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -1;
	close(fd);
	if (rc == 0)
		rc = conf_load(c, path, ignore);
	unlink(path);
	return rc;
}

/* show - conf_show() into a string (the caller frees it); *rc its result */
static char *show(const struct mxg_conf *c, const struct mxg_conf *base,
		  const size_t *keys, size_t n, int json, int *rc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	*rc = conf_show(f, c, base, keys, n, json);
	fclose(f);
	return text;
}

/* lines - how many lines text has */
static int lines(const char *text)
{
	int n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* key - conf_key_find() for a name the table must have */
static size_t key(const char *name)
{
	long i = conf_key_find(name);

	if (i < 0)
		test_fail(__FILE__, __LINE__, "no key %s", name);
	return i < 0 ? 0 : (size_t)i;
}

TEST(conf_show_find_keys)
{
	CHECK_EQ_INT(conf_key_find("interfaces"), 0);
	CHECK_EQ_STR(conf_key_at(key("greylist_delay"))->name, "greylist_delay");
	CHECK_EQ_STR(conf_key_at(key("mark_responder"))->name, "mark_responder");
	CHECK_EQ_INT(conf_key_find("no_such_key"), -1);
	CHECK_EQ_INT(conf_key_find(""), -1);
	CHECK_EQ_INT(conf_key_find("Interfaces"), -1);	/* names are exact */
	/* An old name the file takes is not a key to show. */
	CHECK_EQ_INT(conf_key_find("mark_tarpit"), -1);
	for (size_t i = 0; i < conf_key_count(); i++)
		CHECK_EQ_INT(conf_key_find(conf_key_at(i)->name), i);
}

TEST(conf_show_every_key_as_mxgated_p)
{
	struct mxg_conf c;
	char *text, first[64];
	int rc;

	conf_defaults(&c);
	text = show(&c, NULL, NULL, 0, 0, &rc);
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_INT(lines(text), conf_key_count());
	/* interfaces has no default: the key alone, no trailing blank. */
	sscanf(text, "%63[^\n]", first);
	CHECK_EQ_STR(first, "interfaces =");
	CHECK(strstr(text, "\ngreylist_delay = 25m\n"));
	CHECK(strstr(text, "\nmark_pass = 0x100\n"));
	CHECK(strstr(text, "\nports = 25\n"));
	free(text);
}

TEST(conf_show_only_what_differs)
{
	struct mxg_conf c, d;
	char *text;
	int rc;

	conf_defaults(&d);
	text = show(&d, &d, NULL, 0, 0, &rc);
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_STR(text, "");		/* the defaults differ from nothing */
	free(text);
	text = show(&d, &d, NULL, 0, 1, &rc);
	CHECK_EQ_STR(text, "{}\n");
	free(text);

	/* Changed keys show, in table order; a key set to its default
	 * (ports = 25, greylist_delay = 1500s) does not. */
	CHECK_EQ_INT(load(&c, "greylist_delay = 1500s\n"
			  "ports = 587, 25\n"
			  "interfaces = eth0\n"
			  "s25r_action = block\n"
			  "dns_servers = 192.0.2.53\n"
			  "verdict_ttl_pass = 24h\n"), 0);
	text = show(&c, &d, NULL, 0, 0, &rc);
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_STR(text, "interfaces = eth0\n"
		     "ports = 587, 25\n"
		     "dns_servers = 192.0.2.53\n"
		     "s25r_action = block\n");
	CHECK(conf_key_differs(&c, &d, key("ports")));
	CHECK(!conf_key_differs(&c, &d, key("greylist_delay")));
	CHECK(!conf_key_differs(&c, &d, key("verdict_ttl_pass")));
	free(text);

	CHECK_EQ_INT(load(&c, "ports = 25\n"), 0);
	CHECK(!conf_key_differs(&c, &d, key("ports")));
}

TEST(conf_show_some_keys_in_the_order_asked)
{
	struct mxg_conf c, d;
	size_t keys[3];
	char *text;
	int rc;

	conf_defaults(&d);
	CHECK_EQ_INT(load(&c, "queue = 7\ninterfaces = eth0, eth1\n"), 0);
	keys[0] = key("queue");
	keys[1] = key("interfaces");
	keys[2] = key("pin_dir");
	text = show(&c, NULL, keys, 3, 0, &rc);
	CHECK_EQ_STR(text, "queue = 7\ninterfaces = eth0, eth1\n"
		     "pin_dir = /sys/fs/bpf/mxgate\n");
	free(text);
	/* With the diff: pin_dir is the default's. */
	text = show(&c, &d, keys, 3, 0, &rc);
	CHECK_EQ_STR(text, "queue = 7\ninterfaces = eth0, eth1\n");
	free(text);
	text = show(&c, NULL, keys, 3, 1, &rc);
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_STR(text, "{\"queue\":\"7\",\"interfaces\":\"eth0, eth1\","
		     "\"pin_dir\":\"/sys/fs/bpf/mxgate\"}\n");
	free(text);
	/* An index past the table is skipped, not printed. */
	keys[1] = conf_key_count();
	text = show(&c, NULL, keys, 2, 0, &rc);
	CHECK_EQ_STR(text, "queue = 7\n");
	free(text);
}

TEST(conf_show_json_every_key)
{
	struct mxg_conf d;
	char *text;
	int rc;
	size_t colons = 0;

	conf_defaults(&d);
	text = show(&d, NULL, NULL, 0, 1, &rc);
	CHECK_EQ_INT(rc, 0);
	CHECK(strncmp(text, "{\"interfaces\":\"\",\"ports\":\"25\",", 30) == 0);
	CHECK(strstr(text, "\"greylist_delay\":\"25m\""));
	CHECK_EQ_INT(text[strlen(text) - 2], '}');
	for (const char *p = text; *p; p++)
		colons += *p == ':' && p[-1] == '"' && p[1] == '"';
	CHECK_EQ_INT(colons, conf_key_count());
	free(text);
}

TEST(conf_show_write_error)
{
	struct mxg_conf d;
	FILE *f = fopen("/dev/full", "w");

	if (!f) {
		CHECK(!"/dev/full opens");
		return;
	}
	conf_defaults(&d);
	CHECK_EQ_INT(conf_show(f, &d, NULL, NULL, 0, 0), -1);
	fclose(f);
	f = fopen("/dev/full", "w");
	CHECK_EQ_INT(conf_show(f, &d, NULL, NULL, 0, 1), -1);
	fclose(f);
}
