/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	version - the one version string of mxgate
 * SYNOPSIS
 *	#include "version.h"
 *	MXG_VERSION	"0.9.0"
 * DESCRIPTION
 *	Every program that says which mxgate it is (mxgatectl status,
 *	--version) prints MXG_VERSION; nothing else spells the version.
 */
#ifndef MXG_VERSION_H
#define MXG_VERSION_H

#define MXG_VERSION	"0.9.0"

#endif /* MXG_VERSION_H */
