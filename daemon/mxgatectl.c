/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	mxgatectl - inspect and edit mxgate's verdicts
 * SYNOPSIS
 *	mxgatectl [-c FILE] [-p PIN_DIR] [-j] lookup ADDR |
 *		  list [--action ACTION] [--manual] | stats |
 *		  allow ADDR|CIDR [TTL] [COMMENT] | block ADDR|CIDR [TTL] [COMMENT] |
 *		  forget ADDR|CIDR | top [N] [--by hits|prefix] [-n] |
 *		  check HOSTNAME | check ADDR | reload | status |
 *		  config [-n | -d] [KEY...]
 *	mxgatectl --version
 * DESCRIPTION
 *	Reads the maps pinned by mxgated directly, so it works while the
 *	daemon is down. The configuration is -c FILE, else
 *	/etc/mxgate/mxgate.conf when that exists, else the defaults; -p
 *	overrides its pin_dir. -j (--json) makes a command that has a JSON
 *	form (OUT_JSON in the command table) print one JSON document
 *	instead of its text (json.h, ctl_json.h). man/mxgatectl.8 is the
 *	specification. The admin's decisions (allow, block, forget, list
 *	--manual) are ctl_manual.c's, top is ctl_top.c's, status and config
 *	ctl_status.c's and ctl_config.c's; this file parses the command
 *	line and holds the command table.
 *	Commands that only read work for root and for members of the group
 *	of mxgated's user (the pins are root:group, group-readable); those
 *	that change something (allow, block, forget, reload) are refused to
 *	anyone but root up front, with one line saying so.
 *	Exit status: 0 success (lookup: a live verdict or decision; check:
 *	the name is clean), 1 a negative answer (no or expired verdict,
 *	nothing to forget, check: an S25R rule matches), 2 usage or system
 *	error. Errors are one line on stderr, "mxgatectl: ...".
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "config.h"
#include "ctl_config.h"
#include "ctl_json.h"
#include "ctl_status.h"
#include "ctl_manual.h"
#include "ctl_top.h"
#include "dryrun.h"
#include "json.h"
#include "providers.h"
#include "table.h"
#include "log.h"
#include "names.h"
#include "s25r.h"
#include "store.h"
#include "maps.h"
#include "resolve.h"
#include "version.h"

#define EXIT_NO		1
#define EXIT_ERROR	2
#define NS_PER_S	1000000000ULL

static struct json *jw;	/* -j: the document being written; NULL: text */

/* report_conf_error - bad lines in the config file, as warnings */
static void report_conf_error(const char *msg)
{
	fprintf(stderr, "mxgatectl: %s\n", msg);
}

/* missing_map - the first pinned map of pin_dir that is not there */
static const char *missing_map(const char *pin_dir, char *path, size_t len)
{
	static const char *const names[] = {
		MXG_MAP_VERDICTS, MXG_MAP_STATS, MXG_MAP_RULE_HITS,
		MXG_MAP_DECISIONS,
	};

	if (access(pin_dir, F_OK) != 0) {
		snprintf(path, len, "%s", pin_dir);
		return path;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, len, "%s/%s", pin_dir, names[i]);
		if (access(path, F_OK) != 0)
			return path;
	}
	snprintf(path, len, "%s", pin_dir);	/* vanished meanwhile */
	return path;
}

/* on_bpffs - is path on a bpf filesystem? -1 when it cannot be told */
static int on_bpffs(const char *path)
{
	struct statfs fs;

	if (statfs(path, &fs) != 0)
		return -1;
	return fs.f_type == BPF_FS_MAGIC;
}

/* bpffs_missing - the maps are not there because no bpffs is mounted
 * where they would be: /sys/fs/bpf is not one (for a pin_dir under it),
 * or pin_dir is a directory on another filesystem (where mxgated would
 * mount one). Where to mount goes to mount_at. A pin_dir that does not
 * exist elsewhere is more likely a wrong one: not said here. */
static int bpffs_missing(const char *pin_dir, char *mount_at, size_t len)
{
	static const char sys[] = "/sys/fs/bpf";

	if (strncmp(pin_dir, sys, sizeof(sys) - 1) == 0 &&
	    (pin_dir[sizeof(sys) - 1] == '/' || !pin_dir[sizeof(sys) - 1]) &&
	    on_bpffs(sys) == 0) {
		snprintf(mount_at, len, "%s", sys);
		return 1;
	}
	if (on_bpffs(pin_dir) == 0) {
		snprintf(mount_at, len, "%s", pin_dir);
		return 1;
	}
	return 0;
}

