/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	share_script - the one Redis script: write an entry if it wins, and
 *	tell the stream, in one atomic step
 * DESCRIPTION
 *	KEYS[1] the entry's key, KEYS[2] the stream, KEYS[3] the stream's
 *	counter (each entry carries the next number, n, so that a reader
 *	sees a gap: entries trimmed before it read them); ARGV[1] the value,
 *	ARGV[2] the key suffix (the stream's k), ARGV[3] the writer's origin,
 *	ARGV[4] the stream's MAXLEN ~, ARGV[5] when the key expires (ms
 *	since the epoch; 0: never). The precedence is share_wins()'s
 *	(share_value.h), on what the key holds (Redis expires keys, so what
 *	it holds is live); a value it cannot read, or a key of another type,
 *	counts as nothing held. Returns 1 when the entry was written, else
 *	the value that won. The stream is written before the key: Redis
 *	does not undo a script's writes when a later call fails (an ACL
 *	without XADD, out of memory), and a key no gateway heard of would
 *	be worse than an entry whose key is missing.
 */
#ifndef MXG_SHARE_SCRIPT_H
#define MXG_SHARE_SCRIPT_H

#include "share_value.h"

_Static_assert(SHARE_SAME_MS == 1000, "the script's same is SHARE_SAME_MS");

#define SHARE_SCRIPT							\
"local function parse(v)\n"						\
"  local kind, a, d, e\n"						\
"  kind, a, d, e = string.match(v, '^1 (v) (%d+) %x+ %-?%d+ (%d+) (%d+)$')\n" \
"  if not kind then\n"							\
"    kind, a, d, e = string.match(v, '^1 (m) (%d+) (%d+) (%d+) \"')\n" \
"  end\n"								\
"  if not kind then return nil end\n"					\
"  return { kind = kind, action = tonumber(a), decided = tonumber(d),\n" \
"           expires = tonumber(e) }\n"					\
"end\n"									\
"local n = parse(ARGV[1])\n"						\
"if not n then return redis.error_reply('mxgate: not a value') end\n"	\
"local cur = redis.pcall('GET', KEYS[1])\n"				\
"if type(cur) ~= 'string' then cur = nil end\n"			\
"local h = cur and parse(cur)\n"					\
"local wins\n"								\
"local same = 1000\n"							\
"if not h or h.kind ~= n.kind then wins = true\n"			\
"elseif n.kind == 'v' and n.action == 3 then\n"			\
"  wins = h.action == 3 and n.decided + same < h.decided\n"		\
"elseif n.action == h.action and math.abs(n.decided - h.decided) <= same then\n" \
"  wins = h.expires ~= 0 and (n.expires == 0 or n.expires > h.expires + same)\n" \
"elseif n.decided ~= h.decided then wins = n.decided > h.decided\n"	\
"else wins = n.kind == 'm' and n.action == 0 end\n"			\
"if not wins then return cur end\n"					\
"local seq = redis.call('INCR', KEYS[3])\n"				\
"redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*',\n"		\
"  'k', ARGV[2], 'v', ARGV[1], 'o', ARGV[3], 'n', seq)\n"		\
"if ARGV[5] ~= '0' then\n"						\
"  redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[5])\n"		\
"else\n"								\
"  redis.call('SET', KEYS[1], ARGV[1])\n"				\
"end\n"									\
"return 1\n"

#endif /* MXG_SHARE_SCRIPT_H */
