/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	ctl_config - mxgatectl config: the configuration in force
 * DESCRIPTION
 *	Implements ctl_config.h (the contract is there): the names become
 *	key indices, then conf_show.h prints them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conf_show.h"
#include "ctl_config.h"

/* listed - is key among the first n of keys? */
static int listed(const size_t *keys, size_t n, size_t key)
{
	for (size_t i = 0; i < n; i++)
		if (keys[i] == key)
			return 1;
	return 0;
}

/* ctl_config - the keys asked for, all of them, or those changed */
int ctl_config(const struct mxg_conf *conf, char *const *names, int changed_only,
	       int json)
{
	struct mxg_conf defaults;
	size_t n = 0, *keys = NULL;
	int rc = 2;

	while (names[n])
		n++;
	if (n && !(keys = calloc(n, sizeof(*keys)))) {
		fprintf(stderr, "mxgatectl: config: %s\n", strerror(ENOMEM));
		return 2;
	}
	for (size_t i = 0; i < n; i++) {
		long key = conf_key_find(names[i]);

		if (key < 0) {
			fprintf(stderr, "mxgatectl: config: \"%s\" is not a key of "
				"mxgate.conf (mxgate.conf(5))\n", names[i]);
			goto out;
		}
		/* A key named twice is shown once: conf_show() skips an
		 * index past the table. */
		keys[i] = listed(keys, i, (size_t)key) ? conf_key_count() : (size_t)key;
	}
	if (changed_only)
		conf_defaults(&defaults);
	if (conf_show(stdout, conf, changed_only ? &defaults : NULL, keys, n, json) < 0) {
		fprintf(stderr, "mxgatectl: config: cannot write to standard output\n");
		goto out;
	}
	rc = 0;
out:
	free(keys);
	return rc;
}
