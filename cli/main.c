/* praxis: command-line front end of libpraxis. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd_plugins.h"

static void usage(FILE *f)
{
	fputs("usage: praxis run [OPTIONS] -- PROGRAM [ARG...]\n"
	      "       praxis exec NAME [--plugins DIR] [--params JSON] [OPTIONS]\n"
	      "       praxis check MANIFEST...\n"
	      "       praxis doctor\n"
	      "       praxis help\n"
	      "Run `praxis run --help` for the run options.\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_SETUP_FAILED;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(cmd, "exec") == 0)
		return cmd_exec(argc - 1, argv + 1);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(cmd, "doctor") == 0)
		return cmd_doctor(argc - 1, argv + 1);
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "praxis: unknown command '%s' (valid: run, exec, check, doctor, help)\n", cmd);
	return EXIT_SETUP_FAILED;
}
