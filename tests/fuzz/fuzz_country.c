/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_country.c - country files and the country table: country_load()
 * on the input as two files of a countries directory, then
 * country_table_build(), then lookups checked against a naive reference.
 *
 * The input is split at its first 0xff byte: what comes before is
 * cn.zone (action block), what comes after is kr.ipv6.zone (greylist).
 * Properties: every complaint names a line its file has; a set that
 * fails is empty; no file yields more entries than it has lines that can
 * hold a network (not blank, comment aside); the built table answers every probe (each entry's
 * first and last address, the addresses next to them, fixed ones) as
 * the reference does: the longest prefix holding the address over the
 * 128-bit form, the later entry among equal ones (country_table.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "addr.h"
#include "country.h"
#include "country_table.h"
#include "fuzz.h"

static char dir[64];		/* the countries directory */
static char cn_path[96], kr_path[96];
static int cn_lines, kr_lines;	/* lines of each file */

/* report - country_load's reporter: a real line of the file it names */
static void report(const char *msg)
{
	if (!strncmp(msg, cn_path, strlen(cn_path)))
		fuzz_check_report(msg, cn_path, cn_lines);
	else
		fuzz_check_report(msg, kr_path, kr_lines);
}

/* network_lines - the lines of a file that can hold a network: not
 * blank once a comment ('#' to the end of the line) is taken off. A set
 * with more entries than that made one out of a comment or out of the
 * rest of a line (fgets cut lines at 255 bytes). */
static size_t network_lines(const uint8_t *data, size_t size)
{
	size_t n = 0;
	int text = 0, comment = 0;

	for (size_t i = 0; i <= size; i++) {
		if (i == size || data[i] == '\n') {
			n += text;
			text = comment = 0;
		} else if (data[i] == '#') {
			comment = 1;
		} else if (!comment && !isspace(data[i])) {
			text = 1;
		}
	}
	return n;
}

/* contains - does the prefix (addr, len) hold the address a? */
static int contains(const __u8 *addr, unsigned len, const __u8 *a)
{
	for (unsigned bit = 0; bit < len; bit++) {
		__u8 m = (__u8)(0x80 >> (bit % 8));

		if ((addr[bit / 8] ^ a[bit / 8]) & m)
			return 0;
	}
	return 1;
}

/* reference - the naive longest-prefix match: a scan of every entry */
static __u32 reference(const struct country_set *set, const __u8 a[16])
{
	const struct country_entry *best = NULL;

	for (size_t i = 0; i < set->n; i++) {
		const struct country_entry *e = &set->entries[i];

		if (contains(e->key.addr, e->key.prefixlen, a) &&
		    (!best || e->key.prefixlen >= best->key.prefixlen))
			best = e;
	}
	return best ? mxg_ct_leaf(&best->value) : 0;
}

/* probe - the table and the reference agree on address a */
static void probe(const struct country_set *set, const struct country_table *t,
		  const __u8 a[16])
{
	struct mxg_key k = { .plen = 128 };
	__u32 got, want;

	memcpy(k.addr, a, 16);
	got = country_table_find(t, &k);
	want = reference(set, a);
	if (got != want) {
		char text[ADDR_STRLEN];

		addr_format(&k, text, sizeof(text));
		FUZZ_CHECK(got == want, "%s: table 0x%x, reference 0x%x", text,
			   got, want);
	}
}

/* step - a +/- 1 in place on a 128-bit address */
static void step(__u8 a[16], int up)
{
	for (int i = 15; i >= 0; i--) {
		a[i] = (__u8)(a[i] + (up ? 1 : -1));
		if (a[i] != (up ? 0 : 0xff))
			break;
	}
}

/* probe_entry - around one entry: first and last address, and beyond */
static void probe_entry(const struct country_set *set, const struct country_table *t,
			const struct country_entry *e)
{
	__u8 first[16], last[16];

	memcpy(first, e->key.addr, 16);
	memcpy(last, e->key.addr, 16);
	for (unsigned bit = e->key.prefixlen; bit < 128; bit++)
		last[bit / 8] |= (__u8)(0x80 >> (bit % 8));
	probe(set, t, first);
	probe(set, t, last);
	step(first, 0);
	step(last, 1);
	probe(set, t, first);
	probe(set, t, last);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const __u8 fixed[][16] = {
		{ 0 }, { [10] = 0xff, [11] = 0xff }, { [10] = 0xff, [11] = 0xff, [12] = 1 },
		{ [10] = 0xff, [11] = 0xff, [12] = 255, 255, 255, 255 },
		{ 0x20, 0x01, 0x0d, 0xb8 }, { [0 ... 15] = 0xff },
	};
	const uint8_t *sep = memchr(data, 0xff, size);
	size_t cn_size = sep ? (size_t)(sep - data) : size;
	struct country_set set;
	struct country_table t;
	int bad, err;

	fuzz_write(cn_path, data, cn_size);
	cn_lines = fuzz_lines(data, cn_size);
	if (sep) {
		fuzz_write(kr_path, sep + 1, size - cn_size - 1);
		kr_lines = fuzz_lines(sep + 1, size - cn_size - 1);
	} else {
		unlink(kr_path);
		kr_lines = 0;
	}
	bad = country_load(dir, "cn:block, kr:greylist", MXG_ACT_BLOCK, &set, report);
	if (bad) {
		FUZZ_CHECK(set.n == 0 && set.entries == NULL, "a bad set is not empty");
		return 0;
	}
	{
		size_t cn = 0, kr = 0;

		for (size_t i = 0; i < set.n; i++)
			*(set.entries[i].value.cc[0] == 'c' ? &cn : &kr) += 1;
		FUZZ_CHECK(cn <= network_lines(data, cn_size), "%zu cn entries from "
			   "%zu lines that can hold one", cn, network_lines(data, cn_size));
		FUZZ_CHECK(kr <= (sep ? network_lines(sep + 1, size - cn_size - 1) : 0),
			   "%zu kr entries from fewer lines", kr);
	}
	err = country_table_build(&set, &t);
	if (err) {
		FUZZ_CHECK(err == -E2BIG || err == -ENOMEM, "build: %d", err);
		country_set_free(&set);
		return 0;
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		probe(&set, &t, fixed[i]);
	for (size_t i = 0; i < set.n && i < 256; i++)
		probe_entry(&set, &t, &set.entries[i]);
	country_table_free(&t);
	country_set_free(&set);
	return 0;
}

/* LLVMFuzzerInitialize - the countries directory, removed at exit */
static void cleanup(void)
{
	unlink(cn_path);
	unlink(kr_path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	snprintf(dir, sizeof(dir), "/tmp/mxgate-fuzz-country.XXXXXX");
	FUZZ_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(cn_path, sizeof(cn_path), "%s/cn.zone", dir);
	snprintf(kr_path, sizeof(kr_path), "%s/kr.ipv6.zone", dir);
	atexit(cleanup);
	return 0;
}
