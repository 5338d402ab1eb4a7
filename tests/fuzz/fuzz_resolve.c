/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_resolve.c - DNS answers after c-ares: the PTR, A and AAAA parse
 * step of daemon/resolve.c (resolve_parse_ptr(), resolve_parse_forward(),
 * resolve_parse_a()) on raw answer bytes.
 *
 * Byte 0 chooses the call (PTR, forward confirmation, DNSBL A) and the
 * family; the next 16 bytes are the client address (4 for IPv4); the
 * rest is the answer. Properties: a PTR name handed on to be confirmed
 * is a valid host name; one refused is printable (it goes into a log
 * line); a forward confirmation is only ever a PASS when the answer
 * section really holds a record with the client's address (a naive walk
 * of the answer); resolve_parse_a() returns at most max addresses, each
 * of them in the answer (a negative TTL is possible, and clamped by
 * its user, dnsbl_clamp_ttl()).
 */
#include <stdint.h>
#include <string.h>
#include <ares.h>
#include "addr.h"
#include "fuzz.h"
#include "resolve.h"

/* skip_name - past a (possibly compressed) name at off; 0 when cut */
static size_t skip_name(const uint8_t *m, size_t len, size_t off)
{
	while (off < len) {
		if ((m[off] & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : 0;
		if (m[off] == 0)
			return off + 1;
		off += m[off] + 1u;
	}
	return 0;
}

/* in_answer - does an answer record of type hold the rdata bytes? */
static int in_answer(const uint8_t *m, size_t len, unsigned type,
		     const uint8_t *rdata, size_t rdlen)
{
	size_t off = 12;
	unsigned qd, an;

	if (len < 12)
		return 0;
	qd = (unsigned)(m[4] << 8 | m[5]);
	an = (unsigned)(m[6] << 8 | m[7]);
	for (unsigned i = 0; i < qd; i++) {
		off = skip_name(m, len, off);
		if (!off || off + 4 > len)
			return 0;
		off += 4;
	}
	for (unsigned i = 0; i < an; i++) {
		unsigned t, n;

		off = skip_name(m, len, off);
		if (!off || off + 10 > len)
			return 0;
		t = (unsigned)(m[off] << 8 | m[off + 1]);
		n = (unsigned)(m[off + 8] << 8 | m[off + 9]);
		off += 10;
		if (off + n > len)
			return 0;
		if (t == type && n == rdlen && !memcmp(m + off, rdata, rdlen))
			return 1;
		off += n;
	}
	return 0;
}

/* printable - every byte is 0x21..0x7e */
static int printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	unsigned op = fuzz_byte(&in);
	struct mxg_key k = { .plen = 128 };
	int v4 = op & 1, rc;

	if (v4) {
		k.addr[10] = k.addr[11] = 0xff;
		fuzz_bytes(&in, k.addr + 12, 4);
	} else {
		fuzz_bytes(&in, k.addr, 16);
		if (addr_is_v4(&k))
			k.addr[0] = 0x20;	/* stay IPv6 */
	}
	switch ((op >> 1) % 3) {
	case 0: {
		char name[RESOLVE_NAME_MAX];
		enum fcrdns_status st = resolve_parse_ptr(in.p, (int)in.left, &k,
							  name, sizeof(name), &rc);

		FUZZ_CHECK(st == FCRDNS_PASS || st == FCRDNS_FAIL || st == FCRDNS_NONE,
			   "PTR status %d", st);
		FUZZ_CHECK(strlen(name) < sizeof(name), "name not terminated");
		if (st == FCRDNS_PASS)
			FUZZ_CHECK(hostname_valid(name), "PTR \"%s\" handed on", name);
		FUZZ_CHECK(printable(name), "PTR name not printable");
		break;
	}
	case 1:
		if (resolve_parse_forward(in.p, (int)in.left, &k, &rc) == FCRDNS_PASS)
			FUZZ_CHECK(v4 ? in_answer(in.p, in.left, 1, k.addr + 12, 4)
				      : in_answer(in.p, in.left, 28, k.addr, 16),
				   "confirmed by an address the answer does not hold");
		break;
	default: {
		__u8 addrs[RESOLVE_ADDRS_MAX][4];
		int ttl = -1, max = 1 + (int)(op >> 3) % RESOLVE_ADDRS_MAX;
		int n = resolve_parse_a(in.p, (int)in.left, addrs, max, &ttl);

		FUZZ_CHECK(n >= -1 && n <= max, "%d addresses of at most %d", n, max);
		for (int i = 0; i < n; i++)
			FUZZ_CHECK(in_answer(in.p, in.left, 1, addrs[i], 4),
				   "address %d is not in the answer", i);
		break;
	}
	}
	return 0;
}
