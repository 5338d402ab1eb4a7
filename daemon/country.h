/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	country - per-country CIDR files from a drop-in directory
 * SYNOPSIS
 *	int country_load(const char *dir, const char *actions,
 *			 unsigned default_action, struct country_set *set,
 *			 void (*report)(const char *msg));
 *	int country_install(int countries_fd, const struct country_set *set,
 *			    struct country_table *in_force);
 *	int country_lookup(int countries_fd, const struct mxg_key *key,
 *			   struct mxg_country *out);
 *	int country_actions_valid(const char *actions, char *why, size_t len);
 *	void country_set_free(struct country_set *set);
 * DESCRIPTION
 *	The directory holds ipdeny-style files, one CIDR (IPv4 or IPv6) a
 *	line ('#' starts a comment, blanks around the network are ignored;
 *	a line over 1,024 bytes or with a NUL byte is a bad line, see
 *	lines.h): cn.zone, cn-aggregated.zone, cn.ipv6.zone ... The country code
 *	is the first two letters of the file name; files not ending in
 *	.zone are ignored. actions maps codes to actions ("cn:block,
 *	br:greylist"); other countries get default_action; a country whose
 *	action is pass is not loaded at all.
 *
 *	country_load() reads every file into set and returns the number of
 *	bad lines (each reported as "FILE:LINE: reason", or "DIR: reason");
 *	on any error set is empty, and the caller keeps the set in force.
 *	country_install() builds a new country table from set (see
 *	country_table.h) and swaps it into the pinned countries map in one
 *	update: lookups see the old set or the new one, never a part.
 *	Returns 0 or -errno (-E2BIG: the set needs more than
 *	MXG_CT_MAX_NODES nodes). When in_force is not NULL, it takes the
 *	installed table on success (its old one is freed), so that the
 *	daemon can look clients up in memory, without a syscall. country_lookup()
 *	finds the entry (country code, action) an address is listed under in
 *	the set in force: 0, or -1 when there is none.
 */
#ifndef MXG_COUNTRY_H
#define MXG_COUNTRY_H

#include <stddef.h>
#include <linux/types.h>
#include "mxgate.h"

struct country_entry {
	struct mxg_lpm_key key;
	struct mxg_country value;
};

struct country_set {
	struct country_entry *entries;
	size_t n, cap;
	int files;			/* files read */
};

int country_load(const char *dir, const char *actions, unsigned default_action,
		 struct country_set *set, void (*report)(const char *msg));
struct country_table;
int country_install(int countries_fd, const struct country_set *set,
		    struct country_table *in_force);
int country_lookup(int countries_fd, const struct mxg_key *key,
		   struct mxg_country *out);
int country_actions_valid(const char *actions, char *why, size_t len);
void country_set_free(struct country_set *set);

#endif /* MXG_COUNTRY_H */
