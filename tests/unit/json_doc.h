/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json_doc.h - a JSON document written to memory (json.h's writer on an
 * open_memstream), for the tests that compare it with what it must be.
 *	doc_open(d)	a writer into memory
 *	doc_close(d)	json_finish()'s result; d->text kept (the caller
 *			frees it)
 *	doc_object(d), doc_object_close(d)
 *			the same around one top-level object; the latter
 *			checks the document finished and returns the text
 */
#ifndef MXG_TEST_JSON_DOC_H
#define MXG_TEST_JSON_DOC_H

#include <stdio.h>
#include "json.h"
#include "test.h"

struct doc {
	struct json j;
	char *text;		/* open_memstream's buffer */
	size_t len;
	FILE *f;
};

static inline void doc_open(struct doc *d)
{
	d->text = NULL;
	d->len = 0;
	d->f = open_memstream(&d->text, &d->len);
	json_init(&d->j, d->f);
}

static inline int doc_close(struct doc *d)
{
	int rc = json_finish(&d->j);

	fclose(d->f);
	return rc;
}

static inline void doc_object(struct doc *d)
{
	doc_open(d);
	json_object(&d->j, NULL);
}

static inline char *doc_object_close(struct doc *d)
{
	json_end(&d->j);
	CHECK_EQ_INT(doc_close(d), 0);
	return d->text;
}

#endif /* MXG_TEST_JSON_DOC_H */
