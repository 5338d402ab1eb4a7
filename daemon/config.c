/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.c - mxgate.conf parser; see config.h for the contract. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "log.h"
#include "country.h"
#include "dnsbl_sites.h"
#include "names.h"

#define LINE_MAX_LEN	1024
#define MS_PER_S	1000ULL
#define DAY_S		86400ULL

struct parse_ctx {
	const char *path;		/* for messages */
	int line;			/* current line number */
	int errors;			/* bad lines so far */
	void (*report)(const char *msg);
};

enum key_type {
	KEY_FN,		/* parsed by fn */
	KEY_UINT,	/* unsigned number in [min, max] */
	KEY_MS,		/* duration in [min, max] ms, stored in ms */
	KEY_SECONDS,	/* duration in [min, max] ms, stored in seconds */
	KEY_PATH,	/* absolute path, char[PATH_MAX] */
	KEY_ACTION,	/* pass, block, greylist, tarpit or throttle */
	KEY_INT,	/* signed number in [-min, max] */
};

struct key_def {
	const char *name;
	enum key_type type;
	size_t offset;			/* of the field in struct mxg_conf */
	unsigned long long min, max;	/* range, for numbers and durations */
	/* KEY_FN: parse value into c; on error write the reason into why. */
	int (*fn)(struct mxg_conf *c, const char *value, char *why, size_t len);
};

/* bad - report one bad line as "FILE:LINE: reason" */
#define bad(ctx, ...) do {						\
	(ctx)->errors++;						\
	msg_at((ctx)->report, (ctx)->path, (ctx)->line, __VA_ARGS__);	\
} while (0)

/* parse_u64 - a plain unsigned decimal or 0x hex number; -1 if not */
static int parse_u64(const char *s, unsigned long long *out, const char **rest)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;	/* strtoull would accept "-1" and " 1" */
	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	if (rest)
		*rest = end;
	else if (*end)
		return -1;
	return 0;
}

/* parse_number - an integer in [min, max] */
static int parse_number(const char *v, unsigned long long min,
			unsigned long long max, unsigned long long *out,
			char *why, size_t len)
{
	if (parse_u64(v, out, NULL) < 0) {
		snprintf(why, len, "\"%s\" is not a number", v);
		return -1;
	}
	if (*out < min || *out > max) {
		snprintf(why, len, "%s is out of range (%llu-%llu)", v, min, max);
		return -1;
	}
	return 0;
}

/* parse_duration_ms - "250ms", "30s", "5m", "2h", "20d" or seconds */
static int parse_duration_ms(const char *v, unsigned long long min_ms,
			     unsigned long long max_ms, unsigned long long *ms,
			     char *why, size_t len)
{
	static const struct { const char *unit; unsigned long long ms; } units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	unsigned long long n;
	const char *unit;

	if (parse_u64(v, &n, &unit) < 0)
		goto bad;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(unit, units[i].unit) != 0)
			continue;
		if (n > max_ms / units[i].ms || n * units[i].ms < min_ms ||
		    n * units[i].ms > max_ms) {
			snprintf(why, len, "%s is out of range (%llums-%llus)", v,
				 min_ms, max_ms / 1000);
			return -1;
		}
		*ms = n * units[i].ms;
		return 0;
	}
bad:
	snprintf(why, len, "\"%s\" is not a duration (e.g. 500ms, 30s, 5m, 2h, 20d)", v);
	return -1;
}

/* next_item - split a comma/blank separated list; NULL at the end */
static char *next_item(char **cursor)
{
	char *s = *cursor, *start;

	while (*s == ',' || isspace((unsigned char)*s))
		s++;
	if (!*s)
		return NULL;
	start = s;
	while (*s && *s != ',' && !isspace((unsigned char)*s))
		s++;
	if (*s)
		*s++ = 0;
	*cursor = s;
	return start;
}