/* open_maps - the pinned maps, or a message saying what to check */
static int open_maps(struct pinned_maps *m, const char *pin_dir, int write)
{
	char path[PATH_MAX + 32];
	int err = write ? maps_open(m, pin_dir) : maps_open_ro(m, pin_dir);

	if (err == -ENOENT && bpffs_missing(pin_dir, path, sizeof(path)))
		fprintf(stderr, "mxgatectl: %s is not on a bpf filesystem (bpffs is "
			"not mounted): mount it with 'mount -t bpf bpf %s', then start "
			"mxgated, which pins its maps there\n", pin_dir, path);
	else if (err == -ENOENT)
		fprintf(stderr, "mxgatectl: %s does not exist: mxgated has never "
			"run, or pin_dir is wrong (-p, -c)\n",
			missing_map(pin_dir, path, sizeof(path)));
	else if (err == -EINVAL)
		fprintf(stderr, "mxgatectl: the verdicts map under %s is of another "
			"mxgate version than this mxgatectl\n", pin_dir);
	else if (err == -EACCES || err == -EPERM)
		fprintf(stderr, "mxgatectl: cannot open the maps under %s: %s (%s)\n",
			pin_dir, strerror(-err), write ? "forget needs root" :
			"run it as root, or as a member of the group of mxgated's "
			"user: see mxgated(8)");
	else if (err)
		fprintf(stderr, "mxgatectl: cannot open the maps under %s: %s\n",
			pin_dir, strerror(-err));
	return err;
}

/* The greylist clock's delay, from the pinned config map (main). */
static int greylist_delay_known;
static __u64 greylist_delay_ns;

/* load_greylist_delay - greylist_delay_ns as the tc program has it; left
 * unknown when the config map cannot be read or no daemon wrote it (no
 * protected port: the tc program judges nothing then) */
static void load_greylist_delay(const char *pin_dir)
{
	struct mxg_config c;

	greylist_delay_known = 0;
	if (config_read(pin_dir, &c) != 0 || c.ports[0] == 0)
		return;
	greylist_delay_ns = c.greylist_delay_ns;
	greylist_delay_known = 1;
}

/* print_greylist_clock - " retry_after=Ns window_left=Ns": seconds until
 * the tc program promotes a retry (now - decided_ns >= greylist_delay,
 * rounded up, so 0 means a retry now passes), left out when the delay is
 * unknown; seconds the retry window stays open (rounded down, as
 * expires_in) */
static void print_greylist_clock(const struct mxg_verdict *v, __u64 now)
{
	if (greylist_delay_known)
		printf(" retry_after=%llus", (unsigned long long)
		       ctl_retry_after_s(v, now, greylist_delay_ns));
	printf(" window_left=%llus", (unsigned long long)
	       ctl_seconds_left(v->expires_ns, now));
}

/* print_verdict - "ADDR action reasons=... age=Ns expires_in=Ns hits=N",
 * then " dnsbl=N" when DNS lists were involved, then the greylist clock,
 * then " unproven" for a verdict of the unproven map (reached by timeout
 * only, about a client that never completed a handshake). age is the
 * time since the action was decided (decided_ns): renewals of an
 * allowlisted client's pass do not reset it. */
static int print_verdict(const struct mxg_key *k, const struct mxg_verdict *v,
			 __u64 now, int unproven)
{
	char addr[ADDR_STRLEN], why[256];
	int live = v->expires_ns > now;

	addr_format(k, addr, sizeof(addr));
	reasons_format(v->reasons, why, sizeof(why));
	printf("%s %s reasons=%s age=%llus ", addr, action_name(v->action), why,
	       (unsigned long long)(now > v->decided_ns ? (now - v->decided_ns) / NS_PER_S : 0));
	if (live)
		printf("expires_in=%llus", (unsigned long long)((v->expires_ns - now) / NS_PER_S));
	else
		printf("expired");
	printf(" hits=%u", v->hits);
	if (v->reasons & (MXG_R_DNSBL | MXG_R_DNSWL) || v->dnsbl_score)
		printf(" dnsbl=%d", v->dnsbl_score);
	if (v->action == MXG_ACT_GREYLIST)
		print_greylist_clock(v, now);
	if (unproven)
		printf(" unproven");
	putchar('\n');
	return live;
}

