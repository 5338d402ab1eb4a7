/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	ctl_status - mxgatectl status: mxgate on this host at a glance
 * DESCRIPTION
 *	Implements ctl_status.h (the contract is there). gather() asks the
 *	kernel, the pid file and the rule loader once, into struct status;
 *	print_text() and print_json() say the same things from it.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf_load.h"
#include "ctl_json.h"
#include "ctl_status.h"
#include "maps.h"
#include "rules.h"
#include "uptime.h"
#include "version.h"

#define MAX_LINKS	64		/* interfaces listed, at most */
#define RULES_NOT_ROOT	-2		/* rules_rc: not asked, not root */

/* An interface: configured, and/or with mxgate's tc program. */
struct link_state {
	char name[IF_NAMESIZE];
	int configured;			/* listed in interfaces */
	int exists;			/* the kernel has it */
	__u32 prog_id;			/* the program at mxgate's handle; 0: none */
	char prog[BPF_OBJ_NAME_LEN];	/* its name; "" when not readable */
};

/* A map's fill. */
struct map_fill {
	const char *name;		/* as pinned */
	int present;			/* pinned, and its info readable */
	unsigned long long entries;	/* keys counted */
	unsigned max_entries;
	int exact;			/* 0: it changed too fast to count */
};

enum { FILL_VERDICTS, FILL_UNPROVEN, FILL_THROTTLE, FILL_MAX };

struct status {
	const struct mxg_conf *conf;
	struct daemon_life life;	/* the pid file and /proc */
	int running;			/* mxgated runs */
	int rules_rc;			/* rules_status(): 0, 3, -1; RULES_NOT_ROOT */
	char rules_out[4096];		/* what the loader said */
	struct link_state links[MAX_LINKS];
	int n_links;
	int maps_ok;			/* the counters were read */
	__u64 totals[MXG_STAT_MAX];	/* counters and gauges */
	struct map_fill fill[FILL_MAX];
	const char *resolver;		/* "ok", "down" or "unknown" */
	const char *resolver_why;	/* why unknown, else NULL */
};

/* resolver_health - ok, down or unknown (with why), from the gauge */
static void resolver_health(struct status *st)
{
	st->resolver = "unknown";
	if (!st->maps_ok)
		st->resolver_why = "the maps are not pinned";
	else if (!st->running)
		st->resolver_why = "mxgated is not running";	/* a stale gauge */
	else {
		st->resolver = st->totals[MXG_STAT_DNS_DOWN] ? "down" : "ok";
		st->resolver_why = NULL;
	}
}

/* query_link - mxgate's tc program on l's ingress, and its name */
static void query_link(struct link_state *l)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = MXG_TC_HANDLE,
		    .priority = MXG_TC_PRIORITY);
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd;

	hook.ifindex = (int)if_nametoindex(l->name);
	l->exists = hook.ifindex != 0;
	if (!l->exists || bpf_tc_query(&hook, &opts) != 0)
		return;			/* no clsact, no filter: none */
	l->prog_id = opts.prog_id;
	fd = bpf_prog_get_fd_by_id(opts.prog_id);	/* needs root */
	if (fd < 0)
		return;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
		snprintf(l->prog, sizeof(l->prog), "%s", info.name);
	close(fd);
}

/* add_link - a row for name, unless it has one; NULL when full */
static struct link_state *add_link(struct status *st, const char *name)
{
	for (int i = 0; i < st->n_links; i++)
		if (strcmp(st->links[i].name, name) == 0)
			return &st->links[i];
	if (st->n_links >= MAX_LINKS)
		return NULL;
	memset(&st->links[st->n_links], 0, sizeof(st->links[0]));
	snprintf(st->links[st->n_links].name, IF_NAMESIZE, "%s", name);
	return &st->links[st->n_links++];
}

/* gather_links - the configured interfaces, then every other one with
 * mxgate's program (left by an older configuration, say) */
