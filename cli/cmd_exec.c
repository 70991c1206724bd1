/* praxis exec NAME [OPTIONS]: run one plugin through the executor and print
 * its result JSON. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_file.h"
#include "cli.h"
#include "cmd_plugins.h"
#include "file_read.h"
#include "praxis/executor.h"

extern char **environ;

#define MAX_DIRS         32
#define MAX_PARAMS_BYTES (64u << 20)

struct exec_args {
	const char *name;
	const char *dirs[MAX_DIRS + 1];
	size_t n_dirs;
	const char *params_arg;
	const char *audit_path;
	const char *report_path;
	praxis_factory_config fcfg;
	praxis_ceiling *ceiling;
	struct audit_file audit; /* fd -1 when no --audit */
	FILE *report_file;       /* opened before the run: its errors come first */
	char *params;
	char *plugin_path; /* $PRAXIS_PLUGIN_PATH, split in place */
	char runner[PATH_MAX];
};

static void exec_usage(FILE *f)
{
	fputs("usage: praxis exec NAME [OPTIONS]\n"
	      "Run plugin NAME (NAME/manifest.json or NAME.json in a plugin directory) in its\n"
	      "sandbox with JSON params on stdin, and print its JSON result.\n"
	      "  --plugins DIR         plugin directory, searched in order (repeatable;\n"
	      "                        default: $PRAXIS_PLUGIN_PATH, colon-separated, else .)\n"
	      "  --params JSON         the params (default {}); @FILE reads FILE, - reads stdin\n"
	      "  --audit FILE          write the audit log as JSON Lines (- = stderr)\n"
	      "  --audit-level LEVEL   all (default with --audit), denied, or off\n"
	      "  --report FILE         write the outcome and usage as JSON (- = stderr)\n"
	      "  --ceiling CAP[=VALUE] the most that may be granted (repeatable; once given,\n"
	      "                        capabilities not listed are never granted)\n"
	      "  --deny CAP[=VALUE]    never grant this (repeatable)\n"
	      "  --cut                 over the ceiling: run with what is allowed (audited as\n"
	      "                        run.capability_cut) instead of refusing\n"
	      "  --no-pid-namespace    do not use a pid namespace\n"
	      "  --degraded            run even if the kernel cannot enforce everything\n"
	      "Exit status: 0 ok; 1 the plugin failed or its output was bad or too large;\n"
	      "128+N killed by signal N or stopped by a limit; 125 the plugin could not be\n"
	      "run (not found, invalid manifest, over the ceiling) or bad usage; 122 --audit\n"
	      "was given and the audit log is incomplete (stderr and the report say why).\n",
	      f);
}

/* All of F, NUL-terminated; NULL with errno set (EFBIG past the bound). */
static char *read_stream(FILE *f)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	while (buf) {
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				int e = errno ? errno : EIO;
				free(buf);
				errno = e;
				return NULL;
			}
			buf[len] = '\0';
			return buf;
		}
		if (len + 1 == cap) {
			if (cap >= MAX_PARAMS_BYTES) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			char *grown = realloc(buf, cap * 2);
			if (!grown) {
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = grown;
			cap *= 2;
		}
	}
	errno = ENOMEM;
	return NULL;
}

static int load_params(struct exec_args *a)
{
	const char *p = a->params_arg ? a->params_arg : "{}";
	FILE *f = NULL;
	if (strcmp(p, "-") == 0)
		f = stdin;
	else if (p[0] == '@') {
		/* a FIFO, a device or a directory is refused at once, not read */
		praxis_error err = {0};
		size_t len;
		if (file_read_regular(p + 1, MAX_PARAMS_BYTES, &a->params, &len, &err) < 0) {
			fprintf(stderr, "praxis exec: --params %s\n", err.message);
			return -1;
		}
		return 0;
	}
	errno = ENOMEM;
	a->params = f ? read_stream(f) : strdup(p);
	int e = errno;
	if (f && f != stdin)
		fclose(f);
	if (!a->params && e == EFBIG)
		fprintf(stderr, "praxis exec: --params %s: larger than the limit of %u MiB\n", p,
		        MAX_PARAMS_BYTES >> 20);
	else if (!a->params)
		fprintf(stderr, "praxis exec: cannot read the params (--params %s): %s\n", p,
		        strerror(e));
	return a->params ? 0 : -1;
}

