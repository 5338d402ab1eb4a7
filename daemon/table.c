/* SPDX-License-Identifier: GPL-2.0-or-later */
/* table.c - Postfix-style client access tables; see table.h. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "addr.h"
#include "clock.h"
#include "lines.h"
#include "log.h"
#include "table.h"

#define LOGICAL_LINE_MAX 4096
#define REGEX_WARN_INTERVAL_NS	NS_PER_S	/* one warning a second */

struct load_ctx {
	const char *path;		/* for messages */
	int line;			/* first physical line of the entry */
	int errors;			/* bad lines so far */
	void (*report)(const char *msg);
};

/* bad - report "FILE:LINE: reason" and count it */
#define bad(ctx, ...) do {						\
	(ctx)->errors++;						\
	msg_at((ctx)->report, (ctx)->path, (ctx)->line, __VA_ARGS__);	\
} while (0)

/* parse_action - Postfix access action to enum mxg_action; -1 if unknown */
static int parse_action(const char *word)
{
	if (!strcasecmp(word, "OK"))
		return MXG_ACT_PASS;
	if (!strcasecmp(word, "REJECT") || !strcasecmp(word, "DISCARD"))
		return MXG_ACT_BLOCK;
	if (!strcasecmp(word, "DEFER"))
		return MXG_ACT_GREYLIST;
	if (!strcasecmp(word, "DUNNO"))
		return MXG_ACT_NONE;
	/* A bare SMTP code: 4NN asks to come back, 5NN refuses. */
	if (strlen(word) == 3 && (word[0] == '4' || word[0] == '5') &&
	    isdigit((unsigned char)word[1]) && isdigit((unsigned char)word[2]))
		return word[0] == '4' ? MXG_ACT_GREYLIST : MXG_ACT_BLOCK;
	return -1;
}

/* split_action - "ACTION [text]" after the key; fills action and text */
static int split_action(struct load_ctx *ctx, char *rest, struct table_rule *r)
{
	char *word, *text;

	while (isspace((unsigned char)*rest))
		rest++;
	if (!*rest) {
		bad(ctx, "missing action after the key");
		return -1;
	}
	word = rest;
	while (*rest && !isspace((unsigned char)*rest))
		rest++;
	text = rest;
	if (*rest)
		*text++ = 0;
	while (isspace((unsigned char)*text))
		text++;
	r->action = parse_action(word);
	if (r->action < 0) {
		bad(ctx, "action \"%s\" has no meaning before the SMTP session "
		    "(use OK, REJECT, DISCARD, DEFER, DUNNO or a 4NN/5NN code)", word);
		return -1;
	}
	r->text = strdup(text);
	return r->text ? 0 : -1;
}

/* octet_prefix - "202.66.133" -> 202.66.133.0/24 (IPv4-mapped key) */
static int octet_prefix(const char *key, struct mxg_key *k)
{
	char buf[INET_ADDRSTRLEN + 8];
	int octets = 1;

	if (!*key)
		return -1;	/* key[strlen(key) - 1] below needs a byte */
	for (const char *p = key; *p; p++) {
		if (*p == '.')
			octets++;
		else if (!isdigit((unsigned char)*p))
			return -1;
	}
	if (octets > 4 || strlen(key) > INET_ADDRSTRLEN || key[0] == '.' ||
	    key[strlen(key) - 1] == '.')
		return -1;
	snprintf(buf, sizeof(buf), "%s", key);
	for (int i = octets; i < 4; i++)
		strcat(buf, ".0");
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "/%d", octets * 8);
	return addr_parse(buf, k);
}

/* domain_valid - letters, digits, '-', '_' and dots, no empty label */
static int domain_valid(const char *d)
{
	if (!*d || *d == '.' || d[strlen(d) - 1] == '.' || strstr(d, ".."))
		return 0;
	for (; *d; d++)
		if (!isalnum((unsigned char)*d) && *d != '-' && *d != '_' && *d != '.')
			return 0;
	return 1;
}