static void gather_links(struct status *st)
{
	libbpf_print_fn_t old = libbpf_set_print(NULL);	/* "no qdisc" is an answer */
	struct if_nameindex *all = if_nameindex(), *i;
	struct link_state probe, *l;

	for (int c = 0; c < st->conf->n_interfaces; c++) {
		l = add_link(st, st->conf->interfaces[c]);
		if (!l)
			break;
		l->configured = 1;
		query_link(l);
	}
	for (i = all; i && i->if_name; i++) {
		memset(&probe, 0, sizeof(probe));
		snprintf(probe.name, sizeof(probe.name), "%s", i->if_name);
		query_link(&probe);
		if (probe.prog_id && (l = add_link(st, i->if_name)) && !l->configured)
			*l = probe;
	}
	if (all)
		if_freenameindex(all);
	libbpf_set_print(old);
}

/* open_ro - a pinned object of pin_dir, read-only; fd or -1 */
static int open_ro(const char *pin_dir, const char *name)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = BPF_F_RDONLY);
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", pin_dir, name);
	return bpf_obj_get_opts(path, &opts);
}

/* count_map - f's entries, by walking the keys of the map at fd */
static void count_map(int fd, struct map_fill *f)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	unsigned long long steps = 0, limit;
	char *keys;
	void *prev = NULL, *next;

	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) != 0 || !info.key_size)
		return;
	keys = calloc(2, info.key_size);
	if (!keys)
		return;
	f->present = 1;
	f->max_entries = info.max_entries;
	/* When the key we stand on is evicted, the kernel starts over from
	 * the first one: a busy map is counted at most twice over. */
	limit = 2ULL * info.max_entries + 1;
	next = keys;
	while (steps < limit && bpf_map_get_next_key(fd, prev, next) == 0) {
		steps++;
		prev = next;
		next = next == keys ? keys + info.key_size : keys;
	}
	f->exact = steps < limit;
	f->entries = steps > info.max_entries ? info.max_entries : steps;
	free(keys);
}

/* gather_maps - the counters, and the fill of each map */
static void gather_maps(struct status *st)
{
	struct pinned_maps m;
	int throttle;

	st->fill[FILL_VERDICTS].name = MXG_MAP_VERDICTS;
	st->fill[FILL_UNPROVEN].name = MXG_MAP_UNPROVEN;
	st->fill[FILL_THROTTLE].name = MXG_MAP_THROTTLE;
	if (maps_open_ro(&m, st->conf->pin_dir) != 0)
		return;
	st->maps_ok = stats_read(&m, st->totals) == 0;
	count_map(m.verdicts_fd, &st->fill[FILL_VERDICTS]);
	count_map(m.unproven_fd, &st->fill[FILL_UNPROVEN]);
	throttle = open_ro(st->conf->pin_dir, MXG_MAP_THROTTLE);
	count_map(throttle, &st->fill[FILL_THROTTLE]);
	if (throttle >= 0)
		close(throttle);
	maps_close(&m);
}

/* gather - everything status says, asked once */
static void gather(struct status *st, const struct mxg_conf *conf)
{
	memset(st, 0, sizeof(*st));
	st->conf = conf;
	st->running = daemon_life(conf->pid_file, &st->life) == 0;
	/* The loader reads the ruleset, which only root may: for anyone
	 * else it would say "nothing loaded", which is not known. */
	st->rules_rc = geteuid() == 0 || !conf->rules_cmd[0] ?
		       rules_status(conf, st->rules_out, sizeof(st->rules_out)) : RULES_NOT_ROOT;
	gather_links(st);
	gather_maps(st);
	resolver_health(st);
}

/* rules_mode - native, fallback or none: the word after "PROG: " on
 * the loader's line that has one (mxgate-rules(8), status); or NULL */
static const char *rules_mode(const char *out)
{
	static const char *const modes[] = { "native", "fallback", "none" };
	const char *line = out, *p;

	for (; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		p = strstr(line, ": ");
		if (!p || (strchr(line, '\n') && p > strchr(line, '\n')))
			continue;
		for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
			if (strncmp(p + 2, modes[i], strlen(modes[i])) == 0 &&
			    p[2 + strlen(modes[i])] == ':')
				return modes[i];
	}
	return NULL;
}

