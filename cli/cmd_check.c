/* praxis check MANIFEST...: validate plugin manifests, printing every
 * problem with its JSON location. Exit 0 when all are valid, 1 if not. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd_plugins.h"
#include "praxis/executor.h"

static void check_usage(FILE *f)
{
	fputs("usage: praxis check [--quiet] MANIFEST...\n"
	      "Validate plugin manifests: every problem is printed as\n"
	      "  MANIFEST: LOCATION: MESSAGE    (LOCATION like $.capabilities[2].name)\n"
	      "  --quiet   print nothing for valid manifests\n"
	      "Exit status: 0 if every manifest is valid, 1 if not, 2 on bad usage.\n",
	      f);
}

static void print_valid(const char *path, const praxis_manifest *m)
{
	size_t n = praxis_manifest_grant_count(m);
	printf("%s: ok: %s %s, %s %s, %zu grant%s", path, praxis_manifest_name(m),
	       praxis_manifest_version(m),
	       praxis_manifest_entry_kind(m) == PRAXIS_ENTRY_SHARED_OBJECT ? "shared object"
	                                                                   : "executable",
	       praxis_manifest_entry(m), n, n == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		const char *value = NULL;
		const char *name = praxis_manifest_grant(m, i, &value);
		printf("%s%s%s%s", i ? ", " : ": ", name, value ? "=" : "", value ? value : "");
	}
	putchar('\n');
}

static bool check_one(const char *path, bool quiet)
{
	praxis_manifest *m = NULL;
	praxis_problems *problems = NULL;
	praxis_error err = {0};
	int r = praxis_manifest_load(path, &m, &problems, &err);
	size_t n = praxis_problems_count(problems);
	if (r >= 0 && !quiet)
		print_valid(path, m);
	for (size_t i = 0; i < n; i++) {
		const praxis_problem *p = praxis_problems_get(problems, i);
		printf("%s: %s: %s\n", path, p->location, p->message);
	}
	if (r < 0 && n == 0)
		printf("%s: $: %s\n", path, err.message); /* e.g. out of memory */
	else if (r < 0)
		printf("%s: %zu problem%s\n", path, n, n == 1 ? "" : "s");
	praxis_problems_free(problems);
	praxis_manifest_free(m);
	return r >= 0;
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool quiet = false;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (opt) {
		case 'q': quiet = true; break;
		case 'h': check_usage(stdout); return 0;
		default: check_usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		check_usage(stderr);
		return 2;
	}
	bool all_valid = true;
	for (int i = optind; i < argc; i++)
		all_valid &= check_one(argv[i], quiet);
	fflush(stdout);
	return all_valid ? 0 : 1;
}
