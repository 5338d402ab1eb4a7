/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	addr - client addresses as map keys and text
 * SYNOPSIS
 *	int addr_parse(const char *text, struct mxg_key *key);
 *	void addr_format(const struct mxg_key *key, char *buf, size_t len);
 *	int addr_is_v4(const struct mxg_key *key);
 *	void addr_prefix(struct mxg_key *key, unsigned plen);
 *	void addr_reverse_name(const struct mxg_key *key, const char *zone,
 *			       char *buf, size_t len);
 * DESCRIPTION
 *	addr_parse() accepts an IPv4 or IPv6 address, optionally with
 *	"/plen" (IPv4 0..32, IPv6 0..128), and fills key (IPv4 mapped into
 *	::ffff:0:0/96, plen over the 128-bit form, host bits cleared);
 *	returns 0 or -1. addr_format() prints the address the way a person
 *	writes it (dotted quad for mapped IPv4), with "/plen" only for a
 *	prefix entry. INET6_ADDRSTRLEN + 4 bytes always suffice.
 *	addr_prefix() turns key into its /plen prefix (over the 128-bit
 *	form: 96 + n for an IPv4 /n), host bits cleared.
 *	addr_reverse_name() writes the address's reversed octets (IPv4) or
 *	nibbles (IPv6) followed by zone, or by in-addr.arpa / ip6.arpa when
 *	zone is NULL: the PTR query name, or a DNSBL query name.
 */
#ifndef MXG_ADDR_H
#define MXG_ADDR_H

#include <stddef.h>
#include <linux/types.h>
#include "mxgate.h"

#define ADDR_STRLEN 52

int addr_parse(const char *text, struct mxg_key *key);
void addr_format(const struct mxg_key *key, char *buf, size_t len);
int addr_is_v4(const struct mxg_key *key);
void addr_prefix(struct mxg_key *key, unsigned plen);
void addr_reverse_name(const struct mxg_key *key, const char *zone,
		       char *buf, size_t len);

#endif /* MXG_ADDR_H */
