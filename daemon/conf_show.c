/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	conf_show - print a configuration as text or JSON
 * DESCRIPTION
 *	Implements conf_show.h (the contract is there), on top of
 *	config.h's key walk and printer.
 */
#include <string.h>
#include "conf_show.h"
#include "json.h"

/* conf_key_find - the index of the key called name, or -1 */
long conf_key_find(const char *name)
{
	for (size_t i = 0; i < conf_key_count(); i++)
		if (strcmp(conf_key_at(i)->name, name) == 0)
			return (long)i;
	return -1;
}

/* conf_key_differs - does key i read differently in a and in b? */
int conf_key_differs(const struct mxg_conf *a, const struct mxg_conf *b, size_t i)
{
	char va[CONF_VALUE_MAX], vb[CONF_VALUE_MAX];

	conf_format(a, i, va, sizeof(va));
	conf_format(b, i, vb, sizeof(vb));
	return strcmp(va, vb) != 0;
}

/* conf_show - the keys asked for, as lines or one JSON object */
int conf_show(FILE *out, const struct mxg_conf *c, const struct mxg_conf *base,
	      const size_t *keys, size_t n_keys, int json)
{
	char value[CONF_VALUE_MAX];
	struct json j;
	size_t n = keys ? n_keys : conf_key_count();

	json_init(&j, out);
	if (json)
		json_object(&j, NULL);
	for (size_t k = 0; k < n; k++) {
		size_t i = keys ? keys[k] : k;
		const char *name = conf_key_at(i) ? conf_key_at(i)->name : NULL;

		if (!name || (base && !conf_key_differs(c, base, i)))
			continue;
		conf_format(c, i, value, sizeof(value));
		if (json)
			json_string(&j, name, value);
		else
			fprintf(out, "%s =%s%s\n", name, value[0] ? " " : "", value);
	}
	if (json) {
		json_end(&j);
		return json_finish(&j);
	}
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