/* set_interfaces - "eth0, eth1" */
static int set_interfaces(struct mxg_conf *c, const char *value, char *why, size_t len)
{
	char copy[LINE_MAX_LEN], *cur = copy, *item;

	snprintf(copy, sizeof(copy), "%s", value);
	c->n_interfaces = 0;
	while ((item = next_item(&cur))) {
		if (strlen(item) >= IF_NAMESIZE) {
			snprintf(why, len, "\"%s\" is too long for an interface name", item);
			return -1;
		}
		if (c->n_interfaces == MXG_MAX_IFACES) {
			snprintf(why, len, "more than %d interfaces", MXG_MAX_IFACES);
			return -1;
		}
		snprintf(c->interfaces[c->n_interfaces++], IF_NAMESIZE, "%s", item);
	}
	return 0;
}

/* set_ports - "25, 587" */
static int set_ports(struct mxg_conf *c, const char *value, char *why, size_t len)
{
	char copy[LINE_MAX_LEN], *cur = copy, *item;
	unsigned long long port;

	snprintf(copy, sizeof(copy), "%s", value);
	c->n_ports = 0;
	while ((item = next_item(&cur))) {
		if (parse_u64(item, &port, NULL) < 0 || port < 1 || port > 65535) {
			snprintf(why, len, "\"%s\" is not a port (1-65535)", item);
			return -1;
		}
		if (c->n_ports == MXG_MAX_PORTS) {
			snprintf(why, len, "more than %d ports", MXG_MAX_PORTS);
			return -1;
		}
		c->ports[c->n_ports++] = (__u16)port;
	}
	return 0;
}

/* dns_server_valid - "192.0.2.53", "192.0.2.53:5353", "[2001:db8::53]:53", "2001:db8::53" */
static int dns_server_valid(const char *s)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = NULL;
	unsigned char buf[16];
	unsigned long long p;
	size_t n;

	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || (size_t)(close - s - 1) >= sizeof(host))
			return 0;
		n = (size_t)(close - s - 1);
		memcpy(host, s + 1, n);
		host[n] = 0;
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			return 0;
		if (inet_pton(AF_INET6, host, buf) != 1)
			return 0;
	} else if (strchr(s, ':') && strchr(s, ':') != strrchr(s, ':')) {
		if (inet_pton(AF_INET6, s, buf) != 1)	/* bare IPv6, no port */
			return 0;
	} else {
		const char *colon = strchr(s, ':');

		n = colon ? (size_t)(colon - s) : strlen(s);
		if (n >= sizeof(host))
			return 0;
		memcpy(host, s, n);
		host[n] = 0;
		if (colon)
			port = colon + 1;
		if (inet_pton(AF_INET, host, buf) != 1)
			return 0;
	}
	return !port || (parse_u64(port, &p, NULL) == 0 && p >= 1 && p <= 65535);
}

/* set_dns_servers - "203.0.113.53, [2001:db8::53]:5353" -> c-ares CSV */
static int set_dns_servers(struct mxg_conf *c, const char *value, char *why, size_t len)
{
	char copy[LINE_MAX_LEN], *cur = copy, *item;
	size_t o = 0;

	snprintf(copy, sizeof(copy), "%s", value);
	c->dns_servers[0] = 0;
	while ((item = next_item(&cur))) {
		int n;

		if (!dns_server_valid(item)) {
			snprintf(why, len, "\"%s\" is not an IP address with an "
				 "optional port", item);
			return -1;
		}
		n = snprintf(c->dns_servers + o, sizeof(c->dns_servers) - o,
			     "%s%s", o ? "," : "", item);
		if (n < 0 || (size_t)n >= sizeof(c->dns_servers) - o) {
			snprintf(why, len, "too many servers");
			return -1;
		}
		o += (size_t)n;
	}
	return 0;
}

/* set_rules_cmd - a command found in PATH, an absolute path, or "none" */
static int set_rules_cmd(struct mxg_conf *c, const char *v, char *why, size_t len)
{
	if (strcmp(v, "none") == 0) {
		c->rules_cmd[0] = 0;
		return 0;
	}
	if (strlen(v) >= PATH_MAX || strpbrk(v, " \t")) {
		snprintf(why, len, "\"%s\" is not a command path", v);
		return -1;
	}
	snprintf(c->rules_cmd, PATH_MAX, "%s", v);
	return 0;
}

/* set_client_access - "hash:/path cidr:/path ..." (the files are read by
 * the table module, which reports their lines) */
