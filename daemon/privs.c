/* SPDX-License-Identifier: GPL-2.0-or-later */
/* privs.c - give up root after setup; see privs.h for the contract. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <cap-ng.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include "privs.h"

/* keep - the capabilities mxgated keeps (privs.h says why) */
static int keep(void)
{
	capng_clear(CAPNG_SELECT_ALL);
	return capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
			     CAPNG_INHERITABLE | CAPNG_BOUNDING_SET,
			     CAP_NET_ADMIN, CAP_BPF, -1) ||
	       capng_updatev(CAPNG_ADD, CAPNG_AMBIENT, CAP_NET_ADMIN, CAP_BPF, -1);
}

/* privs_drop - become user with only CAP_NET_ADMIN and CAP_BPF */
int privs_drop(const char *user, const char *run_dir, char *why, size_t len)
{
	struct passwd *pw;
	int rc;

	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		snprintf(why, len, "user %s: %s", user,
			 errno ? strerror(errno) : "no such user");
		return errno ? -1 : PRIVS_NO_USER;
	}
	/* The run directory becomes the user's: mxgate-rules keeps the
	 * state of its loads there, and a reinstall runs as the user. */
	if (pw->pw_uid != 0 && run_dir && chown(run_dir, pw->pw_uid, pw->pw_gid) < 0 &&
	    errno != ENOENT) {
		snprintf(why, len, "%s: %s", run_dir, strerror(errno));
		return -1;
	}
	if (keep() != 0) {
		snprintf(why, len, "cannot describe the capabilities to keep");
		return -1;
	}
	/* The bounding set first, while CAP_SETPCAP is still ours; then
	 * setresgid, the user's own supplementary groups (none unless the
	 * admin added some: a Redis socket's group), setresuid keeping the
	 * permitted set, and the sets above. */
	rc = capng_apply(CAPNG_SELECT_BOUNDS);
	if (rc == 0 && pw->pw_uid != 0)
		rc = capng_change_id((int)pw->pw_uid, (int)pw->pw_gid,
				     CAPNG_INIT_SUPP_GRP);
	if (rc == 0 && pw->pw_uid != 0)
		rc = capng_apply(CAPNG_SELECT_AMBIENT);
	if (rc != 0) {
		snprintf(why, len, "cannot become %s with CAP_NET_ADMIN and CAP_BPF "
			 "(libcap-ng: %d, %s)", user, rc, strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(why, len, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	if (pw->pw_uid != 0 && (getuid() == 0 || geteuid() == 0 || setuid(0) == 0)) {
		snprintf(why, len, "still root after becoming %s", user);
		return -1;
	}
	return 0;
}

/* status_hex - a hexadecimal field of /proc/self/status ("CapEff") */
static int status_hex(const char *field, __u64 *value)
{
	char line[256];
	size_t n = strlen(field);
	FILE *f = fopen("/proc/self/status", "re");
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f))
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			found = sscanf(line + n + 1, "%llx", (unsigned long long *)value) == 1;
	fclose(f);
	return found ? 0 : -1;
}

/* privs_held - this process's effective and bounding sets, as the
 * kernel says them */
int privs_held(__u64 *effective, __u64 *bounding)
{
	return status_hex("CapEff", effective) | status_hex("CapBnd", bounding);
}

/* privs_share_pins - the pinned maps readable by user's group: pin_dir
 * root:group 0750, each pin root:group 0640, and pin_dir's parent
 * searchable by all when it is a bpffs root that is not (systemd mounts
 * /sys/fs/bpf 0700): x only, nobody may list it. 0, or -1 with why. */
int privs_share_pins(const char *pin_dir, const char *user, char *why, size_t len)
{
	char parent[PATH_MAX];
	struct passwd *pw = getpwnam(user);
	struct dirent *e;
	struct statfs fs;
	struct stat st;
	int fd, bad = 0;
	DIR *dir;

	if (!pw)
		return snprintf(why, len, "user %s: no such user", user), -1;
	fd = open(pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir || fchown(fd, 0, pw->pw_gid) < 0 || fchmod(fd, 0750) < 0) {
		snprintf(why, len, "%s: %s", pin_dir, strerror(errno));
		if (dir)
			closedir(dir);
		else if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.' &&
		    (fchownat(fd, e->d_name, 0, pw->pw_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
		     fchmodat(fd, e->d_name, 0640, 0) < 0) && !bad++)
			snprintf(why, len, "%s/%s: %s", pin_dir, e->d_name, strerror(errno));
	closedir(dir);
	snprintf(parent, sizeof(parent), "%s/..", pin_dir);
	if (!bad && statfs(parent, &fs) == 0 && fs.f_type == BPF_FS_MAGIC &&
	    stat(parent, &st) == 0 && !(st.st_mode & S_IXOTH) &&
	    chmod(parent, (st.st_mode & 07777) | S_IXOTH) < 0) {
		snprintf(why, len, "%s: %s", parent, strerror(errno));
		bad = 1;
	}
	return bad ? -1 : 0;
}