/* print_mxgated - "mxgated: running, pid N, up 2h 3m 4s (since ...)" */
static void print_mxgated(const struct status *st)
{
	char up[64], since[64] = "?";
	time_t t = (time_t)st->life.started_unix;
	struct tm tm;

	if (!st->running) {
		printf("mxgated: not running (%s)\n", st->life.why);
		return;
	}
	duration_format(st->life.uptime_s, up, sizeof(up));
	if (gmtime_r(&t, &tm))
		strftime(since, sizeof(since), "%Y-%m-%d %H:%M:%S UTC", &tm);
	printf("mxgated: running, pid %d, up %s (since %s)\n", st->life.pid, up, since);
}

/* print_links - "interfaces: gc (tc program mxgate_ingress, id 42), ..." */
static void print_links(const struct status *st)
{
	printf("interfaces:");
	if (!st->n_links)
		printf(" none configured, no tc program of mxgate on any");
	for (int i = 0; i < st->n_links; i++) {
		const struct link_state *l = &st->links[i];

		printf("%s %s (", i ? "," : "", l->name);
		if (!l->exists)
			printf("no such interface here");
		else if (!l->prog_id)
			printf("no tc program of mxgate");
		else if (l->prog[0])
			printf("tc program %s, id %u", l->prog, l->prog_id);
		else			/* its name needs root */
			printf("tc program, id %u", l->prog_id);
		if (!l->configured)
			printf(", not in interfaces");
		printf(")");
	}
	printf("\n");
}

/* print_fill - "verdicts 12/262144 (0.0%)"; "~" when counted in flux */
static void print_fill(const struct map_fill *f, const char *sep)
{
	if (!f->present)
		return;
	printf("%s%s %s%llu/%u (%.1f%%)", sep, f->name, f->exact ? "" : "~", f->entries,
	       f->max_entries, f->max_entries ? 100.0 * (double)f->entries /
	       (double)f->max_entries : 0.0);
}

/* sharing_state - "off", "up", "down", or "unknown" (mxgated not running:
 * the gauges are stale) */
static const char *sharing_state(const struct status *st)
{
	if (!st->conf->redis_server[0])
		return "off";
	if (!st->running || !st->maps_ok)
		return "unknown";
	return st->totals[MXG_STAT_SHARE_UP] ? "up" : "down";
}

/* print_sharing - "sharing: redis 192.0.2.1:6379 up, lag 2 ms, ..." */
static void print_sharing(const struct status *st)
{
	const __u64 *t = st->totals;
	const char *state = sharing_state(st);

	if (strcmp(state, "off") == 0) {
		printf("sharing: off (redis_server is not set: this gateway learns alone)\n");
		return;
	}
	printf("sharing: redis %s %s, prefix %s; lag %llu ms, queue %llu; sent %llu, "
	       "applied %llu, dropped %llu, bad %llu, full reads %llu\n",
	       st->conf->redis_server, state, st->conf->redis_prefix,
	       (unsigned long long)t[MXG_STAT_SHARE_LAG_MS],
	       (unsigned long long)t[MXG_STAT_SHARE_QUEUE],
	       (unsigned long long)t[MXG_STAT_SHARE_SENT],
	       (unsigned long long)t[MXG_STAT_SHARE_APPLIED],
	       (unsigned long long)t[MXG_STAT_SHARE_DROPPED],
	       (unsigned long long)t[MXG_STAT_SHARE_BAD],
	       (unsigned long long)t[MXG_STAT_SHARE_RESYNCS]);
}

