/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	config - mxgate.conf parser
 * DESCRIPTION
 *	Implements config.h (the contract is there). One table, keys[],
 *	describes every key: its type, field and range. The file is parsed
 *	into a copy of the caller's struct, which is written back only when
 *	every line and the whole-file cross-checks are good.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "log.h"
#include "lines.h"
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
	int read_errno;			/* why reading stopped early, or 0 */
	void (*report)(const char *msg);	/* where complaints go */
};

enum key_type {
	KEY_FN,		/* parsed by fn */
	KEY_UINT,	/* unsigned decimal number in [min, max] */
	KEY_MARK,	/* packet mark: decimal or 0x hex, 32 bits */
	KEY_MS,		/* duration in [min, max] ms, stored in ms */
	KEY_SECONDS,	/* duration in [min, max] ms, stored in seconds */
	KEY_PATH,	/* absolute path, char[PATH_MAX] */
	KEY_ACTION,	/* pass, block, greylist, tarpit or throttle */
	KEY_INT,	/* signed decimal number in [-min, max] */
};

struct key_def {
	const char *name;		/* as written in the file */
	enum key_type type;		/* how the value is parsed */
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

/* parse_u64 - decimal, or 0x hex when hex_ok; -1 not a number, -2 too big */
static int parse_u64(const char *s, int hex_ok, unsigned long long *out,
		     const char **rest)
{
	int hex = hex_ok && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	char *end;

	/* strtoull alone would take "-1", " 1" and, with base 0, octal. */
	if (hex ? !isxdigit((unsigned char)s[2]) : !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtoull(s, &end, hex ? 16 : 10);
	if (errno && errno != ERANGE)
		return -1;
	if (rest)
		*rest = end;
	else if (*end)
		return -1;
	return errno == ERANGE ? -2 : 0;
}

/* parse_number - an integer in [min, max], decimal (or 0x hex if hex_ok) */
static int parse_number(const char *v, int hex_ok, unsigned long long min,
			unsigned long long max, unsigned long long *out,
			char *why, size_t len)
{
	int rc = parse_u64(v, hex_ok, out, NULL);

	if (rc == -1) {
		snprintf(why, len, "\"%s\" is not a %snumber", v,
			 hex_ok ? "decimal or 0x hex " : "");
		return -1;
	}
	if (rc == -2 || *out < min || *out > max) {
		snprintf(why, len, "\"%s\" is out of range (%llu-%llu)", v, min, max);
		return -1;
	}
	return 0;
}

/* format_ms - a duration in its largest whole unit: "1s", "365d", "100ms" */
static const char *format_ms(unsigned long long ms, char *buf, size_t len)
{
	static const struct { const char *unit; unsigned long long ms; } big[] = {
		{ "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 },
	};

	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++)
		if (ms && ms % big[i].ms == 0) {
			snprintf(buf, len, "%llu%s", ms / big[i].ms, big[i].unit);
			return buf;
		}
	snprintf(buf, len, "%llums", ms);
	return buf;
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
	char lo[32], hi[32];
	unsigned long long n;
	const char *unit;
	int rc = parse_u64(v, 0, &n, &unit);

	if (rc == -1)
		goto bad;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(unit, units[i].unit) != 0)
			continue;
		/* Divide before multiplying: n * unit may not fit. */
		if (rc == -2 || n > max_ms / units[i].ms ||
		    n * units[i].ms < min_ms || n * units[i].ms > max_ms) {
			snprintf(why, len, "\"%s\" is out of range (%s-%s)", v,
				 format_ms(min_ms, lo, sizeof(lo)),
				 format_ms(max_ms, hi, sizeof(hi)));
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

/* ifname_valid - what the kernel accepts as a device name */
static int ifname_valid(const char *s)
{
	return strlen(s) < IF_NAMESIZE && strcmp(s, ".") != 0 &&
	       strcmp(s, "..") != 0 && !strpbrk(s, "/:");
}

/* set_interfaces - "eth0, eth1" */
static int set_interfaces(struct mxg_conf *c, const char *value, char *why, size_t len)
{
	char copy[LINE_MAX_LEN + 1], *cur = copy, *item;

	snprintf(copy, sizeof(copy), "%s", value);
	c->n_interfaces = 0;
	while ((item = next_item(&cur))) {
		if (!ifname_valid(item)) {
			snprintf(why, len, "\"%s\" is not an interface name "
				 "(at most %d characters, no '/' or ':')", item,
				 IF_NAMESIZE - 1);
			return -1;
		}
		for (int i = 0; i < c->n_interfaces; i++)
			if (strcmp(c->interfaces[i], item) == 0) {
				snprintf(why, len, "\"%s\" is listed twice", item);
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

/* set_ports - "25, 587": at least one, each once */
static int set_ports(struct mxg_conf *c, const char *value, char *why, size_t len)
{
	char copy[LINE_MAX_LEN + 1], *cur = copy, *item;
	unsigned long long port;

	snprintf(copy, sizeof(copy), "%s", value);
	c->n_ports = 0;
	while ((item = next_item(&cur))) {
		if (parse_u64(item, 0, &port, NULL) < 0 || port < 1 || port > 65535) {
			snprintf(why, len, "\"%s\" is not a port (1-65535)", item);
			return -1;
		}
		for (int i = 0; i < c->n_ports; i++)
			if (c->ports[i] == port) {
				snprintf(why, len, "\"%s\" is listed twice", item);
				return -1;
			}
		if (c->n_ports == MXG_MAX_PORTS) {
			snprintf(why, len, "more than %d ports", MXG_MAX_PORTS);
			return -1;
		}
		c->ports[c->n_ports++] = (__u16)port;
	}
	if (c->n_ports == 0) {
		snprintf(why, len, "\"%s\" names no port", value);
		return -1;
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
	return !port || (parse_u64(port, 0, &p, NULL) == 0 && p >= 1 && p <= 65535);
}

/* set_dns_servers - "203.0.113.53, [2001:db8::53]:5353" -> c-ares CSV */
static int set_dns_servers(struct mxg_conf *c, const char *value, char *why, size_t len)
{
	char copy[LINE_MAX_LEN + 1], *cur = copy, *item;
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
/* set_prefix - "off", "24" or "/24": pools of /len share a greylist clock */
static int set_prefix(unsigned *out, const char *v, unsigned max,
		      char *why, size_t len)
{
	unsigned long long n;

	if (strcmp(v, "off") == 0) {
		*out = 0;
		return 0;
	}
	if (parse_number(v + (v[0] == '/'), 0, 8, max, &n, why, len) < 0) {
		snprintf(why, len, "\"%s\" is not \"off\" or a prefix length "
			 "(8-%u)", v, max);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

static int set_prefix_v4(struct mxg_conf *c, const char *v, char *why, size_t len)
{
	return set_prefix(&c->greylist_prefix_v4, v, 32, why, len);
}

static int set_prefix_v6(struct mxg_conf *c, const char *v, char *why, size_t len)
{
	return set_prefix(&c->greylist_prefix_v6, v, 128, why, len);
}

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

	if (parse_u64(v + neg, 0, &n, NULL) < 0 || (neg ? n > neg_min : n > max)) {
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
	/* 0 would list every client (score 0): as in postscreen, at least 1. */
	{ "dnsbl_threshold", KEY_UINT, FIELD(dnsbl_threshold), 1, 1000, NULL },
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
	{ "greylist_prefix_v4", KEY_FN, 0, 0, 0, set_prefix_v4 },
	{ "greylist_prefix_v6", KEY_FN, 0, 0, 0, set_prefix_v6 },
	{ "responder_port", KEY_UINT, FIELD(responder_port), 1, 65535, NULL },
	{ "responder_max_connections", KEY_UINT, FIELD(responder_max_connections),
	  1, 100000, NULL },
	{ "responder_timeout", KEY_MS, FIELD(responder_timeout_ms), 100, 600 * MS_PER_S, NULL },
	{ "tarpit_delay", KEY_MS, FIELD(tarpit_delay_ms), 100, 600 * MS_PER_S, NULL },
	{ "throttle_rate", KEY_UINT, FIELD(throttle_rate), 1, 60000, NULL },
	{ "throttle_burst", KEY_UINT, FIELD(throttle_burst), 1, 10000, NULL },
	{ "throttle_prefix_rate", KEY_UINT, FIELD(throttle_prefix_rate), 0, 600000, NULL },
	{ "throttle_prefix_burst", KEY_UINT, FIELD(throttle_prefix_burst), 1, 100000, NULL },
	{ "client_connection_limit", KEY_UINT, FIELD(client_connection_limit), 0, 100000, NULL },
	{ "max_sources", KEY_UINT, FIELD(max_sources), 1024, 16777216, NULL },
	{ "max_pending", KEY_UINT, FIELD(max_pending), 1, 1000000, NULL },
	{ "mark_pass", KEY_MARK, FIELD(mark_pass), 0, 0xffffffffULL, NULL },
	{ "mark_responder", KEY_MARK, FIELD(mark_responder), 0, 0xffffffffULL, NULL },
	/* The name before 0.9: it marks greylisted clients too. */
	{ "mark_tarpit", KEY_MARK, FIELD(mark_responder), 0, 0xffffffffULL, NULL },
	{ "mark_mask", KEY_MARK, FIELD(mark_mask), 0, 0xffffffffULL, NULL },
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* set_value - parse value for key k into c; the reason into why on error */
static int set_value(const struct key_def *k, struct mxg_conf *c,
		     const char *v, char *why, size_t len)
{
	void *field = (char *)c + k->offset;
	unsigned long long n = 0;
	int action;

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
	case KEY_MARK:
		if (parse_number(v, k->type == KEY_MARK, k->min, k->max, &n,
				 why, len) < 0)
			return -1;
		break;
	case KEY_INT:
		return parse_int(v, k->min, k->max, field, why, len);
	case KEY_ACTION:
		action = action_parse(v);
		if (action <= MXG_ACT_NONE) {
			snprintf(why, len, "\"%s\" is not an action (%s)", v,
				 action_names());
			return -1;
		}
		n = (unsigned)action;
		break;
	case KEY_MS:
	case KEY_SECONDS:
		if (parse_duration_ms(v, k->min, k->max, &n, why, len) < 0)
			return -1;
		if (k->type == KEY_SECONDS && n % MS_PER_S) {
			/* Dropping the rest silently would be a surprise. */
			snprintf(why, len, "\"%s\" is not a whole number of seconds", v);
			return -1;
		}
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
	c->mark_responder = MXG_DEFAULT_MARK_RESPONDER;
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
	c->responder_port = 10025;
	c->responder_max_connections = 256;
	c->responder_timeout_ms = 30 * MS_PER_S;
	c->tarpit_delay_ms = 65 * MS_PER_S;	/* taRgrey's 65 s */
	c->throttle_rate = 6;
	c->throttle_burst = 3;
	c->throttle_prefix_rate = 30;
	c->throttle_prefix_burst = 10;
	c->client_connection_limit = 20;
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
	char why[LINE_MAX_LEN + 256];
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
		bad(ctx, "\"%s\": missing '=' (expected \"key = value\")", key);
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

/* check_mark - one mark: non-zero and inside the mask */
static void check_mark(struct parse_ctx *ctx, const char *name, __u32 mark,
		       __u32 mask)
{
	if (!mark)
		bad(ctx, "%s must not be 0", name);
	else if (mark & ~mask)
		bad(ctx, "%s 0x%x is outside mark_mask 0x%x", name, mark, mask);
}

/* check_whole - the cross-checks no single line can make */
static void check_whole(struct parse_ctx *ctx, const struct mxg_conf *c)
{
	ctx->line = 0;			/* "FILE: reason": the file as a whole */
	check_mark(ctx, "mark_pass", c->mark_pass, c->mark_mask);
	check_mark(ctx, "mark_responder", c->mark_responder, c->mark_mask);
	/* The nftables rules tell the two apart by value under the mask. */
	if (c->mark_pass && c->mark_pass == c->mark_responder)
		bad(ctx, "mark_pass and mark_responder must be different (both 0x%x)",
		    c->mark_pass);
	if (c->greylist_delay >= c->greylist_window)
		bad(ctx, "greylist_delay (%us) must be shorter than greylist_window "
		    "(%us)", c->greylist_delay, c->greylist_window);
}

/* parse_file - every line of lr into work; the reader reports over-long
 * lines and NUL bytes with FILE:LINE (lines.h) */
static void parse_file(struct parse_ctx *ctx, struct lines *lr,
		       struct mxg_conf *work)
{
	int seen[N_KEYS] = { 0 };	/* line where each key was set */
	char *line;

	while ((line = lines_next(lr))) {
		ctx->line = lr->lineno;
		parse_line(ctx, line, work, seen);
	}
	ctx->errors += lr->bad;
	ctx->read_errno = lr->read_errno;
}

/* conf_load - apply path on top of c; c unchanged unless all lines are good */
int conf_load(struct mxg_conf *c, const char *path, void (*report)(const char *msg))
{
	struct parse_ctx ctx = { .path = path, .report = report };
	struct mxg_conf *work = NULL;	/* c as the file would leave it */
	struct lines lr;
	int rc = -1;

	if (lines_open(&lr, path, LINE_MAX_LEN, report) < 0)
		return -1;		/* reported as "FILE: reason" */
	work = malloc(sizeof(*work));
	if (!work) {
		msg_at(report, path, 0, "%s", strerror(ENOMEM));
		goto out;
	}
	*work = *c;
	parse_file(&ctx, &lr, work);
	if (ctx.read_errno)		/* e.g. a directory: EISDIR, reported */
		goto out;
	if (ctx.errors == 0)
		check_whole(&ctx, work);
	if (ctx.errors == 0)
		*c = *work;
	rc = ctx.errors;
out:
	free(work);
	lines_close(&lr);
	return rc;
}
