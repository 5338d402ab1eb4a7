/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_lines.c - the shared line reader: no line is ever cut or split. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lines.h"
#include "test.h"

static char msgs[8][512];
static int n_msgs;

/* collect - the reader's reporter */
static void collect(const char *msg)
{
	if (n_msgs < 8)
		snprintf(msgs[n_msgs], sizeof(msgs[0]), "%s", msg);
	n_msgs++;
}

/* write_bytes - a temporary file holding len bytes of text */
static void write_bytes(char *path, size_t size, const char *text, size_t len)
{
	int fd;

	snprintf(path, size, "/tmp/mxgate-lines-test.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		test_fail(__FILE__, __LINE__, "cannot write %s", path);
	if (fd >= 0)
		close(fd);
}

TEST(lines_long_and_nul_lines_are_refused_whole)
{
	static const char text[] = "one\n0123456789abc\ntwo\0hidden\nthree";
	struct lines lr;
	char path[64], want[128];
	char *l;

	write_bytes(path, sizeof(path), text, sizeof(text) - 1);
	n_msgs = 0;
	CHECK_EQ_INT(lines_open(&lr, path, 10, collect), 0);
	l = lines_next(&lr);
	CHECK(l && !strcmp(l, "one") && lr.lineno == 1);
	/* Line 2 is 13 bytes: refused, and its tail is no line of its own. */
	l = lines_next(&lr);
	CHECK(l && !strcmp(l, "three") && lr.lineno == 4);
	CHECK(lines_next(&lr) == NULL);
	CHECK_EQ_INT(lr.bad, 2);
	CHECK_EQ_INT(lr.read_errno, 0);
	CHECK_EQ_INT(n_msgs, 2);
	snprintf(want, sizeof(want), "%s:2: line longer than 10 bytes", path);
	CHECK_EQ_STR(msgs[0], want);
	snprintf(want, sizeof(want), "%s:3: line contains a NUL byte", path);
	CHECK_EQ_STR(msgs[1], want);
	lines_close(&lr);
	unlink(path);
}

TEST(lines_exactly_max_bytes_is_a_line)
{
	struct lines lr;
	char path[64];
	char *l;

	write_bytes(path, sizeof(path), "0123456789\n\n", 12);
	n_msgs = 0;
	CHECK_EQ_INT(lines_open(&lr, path, 10, collect), 0);
	l = lines_next(&lr);
	CHECK(l && !strcmp(l, "0123456789"));
	l = lines_next(&lr);
	CHECK(l && !strcmp(l, "") && lr.lineno == 2);
	CHECK(lines_next(&lr) == NULL);
	CHECK_EQ_INT(lr.bad, 0);
	CHECK_EQ_INT(n_msgs, 0);
	lines_close(&lr);
	unlink(path);
}

TEST(lines_unreadable_files_are_reported)
{
	struct lines lr;

	n_msgs = 0;
	CHECK_EQ_INT(lines_open(&lr, "/nonexistent/file", 10, collect), -1);
	CHECK(n_msgs == 1 && strstr(msgs[0], "/nonexistent/file: No such file"));
	/* A directory opens, and the first read fails. */
	n_msgs = 0;
	CHECK_EQ_INT(lines_open(&lr, "/", 10, collect), 0);
	CHECK(lines_next(&lr) == NULL);
	CHECK(lr.read_errno != 0);
	CHECK(n_msgs == 1 && !strcmp(msgs[0], "/: Is a directory"));
	CHECK(lines_next(&lr) == NULL);		/* and stays failed */
	lines_close(&lr);
}