static int set_client_access(struct mxg_conf *c, const char *v, char *why, size_t len)
{
	if (strlen(v) >= sizeof(c->client_access)) {
		snprintf(why, len, "list is too long");
		return -1;
	}
	snprintf(c->client_access, sizeof(c->client_access), "%s", v);
	return 0;
}

/* set_dnsbl_sites - postscreen syntax, checked here so -t catches it */
static int set_dnsbl_sites(struct mxg_conf *c, const char *v, char *why, size_t len)
{
	struct dnsbl_site sites[DNSBL_MAX_SITES];

	if (strlen(v) >= sizeof(c->dnsbl_sites)) {
		snprintf(why, len, "list is too long");
		return -1;
	}
	if (dnsbl_sites_parse(v, sites, DNSBL_MAX_SITES, why, len) < 0)
		return -1;
	snprintf(c->dnsbl_sites, sizeof(c->dnsbl_sites), "%s", v);
	return 0;
}

/* set_country_actions - "cn:block, br:greylist" */
static int set_country_actions(struct mxg_conf *c, const char *v, char *why, size_t len)
{
	if (strlen(v) >= sizeof(c->country_actions)) {
		snprintf(why, len, "list is too long");
		return -1;
	}
	if (country_actions_valid(v, why, len) < 0)
		return -1;
	snprintf(c->country_actions, sizeof(c->country_actions), "%s", v);
	return 0;
}

/* parse_int - a signed decimal in [-neg_min, max] */
static int parse_int(const char *v, unsigned long long neg_min,
		     unsigned long long max, int *out, char *why, size_t len)
{
	unsigned long long n;
	int neg = v[0] == '-';

	if (parse_u64(v + neg, &n, NULL) < 0 || (neg ? n > neg_min : n > max)) {
		snprintf(why, len, "\"%s\" is not a number from -%llu to %llu",
			 v, neg_min, max);
		return -1;
	}
	*out = neg ? -(int)n : (int)n;
	return 0;
}

#define FIELD(name) offsetof(struct mxg_conf, name)
_Static_assert(sizeof(__u32) == sizeof(unsigned), "marks are stored as unsigned");

/* Every key: lists and special values have a function; plain numbers,
 * durations and paths are described by their field and range. */