static int ceiling_rule(struct exec_args *a, const char *arg, bool deny)
{
	praxis_error err = {0};
	if (!a->ceiling && praxis_ceiling_new(&a->ceiling) < 0)
		return -1;
	char *name = strdup(arg);
	if (!name)
		return -1;
	char *eq = strchr(name, '=');
	if (eq)
		*eq = '\0';
	int r = deny ? praxis_ceiling_deny(a->ceiling, name, eq ? eq + 1 : NULL, &err)
	             : praxis_ceiling_allow(a->ceiling, name, eq ? eq + 1 : NULL, &err);
	free(name);
	if (r < 0)
		fprintf(stderr, "praxis exec: --%s %s: %s\n", deny ? "deny" : "ceiling", arg,
		        err.message);
	return r;
}

enum {
	OPT_PLUGINS = 1000,
	OPT_PARAMS,
	OPT_AUDIT,
	OPT_AUDIT_LEVEL,
	OPT_REPORT,
	OPT_CEILING,
	OPT_DENY,
	OPT_CUT,
	OPT_NO_PIDNS,
	OPT_DEGRADED,
	OPT_HELP,
};

static const struct option long_options[] = {
    {"plugins", required_argument, NULL, OPT_PLUGINS},
    {"params", required_argument, NULL, OPT_PARAMS},
    {"audit", required_argument, NULL, OPT_AUDIT},
    {"audit-level", required_argument, NULL, OPT_AUDIT_LEVEL},
    {"report", required_argument, NULL, OPT_REPORT},
    {"ceiling", required_argument, NULL, OPT_CEILING},
    {"deny", required_argument, NULL, OPT_DENY},
    {"cut", no_argument, NULL, OPT_CUT},
    {"no-pid-namespace", no_argument, NULL, OPT_NO_PIDNS},
    {"degraded", no_argument, NULL, OPT_DEGRADED},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

/* Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct exec_args *a)
{
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		switch (opt) {
		case OPT_PLUGINS:
			if (a->n_dirs == MAX_DIRS) {
				fprintf(stderr, "praxis exec: at most %d --plugins\n", MAX_DIRS);
				return EXIT_SETUP_FAILED;
			}
			a->dirs[a->n_dirs++] = optarg;
			break;
		case OPT_PARAMS: a->params_arg = optarg; break;
		case OPT_AUDIT: a->audit_path = optarg; break;
		case OPT_REPORT: a->report_path = optarg; break;
		case OPT_AUDIT_LEVEL:
			if (strcmp(optarg, "all") == 0)
				a->fcfg.audit_level = PRAXIS_AUDIT_ALL;
			else if (strcmp(optarg, "denied") == 0)
				a->fcfg.audit_level = PRAXIS_AUDIT_DENIED;
			else if (strcmp(optarg, "off") == 0)
				a->fcfg.audit_level = PRAXIS_AUDIT_OFF;
			else {
				fprintf(stderr,
				        "praxis exec: bad value '%s' for --audit-level (all, "
				        "denied, off)\n",
				        optarg);
				return EXIT_SETUP_FAILED;
			}
			break;
		case OPT_CEILING:
		case OPT_DENY:
			if (ceiling_rule(a, optarg, opt == OPT_DENY) < 0)
				return EXIT_SETUP_FAILED;
			break;
		case OPT_CUT: a->fcfg.over_ceiling = PRAXIS_CEILING_CUT; break;
		case OPT_NO_PIDNS: a->fcfg.sandbox_flags |= PRAXIS_NO_PID_NAMESPACE; break;
		case OPT_DEGRADED: a->fcfg.sandbox_flags |= PRAXIS_ALLOW_DEGRADED; break;
		case OPT_HELP: exec_usage(stdout); return 0;
		default: exec_usage(stderr); return EXIT_SETUP_FAILED;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "praxis exec: %s (usage: praxis exec NAME [OPTIONS])\n",
		        optind >= argc ? "no plugin name given" : "one plugin name only");
		return EXIT_SETUP_FAILED;
	}
	a->name = argv[optind];
	return -1;
}

static void default_dirs(struct exec_args *a)
{
	const char *env = getenv("PRAXIS_PLUGIN_PATH");
	if (env && *env && (a->plugin_path = strdup(env))) {
		char *save = NULL;
		for (char *d = strtok_r(a->plugin_path, ":", &save); d && a->n_dirs < MAX_DIRS;
		     d = strtok_r(NULL, ":", &save))
			a->dirs[a->n_dirs++] = d;
	}
	if (a->n_dirs == 0)
		a->dirs[a->n_dirs++] = ".";
}

/* $PRAXIS_SO_RUNNER, else praxis-so-runner beside this program (a build
 * tree), else the library's installed default. */
static const char *find_runner(struct exec_args *a)
{
	const char *env = getenv("PRAXIS_SO_RUNNER");
	if (env && *env)
		return env;
	ssize_t n = readlink("/proc/self/exe", a->runner, sizeof(a->runner) - 32);
	if (n <= 0)
		return NULL;
	a->runner[n] = '\0';
	char *slash = strrchr(a->runner, '/');
	if (!slash)
		return NULL;
	strcpy(slash + 1, "praxis-so-runner");
	return access(a->runner, X_OK) == 0 ? a->runner : NULL;
}

static FILE *open_output(const char *path)
{
	return strcmp(path, "-") == 0 ? stderr : fopen(path, "we");
}

static int write_report(FILE *f, const char *path, const char *name, const praxis_exec_result *res,
                        const struct audit_file *af)
{
	const praxis_usage *u = &res->usage;
	char run[20];
	snprintf(run, sizeof(run), "%016llx", (unsigned long long)res->run_id);
	json_t *report = json_pack(
	    "{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:{s:f, s:f, s:f, s:I, s:I, s:I}, s:b}", "plugin",
	    name, "run", run, "status", praxis_exec_status_name(res->status), "message",
	    res->message, "exit_code", json_integer(res->exit_code), "signal",
	    res->signal ? json_integer(res->signal) : json_null(), "limit",
	    res->limit ? json_string(praxis_limit_name(res->limit)) : json_null(), "usage",
	    "wall_seconds", u->wall_seconds, "user_cpu_seconds", u->user_cpu_seconds,
	    "system_cpu_seconds", u->system_cpu_seconds, "peak_memory_bytes",
	    (json_int_t)u->peak_memory_bytes, "peak_tasks", (json_int_t)u->peak_tasks,
	    "output_bytes", (json_int_t)u->output_bytes, "stderr_truncated", res->stderr_truncated);
	if (report && af->active) {
		json_object_set_new(report, "audit_complete", json_boolean(!af->error));
		json_object_set_new(report, "audit_records_written",
		                    json_integer((json_int_t)af->written));
		if (af->error)
			json_object_set_new(report, "audit_error",
			                    json_string(audit_file_problem(af)));
	}
	int r = -1;
	if (report)
		r = json_dumpf(report, f, JSON_COMPACT | JSON_PRESERVE_ORDER) == 0 &&
		            fputc('\n', f) != EOF && fflush(f) == 0
		        ? 0
		        : -1;
	json_decref(report);
	if (r < 0)
		fprintf(stderr, "praxis exec: cannot write the report to %s\n", path);
	return r;
}

static int exit_status(const praxis_exec_result *res)
{
	switch (res->status) {
	case PRAXIS_EXEC_OK: return 0;
	case PRAXIS_EXEC_CRASHED:
	case PRAXIS_EXEC_LIMIT:
	case PRAXIS_EXEC_CANCELLED: return 128 + (res->signal ? res->signal : 9);
	default: return 1;
	}
}

static int run(struct exec_args *a)
{
	praxis_factory *factory = NULL;
	praxis_executor *ex = NULL;
	praxis_exec_result res;
	praxis_error err = {0};
	int status = EXIT_SETUP_FAILED;
	a->fcfg.environment = (const char *const *)environ;
	a->fcfg.ceiling = a->ceiling;
	a->fcfg.so_runner = find_runner(a);
	/* We are the program: a reader of --audit or --report that went away
	 * is an EPIPE to report, not a death (the plugin gets SIG_DFL back). */
	signal(SIGPIPE, SIG_IGN);
	if (a->audit_path) {
		int e = audit_file_open(&a->audit, a->audit_path);
		if (e < 0) {
			fprintf(stderr, "praxis exec: cannot open the audit log %s: %s\n",
			        a->audit_path, strerror(-e));
			return EXIT_SETUP_FAILED;
		}
		a->fcfg.audit_callback = audit_file_write;
		a->fcfg.audit_userdata = &a->audit;
	}
	if (a->report_path && !(a->report_file = open_output(a->report_path))) {
		fprintf(stderr, "praxis exec: cannot open the report %s: %s\n", a->report_path,
		        strerror(errno));
		return EXIT_SETUP_FAILED;
	}
	praxis_executor_config ecfg;
	praxis_executor_config_init(&ecfg);
	ecfg.plugin_dirs = a->dirs;
	ecfg.collect_audit = false; /* --audit streams the records instead */
	/* One call per command: a zygote would cost a fresh run plus a fork. */
	ecfg.use_zygote = false;
	int r = praxis_factory_new(&a->fcfg, &factory, &err);
	ecfg.factory = factory;
	if (r >= 0)
		r = praxis_executor_new(&ecfg, &ex, &err);
	if (r >= 0)
		r = praxis_executor_execute(ex, a->name, a->params, &res, &err);
	if (r < 0) {
		fprintf(stderr, "praxis exec: %s\n", err.message);
		goto out;
	}
	if (res.stderr_size)
		fwrite(res.stderr_data, 1, res.stderr_size, stderr);
	if (res.stderr_truncated)
		fputs("praxis exec: (the plugin's stderr was cut)\n", stderr);
	if (res.result_json)
		printf("%s\n", res.result_json);
	if (res.status != PRAXIS_EXEC_OK)
		fprintf(stderr, "praxis exec: %s: %s: %s\n", a->name,
		        praxis_exec_status_name(res.status), res.message);
	status = exit_status(&res);
	if (a->audit_path && audit_file_close(&a->audit) < 0) {
		fprintf(stderr,
		        "praxis exec: the audit log %s is incomplete: %s (the exit status would "
		        "have been %d)\n",
		        a->audit_path, audit_file_problem(&a->audit), status);
		status = EXIT_AUDIT_INCOMPLETE;
	}
	if (a->report_file &&
	    write_report(a->report_file, a->report_path, a->name, &res, &a->audit) < 0)
		status = EXIT_SETUP_FAILED;
	praxis_exec_result_release(&res);
out:
	praxis_executor_free(ex);
	praxis_factory_free(factory);
	return status;
}

int cmd_exec(int argc, char **argv)
{
	struct exec_args a = {0};
	a.audit.fd = -1;
	praxis_factory_config_init(&a.fcfg);
	int status = parse_args(argc, argv, &a);
	if (status < 0) {
		if (a.n_dirs == 0)
			default_dirs(&a);
		status = load_params(&a) < 0 ? EXIT_SETUP_FAILED : run(&a);
	}
	praxis_ceiling_free(a.ceiling);
	free(a.params);
	free(a.plugin_path);
	if (a.audit_path)
		audit_file_close(&a.audit);
	if (a.report_file && a.report_file != stderr && fclose(a.report_file) != 0 &&
	    status != EXIT_SETUP_FAILED) {
		fprintf(stderr, "praxis exec: cannot write the report to %s: %s\n", a.report_path,
		        strerror(errno));
		status = EXIT_SETUP_FAILED;
	}
	return status;
}