/* parse_addr - ADDR argument or a message */
static int parse_addr(const char *text, struct mxg_key *k)
{
	if (addr_parse(text, k) == 0)
		return 0;
	fprintf(stderr, "mxgatectl: \"%s\" is not an IPv4 or IPv6 address\n", text);
	return -1;
}

/* json_verdict - a verdict as an object, the value of key; live? */
static int json_verdict(const char *key, const struct mxg_key *k,
			const struct mxg_verdict *v, const struct ctl_clock *now,
			int unproven)
{
	json_object(jw, key);
	ctl_json_verdict(jw, k, v, now, unproven,
			 greylist_delay_known ? &greylist_delay_ns : NULL);
	json_end(jw);
	return v->expires_ns > now->mono_ns;
}

/* json_lookup - lookup's document: the address, found, the verdict */
static int json_lookup(const struct mxg_key *k, const struct mxg_verdict *v,
		       int unproven)
{
	char addr[ADDR_STRLEN];
	struct ctl_clock now;
	int live = 0;

	ctl_clock_now(&now);
	addr_format(k, addr, sizeof(addr));
	json_object(jw, NULL);
	json_string(jw, "address", addr);
	json_bool(jw, "found", v != NULL);
	if (v)
		live = json_verdict("verdict", k, v, &now, unproven);
	else
		json_null(jw, "verdict");
	json_end(jw);
	return live ? 0 : EXIT_NO;
}

static const char *pin_dir;	/* the maps' directory, for the manual map */

/* cmd_lookup - one client's verdict, after the admin's decision about
 * it if there is one (which the tc program obeys first) */
static int cmd_lookup(struct pinned_maps *m, const char *text)
{
	struct mxg_verdict v;
	struct mxg_key k;
	int err, unproven = 0, manual;

	if (parse_addr(text, &k) < 0)
		return EXIT_ERROR;
	manual = ctl_lookup_manual(pin_dir, &k);
	err = verdict_get(m, &k, &v);
	if (err == -ENOENT && unproven_get(m, &k, &v) == 0) {
		err = 0;
		unproven = 1;
	}
	if (err == -ENOENT && jw)
		return json_lookup(&k, NULL, 0);
	if (err == -ENOENT) {
		char addr[ADDR_STRLEN];

		addr_format(&k, addr, sizeof(addr));
		printf("%s none\n", addr);
		return manual ? 0 : EXIT_NO;
	}
	if (err) {
		fprintf(stderr, "mxgatectl: lookup %s: %s\n", text, strerror(-err));
		return EXIT_ERROR;
	}
	if (jw)
		return json_lookup(&k, &v, unproven);
	return print_verdict(&k, &v, now_ns(), unproven) || manual ? 0 : EXIT_NO;
}

static int list_action = -1;	/* list --action: only these; -1 = all */
static int list_manual;		/* list --manual: the admin's decisions */

/* list_map - every verdict of one map (fd), or those with list_action;
 * 0 or an errno */
static int list_map(int fd, int unproven, const struct ctl_clock *now)
{
	struct mxg_key k, next;
	struct mxg_verdict v;
	__u64 steps = 0, limit;
	void *prev = NULL;
	int err = 0;

	/* When the key we stand on is evicted, the kernel starts over from
	 * the first key; on a busy map that could go on forever. */
	limit = 2ULL * map_walk_bound(fd);
	while (steps++ < limit) {
		if (bpf_map_get_next_key(fd, prev, &next) != 0) {
			err = errno == ENOENT ? 0 : errno;
			break;
		}
		k = next;
		prev = &k;
		memset(&v, 0, sizeof(v));	/* a shorter, older value */
		if (bpf_map_lookup_elem(fd, &k, &v) == 0 &&	/* may vanish */
		    (list_action < 0 || v.action == (enum mxg_action)list_action)) {
			if (jw)
				json_verdict(NULL, &k, &v, now, unproven);
			else
				print_verdict(&k, &v, now->mono_ns, unproven);
		}
	}
	if (steps > limit)
		fprintf(stderr, "mxgatectl: list: the map changed too fast to walk; "
			"the list may be incomplete\n");
	return err;
}

/* cmd_list - every verdict, or those with list_action: the verdicts map,
 * then the unproven one; -j: {"verdicts": [...]} */
