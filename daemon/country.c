/* SPDX-License-Identifier: GPL-2.0-or-later */
/* country.c - country CIDR files into the country table; see country.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "country.h"
#include "country_table.h"
#include "lines.h"
#include "log.h"
#include "names.h"

/* Longest line of a country file: ipdeny lines are under 50 bytes; a
 * longer one is refused with FILE:LINE, never cut into two lines. */
#define COUNTRY_LINE_MAX 1024

/* action_for - the configured action of cc, or default_action */
static int action_for(const char *actions, const char cc[2], unsigned default_action)
{
	const char *p = actions;

	while (p && *p) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (!strncasecmp(p, cc, 2) && p[2] == ':') {
			char word[16];
			size_t n = strcspn(p + 3, ", \t");

			snprintf(word, sizeof(word), "%.*s", (int)(n < 15 ? n : 15), p + 3);
			return action_parse(word);
		}
		p += strcspn(p, ", \t");
	}
	return (int)default_action;
}

/* country_actions_valid - "cn:block, br:greylist" */
int country_actions_valid(const char *actions, char *why, size_t len)
{
	const char *p = actions;

	while (*p) {
		size_t n;
		char item[32];

		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		n = strcspn(p, ", \t");
		snprintf(item, sizeof(item), "%.*s", (int)(n < 31 ? n : 31), p);
		if (n < 4 || !isalpha((unsigned char)item[0]) ||
		    !isalpha((unsigned char)item[1]) || item[2] != ':' ||
		    action_parse(item + 3) <= MXG_ACT_NONE) {
			snprintf(why, len, "\"%s\" is not cc:action (e.g. cn:block; "
				 "actions pass, block, greylist, tarpit, throttle)", item);
			return -1;
		}
		p += n;
	}
	return 0;
}

/* add - one prefix into the set */
static int add(struct country_set *set, const struct mxg_key *k, const char cc[2],
	       int action)
{
	struct country_entry *e;

	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 1024;
		struct country_entry *grown = realloc(set->entries, cap * sizeof(*grown));

		if (!grown)
			return -1;
		set->entries = grown;
		set->cap = cap;
	}
	e = &set->entries[set->n++];
	memset(e, 0, sizeof(*e));
	e->key.prefixlen = k->plen;
	memcpy(e->key.addr, k->addr, sizeof(e->key.addr));
	e->value.cc[0] = (char)tolower((unsigned char)cc[0]);
	e->value.cc[1] = (char)tolower((unsigned char)cc[1]);
	e->value.action = (__u8)action;
	return 0;
}

/* load_file - every CIDR of one country file; returns bad lines */
static int load_file(const char *path, const char cc[2], int action,
		     struct country_set *set, void (*report)(const char *))
{
	struct lines lr;
	int bad = 0;
	char *s;

	if (lines_open(&lr, path, COUNTRY_LINE_MAX, report) < 0)
		return 1;
	while ((s = lines_next(&lr))) {
		struct mxg_key k;
		char *e;

		/* A comment runs to the end of the line; blanks (a CR of a
		 * CRLF file too) around the network are not part of it. */
		s[strcspn(s, "#")] = 0;
		while (isspace((unsigned char)*s))
			s++;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		*e = 0;
		if (!*s)
			continue;
		/* A bare address is a host route, as in ipdeny's files. */
		if (addr_parse(s, &k) < 0) {
			msg_at(report, path, lr.lineno, "\"%s\" is not an IPv4 or "
				   "IPv6 network", s);
			bad++;
			continue;
		}
		if (add(set, &k, cc, action) < 0) {
			msg_at(report, path, lr.lineno, "out of memory");
			bad++;
			break;
		}
	}
	bad += lr.bad + (lr.read_errno != 0);
	lines_close(&lr);
	return bad;
}

/* country_load - every *.zone file of dir into set; all or nothing */
int country_load(const char *dir, const char *actions, unsigned default_action,
		 struct country_set *set, void (*report)(const char *msg))
{
	struct dirent *de;
	int bad = 0;
	DIR *d;

	memset(set, 0, sizeof(*set));
	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;	/* no directory: no countries */
		msg_at(report, dir, 0, "%s", strerror(errno));
		return 1;
	}
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		size_t n = strlen(name);
		char path[4096];
		int action;

		if (n < 6 || strcmp(name + n - 5, ".zone") || name[0] == '.')
			continue;
		if (!isalpha((unsigned char)name[0]) || !isalpha((unsigned char)name[1]) ||
		    (name[2] != '.' && name[2] != '-')) {
			msg_at(report, dir, 0, "%s: name must start with a "
				   "two-letter country code (cn.zone, cn-aggregated.zone)", name);
			bad++;
			continue;
		}
		action = action_for(actions, name, default_action);
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		set->files++;
		if (action == MXG_ACT_PASS)
			continue;	/* nothing to enforce */
		bad += load_file(path, name, action, set, report);
	}
	closedir(d);
	if (bad)
		country_set_free(set);
	return bad;
}

/* country_install - a new table with set, swapped in with one update */
int country_install(int countries_fd, const struct country_set *set,
		    struct country_table *in_force)
{
	struct country_table t;
	int err = country_table_build(set, &t);

	if (err)
		return err;
	err = country_table_install(countries_fd, &t);
	if (!err && in_force) {
		country_table_free(in_force);
		*in_force = t;
		return 0;
	}
	country_table_free(&t);
	return err;
}

/* country_lookup - key's entry in the set in force: 0 and *out, or -1
 * (no set, no match, or the map cannot be read) */
int country_lookup(int countries_fd, const struct mxg_key *key,
		   struct mxg_country *out)
{
	__u32 zero = 0, id, e;
	int fd;

	/* From user space an array of maps yields the inner map's id. */
	if (countries_fd < 0 || bpf_map_lookup_elem(countries_fd, &zero, &id))
		return -1;
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return -1;
	e = country_table_lookup_fd(fd, key);
	close(fd);
	if (!e)
		return -1;
	memset(out, 0, sizeof(*out));
	out->cc[0] = (char)(e >> 8 & 0xff);
	out->cc[1] = (char)(e & 0xff);
	out->action = (__u8)mxg_ct_leaf_action(e);
	return 0;
}

/* country_set_free - the entries */
void country_set_free(struct country_set *set)
{
	free(set->entries);
	memset(set, 0, sizeof(*set));
}
