/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	redis_loop - hiredis's asynchronous connections on mxgated's loop
 * SYNOPSIS
 *	int redis_loop_attach(struct loop *l, redisAsyncContext *ac);
 * DESCRIPTION
 *	hiredis drives a connection through five hooks (ac->ev: start and
 *	stop reading, start and stop writing, clean up); this adapter maps
 *	them onto loop_watch() of the connection's fd, so that Redis costs
 *	no thread and no second event loop. redis_loop_attach() installs
 *	the hooks on a fresh context: 0, or -1 (out of memory, or hooks
 *	already installed). The hooks' state is freed by hiredis's cleanup
 *	hook when the context is freed.
 */
#ifndef MXG_REDIS_LOOP_H
#define MXG_REDIS_LOOP_H

#include <hiredis/async.h>
#include "loop.h"

int redis_loop_attach(struct loop *l, redisAsyncContext *ac);

#endif /* MXG_REDIS_LOOP_H */
