/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	providers - the big mail providers whose outbound pools S25R misjudges
 * DESCRIPTION
 *	Implements providers.h (the contract is there). The built-in list
 *	is the table below; mxgate.conf(5) prints it, and the unit tests
 *	check each domain against real pool names and the man page.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "lines.h"
#include "log.h"
#include "providers.h"

#define SPEC_MAX	1024		/* as the key's field in mxg_conf */
#define LINE_MAX_LEN	1024		/* a line of a provider file */
#define DOMAIN_MAX	253		/* a host name without its final dot */

/*
 * The shipped list. A domain belongs here only when every name under it
 * is one of the provider's own mail servers: never a domain that also
 * names customers' machines or end-user lines (amazonaws.com,
 * googleusercontent.com, a whole ISP's ne.jp domain such as ocn.ne.jp),
 * since the allowlist passes every confirmed name below it. The seeds'
 * own tables allowed broader ISP domains (so-net.ne.jp, eonet.ne.jp,
 * zaq.ne.jp, nifty.com); those hold dynamic lines too, and stay out.
 */
static const struct {
	const char *domain;
	const char *senders;	/* who sends from there, a name seen */
} builtin[] = {
	{ "google.com", "Gmail, Google Workspace: mail-wm1-f54.google.com, "
	  "mail-io1-xd2f.google.com (Google Cloud VMs are googleusercontent.com)" },
	{ "outbound.protection.outlook.com", "Microsoft 365, Outlook.com: "
	  "mail-dm6nam12on2041.outbound.protection.outlook.com" },
	{ "hotmail.com", "Hotmail's older relays: blu004-omc1s12.hotmail.com" },
	{ "yahoo.com", "Yahoo, AOL: sonic309-21.consmr.mail.ne1.yahoo.com" },
	{ "yahoo.co.jp", "Yahoo! JAPAN: nh604-vm6.bullet.mail.ssk.yahoo.co.jp" },
	/* Not aol.com: its dial-up pools are ipt.aol.com (an S25R pattern). */
	{ "mx.aol.com", "AOL's own relays: omr-m021e.mx.aol.com" },
	{ "me.com", "iCloud Mail: st43p00im-ztfb10063301.me.com" },
	{ "mail.icloud.com", "iCloud Mail: qs51p00im-qukt01071502.mail.icloud.com" },
	{ "apple.com", "Apple's own mail: rn2-txn-msbadger07104.apple.com, "
	  "*.outbound.mail.apple.com" },
	/* Not amazonaws.com: anyone's EC2 instance is named there. */
	{ "amazonses.com", "Amazon SES: a27-12.smtp-out.us-west-2.amazonses.com" },
	{ "sendgrid.net", "SendGrid: wrqvdxzv.outbound-mail.sendgrid.net" },
	{ "mailgun.net", "Mailgun: m228-12.mailgun.net" },
	{ "mandrillapp.com", "Mandrill: mail187-12.suw21.mandrillapp.com" },
	{ "mcsv.net", "Mailchimp: mail1.mcsv.net" },
	{ "rsgsv.net", "Mailchimp: mail94.atl91.rsgsv.net" },
	{ "mcdlv.net", "Mailchimp: mail55.atl61.mcdlv.net" },
	{ "messagingengine.com", "Fastmail: wout5-smtp.messagingengine.com" },
	{ "protonmail.ch", "Proton Mail: mail-40131.protonmail.ch" },
	{ "zoho.com", "Zoho Mail: sender4-op-o14.zoho.com" },
	/* The Japanese carriers' mail relays of the seeds' tables; their
	 * data lines are elsewhere (au-net.ne.jp, spmode.ne.jp, bbtec.net). */
	{ "ezweb.ne.jp", "au (KDDI): nx3oBP03-05.ezweb.ne.jp, the seeds' example" },
	{ "docomo.ne.jp", "NTT docomo: mfsmax.docomo.ne.jp" },
	{ "softbank.ne.jp", "SoftBank: mfsmge11.softbank.ne.jp" },
	{ "vodafone.ne.jp", "SoftBank's former name, in the seeds' tables" },
};
#define N_BUILTIN (sizeof(builtin) / sizeof(builtin[0]))

/* What a loader needs to complain, as table.c has it. */
struct load_ctx {
	const char *path;		/* for messages */
	int line;			/* current line, 0: the file itself */
	int errors;			/* problems so far */
	void (*report)(const char *msg);
};

/* bad - report "FILE:LINE: reason" and count it */
#define bad(ctx, ...) do {						\
	(ctx)->errors++;						\
	msg_at((ctx)->report, (ctx)->path, (ctx)->line, __VA_ARGS__);	\
} while (0)

/* providers_spec_check - "none", or "builtin" and absolute paths */
int providers_spec_check(const char *spec, char *why, size_t len)
{
	char copy[SPEC_MAX], *cur = copy, *item;
	int items = 0, none = 0;

	if (strlen(spec) >= sizeof(copy)) {
		snprintf(why, len, "list is too long");
		return -1;
	}
	snprintf(copy, sizeof(copy), "%s", spec);
	while ((item = lines_next_item(&cur))) {
		items++;
		if (strcmp(item, "none") == 0) {
			none = 1;
		} else if (strcmp(item, PROVIDERS_BUILTIN) != 0 && item[0] != '/') {
			snprintf(why, len, "\"%s\" is not builtin, none or an "
				 "absolute path", item);
			return -1;
		}
	}
	if (items == 0 || (none && items > 1)) {
		snprintf(why, len, "\"%s\": \"none\" alone, or builtin and/or "
			 "files", spec);
		return -1;
	}
	return 0;
}

