/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	config - mxgate.conf: its keys, their defaults, parser and printer
 * DESCRIPTION
 *	Implements config.h (the contract is there). One table, keys[],
 *	owns everything about a key: its name, type, field (offset and
 *	size), range, default as the text a user would write, and how a
 *	change applies on a reload. conf_defaults(), the parser, the
 *	printer and the reload merge all walk that table; nothing else
 *	names keys. The file is parsed into a copy of the caller's struct,
 *	which is written back only when every line and the whole-file
 *	cross-checks are good.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "config.h"
#include "share_server.h"
#include "log.h"
#include "lines.h"
#include "country.h"
#include "dnsbl_sites.h"
#include "metrics_text.h"
#include "names.h"
#include "providers.h"
#include "responder.h"

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
	KEY_FN,		/* parsed by parse, printed by format */
	KEY_TEXT,	/* text kept as written, in a char[size]; check optional */
	KEY_UINT,	/* unsigned decimal number in [min, max] */
	KEY_MARK,	/* packet mark: decimal or 0x hex, 32 bits */
	KEY_MS,		/* duration in [min, max] ms, stored in ms */
	KEY_SECONDS,	/* duration in [min, max] ms, stored in seconds */
	KEY_PATH,	/* absolute path, char[PATH_MAX] */
	KEY_ACTION,	/* pass, block, greylist, tarpit or throttle */
	KEY_INT,	/* signed decimal number in [-min, max] */
	KEY_PREFIX,	/* "off" (0) or a prefix length in [min, max] */
	KEY_BOOL,	/* "yes" (1) or "no" (0) */
};