/* json_sharing - the sharing object */
static void json_sharing(struct json *j, const struct status *st)
{
	const __u64 *t = st->totals;
	const char *state = sharing_state(st);

	json_object(j, "sharing");
	json_string(j, "state", state);
	if (strcmp(state, "off") == 0) {
		json_null(j, "server");
		json_null(j, "prefix");
	} else {
		json_string(j, "server", st->conf->redis_server);
		json_string(j, "prefix", st->conf->redis_prefix);
	}
	if (strcmp(state, "up") == 0 || strcmp(state, "down") == 0) {
		json_bool(j, "up", t[MXG_STAT_SHARE_UP] != 0);
		json_uint(j, "lag_ms", t[MXG_STAT_SHARE_LAG_MS]);
		json_uint(j, "queue", t[MXG_STAT_SHARE_QUEUE]);
		json_uint(j, "sent", t[MXG_STAT_SHARE_SENT]);
		json_uint(j, "applied", t[MXG_STAT_SHARE_APPLIED]);
		json_uint(j, "dropped", t[MXG_STAT_SHARE_DROPPED]);
		json_uint(j, "bad", t[MXG_STAT_SHARE_BAD]);
		json_uint(j, "resyncs", t[MXG_STAT_SHARE_RESYNCS]);
	} else {
		json_null(j, "up");
		json_null(j, "lag_ms");
		json_null(j, "queue");
		json_null(j, "sent");
		json_null(j, "applied");
		json_null(j, "dropped");
		json_null(j, "bad");
		json_null(j, "resyncs");
	}
	json_end(j);
}

/* print_text - one line a topic */
static void print_text(const struct status *st)
{
	const struct mxg_conf *conf = st->conf;
	const __u64 *t = st->totals;

	printf("version: %s\n", MXG_VERSION);
	print_mxgated(st);
	if (!conf->rules_cmd[0])
		printf("rules: not managed by mxgate (rules_cmd = none)\n");
	else if (st->rules_rc == RULES_NOT_ROOT)
		printf("rules: not checked (reading the ruleset needs root)\n");
	else if (st->rules_rc < 0)
		printf("rules: cannot run %s\n", conf->rules_cmd);
	else
		printf("rules: %s", st->rules_out[0] ? st->rules_out : "(no answer)\n");
	if (st->maps_ok)
		printf("rules restored: %llu (reinstalled by mxgated after someone "
		       "removed or changed them)\n",
		       (unsigned long long)t[MXG_STAT_RULES_RESTORED]);
	print_links(st);
	printf("resolver: %s%s%s%s\n", st->resolver, st->resolver_why ? " (" : "",
	       st->resolver_why ? st->resolver_why : "", st->resolver_why ? ")" : "");
	if (!st->maps_ok) {
		printf("maps: not pinned under %s (mxgated has not run)\n", conf->pin_dir);
		return;
	}
	printf("overload: %s (%llu episode(s) so far; %llu lookup(s) pending)\n",
	       t[MXG_STAT_STRESS] ? "yes, new sources are told to come back "
	       "or passed (overload_action)" : "no",
	       (unsigned long long)t[MXG_STAT_OVERLOAD_EPISODES],
	       (unsigned long long)t[MXG_STAT_PENDING]);
	printf("maps:");
	for (int i = 0; i < FILL_MAX; i++)
		print_fill(&st->fill[i], i ? ", " : " ");
	printf("\n");
	printf("store: %llu record(s), %llu KiB in use (%llu pruned while "
	       "running)\n", (unsigned long long)t[MXG_STAT_STORE_RECORDS],
	       (unsigned long long)t[MXG_STAT_STORE_BYTES] / 1024,
	       (unsigned long long)t[MXG_STAT_STORE_PRUNED]);
	print_sharing(st);
}

/* json_mxgated - the daemon's object */
static void json_mxgated(struct json *j, const struct status *st)
{
	json_object(j, "mxgated");
	json_bool(j, "running", st->running);
	if (st->life.pid)
		json_int(j, "pid", st->life.pid);
	else
		json_null(j, "pid");
	if (st->running) {
		json_uint(j, "uptime_s", st->life.uptime_s);
		ctl_json_unix(j, "started", st->life.started_unix);
		json_null(j, "why_not");
	} else {
		json_null(j, "uptime_s");
		json_null(j, "started_unix");
		json_null(j, "started_at");
		json_string(j, "why_not", st->life.why);
	}
	json_end(j);
}

