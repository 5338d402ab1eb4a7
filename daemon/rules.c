/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rules.c - run the nftables loader; see rules.h for the contract. */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "log.h"
#include "rules.h"

extern char **environ;

#define WARNING_TAG	": warning: "	/* the loader's warnings: "PROG: warning: ..." */

/* option_value - key's value as mxgated -p prints it, lists joined by
 * "," alone (one argument word): "eth0,eth1", "127.0.0.0/8,::1/128" */
static void option_value(const struct mxg_conf *c, const char *key, char *buf,
			 size_t len)
{
	const struct conf_key_info *k;
	size_t i, o = 0;

	buf[0] = 0;
	for (i = 0; (k = conf_key_at(i)) && strcmp(k->name, key) != 0; i++)
		;
	if (!k || conf_format(c, i, buf, len) < 0)
		msg_panic("rules: no key %s", key);
	for (i = 0; buf[i]; i++)
		if (buf[i] != ' ')
			buf[o++] = buf[i];
	buf[o] = 0;
}

/* log_line - one line the loader printed: its warnings as warnings (a
 * firewall that drops what the responder needs), the rest as info */
static void log_line(const char *line)
{
	const char *w = strstr(line, WARNING_TAG);

	if (w)
		msg_warn("%.*s: %s", (int)(w - line), line, w + strlen(WARNING_TAG));
	else
		msg_info("%s", line);
}

/* spawn - run rules_cmd VERB with the configured interfaces, trusted
 * networks, queue, ports, marks and firewall choice; each line it prints
 * is logged, or (out_buf != NULL) kept in out_buf; its exit status */
static int spawn(const struct mxg_conf *c, const char *verb, char *out_buf, size_t out_len)
{
	char queue[16], ports[8 * MXG_MAX_PORTS], mask[16], pass[16], tarpit[16];
	char responder[16], limit[16];
	char ifaces[CONF_VALUE_MAX], trusted[CONF_VALUE_MAX];
	char line[1024];
	char *argv[] = { (char *)c->rules_cmd, (char *)verb,
		"--interfaces", ifaces, "--trusted", trusted,
		"--queue", queue, "--ports", ports, "--mark-mask", mask,
		"--mark-pass", pass, "--mark-responder", tarpit,
		"--responder-port", responder, "--conn-limit", limit,
		"--firewall-accept", c->firewall_accept ? "yes" : "no", NULL };
	posix_spawn_file_actions_t fa;
	int pipefd[2], status, rc = -1;
	size_t o = 0;
	FILE *out;
	pid_t pid;

	if (out_buf && out_len)
		out_buf[0] = 0;
	if (!c->rules_cmd[0])
		return 0;
	option_value(c, "interfaces", ifaces, sizeof(ifaces));
	option_value(c, "trusted_networks", trusted, sizeof(trusted));
	snprintf(queue, sizeof(queue), "%u", c->queue);
	for (int i = 0; i < c->n_ports; i++)
		o += (size_t)snprintf(ports + o, sizeof(ports) - o, "%s%u",
				      i ? "," : "", c->ports[i]);
	snprintf(mask, sizeof(mask), "0x%x", c->mark_mask);
	snprintf(pass, sizeof(pass), "0x%x", c->mark_pass);
	snprintf(tarpit, sizeof(tarpit), "0x%x", c->mark_responder);
	snprintf(responder, sizeof(responder), "%u", c->responder_port);
	snprintf(limit, sizeof(limit), "%u", c->client_connection_limit);

	if (pipe(pipefd) < 0) {
		msg_warn("rules: pipe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
	posix_spawn_file_actions_addclose(&fa, pipefd[0]);
	errno = posix_spawnp(&pid, c->rules_cmd, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (errno) {
		if (!out_buf)
			msg_warn("rules: cannot run %s: %s", c->rules_cmd, strerror(errno));
		close(pipefd[0]);
		return -1;
	}
	out = fdopen(pipefd[0], "r");
	while (out && fgets(line, sizeof(line), out)) {
		if (out_buf) {
			size_t have = strlen(out_buf);

			snprintf(out_buf + have, out_len - have, "%s", line);
			continue;
		}
		line[strcspn(line, "\n")] = 0;
		log_line(line);
	}
	if (out)
		fclose(out);
	else
		close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status))
		rc = WEXITSTATUS(status);
	if (rc != 0 && !out_buf)
		msg_warn("rules: %s %s failed (status %d)", c->rules_cmd, verb, rc);
	return rc;
}

/* rules_run - run rules_cmd VERB, its output into the log */
int rules_run(const struct mxg_conf *c, const char *verb)
{
	return spawn(c, verb, NULL, 0);
}

/* rules_status - "rules_cmd status", its output kept in out: 0 when the
 * rules are loaded, 3 when not, -1 when it cannot be run */
int rules_status(const struct mxg_conf *c, char *out, size_t len)
{
	return spawn(c, "status", out, len);
}
