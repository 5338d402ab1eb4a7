/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	conf_show - print a configuration: every key, some, or those that
 *	differ from another, as "key = value" lines or as JSON
 * SYNOPSIS
 *	long conf_key_find(const char *name);
 *	int conf_key_differs(const struct mxg_conf *a, const struct mxg_conf *b,
 *			     size_t i);
 *	int conf_show(FILE *out, const struct mxg_conf *c,
 *		      const struct mxg_conf *base, const size_t *keys,
 *		      size_t n_keys, int json);
 * DESCRIPTION
 *	The printer behind mxgated -p and -d and mxgatectl config; the
 *	keys, their order and the syntax of each value are config.h's
 *	(conf_key_at(), conf_format()), nothing is spelled twice here.
 *
 *	conf_key_find() is the index of the key called name, as
 *	conf_key_at() walks them (old names the file still accepts, such
 *	as mark_tarpit, are not keys here), or -1.
 *
 *	conf_key_differs() says whether key i has another value in a than
 *	in b, as the file would say them (conf_format()): 1 or 0.
 *
 *	conf_show() prints to out the keys of c: all of them in the order
 *	of conf_key_at() when keys is NULL, else the n_keys indices of
 *	keys in their order; with base not NULL only those whose value
 *	differs from base's (conf_key_differs(): postconf -n with base the
 *	defaults). Text is one "key = value" line a key ("key =" for an
 *	empty value, which the file cannot say); json is one JSON object
 *	(json.h) mapping each key to its value as the text the file
 *	takes, so that it can be written back as it is. It returns 0, or
 *	-1 when out could not be written.
 */
#ifndef MXG_CONF_SHOW_H
#define MXG_CONF_SHOW_H

#include <stddef.h>
#include <stdio.h>
#include "config.h"

long conf_key_find(const char *name);
int conf_key_differs(const struct mxg_conf *a, const struct mxg_conf *b, size_t i);
int conf_show(FILE *out, const struct mxg_conf *c, const struct mxg_conf *base,
	      const size_t *keys, size_t n_keys, int json);

#endif /* MXG_CONF_SHOW_H */
