/* SPDX-License-Identifier: GPL-2.0-or-later */
/* main.c - entry point of the BPF test binary (needs root). */
#include "test.h"

int main(int argc, char **argv)
{
	return test_main("bpf", argc, argv);
}
