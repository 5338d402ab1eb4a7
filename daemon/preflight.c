/* SPDX-License-Identifier: GPL-2.0-or-later */
/* preflight.c - what a configuration names must exist; see preflight.h. */
#include <errno.h>
#include <libgen.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include "preflight.h"
#include "share_server.h"
#include "responder.h"

struct checker {
	const char *conf_path;
	void (*report)(const char *msg);
	int problems;
};

/* problem - one line: "CONF: what is wrong" */
static void problem(struct checker *ck, const char *fmt, ...)
{
	char line[PATH_MAX * 2 + 256];
	int n = snprintf(line, sizeof(line), "%s: ", ck->conf_path);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	ck->report(line);
	ck->problems++;
}

/* on_bpffs - path exists and lies on a bpf filesystem */
static int on_bpffs(const char *path)
{
	struct statfs fs;

	return statfs(path, &fs) == 0 && fs.f_type == BPF_FS_MAGIC;
}

/* check_pin_dir - pinning will work: pin_dir on bpffs, or a parent where
 * it can be made (bpffs) or a bpffs mounted on it (an ordinary directory:
 * not sysfs, where /sys/fs/bpf lives unmounted) */
static void check_pin_dir(struct checker *ck, const char *pin_dir)
{
	char copy[PATH_MAX], *parent;
	struct statfs fs;
	struct stat st;

	if (on_bpffs(pin_dir))
		return;
	if (stat(pin_dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		problem(ck, "pin_dir %s is not a directory", pin_dir);
		return;
	}
	snprintf(copy, sizeof(copy), "%s", pin_dir);
	parent = dirname(copy);
	if (on_bpffs(parent))
		return;
	if (stat(parent, &st) < 0) {
		problem(ck, "pin_dir %s: %s: %s", pin_dir, parent, strerror(errno));
		return;
	}
	if (statfs(parent, &fs) == 0 && fs.f_type != SYSFS_MAGIC && S_ISDIR(st.st_mode))
		return;		/* mxgated mounts a bpffs on pin_dir itself */
	problem(ck, "pin_dir %s: %s is not a bpf filesystem; mount one: "
		"mount -t bpf bpf %s", pin_dir, parent, parent);
}

/* check_dir - path must be a directory; missing is a problem when required */
static void check_dir(struct checker *ck, const char *key, const char *path,
		      int required, const char *hint)
{
	struct stat st;

	if (stat(path, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			problem(ck, "%s %s is not a directory", key, path);
		return;
	}
	if (errno != ENOENT || required)
		problem(ck, "%s %s: %s%s", key, path, strerror(errno),
			errno == ENOENT ? hint : "");
}

/* check_tables - every client_access table ("type:path ...") is a file:
 * a directory opens, and then reads as nothing */
static void check_tables(struct checker *ck, const char *list)
{
	char copy[sizeof(((struct mxg_conf *)0)->client_access)], *save = NULL;
	struct stat st;

	snprintf(copy, sizeof(copy), "%s", list);
	for (char *item = strtok_r(copy, " \t,", &save); item;
	     item = strtok_r(NULL, " \t,", &save)) {
		const char *path = strchr(item, ':') ? strchr(item, ':') + 1 : item;

		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			problem(ck, "client_access: %s is a directory, not a table", path);
	}
}

/* check_hostname - without responder_hostname the system's host name is
 * in every reply of the responder: it must be fit for one */
static void check_hostname(struct checker *ck, const char *configured)
{
	char name[256] = "", why[160];

	if (configured[0])
		return;			/* checked by the loader */
	if (gethostname(name, sizeof(name) - 1) < 0)
		snprintf(why, sizeof(why), "%s", strerror(errno));
	else if (responder_hostname_check(name, why, sizeof(why)) == 0)
		return;
	problem(ck, "responder_hostname: not set, and this host's name \"%s\" "
		"cannot go into SMTP replies: %s; set responder_hostname", name, why);
}

/* check_redis_password - the password file of redis_server: there,
 * readable by root alone, a password on its first line */
static void check_redis_password(struct checker *ck, const struct mxg_conf *c)
{
	char pw[SHARE_PASSWORD_MAX], why[PATH_MAX + 160];

	if (!c->redis_server[0] || !c->redis_password_file[0])
		return;
	if (share_password_read(c->redis_password_file, pw, sizeof(pw), why, sizeof(why)) < 0)
		problem(ck, "redis_password_file: %s", why);
	explicit_bzero(pw, sizeof(pw));
}

/* preflight - every check; the number of problems reported */
int preflight(const struct mxg_conf *c, const char *conf_path,
	      void (*report)(const char *msg))
{
	struct checker ck = { conf_path, report, 0 };

	for (int i = 0; i < c->n_interfaces; i++)
		if (!if_nametoindex(c->interfaces[i]))
			problem(&ck, "interfaces: %s: no such interface on this host",
				c->interfaces[i]);
	check_dir(&ck, "countries_dir", c->countries_dir, 1,
		  " (create it, even empty, or point countries_dir at your "
		  "country files: a missing directory would lift every "
		  "country block)");
	check_dir(&ck, "state_dir", c->state_dir, 0, "");
	check_tables(&ck, c->client_access);
	check_pin_dir(&ck, c->pin_dir);
	check_hostname(&ck, c->responder_hostname);
	check_redis_password(&ck, c);
	return ck.problems;
}
