/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_share.c - hostile entries from Redis through share_value.c, the
 * only place that judges them (a value or key written there by anyone
 * with access, or by a gateway of another version).
 *
 * Byte 0 chooses the reader: even, a value; odd, a key suffix. The rest
 * is the text, not NUL-terminated, as hiredis hands it over.
 *
 * Properties: a value that is accepted has a kind and an action the
 * precedence and the maps know (a verdict: an action of enum mxg_action
 * other than none, and an expiry; a manual decision: allow, block or
 * forgotten), a NUL-terminated printable comment, and formats back to
 * text that parses to the same entry (what a gateway writes again is
 * what it read); a refusal always says why. share_wins() of the entry
 * against itself is false (an echo never replaces). A key that is
 * accepted formats back and parses to the same key.
 */
#include <stdint.h>
#include <string.h>
#include "fuzz.h"
#include "share_value.h"

static void value(const char *text, size_t len)
{
	struct share_entry e, again;
	char buf[SHARE_VALUE_MAX];
	const char *why = NULL;
	int n;

	if (share_value_parse(text, len, &e, &why) < 0) {
		FUZZ_CHECK(why != NULL, "a refusal without a reason");
		return;
	}
	FUZZ_CHECK(e.kind == 'v' || e.kind == 'm', "kind %d", e.kind);
	if (e.kind == 'v')
		FUZZ_CHECK(e.action > MXG_ACT_NONE && e.action < MXG_ACT_MAX && e.expires_ms,
			   "verdict action %u expires %llu", e.action,
			   (unsigned long long)e.expires_ms);
	else
		FUZZ_CHECK(e.action == 0 || e.action == MXG_ACT_PASS ||
			   e.action == MXG_ACT_BLOCK, "manual action %u", e.action);
	FUZZ_CHECK(memchr(e.comment, 0, sizeof(e.comment)) != NULL, "comment unterminated");
	n = share_value_format(&e, buf, sizeof(buf));
	FUZZ_CHECK(n > 0, "an accepted value does not format back");
	FUZZ_CHECK(share_value_parse(buf, (size_t)n, &again, &why) == 0,
		   "formatted back, refused: %s (%s)", buf, why);
	FUZZ_CHECK(memcmp(&e, &again, sizeof(e)) == 0, "changed by a round trip: %s", buf);
	FUZZ_CHECK(!share_wins(&e, &e, 0), "an echo replaces itself: %s", buf);
}

static void key(const char *text, size_t len)
{
	struct mxg_key k, again;
	char buf[SHARE_KEY_MAX], kind, kind2;
	int n;

	if (share_key_parse(text, len, &kind, &k) < 0)
		return;
	FUZZ_CHECK(kind == 'v' || kind == 'm', "key kind %d", kind);
	n = share_key_format(kind, &k, buf, sizeof(buf));
	FUZZ_CHECK(n > 0, "an accepted key does not format back");
	FUZZ_CHECK(share_key_parse(buf, (size_t)n, &kind2, &again) == 0 && kind2 == kind &&
		   memcmp(&k, &again, sizeof(k)) == 0, "key changed by a round trip: %s", buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		key((const char *)data + 1, size - 1);
	else
		value((const char *)data + 1, size - 1);
	return 0;
}
