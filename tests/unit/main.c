/* SPDX-License-Identifier: GPL-2.0-or-later */
/* main.c - entry point of the unit test binary. */
#include "test.h"

int main(int argc, char **argv)
{
	return test_main("unit", argc, argv);
}