static int cmd_list(struct pinned_maps *m, const char *unused)
{
	struct ctl_clock now;
	int err;

	(void)unused;
	if (list_manual)
		return ctl_list_manual(pin_dir, list_action);
	ctl_clock_now(&now);
	if (jw) {
		json_object(jw, NULL);
		json_array(jw, "verdicts");
	}
	err = list_map(m->verdicts_fd, 0, &now);
	if (!err && m->unproven_fd >= 0)
		err = list_map(m->unproven_fd, 1, &now);
	if (jw) {
		json_end(jw);
		json_end(jw);
	}
	if (err) {
		fprintf(stderr, "mxgatectl: list: %s\n", strerror(err));
		return EXIT_ERROR;
	}
	return 0;
}

/* print_share - "LABEL: N  P.P%[ of refused]", N right-aligned to width,
 * the share of whole with one decimal, "-" when whole is 0 */
static void print_share(const char *label, __u64 n, __u64 whole, int width,
			const char *of)
{
	char pct[16] = "-";

	if (whole)
		snprintf(pct, sizeof(pct), "%.1f%%", 100.0 * (double)n / (double)whole);
	printf("%-20s %*llu  %6s%s\n", label, width, (unsigned long long)n, pct, of);
}

/* print_breakdown - the seeds' table 4 at a glance: SYNs accepted and
 * refused, the refused by cause, the greylist clock's counters. Every
 * line has a colon, so no line here reads as a "name value" counter. */
static void print_breakdown(const __u64 t[MXG_STAT_MAX])
{
	static const struct {
		const char *label;
		unsigned id;
	} causes[] = {
		{ "  S25R+greylist:", MXG_STAT_REFUSED_GREYLIST },
		{ "  DNSBL:", MXG_STAT_REFUSED_DNSBL },
		{ "  country:", MXG_STAT_REFUSED_COUNTRY },
		{ "  static tables:", MXG_STAT_REFUSED_TABLE },
		{ "  throttle:", MXG_STAT_REFUSED_THROTTLE },
		{ "  other:", MXG_STAT_REFUSED_OTHER },
	};
	__u64 refused = 0, total;
	char digits[24];
	int width;

	for (size_t i = 0; i < sizeof(causes) / sizeof(causes[0]); i++)
		refused += t[causes[i].id];
	total = t[MXG_STAT_ACCEPTED] + refused;
	width = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)total);
	printf("%-20s %*llu\n", "connections (SYNs):", width, (unsigned long long)total);
	print_share("accepted:", t[MXG_STAT_ACCEPTED], total, width, "");
	print_share("refused:", refused, total, width, "");
	for (size_t i = 0; i < sizeof(causes) / sizeof(causes[0]); i++)
		print_share(causes[i].label, t[causes[i].id], refused, width,
			    " of refused");
	printf("greylist: first contacts %llu, promoted %llu, expired %llu, "
	       "sent to responder %llu, repeats reset by the kernel %llu\n",
	       (unsigned long long)t[MXG_STAT_GREYLIST_FIRST],
	       (unsigned long long)t[MXG_STAT_PROMOTED],
	       (unsigned long long)t[MXG_STAT_GREYLIST_EXPIRED],
	       (unsigned long long)t[MXG_STAT_TO_RESPONDER],
	       (unsigned long long)t[MXG_STAT_REPEAT_RESETS]);
	printf("overload: %llu episode(s)%s; SYNs not judged: told to come back "
	       "%llu, passed %llu; sources over the DNS budget %llu, over their "
	       "network's share %llu; proved by a handshake %llu\n",
	       (unsigned long long)t[MXG_STAT_OVERLOAD_EPISODES],
	       t[MXG_STAT_STRESS] ? ", in one now" : "",
	       (unsigned long long)t[MXG_STAT_OVERLOAD_TEMPFAIL],
	       (unsigned long long)t[MXG_STAT_OVERLOAD_PASS],
	       (unsigned long long)t[MXG_STAT_DNS_BUDGET],
	       (unsigned long long)t[MXG_STAT_PREFIX_CAP],
	       (unsigned long long)t[MXG_STAT_PROVEN]);
	printf("dns: queries sent %llu, answered %llu, timed out %llu, failed %llu; "
	       "verdicts by timeout only (unproven) %llu\n",
	       (unsigned long long)t[MXG_STAT_DNS_SENT],
	       (unsigned long long)t[MXG_STAT_DNS_ANSWERED],
	       (unsigned long long)t[MXG_STAT_DNS_TIMEOUT],
	       (unsigned long long)t[MXG_STAT_DNS_FAILED],
	       (unsigned long long)t[MXG_STAT_UNPROVEN]);
	printf("sender keys: SPF checks %llu, passed %llu; new clients passed on "
	       "a sender pool's clock %llu\n",
	       (unsigned long long)t[MXG_STAT_SPF_CHECKS],
	       (unsigned long long)t[MXG_STAT_SPF_PASS],
	       (unsigned long long)t[MXG_STAT_SENDER_PASS]);
}

