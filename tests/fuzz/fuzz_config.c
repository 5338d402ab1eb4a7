/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_config.c - mxgate.conf: conf_load() on the input as a file.
 *
 * Properties: every complaint names the file and a line it has; on any
 * complaint the configuration is left exactly as it was; a file that
 * loads leaves a configuration the rest of the daemon can trust (the
 * cross-checks hold, every string is terminated, the lists re-parse).
 */
#include <stdint.h>
#include <string.h>
#include "config.h"
#include "country.h"
#include "dnsbl_sites.h"
#include "fuzz.h"

static char file_path[64];	/* the input's name, for the reporter */
static int file_lines;		/* its number of lines */
static int reports;		/* complaints about this input */

/* report - conf_load's reporter: every message must name a real line */
static void report(const char *msg)
{
	reports++;
	fuzz_check_report(msg, file_path, file_lines);
}

/* terminated - a char array holds a NUL */
#define terminated(a) (memchr((a), 0, sizeof(a)) != NULL)

/* check_loaded - what a good file must leave behind */
static void check_loaded(const struct mxg_conf *c)
{
	struct dnsbl_site sites[DNSBL_MAX_SITES];
	char why[1400];

	FUZZ_CHECK(c->n_ports >= 1 && c->n_ports <= MXG_MAX_PORTS, "%d ports",
		   c->n_ports);
	for (int i = 0; i < c->n_ports; i++)
		FUZZ_CHECK(c->ports[i] != 0, "port 0 loaded");
	FUZZ_CHECK(c->n_interfaces >= 0 && c->n_interfaces <= MXG_MAX_IFACES,
		   "%d interfaces", c->n_interfaces);
	for (int i = 0; i < c->n_interfaces; i++)
		FUZZ_CHECK(terminated(c->interfaces[i]) && c->interfaces[i][0],
			   "interface %d", i);
	FUZZ_CHECK(terminated(c->dns_servers) && terminated(c->pin_dir) &&
		   terminated(c->state_dir) && terminated(c->rules_cmd) &&
		   terminated(c->pid_file) && terminated(c->client_access) &&
		   terminated(c->dnsbl_sites) && terminated(c->countries_dir) &&
		   terminated(c->country_actions), "a string is not terminated");
	FUZZ_CHECK(c->mark_pass && c->mark_responder &&
		   c->mark_pass != c->mark_responder &&
		   !(c->mark_pass & ~c->mark_mask) &&
		   !(c->mark_responder & ~c->mark_mask), "marks 0x%x 0x%x mask 0x%x",
		   c->mark_pass, c->mark_responder, c->mark_mask);
	FUZZ_CHECK(c->greylist_delay < c->greylist_window, "greylist %u >= %u",
		   c->greylist_delay, c->greylist_window);
	FUZZ_CHECK(dnsbl_sites_parse(c->dnsbl_sites, sites, DNSBL_MAX_SITES, why,
				     sizeof(why)) >= 0, "dnsbl_sites \"%s\": %s",
		   c->dnsbl_sites, why);
	FUZZ_CHECK(country_actions_valid(c->country_actions, why, sizeof(why)) == 0,
		   "country_actions \"%s\": %s", c->country_actions, why);
	FUZZ_CHECK(c->pin_dir[0] == '/' && c->state_dir[0] == '/' &&
		   c->pid_file[0] == '/' && c->countries_dir[0] == '/',
		   "a path is not absolute");
	FUZZ_CHECK(c->decision_timeout_ms >= 100 && c->responder_timeout_ms >= 100 &&
		   c->tarpit_delay_ms >= 100, "a duration below its minimum");
	FUZZ_CHECK(c->greylist_prefix_v4 <= 32 && c->greylist_prefix_v6 <= 128,
		   "greylist prefixes %u %u", c->greylist_prefix_v4,
		   c->greylist_prefix_v6);
	FUZZ_CHECK(c->responder_port >= 1 && c->responder_port <= 65535,
		   "responder_port %u", c->responder_port);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mxg_conf c, before;
	int fd, rc;

	fd = fuzz_file(data, size, file_path, sizeof(file_path));
	file_lines = fuzz_lines(data, size);
	reports = 0;
	conf_defaults(&c);
	before = c;
	rc = conf_load(&c, file_path, report);
	close(fd);
	FUZZ_CHECK(rc >= -1, "conf_load returned %d", rc);
	FUZZ_CHECK(rc == 0 ? reports == 0 : reports > 0,
		   "rc %d with %d complaints", rc, reports);
	if (rc != 0) {
		FUZZ_CHECK(memcmp(&c, &before, sizeof(c)) == 0,
			   "a bad file changed the configuration");
		return 0;
	}
	check_loaded(&c);
	return 0;
}
