/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	clock - the one clock the kernel and the daemon share
 * SYNOPSIS
 *	__u64 now_ns(void);
 *	__u64 fine_ns(void);
 *	struct clock_pair clock_pair_now(void);
 *	__u64 clock_to_wall(__u64 mono, const struct clock_pair *c);
 *	__u64 clock_to_mono(__u64 wall, const struct clock_pair *c);
 * DESCRIPTION
 *	now_ns() is CLOCK_MONOTONIC_COARSE in ns, the clock of
 *	bpf_ktime_get_coarse_ns() (see mxgate.h): verdict times, deadlines
 *	and timers all use it, so a time written by one side means the same
 *	to the other. fine_ns() is CLOCK_MONOTONIC, for measuring the
 *	daemon's own overhead (the coarse clock ticks every few ms).
 *
 *	A verdict's times are monotonic, which restarts at boot and differs
 *	between hosts; what leaves the host (the store, Redis) is wall-clock
 *	(CLOCK_REALTIME) time. clock_pair_now() reads both clocks together,
 *	and one conversion uses one pair: clock_to_wall() and
 *	clock_to_mono() (a wall time before boot becomes 0, the boot: the
 *	monotonic clock cannot say earlier).
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

/* Both clocks, read together: one conversion uses one pair. */
struct clock_pair {
	__u64 wall;		/* CLOCK_REALTIME, ns */
	__u64 mono;		/* now_ns(): the tc program's clock */
};

/* clock_pair_now - the two clocks, now */
static inline struct clock_pair clock_pair_now(void)
{
	struct clock_pair c;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	c.wall = (__u64)ts.tv_sec * NS_PER_S + (__u64)ts.tv_nsec;
	c.mono = now_ns();
	return c;
}

/* clock_to_wall - a monotonic time as wall-clock time */
static inline __u64 clock_to_wall(__u64 mono, const struct clock_pair *c)
{
	return mono <= c->mono ? c->wall - (c->mono - mono) : c->wall + (mono - c->mono);
}

/* clock_to_mono - a wall-clock time as monotonic time (before boot: 0) */
static inline __u64 clock_to_mono(__u64 wall, const struct clock_pair *c)
{
	if (wall >= c->wall)
		return c->mono + (wall - c->wall);
	return c->wall - wall < c->mono ? c->mono - (c->wall - wall) : 0;
}

#endif /* MXG_CLOCK_H */