/* parse_hash - "KEY ACTION [text]" */
static int parse_hash(struct load_ctx *ctx, char *line, struct table_rule *r)
{
	char *key = line, *rest = line;

	while (*rest && !isspace((unsigned char)*rest))
		rest++;
	if (*rest)
		*rest++ = 0;
	if (!*key) {		/* load_file strips blanks: cannot happen */
		bad(ctx, "empty key");
		return -1;
	}
	if (!strcasecmp(key, "unknown")) {
		r->kind = RULE_UNKNOWN;
	} else if (octet_prefix(key, &r->prefix) == 0 ||
		   (strchr(key, ':') && addr_parse(key, &r->prefix) == 0 &&
		    !strchr(key, '/'))) {
		r->kind = RULE_PREFIX;
	} else {
		r->kind = key[0] == '.' ? RULE_SUBDOMAIN : RULE_DOMAIN;
		if (!domain_valid(key + (key[0] == '.'))) {
			bad(ctx, "\"%s\" is not an address, octet prefix, "
			    "domain or \"unknown\"", key);
			return -1;
		}
		r->domain = strdup(key + (key[0] == '.'));
		if (!r->domain)
			return -1;
		for (char *p = r->domain; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	return split_action(ctx, rest, r);
}

/* parse_cidr - "NETWORK/LEN ACTION [text]" */
static int parse_cidr(struct load_ctx *ctx, char *line, struct table_rule *r)
{
	char *rest = line;

	while (*rest && !isspace((unsigned char)*rest))
		rest++;
	if (*rest)
		*rest++ = 0;
	if (addr_parse(line, &r->prefix) < 0) {
		bad(ctx, "\"%s\" is not an IPv4 or IPv6 network", line);
		return -1;
	}
	r->kind = RULE_PREFIX;
	return split_action(ctx, rest, r);
}

/* parse_pcre - "[!]/regex/flags ACTION [text]" */
static int parse_pcre(struct load_ctx *ctx, char *line, struct table_rule *r)
{
	uint32_t options = PCRE2_CASELESS;
	char *start, *end, delim;
	PCRE2_SIZE off;
	int err;

	r->kind = RULE_REGEX;
	if (*line == '!') {
		r->negate = 1;
		line++;
	}
	if (!strncmp(line, "if", 2) || !strncmp(line, "endif", 5)) {
		bad(ctx, "if/endif blocks are not supported");
		return -1;
	}
	delim = *line;
	if (!delim || isalnum((unsigned char)delim) || isspace((unsigned char)delim)) {
		bad(ctx, "expected /regex/ at the start of the line");
		return -1;
	}
	start = line + 1;
	for (end = start; *end && *end != delim; end++)
		if (*end == '\\' && end[1])
			end++;
	if (*end != delim) {
		bad(ctx, "regex has no closing '%c'", delim);
		return -1;
	}
	*end++ = 0;
	for (; *end && !isspace((unsigned char)*end); end++) {
		switch (*end) {
		case 'i': options ^= PCRE2_CASELESS; break;
		case 'x': options |= PCRE2_EXTENDED; break;
		case 's': options |= PCRE2_DOTALL; break;
		case 'm': options |= PCRE2_MULTILINE; break;
		default:
			bad(ctx, "unknown regex flag '%c'", *end);
			return -1;
		}
	}
	r->regex = pcre2_compile((PCRE2_SPTR)start, PCRE2_ZERO_TERMINATED,
				 options, &err, &off, NULL);
	if (!r->regex) {
		PCRE2_UCHAR msg[128];

		pcre2_get_error_message(err, msg, sizeof(msg));
		bad(ctx, "regex \"%s\": %s at offset %zu", start, (char *)msg,
		    (size_t)off);
		return -1;
	}
	(void)pcre2_jit_compile(r->regex, PCRE2_JIT_COMPLETE);
	/* What a match error answers (see regex_matches): a refusal at
	 * this rule's line, made now so that a lookup never allocates. */
	r->on_error = calloc(1, sizeof(*r->on_error));
	if (!r->on_error || !(r->on_error->text = strdup(TABLE_REGEX_ERROR_TEXT))) {
		bad(ctx, "out of memory");
		return -1;
	}
	r->on_error->kind = RULE_REGEX;
	r->on_error->action = MXG_ACT_BLOCK;
	r->on_error->line = ctx->line;
	return split_action(ctx, end, r);
}

/* rule_free - what one rule owns */
static void rule_free(struct table_rule *r)
{
	free(r->domain);
	free(r->text);
	pcre2_code_free(r->regex);
	if (r->on_error) {
		free(r->on_error->text);
		free(r->on_error);
	}
}

/* add_entry - parse one logical line into t */
static void add_entry(struct load_ctx *ctx, struct table *t, char *line)
{
	struct table_rule r = { 0 }, *grown;
	int rc;

	r.line = ctx->line;
	if (t->type == TABLE_HASH)
		rc = parse_hash(ctx, line, &r);
	else if (t->type == TABLE_CIDR)
		rc = parse_cidr(ctx, line, &r);
	else
		rc = parse_pcre(ctx, line, &r);
	grown = rc < 0 ? NULL : realloc(t->rules, (t->n_rules + 1) * sizeof(r));
	if (!grown) {
		if (rc == 0)
			bad(ctx, "out of memory");
		rule_free(&r);
		return;
	}
	t->rules = grown;
	t->rules[t->n_rules++] = r;
}

/* skip_blanks - past the blanks at the start of s */
static char *skip_blanks(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/*
 * load_file - read every logical line of t->path, as Postfix's readlline()
 * does: a line whose first non-blank is '#' is a comment (an indented one
 * is skipped, one at the start of its line ends the entry before it, as
 * an empty or blank line does); a line starting with blanks continues
 * the entry before it. The blanks before an entry are never
 * part of it: a first line that starts with blanks, with no entry to
 * continue, starts one (an empty key would be read as key[-1]).
 */
static void load_file(struct load_ctx *ctx, struct table *t)
{
	char logical[LOGICAL_LINE_MAX];
	struct lines lr;
	int have = 0;		/* 1: an entry in logical; -1: one refused */
	char *phys;

	ctx->path = t->path;
	ctx->line = 0;
	if (lines_open(&lr, t->path, LOGICAL_LINE_MAX - 1, ctx->report) < 0) {
		ctx->errors++;		/* reported as "FILE: reason" */
		return;
	}
	while ((phys = lines_next(&lr))) {
		char *text = skip_blanks(phys);

		if (*text == '#' && text != phys)
			continue;	/* indented comment: the entry goes on */
		if (*text == '#' || !*text) {
			if (have > 0)
				add_entry(ctx, t, logical);
			have = 0;
			continue;
		}
		if (text != phys && have) {
			if (have > 0 &&
			    strlen(logical) + strlen(text) + 1 >= sizeof(logical)) {
				ctx->line = lr.lineno;
				bad(ctx, "entry longer than %d bytes", LOGICAL_LINE_MAX - 1);
				have = -1;	/* its other lines are no entries */
			}
			if (have > 0) {
				strcat(logical, " ");
				strcat(logical, text);
			}
			continue;
		}
		if (have > 0)
			add_entry(ctx, t, logical);
		snprintf(logical, sizeof(logical), "%s", text);
		ctx->line = lr.lineno;
		have = 1;
	}
	if (have > 0)
		add_entry(ctx, t, logical);
	ctx->errors += lr.bad + (lr.read_errno != 0);
	lines_close(&lr);
}

/* regex_setup - the match limits and the match block every pcre rule of
 * set uses (one is enough: the daemon is single-threaded); -1 if out of
 * memory */
static int regex_setup(struct table_set *set)
{
	pcre2_match_context *mc = pcre2_match_context_create(NULL);

	set->match_ctx = mc;
	/* Only "did it match" is asked: one ovector pair is enough. */
	set->match_data = pcre2_match_data_create(1, NULL);
	if (!mc || !set->match_data)
		return -1;
	/* Bound the time and memory one name can cost per rule; see
	 * table.h and mxgate.conf(5) for the measured worst case. */
	pcre2_set_match_limit(mc, TABLE_REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(mc, TABLE_REGEX_DEPTH_LIMIT);
	pcre2_set_heap_limit(mc, TABLE_REGEX_HEAP_LIMIT_KIB);
	return 0;
}

/* table_set_load - every "type:path" of specs, all or nothing */
int table_set_load(struct table_set *set, const char *specs,
		   void (*report)(const char *msg))
{
	struct load_ctx ctx = { "", 0, 0, report };
	char *copy = strdup(specs ? specs : ""), *cur = copy, *item;

	memset(set, 0, sizeof(*set));
	while (copy && (item = strsep(&cur, ", \t"))) {
		char *colon = strchr(item, ':');
		struct table *grown, *t;

		if (!*item)
			continue;
		grown = realloc(set->tables, (set->n_tables + 1) * sizeof(*t));
		if (!grown)
			break;
		set->tables = grown;
		t = memset(&set->tables[set->n_tables++], 0, sizeof(*t));
		t->path = strdup(colon ? colon + 1 : item);
		ctx.path = item;
		if (!colon || (strncmp(item, "hash:", 5) && strncmp(item, "cidr:", 5) &&
			       strncmp(item, "pcre:", 5))) {
			bad(&ctx, "table type must be hash:, cidr: or pcre:");
			continue;
		}
		t->type = !strncmp(item, "hash:", 5) ? TABLE_HASH :
			  !strncmp(item, "cidr:", 5) ? TABLE_CIDR : TABLE_PCRE;
		if (t->path)
			load_file(&ctx, t);
	}
	free(copy);
	if (!ctx.errors && regex_setup(set) < 0) {
		ctx.path = specs;
		ctx.line = 0;
		bad(&ctx, "out of memory for the regex match limits");
	}
	if (ctx.errors)
		table_set_free(set);
	return ctx.errors;
}

/* prefix_contains - is addr inside the prefix p? */
static int prefix_contains(const struct mxg_key *p, const struct mxg_key *addr)
{
	int full = p->plen / 8, rest = p->plen % 8;

	if (memcmp(p->addr, addr->addr, (size_t)full))
		return 0;
	return !rest || ((p->addr[full] ^ addr->addr[full]) & (0xff00 >> rest)) == 0;
}

/* name_matches - hash domain rules: the name itself or a name below it */
static int name_matches(const struct table_rule *r, const char *name)
{
	size_t n = strlen(name), d = strlen(r->domain);

	if (n == d && r->kind == RULE_DOMAIN)
		return !strcasecmp(name, r->domain);
	return n > d && name[n - d - 1] == '.' && !strcasecmp(name + n - d, r->domain);
}

/* regex_warn - log a regex error with the table line, at most once every
 * REGEX_WARN_INTERVAL_NS: a client that owns its reverse zone can make
 * one happen on every connection, and must not be able to flood the log */
static void regex_warn(const struct table *t, const struct table_rule *r,
		       const char *name, int rc)
{
	static __u64 last_ns;		/* when the last warning was logged */
	static unsigned long quiet;	/* errors not logged since */
	PCRE2_UCHAR why[128];
	__u64 now = now_ns();

	if (last_ns && now - last_ns < REGEX_WARN_INTERVAL_NS) {
		quiet++;
		return;
	}
	pcre2_get_error_message(rc, why, sizeof(why));
	/* The name is a confirmed host name (hostname_valid) or "unknown":
	 * nothing in it needs escaping. */
	if (quiet)
		msg_warn("table %s:%d: regex error on \"%s\": %s (%d); the "
			 "lookup answers REJECT (%lu more regex errors not "
			 "logged)", t->path, r->line, name, (char *)why, rc, quiet);
	else
		msg_warn("table %s:%d: regex error on \"%s\": %s (%d); the "
			 "lookup answers REJECT", t->path, r->line, name,
			 (char *)why, rc);
	last_ns = now;
	quiet = 0;
}

/* regex_matches - pcre rules, with "!" negation: 1 match, 0 no match,
 * -1 error (match or depth limit, out of memory): neither, see table.h */
static int regex_matches(const struct table_set *set, const struct table *t,
			 const struct table_rule *r, const char *name)
{
	int rc = set->match_data ?
		pcre2_match(r->regex, (PCRE2_SPTR)name, strlen(name), 0, 0,
			    set->match_data, set->match_ctx) :
		PCRE2_ERROR_NOMEMORY;	/* not from table_set_load() */

	if (rc >= 0 || rc == PCRE2_ERROR_NOMATCH)
		return (rc >= 0) != r->negate;
	regex_warn(t, r, name, rc);
	return -1;
}

/* rule_matches - does r match this address or this name? 1, 0, or -1 for
 * a regex error */
static int rule_matches(const struct table_set *set, const struct table *t,
			const struct table_rule *r, const struct mxg_key *addr,
			const char *name)
{
	switch (r->kind) {
	case RULE_PREFIX:
		return addr && prefix_contains(&r->prefix, addr);
	case RULE_UNKNOWN:
		return !addr && !name;
	case RULE_DOMAIN:
	case RULE_SUBDOMAIN:
		return name && name_matches(r, name);
	case RULE_REGEX:
		/* Postfix matches "unknown" literally when there is no name. */
		if (addr)
			return 0;
		return regex_matches(set, t, r, name ? name : "unknown");
	}
	return 0;
}

/* first_match - the first rule of the first table that matches; a regex
 * error ends the search with that rule's refusal (table.h says why) */
static const struct table_rule *first_match(const struct table_set *set,
					    const struct mxg_key *addr,
					    const char *name,
					    const struct table **in)
{
	for (size_t i = 0; i < set->n_tables; i++)
		for (size_t j = 0; j < set->tables[i].n_rules; j++) {
			const struct table_rule *r = &set->tables[i].rules[j];
			int hit = rule_matches(set, &set->tables[i], r, addr, name);

			if (!hit)
				continue;
			if (in)
				*in = &set->tables[i];
			return hit > 0 ? r : r->on_error;
		}
	return NULL;
}

/* table_match_addr - address keys only */
const struct table_rule *table_match_addr(const struct table_set *set,
					  const struct mxg_key *addr,
					  const struct table **in)
{
	return first_match(set, addr, NULL, in);
}

/* table_match_name - name keys only; NULL hostname = "unknown" */
const struct table_rule *table_match_name(const struct table_set *set,
					  const char *hostname,
					  const struct table **in)
{
	return first_match(set, NULL, hostname, in);
}

/* table_set_free - every table and rule */
void table_set_free(struct table_set *set)
{
	for (size_t i = 0; i < set->n_tables; i++) {
		for (size_t j = 0; j < set->tables[i].n_rules; j++)
			rule_free(&set->tables[i].rules[j]);
		free(set->tables[i].rules);
		free(set->tables[i].path);
	}
	free(set->tables);
	pcre2_match_data_free(set->match_data);
	pcre2_match_context_free(set->match_ctx);
	memset(set, 0, sizeof(*set));
}
