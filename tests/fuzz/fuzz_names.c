/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_names.c - addresses and names: addr_parse(), addr_format(),
 * addr_reverse_name() (daemon/addr.c), hostname_valid()
 * (daemon/resolve.c), s25r_match() and action_parse() on the input as
 * a string.
 *
 * Properties: an address that parses is a canonical key (host bits
 * clear, padding zero, plen in range) and survives addr_format() and
 * addr_parse() unchanged; its reverse names have the exact length DNS
 * expects and are cut safely in a short buffer; hostname_valid() agrees
 * with a reference written from RFC 1123 (labels of 1..63 letters,
 * digits, '-', '_', a final dot allowed, under 256 bytes); a valid name
 * goes through the S25R rules without trouble.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "fuzz.h"
#include "names.h"
#include "resolve.h"
#include "s25r.h"

/* ref_hostname - the RFC 1123 reference for hostname_valid() */
static int ref_hostname(const char *s)
{
	size_t n = strlen(s), label = 0;

	if (n == 0 || n >= RESOLVE_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '-' || c == '_') {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return 1;	/* "a." is the absolute form of "a" */
}

/* check_key - a parsed address is a canonical map key */
static void check_key(const char *text, const struct mxg_key *k)
{
	struct mxg_key p = *k;

	FUZZ_CHECK(k->plen <= 128, "\"%s\": plen %u", text, k->plen);
	FUZZ_CHECK(!k->pad[0] && !k->pad[1] && !k->pad[2], "\"%s\": padding", text);
	if (addr_is_v4(k))
		FUZZ_CHECK(k->plen >= 96, "\"%s\": IPv4 with plen %u", text, k->plen);
	addr_prefix(&p, k->plen);
	FUZZ_CHECK(!memcmp(&p, k, sizeof(p)), "\"%s\": host bits set", text);
}

/* check_address - parse, format, parse again; reverse names */
static void check_address(const char *text)
{
	static const char *const zones[] = {
		NULL, "zen.spamhaus.org",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	struct mxg_key k, again;
	char out[ADDR_STRLEN], name[512], tiny[9];

	if (addr_parse(text, &k) < 0)
		return;
	check_key(text, &k);
	addr_format(&k, out, sizeof(out));
	FUZZ_CHECK(strlen(out) < ADDR_STRLEN - 1, "\"%s\" formats to %zu bytes",
		   text, strlen(out));
	FUZZ_CHECK(addr_parse(out, &again) == 0, "\"%s\" -> \"%s\" does not parse",
		   text, out);
	FUZZ_CHECK(!memcmp(&k, &again, sizeof(k)), "\"%s\" -> \"%s\" is another key",
		   text, out);
	for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		const char *zone = zones[z] ? zones[z] :
				   addr_is_v4(&k) ? "in-addr.arpa" : "ip6.arpa";
		size_t want = (addr_is_v4(&k) ? 0 : 64) + strlen(zone);

		addr_reverse_name(&k, zones[z], name, sizeof(name));
		if (addr_is_v4(&k))	/* four numbers of 1..3 digits and dots */
			FUZZ_CHECK(strlen(name) >= 8 + strlen(zone) &&
				   strlen(name) <= 16 + strlen(zone),
				   "\"%s\": reverse name \"%s\"", text, name);
		else
			FUZZ_CHECK(strlen(name) == want, "\"%s\": reverse name \"%s\"",
				   text, name);
		addr_reverse_name(&k, zones[z], tiny, sizeof(tiny));
		FUZZ_CHECK(strlen(tiny) < sizeof(tiny), "short buffer overrun");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	FUZZ_CHECK(s != NULL, "out of memory");
	memcpy(s, data, size);
	s[size] = 0;
	check_address(s);
	FUZZ_CHECK(!hostname_valid(s) == !ref_hostname(s),
		   "hostname_valid(\"%s\") = %d, the reference says %d", s,
		   hostname_valid(s), ref_hostname(s));
	if (hostname_valid(s)) {
		int rule = s25r_match(s);

		FUZZ_CHECK(rule >= 0 && rule <= S25R_ALL, "s25r rule %d", rule);
	}
	{
		int a = action_parse(s);

		FUZZ_CHECK(a == -1 || (a >= MXG_ACT_NONE && a <= MXG_ACT_THROTTLE),
			   "action_parse(\"%s\") = %d", s, a);
		if (a > MXG_ACT_NONE)
			FUZZ_CHECK(action_parse(action_name((unsigned)a)) == a,
				   "action %d does not round-trip", a);
	}
	free(s);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	FUZZ_CHECK(s25r_init() == 0, "S25R rules do not compile");
	return 0;
}