struct key_def {
	struct conf_key_info info;	/* name, apply class, default text */
	enum key_type type;		/* how the value is parsed and printed */
	size_t offset;			/* of the field in struct mxg_conf */
	size_t size;			/* of the field: all the key owns */
	unsigned long long min, max;	/* range, for numbers and durations */
	/* KEY_FN: parse value into c; on error write the reason into why. */
	int (*parse)(struct mxg_conf *c, const char *value, char *why, size_t len);
	/* KEY_FN: print the value of c as the file would say it (snprintf). */
	int (*format)(const struct mxg_conf *c, char *buf, size_t len);
	/* KEY_TEXT: is the text good? On error write the reason into why. */
	int (*check)(const char *value, char *why, size_t len);
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
	while ((item = lines_next_item(&cur))) {
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
	while ((item = lines_next_item(&cur))) {
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
	while ((item = lines_next_item(&cur))) {
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

/* set_overload_action - "tempfail" (the responder says 4xx, the client
 * comes back) or "pass" (fail open: on to the MTA unjudged) */
static int set_overload_action(struct mxg_conf *c, const char *v, char *why, size_t len)
{
	if (strcmp(v, "tempfail") == 0)
		c->overload_action = OVERLOAD_TEMPFAIL;
	else if (strcmp(v, "pass") == 0)
		c->overload_action = OVERLOAD_PASS;
	else {
		snprintf(why, len, "\"%s\" is not tempfail or pass", v);
		return -1;
	}
	return 0;
}

/* format_overload_action - the word set_overload_action() reads */
static int format_overload_action(const struct mxg_conf *c, char *buf, size_t len)
{
	return snprintf(buf, len, "%s", c->overload_action == OVERLOAD_PASS ?
			"pass" : "tempfail");
}

/* set_repeat_reply - "421" (a greeting-time 421 and close), "full"
 * (the whole dialogue again, 220 and 450) or "reset" (a TCP reset from
 * the tc program) for a greylisted repeat */
static int set_repeat_reply(struct mxg_conf *c, const char *v, char *why, size_t len)
{
	if (strcmp(v, "421") == 0)
		c->greylist_repeat_reply = REPEAT_REPLY_421;
	else if (strcmp(v, "full") == 0)
		c->greylist_repeat_reply = REPEAT_REPLY_FULL;
	else if (strcmp(v, "reset") == 0)
		c->greylist_repeat_reply = REPEAT_REPLY_RESET;
	else {
		snprintf(why, len, "\"%s\" is not 421, full or reset", v);
		return -1;
	}
	return 0;
}

/* format_repeat_reply - the word set_repeat_reply() reads */
static int format_repeat_reply(const struct mxg_conf *c, char *buf, size_t len)
{
	static const char *const words[] = {
		[REPEAT_REPLY_421] = "421", [REPEAT_REPLY_FULL] = "full",
		[REPEAT_REPLY_RESET] = "reset",
	};

	return snprintf(buf, len, "%s", words[c->greylist_repeat_reply]);
}

/* appendf - snprintf at offset o of buf; returns the length the whole
 * text would have, as snprintf does, also once buf is full */
static int appendf(char *buf, size_t len, int o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o < 0)
		return o;
	va_start(ap, fmt);
	if ((size_t)o < len)
		n = vsnprintf(buf + o, len - (size_t)o, fmt, ap);
	else
		n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	return n < 0 ? n : o + n;
}

/* format_interfaces - "eth0, eth1" */
static int format_interfaces(const struct mxg_conf *c, char *buf, size_t len)
{
	int o = appendf(buf, len, 0, "%s", "");

	for (int i = 0; i < c->n_interfaces; i++)
		o = appendf(buf, len, o, "%s%.*s", i ? ", " : "", IF_NAMESIZE,
			    c->interfaces[i]);
	return o;
}

/* format_ports - "25, 587" */
static int format_ports(const struct mxg_conf *c, char *buf, size_t len)
{
	int o = appendf(buf, len, 0, "%s", "");

	for (int i = 0; i < c->n_ports; i++)
		o = appendf(buf, len, o, "%s%u", i ? ", " : "", c->ports[i]);
	return o;
}

/* format_dns_servers - the c-ares CSV back as "a, b" */
static int format_dns_servers(const struct mxg_conf *c, char *buf, size_t len)
{
	const char *s = c->dns_servers;
	int o = appendf(buf, len, 0, "%s", "");

	while (*s) {
		size_t n = strcspn(s, ",");

		o = appendf(buf, len, o, "%s%.*s", s == c->dns_servers ? "" : ", ",
			    (int)n, s);
		s += n + (s[n] == ',');
	}
	return o;
}

/* format_rules_cmd - the command, or "none": the file's word for unset */
static int format_rules_cmd(const struct mxg_conf *c, char *buf, size_t len)
{
	return snprintf(buf, len, "%s", c->rules_cmd[0] ? c->rules_cmd : "none");
}

/* network_text - a trusted network as the file and the loader say it:
 * always with its length, IPv4 in dotted quads */
static void network_text(const struct mxg_key *k, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	int v4 = mxg_key_is_v4(k) && k->plen >= 96;

	inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? k->addr + 12 : k->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, v4 ? k->plen - 96u : k->plen);
}

/* set_trusted - "127.0.0.0/8, ::1/128" or "none": networks whose clients
 * are never judged. Each is a network (no host bits: Postfix's mynetworks
 * refuses those too), IPv4 in IPv4 form: nftables and iptables keep the
 * two families in separate sets, and an IPv4-mapped IPv6 network would
 * be loaded where no IPv4 packet is ever looked for. */
static int set_trusted(struct mxg_conf *c, const char *value, char *why, size_t len)
{
	char copy[LINE_MAX_LEN + 1], *cur = copy, *item, net[ADDR_STRLEN];
	struct mxg_key k, host;

	c->n_trusted = 0;
	if (strcmp(value, "none") == 0)
		return 0;
	snprintf(copy, sizeof(copy), "%s", value);
	while ((item = lines_next_item(&cur))) {
		char *slash = strchr(item, '/');

		if (addr_parse(item, &k) < 0) {
			snprintf(why, len, "\"%s\" is not an IPv4 or IPv6 network "
				 "(address/length)", item);
			return -1;
		}
		if (strchr(item, ':') && mxg_key_is_v4(&k) && k.plen >= 96) {
			snprintf(why, len, "\"%s\" is an IPv4-mapped IPv6 network: "
				 "write it in IPv4 form", item);
			return -1;
		}
		/* addr_parse() cleared the host bits: were there any? */
		if (slash) {
			memset(&host, 0, sizeof(host));
			*slash = 0;
			addr_parse(item, &host);	/* parsed above */
			*slash = '/';
			if (memcmp(host.addr, k.addr, sizeof(k.addr)) != 0) {
				network_text(&k, net, sizeof(net));
				snprintf(why, len, "\"%s\" has host bits set (the "
					 "network is %s)", item, net);
				return -1;
			}
		}
		for (int i = 0; i < c->n_trusted; i++)
			if (memcmp(&c->trusted[i], &k, sizeof(k)) == 0) {
				snprintf(why, len, "\"%s\" is listed twice", item);
				return -1;
			}
		if (c->n_trusted == MXG_MAX_TRUSTED) {
			snprintf(why, len, "more than %d networks", MXG_MAX_TRUSTED);
			return -1;
		}
		c->trusted[c->n_trusted++] = k;
	}
	if (c->n_trusted == 0) {
		snprintf(why, len, "\"%s\" names no network (\"none\" for none)", value);
		return -1;
	}
	return 0;
}

/* format_trusted - "127.0.0.0/8, ::1/128", or "none" */
static int format_trusted(const struct mxg_conf *c, char *buf, size_t len)
{
	char net[ADDR_STRLEN];
	int o = appendf(buf, len, 0, "%s", c->n_trusted ? "" : "none");

	for (int i = 0; i < c->n_trusted; i++) {
		network_text(&c->trusted[i], net, sizeof(net));
		o = appendf(buf, len, o, "%s%s", i ? ", " : "", net);
	}
	return o;
}

/* check_metrics_listen - "127.0.0.1:9464", "[::1]:9464", or "" (off) */
static int check_metrics_listen(const char *v, char *why, size_t len)
{
	return v[0] ? metrics_listen_parse(v, NULL, NULL, why, len) : 0;
}

/* check_dnsbl_sites - postscreen syntax, checked here so -t catches it */
static int check_dnsbl_sites(const char *v, char *why, size_t len)
{
	struct dnsbl_site sites[DNSBL_MAX_SITES];

	return dnsbl_sites_parse(v, sites, DNSBL_MAX_SITES, why, len) < 0 ? -1 : 0;
}

/* check_redis_server - HOST:PORT, [IPV6]:PORT, unix:/PATH, or "" (off) */
static int check_redis_server(const char *v, char *why, size_t len)
{
	struct share_server srv;

	return v[0] ? share_server_parse(v, &srv, why, len) : 0;
}

/* check_redis_word - an ACL user name: printable, no space */
static int check_redis_word(const char *v, char *why, size_t len)
{
	for (const char *p = v; *p; p++)
		if (*p <= ' ' || *p > '~') {
			snprintf(why, len, "\"%s\" has a space or a byte that is not "
				 "printable ASCII", v);
			return -1;
		}
	return 0;
}

/* check_redis_prefix - 1 to 31 bytes of letters, digits and ":_.-", so
 * that it is never a glob pattern (SCAN MATCH) */
static int check_redis_prefix(const char *v, char *why, size_t len)
{
	if (!v[0] || strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789:_.-") != strlen(v)) {
		snprintf(why, len, "\"%s\": a prefix is letters, digits and \":_.-\"", v);
		return -1;
	}
	return 0;
}

/* check_absolute_or_empty - an absolute path, or "" */
static int check_absolute_or_empty(const char *v, char *why, size_t len)
{
	if (v[0] && v[0] != '/') {
		snprintf(why, len, "\"%s\" is not an absolute path", v);
		return -1;
	}
	return 0;
}

/* check_responder_hostname - a name for the responder's replies, or ""
 * (the default): the system's host name, found at start-up */
static int check_responder_hostname(const char *v, char *why, size_t len)
{
	return v[0] ? responder_hostname_check(v, why, len) : 0;
}

/* The responder's texts fit their fields whole, with the NUL. */
_Static_assert(sizeof(((struct mxg_conf *)0)->responder_hostname) >
	       RESPONDER_HOSTNAME_MAX, "responder_hostname field too small");
_Static_assert(sizeof(((struct mxg_conf *)0)->greylist_reply) > RESPONDER_TEXT_MAX,
	       "reply fields too small");

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

/* set_prefix - "off", "24" or "/24" for a KEY_PREFIX key: pools of /len
 * share a greylist clock */
static int set_prefix(const struct key_def *k, unsigned *out, const char *v,
		      char *why, size_t len)
{
	unsigned long long n;

	if (strcmp(v, "off") == 0) {
		*out = 0;
		return 0;
	}
	if (parse_number(v + (v[0] == '/'), 0, k->min, k->max, &n, why, len) < 0) {
		snprintf(why, len, "\"%s\" is not \"off\" or a prefix length "
			 "(%llu-%llu)", v, k->min, k->max);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

#define FIELD(f)	.offset = offsetof(struct mxg_conf, f),		\
			.size = sizeof(((struct mxg_conf *)0)->f)
/* A list and its count: one key, one span of bytes (no padding between,
 * checked below), so that it is compared and copied as one. */
#define SPAN(first, last) .offset = offsetof(struct mxg_conf, first),	\
	.size = offsetof(struct mxg_conf, last) +			\
		sizeof(((struct mxg_conf *)0)->last) -			\
		offsetof(struct mxg_conf, first)
#define SPAN_IS_TIGHT(first, last)					\
	(offsetof(struct mxg_conf, last) ==				\
	 offsetof(struct mxg_conf, first) + sizeof(((struct mxg_conf *)0)->first))
_Static_assert(SPAN_IS_TIGHT(interfaces, n_interfaces), "interfaces span has padding");
_Static_assert(SPAN_IS_TIGHT(ports, n_ports), "ports span has padding");
_Static_assert(SPAN_IS_TIGHT(trusted, n_trusted), "trusted span has padding");
_Static_assert(sizeof(__u32) == sizeof(unsigned), "marks are stored as unsigned");
#define KEY(n, a, d)	.info = { .name = (n), .apply = (a), .default_text = (d) }

/*
 * Every key, in the order of the shipped mxgate.conf. The apply class says
 * what a running mxgated must do for a change on SIGHUP (see reload() in
 * mxgated.c): CONF_LIVE keys are read from the struct where they are used
 * (policy, learn, the DNS lists, the tables and the country loader, which
 * reload() reruns), CONF_KERNEL keys are copied into the kernel config map
 * (kernel_config() in mxgated.c), CONF_RULES keys are options of the
 * nftables loader (rules.c), and CONF_RESTART keys are used once at
 * start-up to set something up that a reload does not redo.
 */
static const struct key_def keys[] = {
	/* Where mxgate works: all fixed at start-up. */
	{ KEY("interfaces", CONF_RESTART, ""), KEY_FN, SPAN(interfaces, n_interfaces),
	  .parse = set_interfaces, .format = format_interfaces },
	/* Also in the kernel config map and the rules, but every use must
	 * change at once (tc program, rules, state): restart. */
	{ KEY("ports", CONF_RESTART, "25"), KEY_FN, SPAN(ports, n_ports),
	  .parse = set_ports, .format = format_ports },
	{ KEY("queue", CONF_RESTART, "0"), KEY_UINT, FIELD(queue), 0, 65535 },
	{ KEY("rules_cmd", CONF_RESTART, "mxgate-rules"), KEY_FN, FIELD(rules_cmd),
	  .parse = set_rules_cmd, .format = format_rules_cmd },
	{ KEY("pin_dir", CONF_RESTART, "/sys/fs/bpf/mxgate"), KEY_PATH, FIELD(pin_dir) },
	/* The store is opened once. */
	{ KEY("state_dir", CONF_RESTART, "/var/lib/mxgate"), KEY_PATH, FIELD(state_dir) },
	/* Written once at start-up, removed at exit. */
	{ KEY("pid_file", CONF_RESTART, "/run/mxgate/mxgated.pid"), KEY_PATH, FIELD(pid_file) },
	/* Privileges are given up once, after setup. */
	{ KEY("user", CONF_RESTART, "mxgate"), KEY_TEXT, FIELD(user) },
	/* The listener is opened once, before privileges are given up. */
	{ KEY("metrics_listen", CONF_RESTART, ""), KEY_TEXT, FIELD(metrics_listen),
	  .check = check_metrics_listen },
	/* Sharing with other gateways (share.h): connected once, the
	 * password read once while root. */
	{ KEY("redis_server", CONF_RESTART, ""), KEY_TEXT, FIELD(redis_server),
	  .check = check_redis_server },
	{ KEY("redis_user", CONF_RESTART, ""), KEY_TEXT, FIELD(redis_user),
	  .check = check_redis_word },
	{ KEY("redis_password_file", CONF_RESTART, ""), KEY_TEXT,
	  FIELD(redis_password_file), .check = check_absolute_or_empty },
	{ KEY("redis_prefix", CONF_RESTART, "mxg:"), KEY_TEXT, FIELD(redis_prefix),
	  .check = check_redis_prefix },
	{ KEY("redis_queue_max", CONF_RESTART, "100000"), KEY_UINT, FIELD(redis_queue_max),
	  100, 10000000 },
	{ KEY("redis_stream_max", CONF_RESTART, "100000"), KEY_UINT,
	  FIELD(redis_stream_max), 100, 100000000 },
	{ KEY("redis_cleartext_auth", CONF_RESTART, "no"), KEY_BOOL,
	  FIELD(redis_cleartext_auth) },

	/* Who is judged, and the admin's firewall: options of the nftables
	 * loader (rules.c), which a reload runs again. Clients arriving on
	 * other links than interfaces are never judged anyway (every rule
	 * matches them); loopback is the one source that can still arrive
	 * there in a namespace or with a misrouted packet. */
	{ KEY("trusted_networks", CONF_RULES, "127.0.0.0/8, ::1/128"), KEY_FN,
	  SPAN(trusted, n_trusted), .parse = set_trusted, .format = format_trusted },
	{ KEY("firewall_accept", CONF_RULES, "no"), KEY_BOOL, FIELD(firewall_accept) },

	/* DNS: the c-ares channel is set up once, with its servers and a
	 * timeout of decision_timeout / 3. decision_timeout also sets the
	 * deadline of each pending lookup, but changing only that would
	 * leave the two out of step: restart, not live. */
	{ KEY("dns_servers", CONF_RESTART, ""), KEY_FN, FIELD(dns_servers),
	  .parse = set_dns_servers, .format = format_dns_servers },
	{ KEY("decision_timeout", CONF_RESTART, "5s"), KEY_MS, FIELD(decision_timeout_ms),
	  100, 60 * MS_PER_S },

	/* Verdicts. */
	{ KEY("verdict_ttl_pass", CONF_LIVE, "1d"), KEY_SECONDS, FIELD(verdict_ttl_pass),
	  MS_PER_S, 365 * DAY_S * MS_PER_S },
	{ KEY("verdict_ttl_block", CONF_LIVE, "1h"), KEY_SECONDS, FIELD(verdict_ttl_block),
	  MS_PER_S, 365 * DAY_S * MS_PER_S },
	/* The size of the pinned verdicts map. */
	{ KEY("max_sources", CONF_RESTART, "262144"), KEY_UINT, FIELD(max_sources),
	  1024, 16777216 },
	/* The pending table and the queue length are sized once. */
	{ KEY("max_pending", CONF_RESTART, "4096"), KEY_UINT, FIELD(max_pending),
	  1, 1000000 },

	/* Overload (a spoofed SYN flood): read per SYN, except the size of
	 * the pinned unproven map. */
	{ KEY("overload_action", CONF_LIVE, "tempfail"), KEY_FN, FIELD(overload_action),
	  .parse = set_overload_action, .format = format_overload_action },
	{ KEY("max_unproven", CONF_RESTART, "32768"), KEY_UINT, FIELD(max_unproven),
	  1024, 16777216 },
	{ KEY("max_pending_per_prefix", CONF_LIVE, "64"), KEY_UINT,
	  FIELD(max_pending_per_prefix), 1, 1000000 },
	{ KEY("pending_prefix_v4", CONF_LIVE, "24"), KEY_UINT, FIELD(pending_prefix_v4),
	  8, 32 },
	{ KEY("pending_prefix_v6", CONF_LIVE, "64"), KEY_UINT, FIELD(pending_prefix_v6),
	  16, 128 },
	{ KEY("dns_max_qps", CONF_LIVE, "1000"), KEY_UINT, FIELD(dns_max_qps),
	  1, 1000000 },

	/* Policy: read per decision. The access tables are files of their
	 * own, read (and their lines reported) by the table module, which
	 * reload() reruns whether or not this list changed. */
	{ KEY("client_access", CONF_LIVE, ""), KEY_TEXT, FIELD(client_access) },
	/* The big providers' domains (providers.h): on out of the box, so
	 * that Gmail's or Microsoft 365's pools are never greylisted for
	 * looking dynamic. Read again at every reload, as the tables. */
	{ KEY("provider_allowlist", CONF_LIVE, PROVIDERS_BUILTIN), KEY_TEXT,
	  FIELD(provider_allowlist), .check = providers_spec_check },
	/* The seeds' recipe: S25R hits are greylisted, not refused. */
	{ KEY("s25r_action", CONF_LIVE, "greylist"), KEY_ACTION, FIELD(s25r_action) },
	{ KEY("unknown_client_action", CONF_LIVE, "greylist"), KEY_ACTION,
	  FIELD(unknown_client_action) },
	/* The seeds' qgreylist: greytime 25 min, maxageonce 45 min,
	 * maxagegood 20 days. The tc program enforces the delay and the
	 * allowlist time; the window is only the lifetime mxgated gives a
	 * greylist verdict (policy.c, learn.c): live, not kernel. */
	{ KEY("greylist_delay", CONF_KERNEL, "25m"), KEY_SECONDS, FIELD(greylist_delay),
	  MS_PER_S, DAY_S * MS_PER_S },
	{ KEY("greylist_window", CONF_LIVE, "45m"), KEY_SECONDS, FIELD(greylist_window),
	  MS_PER_S, 7 * DAY_S * MS_PER_S },
	{ KEY("allowlist_ttl", CONF_KERNEL, "20d"), KEY_SECONDS, FIELD(allowlist_ttl),
	  MS_PER_S, 365 * DAY_S * MS_PER_S },
	/* In the kernel config map, and read live by learn.c. */
	{ KEY("greylist_prefix_v4", CONF_KERNEL, "off"), KEY_PREFIX,
	  FIELD(greylist_prefix_v4), 8, 32 },
	{ KEY("greylist_prefix_v6", CONF_KERNEL, "off"), KEY_PREFIX,
	  FIELD(greylist_prefix_v6), 8, 128 },
	/* Read per responder connection (learn.c). */
	{ KEY("greylist_repeat_reply", CONF_KERNEL, "421"), KEY_FN,
	  FIELD(greylist_repeat_reply), .parse = set_repeat_reply,
	  .format = format_repeat_reply },
	/* Read per decision (learn.c, mxgated.c). */
	{ KEY("greylist_smart", CONF_LIVE, "yes"), KEY_BOOL, FIELD(greylist_smart) },
	/* Sender keys (sender.h): read per session; the widest networks a
	 * domain may vouch for are the SPF module's, set up once. */
	{ KEY("greylist_spf", CONF_LIVE, "yes"), KEY_BOOL, FIELD(greylist_spf) },
	{ KEY("greylist_spf_widest_v4", CONF_RESTART, "20"), KEY_UINT,
	  FIELD(greylist_spf_widest_v4), 8, 32 },
	{ KEY("greylist_spf_widest_v6", CONF_RESTART, "40"), KEY_UINT,
	  FIELD(greylist_spf_widest_v6), 16, 128 },

	/* The SMTP responder: its socket and parameters are set up once.
	 * responder_port is also an option of the rules (the redirect). */
	{ KEY("responder_port", CONF_RESTART, "10025"), KEY_UINT, FIELD(responder_port),
	  1, 65535 },
	{ KEY("responder_max_connections", CONF_RESTART, "256"), KEY_UINT,
	  FIELD(responder_max_connections), 1, 100000 },
	{ KEY("responder_timeout", CONF_RESTART, "30s"), KEY_MS,
	  FIELD(responder_timeout_ms), 100, 600 * MS_PER_S },
	/* taRgrey's 65 s. */
	{ KEY("tarpit_delay", CONF_RESTART, "65s"), KEY_MS, FIELD(tarpit_delay_ms),
	  100, 600 * MS_PER_S },
	/* What the responder says (Postfix's myhostname, smtpd_banner and
	 * reply texts), given to it once at start-up; the 450 texts in the
	 * order responder.c chooses them. The defaults never name the
	 * product to a bot. */
	{ KEY("responder_hostname", CONF_RESTART, ""), KEY_TEXT,
	  FIELD(responder_hostname), .check = check_responder_hostname },
	{ KEY("responder_banner", CONF_RESTART, RESPONDER_BANNER_DEFAULT), KEY_TEXT,
	  FIELD(responder_banner), .check = responder_banner_check },
	{ KEY("s25r_reply", CONF_RESTART, RESPONDER_S25R_DEFAULT), KEY_TEXT,
	  FIELD(s25r_reply), .check = responder_reply_check },
	{ KEY("dnsbl_reply", CONF_RESTART, RESPONDER_DNSBL_DEFAULT), KEY_TEXT,
	  FIELD(dnsbl_reply), .check = responder_reply_check },
	{ KEY("country_reply", CONF_RESTART, RESPONDER_COUNTRY_DEFAULT), KEY_TEXT,
	  FIELD(country_reply), .check = responder_reply_check },
	{ KEY("greylist_reply", CONF_RESTART, RESPONDER_GREYLIST_DEFAULT), KEY_TEXT,
	  FIELD(greylist_reply), .check = responder_reply_check },

	/* Throttle: token buckets in the tc program. */
	{ KEY("throttle_rate", CONF_KERNEL, "6"), KEY_UINT, FIELD(throttle_rate), 1, 60000 },
	{ KEY("throttle_burst", CONF_KERNEL, "3"), KEY_UINT, FIELD(throttle_burst), 1, 10000 },
	{ KEY("throttle_prefix_rate", CONF_KERNEL, "30"), KEY_UINT,
	  FIELD(throttle_prefix_rate), 0, 600000 },
	{ KEY("throttle_prefix_burst", CONF_KERNEL, "10"), KEY_UINT,
	  FIELD(throttle_prefix_burst), 1, 100000 },
	/* nftables ct count: only the rules know it. */
	{ KEY("client_connection_limit", CONF_RULES, "20"), KEY_UINT,
	  FIELD(client_connection_limit), 0, 100000 },

	/* DNS lists: reload() sets the lists up again when these change. */
	{ KEY("dnsbl_sites", CONF_LIVE, ""), KEY_TEXT, FIELD(dnsbl_sites),
	  .check = check_dnsbl_sites },
	/* 0 would list every client (score 0): as in postscreen, at least 1. */
	{ KEY("dnsbl_threshold", CONF_LIVE, "1"), KEY_UINT, FIELD(dnsbl_threshold), 1, 1000 },
	{ KEY("dnsbl_action", CONF_LIVE, "block"), KEY_ACTION, FIELD(dnsbl_action) },
	{ KEY("dnsbl_allowlist_threshold", CONF_LIVE, "0"), KEY_INT,
	  FIELD(dnsbl_allowlist_threshold), 1000, 0 },
	{ KEY("dnsbl_min_ttl", CONF_LIVE, "1m"), KEY_SECONDS, FIELD(dnsbl_min_ttl),
	  MS_PER_S, DAY_S * MS_PER_S },
	{ KEY("dnsbl_max_ttl", CONF_LIVE, "1h"), KEY_SECONDS, FIELD(dnsbl_max_ttl),
	  MS_PER_S, 7 * DAY_S * MS_PER_S },

	/* Countries: the inotify watch stays on the directory it was set up
	 * on; the actions are applied by the country loader, which reload()
	 * reruns. */
	{ KEY("countries_dir", CONF_RESTART, "/etc/mxgate/countries.d"), KEY_PATH,
	  FIELD(countries_dir) },
	{ KEY("country_actions", CONF_LIVE, ""), KEY_TEXT, FIELD(country_actions),
	  .check = country_actions_valid },
	{ KEY("country_default_action", CONF_LIVE, "block"), KEY_ACTION,
	  FIELD(country_default_action) },

	/* Packet marks: the tc program, the rules and the verdicts mxgated
	 * hands back must agree at every moment, and the whole-file checks
	 * relate the three: restart, all of them. */
	{ KEY("mark_mask", CONF_RESTART, "0xf00"), KEY_MARK, FIELD(mark_mask),
	  0, 0xffffffffULL },
	{ KEY("mark_pass", CONF_RESTART, "0x100"), KEY_MARK, FIELD(mark_pass),
	  0, 0xffffffffULL },
	{ KEY("mark_responder", CONF_RESTART, "0x200"), KEY_MARK, FIELD(mark_responder),
	  0, 0xffffffffULL },
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* Names the file still accepts for a key; never listed or printed. */
static const struct {
	const char *old;		/* as written in an old file */
	const char *name;		/* the key in keys[] */
} aliases[] = {
	/* The name before 0.9: it marks greylisted clients too. */
	{ "mark_tarpit", "mark_responder" },
};

/* key_index - the key a name in the file means (aliases too), or N_KEYS;
 * *as is that name as kept in the tables (it outlives the line) */
static size_t key_index(const char *name, const char **as)
{
	*as = NULL;
	for (size_t a = 0; a < sizeof(aliases) / sizeof(aliases[0]); a++)
		if (strcmp(aliases[a].old, name) == 0) {
			*as = aliases[a].old;
			name = aliases[a].name;
		}
	for (size_t k = 0; k < N_KEYS; k++)
		if (strcmp(keys[k].info.name, name) == 0) {
			if (!*as)
				*as = keys[k].info.name;
			return k;
		}
	return N_KEYS;
}

/* set_value - parse value for key k into c; the reason into why on error */
static int set_value(const struct key_def *k, struct mxg_conf *c,
		     const char *v, char *why, size_t len)
{
	void *field = (char *)c + k->offset;
	unsigned long long n = 0;
	int action;

	/* The value alone decides the bytes (no tail of an older string,
	 * no list entry past the count): conf_reload_merge() compares
	 * fields with memcmp. */
	memset(field, 0, k->size);
	switch (k->type) {
	case KEY_FN:
		return k->parse(c, v, why, len);
	case KEY_TEXT:
		if (strlen(v) >= k->size) {
			snprintf(why, len, "too long (at most %zu characters)",
				 k->size - 1);
			return -1;
		}
		if (k->check && k->check(v, why, len) < 0)
			return -1;
		memcpy(field, v, strlen(v) + 1);
		return 0;
	case KEY_PATH:
		if (v[0] != '/' || strlen(v) >= k->size) {
			snprintf(why, len, "\"%s\" is not an absolute path", v);
			return -1;
		}
		memcpy(field, v, strlen(v) + 1);
		return 0;
	case KEY_UINT:
	case KEY_MARK:
		if (parse_number(v, k->type == KEY_MARK, k->min, k->max, &n,
				 why, len) < 0)
			return -1;
		break;
	case KEY_INT:
		return parse_int(v, k->min, k->max, field, why, len);
	case KEY_PREFIX:
		return set_prefix(k, field, v, why, len);
	case KEY_BOOL:
		if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0) {
			snprintf(why, len, "\"%s\" is not yes or no", v);
			return -1;
		}
		n = v[0] == 'y';
		break;
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

/* format_value - key k's value in c, as the file would say it */
static int format_value(const struct key_def *k, const struct mxg_conf *c,
			char *buf, size_t len)
{
	const void *field = (const char *)c + k->offset;
	unsigned n = 0;
	char tmp[32];

	if (k->type != KEY_FN && k->type != KEY_TEXT && k->type != KEY_PATH)
		n = *(const unsigned *)field;	/* check_table: 4 bytes */

	switch (k->type) {
	case KEY_FN:
		return k->format(c, buf, len);
	case KEY_TEXT:
	case KEY_PATH:
		return snprintf(buf, len, "%.*s", (int)k->size, (const char *)field);
	case KEY_UINT:
		return snprintf(buf, len, "%u", n);
	case KEY_INT:
		return snprintf(buf, len, "%d", *(const int *)field);
	case KEY_MARK:
		return snprintf(buf, len, "0x%x", n);
	case KEY_PREFIX:
		return n ? snprintf(buf, len, "%u", n) : snprintf(buf, len, "off");
	case KEY_BOOL:
		return snprintf(buf, len, "%s", n ? "yes" : "no");
	case KEY_ACTION:
		return snprintf(buf, len, "%s", action_name(n));
	case KEY_MS:
		return snprintf(buf, len, "%s", format_ms(n, tmp, sizeof(tmp)));
	case KEY_SECONDS:
		return snprintf(buf, len, "%s", format_ms(n * MS_PER_S, tmp, sizeof(tmp)));
	}
	return -1;
}

/* check_table - what the rows promise about their fields; a row that
 * breaks it is a programming error, caught at the first conf_defaults() */
static void check_table(void)
{
	const char *as;

	for (size_t i = 0; i < N_KEYS; i++) {
		const struct key_def *k = &keys[i];
		int numeric = k->type != KEY_FN && k->type != KEY_TEXT &&
			      k->type != KEY_PATH;

		if (k->offset + k->size > sizeof(struct mxg_conf) ||
		    (numeric && k->size != sizeof(unsigned)) ||
		    (k->type == KEY_PATH && k->size != PATH_MAX) ||
		    (k->type == KEY_FN && (!k->parse || !k->format)) ||
		    key_index(k->info.name, &as) != i)
			msg_panic("config: key table row %zu (%s) is broken", i,
				  k->info.name);
	}
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

/* Where each key was set in the file so far, and under which name. */
struct seen {
	int line;			/* 0: not yet */
	const char *as;			/* the name used there (an alias?) */
};

/* parse_line - one "key = value" line into c */
static void parse_line(struct parse_ctx *ctx, char *line, struct mxg_conf *c,
		       struct seen seen[N_KEYS])
{
	char why[LINE_MAX_LEN + 256];
	char *key, *value, *eq, *hash;
	const char *as;			/* key as the tables spell it */
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
	k = key_index(key, &as);
	if (k == N_KEYS) {
		bad(ctx, "unknown key \"%s\"", key);
		return;
	}
	if (seen[k].line && seen[k].as != as) {
		/* An old name and the new one are the same key: set once. */
		bad(ctx, "%s: already set on line %d as %s, the same key", key,
		    seen[k].line, seen[k].as);
		return;
	}
	if (seen[k].line) {
		bad(ctx, "%s: already set on line %d", key, seen[k].line);
		return;
	}
	seen[k].line = ctx->line;
	seen[k].as = as;
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
	/* The redirect would send greylisted clients back to a protected
	 * port, and mxgated could not bind the responder there anyway. */
	for (int i = 0; i < c->n_ports; i++)
		if (c->ports[i] == c->responder_port)
			bad(ctx, "responder_port %u is one of the protected ports; "
			    "choose a port no client connects to", c->responder_port);
	if (c->redis_server[0] && c->redis_user[0] && !c->redis_password_file[0])
		bad(ctx, "redis_user %s needs redis_password_file: an ACL user logs in "
		    "with a password", c->redis_user);
	if (c->redis_server[0] && c->redis_password_file[0] && !c->redis_cleartext_auth) {
		struct share_server srv;
		char why[160];

		if (share_server_parse(c->redis_server, &srv, why, sizeof(why)) == 0 &&
		    !srv.loopback)
			bad(ctx, "redis_cleartext_auth: redis_server %s is not on this "
			    "host and the password would cross the network in clear "
			    "(hiredis here has no TLS): use a Unix socket or loopback "
			    "address (a TLS tunnel such as stunnel), or set "
			    "redis_cleartext_auth = yes on a private network",
			    c->redis_server);
	}
	if (c->dnsbl_min_ttl > c->dnsbl_max_ttl)
		bad(ctx, "dnsbl_min_ttl (%us) must not be longer than dnsbl_max_ttl "
		    "(%us)", c->dnsbl_min_ttl, c->dnsbl_max_ttl);
}

/* parse_file - every line of lr into work; the reader reports over-long
 * lines and NUL bytes with FILE:LINE (lines.h) */
static void parse_file(struct parse_ctx *ctx, struct lines *lr,
		       struct mxg_conf *work)
{
	struct seen seen[N_KEYS] = { { 0, NULL } };	/* per key */
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

/* panic_report - conf_defaults()'s reporter: a bad default is our bug */
static void panic_report(const char *msg)
{
	msg_panic("config: %s", msg);
}

/* conf_defaults - every key's default, parsed from the table's text */
void conf_defaults(struct mxg_conf *c)
{
	struct parse_ctx ctx = { .path = "built-in defaults", .report = panic_report };
	char why[LINE_MAX_LEN + 256];

	check_table();
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < N_KEYS; i++)
		if (set_value(&keys[i], c, keys[i].info.default_text, why,
			      sizeof(why)) < 0)
			msg_panic("config: the built-in default of %s, \"%s\", does "
				  "not parse: %s", keys[i].info.name,
				  keys[i].info.default_text, why);
	check_whole(&ctx, c);
}

/* conf_reload_merge - keep the running value of every restart key that
 * changed, and say which apply classes of the other keys changed */
unsigned conf_reload_merge(struct mxg_conf *next, const struct mxg_conf *running,
			   char *restart_keys, size_t len)
{
	unsigned changed = 0;
	int o = 0;

	if (len)
		restart_keys[0] = 0;
	for (size_t i = 0; i < N_KEYS; i++) {
		const struct key_def *k = &keys[i];
		char *to = (char *)next + k->offset;
		const char *from = (const char *)running + k->offset;

		if (memcmp(to, from, k->size) == 0)
			continue;
		if (k->info.apply != CONF_RESTART) {
			changed |= 1u << k->info.apply;
			continue;
		}
		memcpy(to, from, k->size);
		o = appendf(restart_keys, len, o, "%s%s", o ? ", " : "", k->info.name);
	}
	return changed;
}

/* conf_key_count - how many keys conf_key_at() walks */
size_t conf_key_count(void)
{
	return N_KEYS;
}

/* conf_key_at - key i's name, apply class and default; NULL past the end */
const struct conf_key_info *conf_key_at(size_t i)
{
	return i < N_KEYS ? &keys[i].info : NULL;
}

/* conf_format - key i's value in c, in the file's syntax */
int conf_format(const struct mxg_conf *c, size_t i, char *buf, size_t len)
{
	return i < N_KEYS ? format_value(&keys[i], c, buf, len) : -1;
}

/* conf_apply_name - "live", "kernel", "rules" or "restart" */
const char *conf_apply_name(enum conf_apply a)
{
	static const char *const names[] = {
		[CONF_LIVE] = "live", [CONF_KERNEL] = "kernel",
		[CONF_RULES] = "rules", [CONF_RESTART] = "restart",
	};

	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

/* conf_trusted - is the client k (a host key) in trusted_networks? */
int conf_trusted(const struct mxg_conf *c, const struct mxg_key *k)
{
	int v4 = mxg_key_is_v4(k);

	for (int i = 0; i < c->n_trusted; i++) {
		const struct mxg_key *net = &c->trusted[i];
		struct mxg_key masked = *k;

		/* Families apart, as the rules keep them: an IPv6 network
		 * short enough to cover ::ffff:0:0/96 holds no IPv4 client. */
		if ((mxg_key_is_v4(net) && net->plen >= 96) != v4)
			continue;
		mxg_key_prefix(&masked, net->plen);
		if (memcmp(masked.addr, net->addr, sizeof(net->addr)) == 0)
			return 1;
	}
	return 0;
}
