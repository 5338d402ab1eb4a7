/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAME
 *	version - the one version string of mxgate
 * SYNOPSIS
 *	MXG_VERSION
 * DESCRIPTION
 *	Defined here and nowhere else: mxgated --version and mxgatectl
 *	--version print it ("mxgated 0.14.0"), mxgate-rules --version asks
 *	mxgated for it, mxgatectl status and /metrics show it, and the
 *	Makefile reads it from this line (make version prints it; make deb
 *	names the package with it).
 */
#ifndef MXG_VERSION_H
#define MXG_VERSION_H

#define MXG_VERSION "0.14.0"

#endif /* MXG_VERSION_H */