/* json_rules - the rules' object */
static void json_rules(struct json *j, const struct status *st)
{
	int managed = st->conf->rules_cmd[0] != 0;
	const char *mode = managed && st->rules_rc >= 0 ? rules_mode(st->rules_out) : NULL;

	json_object(j, "rules");
	json_bool(j, "managed", managed);
	if (managed && st->rules_rc >= 0)
		json_bool(j, "loaded", st->rules_rc == 0);
	else
		json_null(j, "loaded");
	if (mode)
		json_string(j, "mode", mode);
	else
		json_null(j, "mode");
	if (st->maps_ok)
		json_uint(j, "restored", st->totals[MXG_STAT_RULES_RESTORED]);
	else
		json_null(j, "restored");
	json_string(j, "output", st->rules_out);
	json_end(j);
}

/* json_links - the interfaces' array */
static void json_links(struct json *j, const struct status *st)
{
	json_array(j, "interfaces");
	for (int i = 0; i < st->n_links; i++) {
		const struct link_state *l = &st->links[i];

		json_object(j, NULL);
		json_string(j, "name", l->name);
		json_bool(j, "configured", l->configured);
		json_bool(j, "exists", l->exists);
		json_bool(j, "attached", l->prog_id != 0);
		if (l->prog_id)
			json_uint(j, "prog_id", l->prog_id);
		else
			json_null(j, "prog_id");
		if (l->prog[0])
			json_string(j, "program", l->prog);
		else
			json_null(j, "program");
		json_end(j);
	}
	json_end(j);
}

/* json_maps - the maps' fill */
static void json_maps(struct json *j, const struct status *st)
{
	json_object(j, "maps");
	json_string(j, "pin_dir", st->conf->pin_dir);
	json_bool(j, "pinned", st->maps_ok);
	for (int i = 0; i < FILL_MAX; i++) {
		const struct map_fill *f = &st->fill[i];

		if (!f->present) {
			json_null(j, f->name);
			continue;
		}
		json_object(j, f->name);
		json_uint(j, "entries", f->entries);
		json_uint(j, "max_entries", f->max_entries);
		json_bool(j, "exact", f->exact);
		json_end(j);
	}
	json_end(j);
}

/* print_json - the same as one object */
static void print_json(struct json *j, const struct status *st)
{
	const __u64 *t = st->totals;

	json_object(j, NULL);
	json_string(j, "version", MXG_VERSION);
	json_mxgated(j, st);
	json_rules(j, st);
	json_links(j, st);
	json_object(j, "resolver");
	json_string(j, "health", st->resolver);
	if (st->resolver_why)
		json_string(j, "why_unknown", st->resolver_why);
	else
		json_null(j, "why_unknown");
	json_end(j);
	if (st->maps_ok) {
		json_object(j, "overload");
		json_bool(j, "active", t[MXG_STAT_STRESS] != 0);
		json_uint(j, "episodes", t[MXG_STAT_OVERLOAD_EPISODES]);
		json_uint(j, "pending", t[MXG_STAT_PENDING]);
		json_end(j);
	} else {
		json_null(j, "overload");
	}
	json_maps(j, st);
	if (st->maps_ok) {
		json_object(j, "store");
		json_uint(j, "records", t[MXG_STAT_STORE_RECORDS]);
		json_uint(j, "bytes", t[MXG_STAT_STORE_BYTES]);
		json_uint(j, "pruned", t[MXG_STAT_STORE_PRUNED]);
		json_end(j);
	} else {
		json_null(j, "store");
	}
	json_sharing(j, st);
	json_end(j);
}

/* ctl_status - gather, then say it as text or JSON */
int ctl_status(const struct mxg_conf *conf, struct json *j)
{
	struct status *st = malloc(sizeof(*st));
	int rc;

	if (!st) {
		fprintf(stderr, "mxgatectl: status: %s\n", strerror(ENOMEM));
		return 2;
	}
	gather(st, conf);
	if (j)
		print_json(j, st);
	else
		print_text(st);
	rc = st->rules_rc == 0 || st->rules_rc == RULES_NOT_ROOT || !conf->rules_cmd[0] ? 0 : 1;
	free(st);
	return rc;
}
