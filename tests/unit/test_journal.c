/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_journal.c - lines journald understands: when $JOURNAL_STREAM names
 * the file stderr is, each line starts with its syslog priority as <N>
 * and carries no program name (journald adds it); otherwise, or when the
 * variable names another file (a child of a unit whose stderr was
 * redirected), the human format stays. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "log.h"
#include "test.h"

/* log_into - stderr into a fresh file while log_open() looks at it with
 * JOURNAL_STREAM set to stream ("self": that file's own DEV:INO), an
 * info and a warning logged; the file's text */
static const char *log_into(const char *stream)
{
	static char text[1024];
	char path[] = "/tmp/mxgate-journal.XXXXXX", id[64];
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	struct stat st;
	ssize_t n = 0;

	text[0] = 0;
	if (fd < 0 || saved < 0 || fstat(fd, &st) < 0) {
		test_fail(__FILE__, __LINE__, "temporary file");
		return text;
	}
	snprintf(id, sizeof(id), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	if (stream)
		setenv("JOURNAL_STREAM", strcmp(stream, "self") ? stream : id, 1);
	else
		unsetenv("JOURNAL_STREAM");
	log_open("mxgated", 1);
	msg_info("ready: queue %d", 0);
	msg_warn("dns: %s", "not answering");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	unsetenv("JOURNAL_STREAM");
	log_open("mxgate", 1);			/* as the other tests expect */
	n = pread(fd, text, sizeof(text) - 1, 0);
	text[n > 0 ? n : 0] = 0;
	close(fd);
	unlink(path);
	return text;
}

TEST(journal_lines_carry_their_priority)
{
	CHECK_EQ_STR(log_into("self"), "<6>ready: queue 0\n<4>warning: dns: not answering\n");
}

TEST(journal_other_streams_keep_the_human_format)
{
	static const char human[] = "mxgated: ready: queue 0\n"
				    "mxgated: warning: dns: not answering\n";

	CHECK_EQ_STR(log_into(NULL), human);
	CHECK_EQ_STR(log_into("1:2"), human);		/* another file */
	CHECK_EQ_STR(log_into("garbage"), human);
	CHECK_EQ_STR(log_into(""), human);
}