/* cmd_stats - the breakdown, a blank line, then "name value", every counter */
static int cmd_stats(struct pinned_maps *m, const char *unused)
{
	__u64 totals[MXG_STAT_MAX], hits[MXG_RULE_SLOTS];
	char name[32];
	int err = stats_read(m, totals);

	(void)unused;
	if (err) {
		fprintf(stderr, "mxgatectl: stats: %s\n", strerror(-err));
		return EXIT_ERROR;
	}
	if (jw) {
		json_object(jw, NULL);
		ctl_json_stats(jw, totals, rule_hits_read(m, hits) == 0 ? hits : NULL);
		json_end(jw);
		return 0;
	}
	print_breakdown(totals);
	putchar('\n');
	/* All of them, zeros too: a script can rely on every name. */
	for (unsigned id = 0; id < MXG_STAT_MAX; id++)
		printf("%s %llu\n", stat_name(id, name, sizeof(name)),
		       (unsigned long long)totals[id]);
	/* Decisions per S25R rule, from the daemon. */
	if (rule_hits_read(m, hits) == 0)
		for (int r = 0; r <= S25R_ALL; r++)
			printf("rule_%s %llu\n", s25r_name(r), (unsigned long long)hits[r]);
	return 0;
}

/* cmd_check - the S25R rule a name trips, without daemon or maps; a
 * word that is no host name (as mxgated would take a PTR name) is an
 * error, not "clean" */
static int cmd_check(const char *hostname)
{
	int rule;

	if (!hostname_valid(hostname)) {
		char shown[4 * 256 + 1];	/* any bytes, made printable */

		log_escape(shown, sizeof(shown), hostname, strlen(hostname));
		fprintf(stderr, "mxgatectl: check: \"%s\" is neither an IPv4 or IPv6 "
			"address nor a host name (letters, digits, '-' and '_' in "
			"dot-separated labels)\n", shown);
		return EXIT_ERROR;
	}
	if (s25r_init() < 0)
		return EXIT_ERROR;
	rule = s25r_match(hostname);
	if (jw) {
		json_object(jw, NULL);
		ctl_json_name_check(jw, hostname, rule);
		json_end(jw);
	} else if (rule) {
		printf("%s: %s\n", hostname, s25r_name(rule));
	} else {
		printf("%s: clean\n", hostname);
	}
	s25r_free();
	return rule ? EXIT_NO : 0;
}

/* cmd_reload - SIGHUP to the daemon named by pid_file */
static int cmd_reload(const struct mxg_conf *conf)
{
	FILE *f = fopen(conf->pid_file, "r");
	int pid = 0;

	if (!f || fscanf(f, "%d", &pid) != 1 || pid <= 1) {
		fprintf(stderr, "mxgatectl: cannot read a pid from %s: is mxgated "
			"running?\n", conf->pid_file);
		if (f)
			fclose(f);
		return EXIT_ERROR;
	}
	fclose(f);
	if (kill(pid, SIGHUP) < 0) {
		fprintf(stderr, "mxgatectl: mxgated (pid %d from %s): %s\n", pid,
			conf->pid_file, strerror(errno));
		return EXIT_ERROR;
	}
	printf("reload requested (pid %d); mxgated logs the outcome\n", pid);
	return 0;
}

/* pin_dir_from - the configuration (-c, else the system file if there is
 * one, else the defaults), with pin_dir overridden by -p */
static int pin_dir_from(const char *pin_opt, const char *conf_path,
			struct mxg_conf *conf)
{
	conf_defaults(conf);
	if (!conf_path && access(MXG_DEFAULT_CONF, F_OK) == 0)
		conf_path = MXG_DEFAULT_CONF;
	if (conf_path && conf_load(conf, conf_path, report_conf_error) != 0)
		return -1;
	if (pin_opt && snprintf(conf->pin_dir, sizeof(conf->pin_dir), "%s",
				pin_opt) >= (int)sizeof(conf->pin_dir)) {
		fprintf(stderr, "mxgatectl: -p: path too long\n");
		return -1;
	}
	return 0;
}