/* domain_problem - why d cannot be a provider domain, NULL if it can */
static const char *domain_problem(const char *d)
{
	size_t label = 0, labels = 1, n = strlen(d);

	if (d[0] == '.')
		return "starts with a dot (write the domain alone: it matches "
		       "itself and every name below it)";
	if (n > DOMAIN_MAX)
		return "is longer than a host name can be";
	for (const char *p = d; *p; p++) {
		if (*p == '.') {
			if (label == 0)
				return "has an empty label";
			label = 0;
			labels++;
		} else if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') {
			return "holds a character no host name has";
		} else if (++label > 63) {
			return "has a label longer than 63 bytes";
		}
	}
	if (label == 0)
		return "ends with a dot";
	/* "com" would let every .com name pass: surely a mistake. */
	if (labels < 2)
		return "is a top-level domain alone";
	return NULL;
}

/* find - the entry of pl for domain d exactly, or NULL */
static const struct provider *find(const struct providers *pl, const char *d)
{
	for (size_t i = 0; i < pl->n; i++)
		if (strcmp(pl->list[i].domain, d) == 0)
			return &pl->list[i];
	return NULL;
}

/* add - one domain (checked already) from origin; -1 if out of memory */
static int add(struct providers *pl, const char *domain, const char *origin)
{
	struct provider *grown, *p;
	char *lower = strdup(domain);

	if (!lower)
		return -1;
	for (char *c = lower; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (find(pl, lower)) {
		free(lower);	/* the first source that names it keeps it */
		return 0;
	}
	grown = realloc(pl->list, (pl->n + 1) * sizeof(*grown));
	if (!grown) {
		free(lower);
		return -1;
	}
	pl->list = grown;
	p = &pl->list[pl->n];
	p->domain = lower;
	p->origin = strdup(origin);
	if (!p->origin) {
		free(lower);
		return -1;
	}
	pl->n++;
	return 0;
}

/* add_builtin - every domain of the table above */
static void add_builtin(struct load_ctx *ctx, struct providers *pl)
{
	for (size_t i = 0; i < N_BUILTIN; i++)
		if (add(pl, builtin[i].domain, PROVIDERS_BUILTIN) < 0) {
			bad(ctx, "out of memory");
			return;
		}
}

/* add_line - one line of a provider file: a domain, or nothing */
static void add_line(struct load_ctx *ctx, struct providers *pl, char *line)
{
	char *cur = line, *domain, *extra, origin[LINE_MAX_LEN + 32];
	const char *why;

	line[strcspn(line, "#")] = 0;	/* no domain holds a '#' */
	domain = lines_next_item(&cur);
	if (!domain)
		return;
	extra = lines_next_item(&cur);
	if (extra) {
		bad(ctx, "\"%s\" after \"%s\": one domain a line, nothing else",
		    extra, domain);
		return;
	}
	why = domain_problem(domain);
	if (why) {
		bad(ctx, "\"%s\" %s", domain, why);
		return;
	}
	snprintf(origin, sizeof(origin), "%s:%d", ctx->path, ctx->line);
	if (add(pl, domain, origin) < 0)
		bad(ctx, "out of memory");
}

/* add_file - every domain of the file at ctx->path */
static void add_file(struct load_ctx *ctx, struct providers *pl)
{
	struct lines lr;
	char *line;

	ctx->line = 0;
	if (lines_open(&lr, ctx->path, LINE_MAX_LEN, ctx->report) < 0) {
		ctx->errors++;		/* reported as "FILE: reason" */
		return;
	}
	while ((line = lines_next(&lr))) {
		ctx->line = lr.lineno;
		add_line(ctx, pl, line);
	}
	ctx->errors += lr.bad + (lr.read_errno != 0);
	lines_close(&lr);
}

/* providers_load - every source of spec, all or nothing */
int providers_load(struct providers *pl, const char *spec,
		   void (*report)(const char *msg))
{
	struct load_ctx ctx = { "provider_allowlist", 0, 0, report };
	char copy[SPEC_MAX], why[SPEC_MAX + 64], *cur = copy, *item;

	memset(pl, 0, sizeof(*pl));
	if (providers_spec_check(spec, why, sizeof(why)) < 0) {
		bad(&ctx, "%s", why);
		return ctx.errors;
	}
	snprintf(copy, sizeof(copy), "%s", spec);
	while ((item = lines_next_item(&cur))) {
		if (strcmp(item, "none") == 0)
			break;
		ctx.path = item;
		if (strcmp(item, PROVIDERS_BUILTIN) == 0)
			add_builtin(&ctx, pl);
		else
			add_file(&ctx, pl);
	}
	if (ctx.errors)
		providers_free(pl);
	return ctx.errors;
}

/* under - is name the domain d or a name below it, label for label? */
static int under(const char *name, const char *d)
{
	size_t n = strlen(name), k = strlen(d);

	if (n < k || strcasecmp(name + n - k, d) != 0)
		return 0;
	return n == k || name[n - k - 1] == '.';
}

/* providers_match - the first entry name is under, or NULL */
const struct provider *providers_match(const struct providers *pl, const char *name)
{
	if (!pl || !name)
		return NULL;
	for (size_t i = 0; i < pl->n; i++)
		if (under(name, pl->list[i].domain))
			return &pl->list[i];
	return NULL;
}

/* providers_free - every entry */
void providers_free(struct providers *pl)
{
	for (size_t i = 0; i < pl->n; i++) {
		free(pl->list[i].domain);
		free(pl->list[i].origin);
	}
	free(pl->list);
	memset(pl, 0, sizeof(*pl));
}

/* providers_builtin_count - how many domains the built-in list has */
size_t providers_builtin_count(void)
{
	return N_BUILTIN;
}

/* providers_builtin_at - built-in domain i, NULL past the end */
const char *providers_builtin_at(size_t i)
{
	return i < N_BUILTIN ? builtin[i].domain : NULL;
}
