/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz.h - what the libFuzzer targets of tests/fuzz/ share.
 *
 *   FUZZ_CHECK(expr, fmt, ...)  a broken property: print it, abort()
 *   fuzz_file(data, size, path, len)  the input as a file (memfd); its fd
 *   fuzz_lines(data, size)      how many lines a reporter may name
 *   fuzz_check_report(msg, path, lines)  "PATH:LINE: ..." with a real LINE
 *   struct fuzz_in              take bytes and numbers off the input
 *
 * Each target is one fuzz_<name>.c with LLVMFuzzerTestOneInput(); see
 * tests/fuzz/README for how they are built and run. A property that does
 * not hold aborts, so that libFuzzer saves the input as a crash.
 */
#ifndef MXG_FUZZ_H
#define MXG_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Where FUZZ_CHECK writes: stderr as it was at start-up. run.sh passes
 * -close_fd_mask=2 so that the code's own warnings stay quiet; libFuzzer
 * and the sanitizers keep a copy of stderr for their reports, and so
 * does this, taken before libFuzzer closes it. */
static int fuzz_err_fd = 2;

/* fuzz_keep_stderr - the copy, from a constructor: before main() */
__attribute__((constructor)) static void fuzz_keep_stderr(void)
{
	int fd = dup(2);

	if (fd >= 0)
		fuzz_err_fd = fd;
}

/* FUZZ_CHECK - a property of the code under test; abort when it fails */
#define FUZZ_CHECK(expr, ...) do {					\
	if (!(expr)) {							\
		dprintf(fuzz_err_fd, "fuzz: %s:%d: CHECK(%s) failed: ",	\
			__FILE__, __LINE__, #expr);			\
		dprintf(fuzz_err_fd, __VA_ARGS__);			\
		dprintf(fuzz_err_fd, "\n");				\
		abort();						\
	}								\
} while (0)

/* fuzz_file - the input as a file: an fd of a memfd, its name in path
 * ("/proc/self/fd/N"); the caller closes the fd. Aborts on failure: a
 * harness that cannot run says so rather than passing. */
static inline int fuzz_file(const uint8_t *data, size_t size, char *path,
			    size_t len)
{
	int fd = memfd_create("fuzz-input", MFD_CLOEXEC);
	size_t o = 0;

	FUZZ_CHECK(fd >= 0, "memfd_create failed");
	while (o < size) {
		ssize_t n = write(fd, data + o, size - o);

		FUZZ_CHECK(n > 0, "write to memfd failed");
		o += (size_t)n;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

/* fuzz_write - the input into the file at path (created or truncated) */
static inline void fuzz_write(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "w");

	FUZZ_CHECK(f != NULL, "cannot write %s", path);
	FUZZ_CHECK(fwrite(data, 1, size, f) == size || size == 0,
		   "short write to %s", path);
	fclose(f);
}

/* fuzz_lines - the number of lines of a file of these bytes: what a
 * "FILE:LINE" may name (a last line without a newline counts) */
static inline int fuzz_lines(const uint8_t *data, size_t size)
{
	int n = 0;

	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n';
	return n + (size > 0 && data[size - 1] != '\n');
}

/* fuzz_check_report - msg is "PATH: reason" or "PATH:LINE: reason" with
 * 1 <= LINE <= lines: a loader never names a line the file does not have
 * (a long line read as two did) */
static inline void fuzz_check_report(const char *msg, const char *path, int lines)
{
	size_t n = strlen(path);
	char *end;
	long line;

	FUZZ_CHECK(strncmp(msg, path, n) == 0, "report \"%s\" does not start "
		   "with %s", msg, path);
	if (msg[n] == ' ' || (msg[n] == ':' && msg[n + 1] == ' '))
		return;
	FUZZ_CHECK(msg[n] == ':', "report \"%s\": no ':' after the path", msg);
	line = strtol(msg + n + 1, &end, 10);
	FUZZ_CHECK(end != msg + n + 1 && *end == ':', "report \"%s\": no line", msg);
	FUZZ_CHECK(line >= 1 && line <= lines, "report \"%s\" names line %ld of "
		   "a file of %d lines", msg, line, lines);
}

/* An input taken apart: bytes and small numbers off the front. */
struct fuzz_in {
	const uint8_t *p;	/* next byte */
	size_t left;		/* bytes left */
};

/* fuzz_byte - the next byte, 0 when none is left */
static inline unsigned fuzz_byte(struct fuzz_in *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

/* fuzz_bytes - up to n bytes into buf (the rest zero); how many */
static inline size_t fuzz_bytes(struct fuzz_in *in, void *buf, size_t n)
{
	size_t k = n < in->left ? n : in->left;

	memcpy(buf, in->p, k);
	memset((char *)buf + k, 0, n - k);
	in->p += k;
	in->left -= k;
	return k;
}

/* fuzz_string - the bytes up to the next NUL (or the end) as a string in
 * buf (len bytes, cut to fit); the NUL is consumed */
static inline char *fuzz_string(struct fuzz_in *in, char *buf, size_t len)
{
	size_t n = 0;

	while (in->left) {
		unsigned c = fuzz_byte(in);

		if (c == 0)
			break;
		if (n + 1 < len)
			buf[n++] = (char)c;
	}
	buf[n] = 0;
	return buf;
}

#endif /* MXG_FUZZ_H */
