/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	providers - the big mail providers whose outbound pools S25R misjudges
 * SYNOPSIS
 *	int providers_spec_check(const char *spec, char *why, size_t len);
 *	int providers_load(struct providers *pl, const char *spec,
 *			   void (*report)(const char *msg));
 *	const struct provider *providers_match(const struct providers *pl,
 *					       const char *name);
 *	void providers_free(struct providers *pl);
 *
 *	size_t providers_builtin_count(void);
 *	const char *providers_builtin_at(size_t i);
 * DESCRIPTION
 *	Gmail, Microsoft 365, Yahoo, Amazon SES and the like send from
 *	pools named mail-wm1-f54.google.com or
 *	a27-12.smtp-out.us-west-2.amazonses.com, which S25R takes for
 *	end-user lines, and retry from other addresses, so greylisting
 *	them costs hours. mxgate ships the domains of those pools
 *	(provider_allowlist = builtin, on by default): a client whose
 *	forward-confirmed reverse name is one of them, or a name below
 *	one, passes over S25R (the rank is in policy.h). The caller looks
 *	up only confirmed names: a PTR alone says whatever the owner of
 *	the reverse zone wants.
 *
 *	spec is "none", or a list (commas and/or blanks) of sources:
 *	"builtin", the list compiled in (providers.c, printed in
 *	mxgate.conf(5)), and absolute paths of files holding one domain a
 *	line ('#' starts a comment, also after the domain; blank lines are
 *	ignored). A domain is at least two labels of letters, digits, '-'
 *	and '_', written without a leading or trailing dot.
 *
 *	providers_spec_check() checks the syntax of spec alone, for the
 *	configuration parser (config.c): 0, or -1 with the reason in why.
 *
 *	providers_load() reads every source of spec into pl, in order. It
 *	reports every bad line as "FILE:LINE: reason" and an unreadable
 *	file as "FILE: reason" (a bad spec as "provider_allowlist:
 *	reason"), and returns how many problems there were; on any, pl is
 *	left empty, so a caller keeps the list it had. The same domain
 *	from two sources is kept once, from the first.
 *
 *	providers_match() returns the first entry whose domain is name or
 *	a parent of name, label for label and case-insensitively
 *	(google.com matches google.com and mail-wm1-f54.google.com, never
 *	evilgoogle.com or google.com.example.net), or NULL. pl NULL is an
 *	empty list.
 *
 *	providers_free() releases what providers_load() allocated; pl is
 *	then empty (freeing it again is harmless).
 *
 *	providers_builtin_count() and providers_builtin_at() walk the
 *	built-in domains (for the tests, which check them against real
 *	names and the man page); providers_builtin_at() is NULL past the
 *	end.
 */
#ifndef MXG_PROVIDERS_H
#define MXG_PROVIDERS_H

#include <stddef.h>

#define PROVIDERS_BUILTIN	"builtin"	/* the list compiled in */

struct provider {
	char *domain;		/* lower case, no leading or trailing dot */
	char *origin;		/* "builtin" or "FILE:LINE" */
};

struct providers {
	struct provider *list;	/* in the order of the sources */
	size_t n;
};

int providers_spec_check(const char *spec, char *why, size_t len);
int providers_load(struct providers *pl, const char *spec,
		   void (*report)(const char *msg));
const struct provider *providers_match(const struct providers *pl, const char *name);
void providers_free(struct providers *pl);
size_t providers_builtin_count(void);
const char *providers_builtin_at(size_t i);

#endif /* MXG_PROVIDERS_H */
