/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	names - words for actions, reasons and counters
 * SYNOPSIS
 *	const char *action_name(unsigned action);      "pass", "block", ...
 *	int action_parse(const char *word);            -1 if unknown
 *	const char *action_names(void);                "pass, block, ..."
 *	const char *reason_name(unsigned bit);         "s25r1", "fcrdns", ...
 *	size_t reasons_format(__u32 reasons, char *buf, size_t len);
 *	const char *stat_name(unsigned id, char *buf, size_t len);
 * DESCRIPTION
 *	The one place that turns enum mxg_action, enum mxg_reason and enum
 *	mxg_stat into text, for log lines and mxgatectl. reasons_format()
 *	writes the set bits as a comma-separated list ("s25r0,timeout"), or
 *	"-" when none is set, and returns the length written (truncated
 *	safely to len).
 */
#ifndef MXG_NAMES_H
#define MXG_NAMES_H

#include <stddef.h>
#include <linux/types.h>
#include "mxgate.h"

const char *action_name(unsigned action);
int action_parse(const char *word);
const char *action_names(void);
const char *reason_name(unsigned bit);
size_t reasons_format(__u32 reasons, char *buf, size_t len);
const char *stat_name(unsigned id, char *buf, size_t len);

#endif /* MXG_NAMES_H */
