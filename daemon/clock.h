/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	clock - the one clock the kernel and the daemon share
 * SYNOPSIS
 *	__u64 now_ns(void);
 *	__u64 fine_ns(void);
 * DESCRIPTION
 *	now_ns() is CLOCK_MONOTONIC_COARSE in ns, the clock of
 *	bpf_ktime_get_coarse_ns() (see mxgate.h): verdict times, deadlines
 *	and timers all use it, so a time written by one side means the same
 *	to the other. fine_ns() is CLOCK_MONOTONIC, for measuring the
 *	daemon's own overhead (the coarse clock ticks every few ms).
 */
#ifndef MXG_CLOCK_H
#define MXG_CLOCK_H

#include <time.h>
#include <linux/types.h>

#define NS_PER_MS	1000000ULL
#define NS_PER_S	1000000000ULL

/* now_ns - CLOCK_MONOTONIC_COARSE, the clock of bpf_ktime_get_coarse_ns() */
static inline __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (__u64)ts.tv_sec * NS_PER_S + (__u64)ts.tv_nsec;
}

/* fine_ns - CLOCK_MONOTONIC, precise, for durations of our own work */
static inline __u64 fine_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NS_PER_S + (__u64)ts.tv_nsec;
}

#endif /* MXG_CLOCK_H */