/* check_addr - check ADDR: the whole classifier as a dry run */
static int check_addr(const struct mxg_conf *conf, const struct mxg_key *client)
{
	struct table_set tables;
	struct providers providers;
	int rc;

	if (table_set_load(&tables, conf->client_access, report_conf_error) != 0)
		return EXIT_ERROR;
	if (providers_load(&providers, conf->provider_allowlist, report_conf_error) != 0) {
		table_set_free(&tables);
		return EXIT_ERROR;
	}
	rc = dryrun(conf, &tables, &providers, client, jw);
	providers_free(&providers);
	table_set_free(&tables);
	return rc;
}

/* What a command is handed: the configuration and, if it asked, the maps. */
struct ctl {
	const char *pin_opt, *conf_path;	/* -p, -c */
	int changed_only, defaults_only;	/* config -n, -d */
	struct mxg_conf conf;
	struct pinned_maps maps;
};

/* WRITE: the maps read-write; WRITE and ROOT: root only (the group of
 * mxgated's user reads, see privs.h) */
enum { NEED_CONF = 1, NEED_MAPS = 2, NEED_WRITE = 4, NEED_ROOT = 8 };
enum { OUT_JSON = 16 };			/* in needs: it has a -j form */
/* Commands with optional arguments: one may follow n_args (top [N]), or
 * any number up to ARGS_MAX (a comment's words); n_args -1: any number. */
enum { ARGS_OPT = 32, ARGS_REST = 64 };
#define ARGS_MAX 64

/* manual_changed - the manual map changed: counted, so that mxgated,
 * which shares the admin's decisions with other gateways, finds which */
static void manual_changed(const char *pin_dir)
{
	struct pinned_maps m;

	int err = maps_open(&m, pin_dir);

	if (err == 0) {
		stats_add(&m, MXG_STAT_MANUAL_CHANGES, 1);
		maps_close(&m);
	} else if (err != -ENOENT) {
		fprintf(stderr, "mxgatectl: note: %s: %s: a running mxgated does not see "
			"the change to share it with other gateways (it does at its next "
			"start)\n", pin_dir, strerror(-err));
	}
}

static int run_lookup(struct ctl *c, char **args) { return cmd_lookup(&c->maps, args[0]); }
static int run_forget(struct ctl *c, char **args)
{
	int rc = ctl_forget(&c->conf, &c->maps, args[0]);

	if (rc == 0)
		stats_add(&c->maps, MXG_STAT_MANUAL_CHANGES, 1);
	return rc;
}
static int run_decide(struct ctl *c, __u32 action, char **args)
{
	int rc = ctl_decide(&c->conf, action, args);

	if (rc == 0)
		manual_changed(c->conf.pin_dir);
	return rc;
}
static int run_allow(struct ctl *c, char **args) { return run_decide(c, MXG_ACT_PASS, args); }
static int run_block(struct ctl *c, char **args) { return run_decide(c, MXG_ACT_BLOCK, args); }

static int top_by_prefix;	/* top --by prefix */
static int top_numeric;		/* top -n: no names */
static int run_top(struct ctl *c, char **args)
{
	return ctl_top(&c->conf, &c->maps, args[0], top_by_prefix, !top_numeric);
}
static int run_list(struct ctl *c, char **args) { return cmd_list(&c->maps, args[0]); }
static int run_stats(struct ctl *c, char **args) { return cmd_stats(&c->maps, args[0]); }
static int run_reload(struct ctl *c, char **args) { (void)args; return cmd_reload(&c->conf); }
static int run_status(struct ctl *c, char **args) { (void)args; return ctl_status(&c->conf, jw); }

/* run_config - the file mxgated reads (-c; -p does not change it), or
 * the defaults (-d) */
static int run_config(struct ctl *c, char **args)
{
	if (c->defaults_only)
		conf_defaults(&c->conf);
	else if (pin_dir_from(NULL, c->conf_path, &c->conf) < 0)
		return EXIT_ERROR;
	return ctl_config(&c->conf, args, c->changed_only, jw != NULL);
}

/* run_check - an address is classified, anything else is a name */
static int run_check(struct ctl *c, char **args)
{
	struct mxg_key client;

	if (strchr(args[0], '/') || addr_parse(args[0], &client) != 0)
		return cmd_check(args[0]);
	if (pin_dir_from(c->pin_opt, c->conf_path, &c->conf) < 0)
		return EXIT_ERROR;
	return check_addr(&c->conf, &client);
}