static const struct key_def keys[] = {
	{ "interfaces", KEY_FN, 0, 0, 0, set_interfaces },
	{ "ports", KEY_FN, 0, 0, 0, set_ports },
	{ "dns_servers", KEY_FN, 0, 0, 0, set_dns_servers },
	{ "rules_cmd", KEY_FN, 0, 0, 0, set_rules_cmd },
	{ "client_access", KEY_FN, 0, 0, 0, set_client_access },
	{ "s25r_action", KEY_ACTION, FIELD(s25r_action), 0, 0, NULL },
	{ "unknown_client_action", KEY_ACTION, FIELD(unknown_client_action), 0, 0, NULL },
	{ "dnsbl_sites", KEY_FN, 0, 0, 0, set_dnsbl_sites },
	{ "countries_dir", KEY_PATH, FIELD(countries_dir), 0, 0, NULL },
	{ "country_actions", KEY_FN, 0, 0, 0, set_country_actions },
	{ "country_default_action", KEY_ACTION, FIELD(country_default_action), 0, 0, NULL },
	{ "dnsbl_threshold", KEY_INT, FIELD(dnsbl_threshold), 0, 1000, NULL },
	{ "dnsbl_allowlist_threshold", KEY_INT, FIELD(dnsbl_allowlist_threshold),
	  1000, 0, NULL },
	{ "dnsbl_action", KEY_ACTION, FIELD(dnsbl_action), 0, 0, NULL },
	{ "dnsbl_min_ttl", KEY_SECONDS, FIELD(dnsbl_min_ttl), MS_PER_S, DAY_S * MS_PER_S, NULL },
	{ "dnsbl_max_ttl", KEY_SECONDS, FIELD(dnsbl_max_ttl), MS_PER_S, 7 * DAY_S * MS_PER_S, NULL },
	{ "queue", KEY_UINT, FIELD(queue), 0, 65535, NULL },
	{ "pin_dir", KEY_PATH, FIELD(pin_dir), 0, 0, NULL },
	{ "state_dir", KEY_PATH, FIELD(state_dir), 0, 0, NULL },
	{ "pid_file", KEY_PATH, FIELD(pid_file), 0, 0, NULL },
	{ "decision_timeout", KEY_MS, FIELD(decision_timeout_ms), 100, 60 * MS_PER_S, NULL },
	{ "verdict_ttl_pass", KEY_SECONDS, FIELD(verdict_ttl_pass),
	  MS_PER_S, 365 * DAY_S * MS_PER_S, NULL },
	{ "verdict_ttl_block", KEY_SECONDS, FIELD(verdict_ttl_block),
	  MS_PER_S, 365 * DAY_S * MS_PER_S, NULL },
	{ "greylist_delay", KEY_SECONDS, FIELD(greylist_delay), MS_PER_S, DAY_S * MS_PER_S, NULL },
	{ "greylist_window", KEY_SECONDS, FIELD(greylist_window), MS_PER_S, 7 * DAY_S * MS_PER_S, NULL },
	{ "allowlist_ttl", KEY_SECONDS, FIELD(allowlist_ttl), MS_PER_S, 365 * DAY_S * MS_PER_S, NULL },
	{ "max_sources", KEY_UINT, FIELD(max_sources), 1024, 16777216, NULL },
	{ "max_pending", KEY_UINT, FIELD(max_pending), 1, 1000000, NULL },
	{ "mark_pass", KEY_UINT, FIELD(mark_pass), 0, 0xffffffffULL, NULL },
	{ "mark_tarpit", KEY_UINT, FIELD(mark_tarpit), 0, 0xffffffffULL, NULL },
	{ "mark_mask", KEY_UINT, FIELD(mark_mask), 0, 0xffffffffULL, NULL },
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* set_value - parse value for key k into c; the reason into why on error */
static int set_value(const struct key_def *k, struct mxg_conf *c,
		     const char *v, char *why, size_t len)
{
	void *field = (char *)c + k->offset;
	unsigned long long n = 0;

	switch (k->type) {
	case KEY_FN:
		return k->fn(c, v, why, len);
	case KEY_PATH:
		if (v[0] != '/' || strlen(v) >= PATH_MAX) {
			snprintf(why, len, "\"%s\" is not an absolute path", v);
			return -1;
		}
		snprintf(field, PATH_MAX, "%s", v);
		return 0;
	case KEY_UINT:
		if (parse_number(v, k->min, k->max, &n, why, len) < 0)
			return -1;
		break;
	case KEY_INT:
		return parse_int(v, k->min, k->max, field, why, len);
	case KEY_ACTION:
		if (action_parse(v) <= MXG_ACT_NONE) {
			snprintf(why, len, "\"%s\" is not an action (pass, block, "
				 "greylist, tarpit, throttle)", v);
			return -1;
		}
		n = (unsigned)action_parse(v);
		break;
	case KEY_MS:
	case KEY_SECONDS:
		if (parse_duration_ms(v, k->min, k->max, &n, why, len) < 0)
			return -1;
		if (k->type == KEY_SECONDS)
			n /= MS_PER_S;
		break;
	}
	*(unsigned *)field = (unsigned)n;	/* every range fits */
	return 0;
}

/* conf_defaults - every setting's default */
void conf_defaults(struct mxg_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->ports[0] = 25;
	c->n_ports = 1;
	snprintf(c->pin_dir, sizeof(c->pin_dir), "/sys/fs/bpf/mxgate");
	snprintf(c->state_dir, sizeof(c->state_dir), "/var/lib/mxgate");
	snprintf(c->rules_cmd, sizeof(c->rules_cmd), "mxgate-rules");
	snprintf(c->pid_file, sizeof(c->pid_file), "/run/mxgated.pid");
	c->decision_timeout_ms = 5000;
	c->verdict_ttl_pass = 86400;
	c->verdict_ttl_block = 3600;
	c->max_sources = MXG_DEFAULT_MAX_SOURCES;
	c->max_pending = 4096;
	c->mark_pass = MXG_DEFAULT_MARK_PASS;
	c->mark_tarpit = MXG_DEFAULT_MARK_TARPIT;
	c->mark_mask = MXG_DEFAULT_MARK_MASK;
	/* The seeds' recipe: S25R hits are greylisted, not refused. */
	c->s25r_action = MXG_ACT_GREYLIST;
	c->unknown_client_action = MXG_ACT_GREYLIST;
	c->dnsbl_threshold = 1;
	c->dnsbl_action = MXG_ACT_BLOCK;
	c->dnsbl_min_ttl = 60;
	c->dnsbl_max_ttl = 3600;
	snprintf(c->countries_dir, sizeof(c->countries_dir), "/etc/mxgate/countries.d");
	c->country_default_action = MXG_ACT_BLOCK;
	/* The seeds' qgreylist: greytime 25 min, maxageonce 45 min,
	 * maxagegood 20 days. */
	c->greylist_delay = 25 * 60;
	c->greylist_window = 45 * 60;
	c->allowlist_ttl = 20 * 86400;
}

/* trim - strip blanks at both ends, in place */
static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* parse_line - one "key = value" line into c */
static void parse_line(struct parse_ctx *ctx, char *line, struct mxg_conf *c,
		       int seen[N_KEYS])
{
	char why[LINE_MAX_LEN + 128];
	char *key, *value, *eq, *hash;
	size_t k;

	hash = strchr(line, '#');
	if (hash)
		*hash = 0;		/* no key or value contains '#' */
	key = trim(line);
	if (!*key)
		return;
	eq = strchr(key, '=');
	if (!eq) {
		bad(ctx, "\"%s\": expected \"key = value\"", key);
		return;
	}
	*eq = 0;
	key = trim(key);
	value = trim(eq + 1);
	for (k = 0; k < N_KEYS && strcmp(keys[k].name, key) != 0; k++)
		;
	if (k == N_KEYS) {
		bad(ctx, "unknown key \"%s\"", key);
		return;
	}
	if (seen[k]) {
		bad(ctx, "%s: already set on line %d", key, seen[k]);
		return;
	}
	seen[k] = ctx->line;
	if (!*value) {
		bad(ctx, "%s: empty value", key);
		return;
	}
	if (set_value(&keys[k], c, value, why, sizeof(why)) < 0)
		bad(ctx, "%s: %s", key, why);
}

/* check_marks - pass and tarpit marks distinct, non-zero, inside the mask */
static void check_marks(struct parse_ctx *ctx, const struct mxg_conf *c)
{
	if (!c->mark_pass || !c->mark_tarpit || c->mark_pass == c->mark_tarpit ||
	    (c->mark_pass & ~c->mark_mask) || (c->mark_tarpit & ~c->mark_mask))
		bad(ctx, "mark_pass 0x%x and mark_tarpit 0x%x must be different, "
		    "non-zero and inside mark_mask 0x%x", c->mark_pass,
		    c->mark_tarpit, c->mark_mask);
}

/* conf_load - apply path on top of c; c unchanged unless all lines are good */
int conf_load(struct mxg_conf *c, const char *path, void (*report)(const char *msg))
{
	struct parse_ctx ctx = { path, 0, 0, report };
	int seen[N_KEYS] = { 0 };
	char line[LINE_MAX_LEN + 2];
	struct mxg_conf *work;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		char msg[PATH_MAX + 128];

		snprintf(msg, sizeof(msg), "%s: %s", path, strerror(errno));
		if (report)
			report(msg);
		return -1;
	}
	work = malloc(sizeof(*work));
	if (!work) {
		fclose(f);
		return -1;
	}
	*work = *c;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);

		ctx.line++;
		if (n && line[n - 1] == '\n') {
			line[--n] = 0;
		} else if (n > LINE_MAX_LEN) {
			int ch;

			bad(&ctx, "line longer than %d bytes", LINE_MAX_LEN);
			while ((ch = fgetc(f)) != EOF && ch != '\n')
				;
			continue;
		}
		parse_line(&ctx, line, work, seen);
	}
	/* Cross-checks: line 0 means "the file as a whole". */
	ctx.line = 0;
	if (ctx.errors == 0)
		check_marks(&ctx, work);
	if (ctx.errors == 0 && work->greylist_delay >= work->greylist_window)
		bad(&ctx, "greylist_delay (%us) must be shorter than greylist_window "
		    "(%us)", work->greylist_delay, work->greylist_window);
	if (ctx.errors == 0)
		*c = *work;
	free(work);
	fclose(f);
	return ctx.errors;
}