/* Every command, one row: its name, arguments, help, needs and code. */
static const struct command {
	const char *name;
	const char *args;		/* the usage's argument words */
	const char *help;		/* one line */
	int n_args;			/* exactly this many, but see ARGS_*; -1: any */
	unsigned needs;			/* NEED_*, OUT_JSON, ARGS_* */
	int (*run)(struct ctl *c, char **args);	/* args: NULL-terminated */
} commands[] = {
	{ "lookup", "ADDR", "the verdict for one client", 1,
	  NEED_CONF | NEED_MAPS | OUT_JSON, run_lookup },
	{ "list", "[--action ACTION] [--manual]", "every verdict, or those with ACTION "
	  "(pass, block,\n\t\t\tgreylist, tarpit, throttle); --manual: the admin's "
	  "decisions", 0, NEED_CONF | NEED_MAPS | OUT_JSON, run_list },
	{ "stats", "", "SYNs accepted and refused by cause, then every counter", 0,
	  NEED_CONF | NEED_MAPS | OUT_JSON, run_stats },
	{ "allow", "ADDR|CIDR [TTL] [COMMENT]", "the admin's pass, in the kernel at "
	  "once, kept on disk;\n\t\t\tTTL: 90m, 12h, 7d, 2w, forever (default)", 1,
	  NEED_CONF | NEED_ROOT | ARGS_REST, run_allow },
	{ "block", "ADDR|CIDR [TTL] [COMMENT]", "the admin's block, likewise", 1,
	  NEED_CONF | NEED_ROOT | ARGS_REST, run_block },
	{ "forget", "ADDR|CIDR", "drop the manual decision and the verdicts of it "
	  "(or under it);\n\t\t\tthe next SYN is judged anew", 1,
	  NEED_CONF | NEED_MAPS | NEED_WRITE, run_forget },
	{ "top", "[N] [--by hits|prefix] [-n]", "the N (10) sources, or /24 and /64 "
	  "networks, refused most,\n\t\t\twith their PTR names (-n: none)", 0,
	  NEED_CONF | NEED_MAPS | ARGS_OPT, run_top },
	{ "check", "ADDR|HOSTNAME", "ADDR: the whole classifier, dry run, stage by "
	  "stage;\n\t\t\tHOSTNAME: which S25R rule a reverse name trips", 1, OUT_JSON,
	  run_check },
	{ "reload", "", "make mxgated reread its configuration and tables", 0,
	  NEED_CONF | NEED_ROOT, run_reload },
	{ "status", "", "version, mxgated's uptime, the rules as the kernel has "
	  "them,\n\t\t\tinterfaces, resolver, overload, map fill, store", 0,
	  NEED_CONF | OUT_JSON, run_status },
	{ "config", "[-n | -d] [KEY...]", "the configuration in force, key = value; "
	  "-n: only\n\t\t\tthose that differ from the default; -d: the defaults",
	  -1, OUT_JSON, run_config },
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* usage - the synopsis on stderr, from the command table */
static int usage(void)
{
	fprintf(stderr, "usage: mxgatectl [-c FILE] [-p PIN_DIR] [-j] COMMAND\n"
		"       mxgatectl --version\n"
		"  -c FILE         configuration (default " MXG_DEFAULT_CONF ")\n"
		"  -p PIN_DIR      where mxgated pinned its maps (default: pin_dir)\n"
		"  -j, --json      one JSON document (lookup, list, stats, check, "
		"status, config)\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(stderr, "  %s %s\n\t\t\t%s\n", commands[i].name, commands[i].args,
			commands[i].help);
	return EXIT_ERROR;
}

/* output_options - -j, -n and -d where they belong: -j with a command
 * that has a JSON form, -n and -d with config and not together; 0, or
 * -1 said in one line */
static int output_options(const char *name, int has_json, int json_opt,
			  const struct ctl *c)
{
	const char *what = NULL;

	if (json_opt && !has_json)
		what = "-j goes with lookup, list, stats, check, status and config";
	else if (c->defaults_only && strcmp(name, "config") != 0)
		what = "-d goes with config only";
	else if (c->changed_only && c->defaults_only)
		what = "config: -n and -d exclude each other";
	if (!what)
		return 0;
	fprintf(stderr, "mxgatectl: %s\n", what);
	return -1;
}

/* main - options, then one command from the table */
int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "action", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "manual", no_argument, NULL, 'm' },
		{ "by", required_argument, NULL, 'b' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *action_opt = NULL, *by_opt = NULL;
	const struct command *cmd = NULL;
	struct ctl c = { 0 };
	struct json doc;
	int opt, rc, n_args, json_opt = 0, n_opt = 0;

	log_open("mxgatectl", 1);
	/* Leading ':': we say what is missing, as one "mxgatectl: " line. */
	while ((opt = getopt_long(argc, argv, ":c:p:hjnd", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': c.conf_path = optarg; break;
		case 'p': c.pin_opt = optarg; break;
		case 'j': json_opt = 1; break;
		case 'n': n_opt = 1; break;	/* config: changed; top: no names */
		case 'd': c.defaults_only = 1; break;
		case 'm': list_manual = 1; break;
		case 'b': by_opt = optarg; break;
		case 'V':
			printf("mxgatectl %s\n", MXG_VERSION);
			return 0;
		case 'a':
			if (action_opt) {
				fprintf(stderr, "mxgatectl: --action given twice\n");
				return EXIT_ERROR;
			}
			action_opt = optarg;
			break;
		case ':':
			fprintf(stderr, "mxgatectl: %s needs an argument\n",
				optopt == 'c' ? "-c" : optopt == 'p' ? "-p" :
				optopt == 'b' ? "--by" : "--action");
			return EXIT_ERROR;
		default: return usage();
		}
	}
	if (optind >= argc)
		return usage();
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			cmd = &commands[i];
	n_args = argc - optind - 1;
	if (!cmd || (cmd->n_args >= 0 && (n_args < cmd->n_args ||
	    n_args > cmd->n_args + (cmd->needs & ARGS_REST ? ARGS_MAX :
				    cmd->needs & ARGS_OPT ? 1 : 0))))
		return usage();
	if ((list_manual && cmd->run != run_list) ||
	    (by_opt && cmd->run != run_top) ||
	    (n_opt && cmd->run != run_top && cmd->run != run_config)) {
		fprintf(stderr, "mxgatectl: %s goes with %s only\n",
			list_manual && cmd->run != run_list ? "--manual" :
			by_opt && cmd->run != run_top ? "--by" : "-n",
			list_manual && cmd->run != run_list ? "list" :
			by_opt && cmd->run != run_top ? "top" : "top and config");
		return EXIT_ERROR;
	}
	if (by_opt && strcmp(by_opt, "hits") != 0 && strcmp(by_opt, "prefix") != 0) {
		fprintf(stderr, "mxgatectl: --by: \"%s\" is neither hits nor prefix\n",
			by_opt);
		return EXIT_ERROR;
	}
	top_by_prefix = by_opt && strcmp(by_opt, "prefix") == 0;
	top_numeric = n_opt;
	c.changed_only = n_opt && cmd->run == run_config;
	if (output_options(cmd->name, !!(cmd->needs & OUT_JSON), json_opt, &c) < 0)
		return EXIT_ERROR;
	if (json_opt) {
		json_init(&doc, stdout);
		jw = &doc;
	}
	if (action_opt) {
		if (cmd->run != run_list) {
			fprintf(stderr, "mxgatectl: --action goes with list only\n");
			return EXIT_ERROR;
		}
		list_action = action_parse(action_opt);
		if (list_action <= MXG_ACT_NONE) {
			fprintf(stderr, "mxgatectl: --action: \"%s\" is not an action "
				"(%s)\n", action_opt, action_names());
			return EXIT_ERROR;
		}
	}
	if ((cmd->needs & (NEED_WRITE | NEED_ROOT)) && geteuid() != 0) {
		fprintf(stderr, "mxgatectl: %s needs root; members of the group of "
			"mxgated's user may only read (lookup, list, stats, status, "
			"check): see mxgatectl(8)\n", cmd->name);
		return EXIT_ERROR;
	}
	if ((cmd->needs & NEED_CONF) && pin_dir_from(c.pin_opt, c.conf_path, &c.conf) < 0)
		return EXIT_ERROR;
	if (cmd->needs & NEED_MAPS) {
		if (open_maps(&c.maps, c.conf.pin_dir, !!(cmd->needs & NEED_WRITE)) < 0)
			return EXIT_ERROR;
		pin_dir = c.conf.pin_dir;
		load_greylist_delay(c.conf.pin_dir);
	}
	rc = cmd->run(&c, argv + optind + 1);
	if (cmd->needs & NEED_MAPS)
		maps_close(&c.maps);
	/* A command that failed before its document began printed none. */
	if (jw && jw->top_done && json_finish(jw) < 0) {
		fprintf(stderr, "mxgatectl: %s: the JSON document could not be "
			"written whole\n", cmd->name);
		rc = EXIT_ERROR;
	}
	return rc;
}
