/* praxis run [OPTIONS] -- PROGRAM [ARG...] */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_file.h"
#include "cli.h"
#include "stop_signals.h"
#include "praxis/praxis.h"

extern char **environ;

struct run_args {
	praxis_config cfg;
	praxis_caps *caps;
	const char *audit_path;
	const char *report_path;
	const char *cwd;
	bool dump_policy;
	bool relay_output;
	struct audit_file audit; /* fd -1 when no --audit */
	FILE *report_file;       /* opened before the run: its errors come first */
};

static praxis_audit_level parse_audit_level(const char *s)
{
	if (strcmp(s, "all") == 0)
		return PRAXIS_AUDIT_ALL;
	if (strcmp(s, "denied") == 0)
		return PRAXIS_AUDIT_DENIED;
	if (strcmp(s, "off") == 0)
		return PRAXIS_AUDIT_OFF;
	return PRAXIS_AUDIT_AUTO;
}

static void run_usage(FILE *f)
{
	fputs("usage: praxis run [OPTIONS] -- PROGRAM [ARG...]\n"
	      "  --allow CAP[=VALUE]   grant a capability (repeatable):\n"
	      "                        filesystem.read[=PATH]  filesystem.write[=PATH]\n"
	      "                        network.socket  network.http[=HOST[:PORT],...]\n"
	      "                        system.subprocess[=EXE,...]\n"
	      "                        environment.read[=NAME,...]  environment.write[=NAME,...]\n"
	      "  --audit FILE          write the audit log as JSON Lines (- = stderr)\n"
	      "  --audit-level LEVEL   all (default with --audit), denied, or off\n"
	      "  --report FILE         write the run's outcome and usage as JSON (- = stderr)\n"
	      "  --memory SIZE         memory limit, e.g. 256M\n"
	      "  --cpu SECONDS         CPU time limit\n"
	      "  --wall SECONDS        wall-clock limit, e.g. 30s\n"
	      "  --max-procs N         process/thread limit\n"
	      "  --max-output SIZE     output limit (stdout/stderr then go through praxis)\n"
	      "  --max-open-files N    open files per process\n"
	      "  --max-file-size SIZE  size of any file written\n"
	      "  (limits default to memory 1G, cpu 60s, wall 300s, 256 processes,\n"
	      "   1024 open files, 1G files; 0 means unlimited)\n"
	      "  --user UID[:GID]      (root host) run the plugin as this uid/gid\n"
	      "  --cwd DIR             working directory of the plugin\n"
	      "  --no-pid-namespace    do not use a pid namespace\n"
	      "  --netns               no network capability: also an empty network namespace\n"
	      "  --degraded            run even if the kernel cannot enforce everything\n"
	      "  --dump-policy         print the compiled policy and exit\n"
	      "Exit status: the plugin's; 128+N if killed by signal N; 125 if the sandbox\n"
	      "could not be set up or the report cannot be written; 126/127 if the program\n"
	      "cannot be executed / found; 122 if --audit was given and the audit log is\n"
	      "incomplete (a write failed: stderr and the report say what was lost).\n",
	      f);
}

static int bad_value(const char *opt, const char *value)
{
	fprintf(stderr, "praxis run: bad value '%s' for %s\n", value, opt);
	return EXIT_SETUP_FAILED;
}

static int parse_user(const char *s, praxis_config *cfg)
{
	char *end;
	errno = 0;
	long uid = strtol(s, &end, 10);
	if (errno || end == s || uid < 0 || uid > 0x7fffffff)
		return -1;
	long gid = uid;
	if (*end == ':') {
		const char *g = end + 1;
		gid = strtol(g, &end, 10);
		if (errno || end == g || gid < 0 || gid > 0x7fffffff)
			return -1;
	}
	if (*end)
		return -1;
	cfg->run_as_uid = uid;
	cfg->run_as_gid = gid;
	return 0;
}

enum {
	OPT_ALLOW = 1000, OPT_AUDIT, OPT_REPORT, OPT_MEMORY, OPT_CPU, OPT_WALL, OPT_MAX_PROCS,
	OPT_MAX_OUTPUT, OPT_USER, OPT_CWD, OPT_NO_PIDNS, OPT_DEGRADED, OPT_DUMP, OPT_HELP,
	OPT_AUDIT_LEVEL, OPT_MAX_FILES, OPT_MAX_FILE_SIZE, OPT_NETNS,
};

static const struct option long_options[] = {
	{"allow", required_argument, NULL, OPT_ALLOW},
	{"audit", required_argument, NULL, OPT_AUDIT},
	{"report", required_argument, NULL, OPT_REPORT},
	{"audit-level", required_argument, NULL, OPT_AUDIT_LEVEL},
	{"max-open-files", required_argument, NULL, OPT_MAX_FILES},
	{"max-file-size", required_argument, NULL, OPT_MAX_FILE_SIZE},
	{"memory", required_argument, NULL, OPT_MEMORY},
	{"cpu", required_argument, NULL, OPT_CPU},
	{"wall", required_argument, NULL, OPT_WALL},
	{"max-procs", required_argument, NULL, OPT_MAX_PROCS},
	{"max-output", required_argument, NULL, OPT_MAX_OUTPUT},
	{"user", required_argument, NULL, OPT_USER},
	{"cwd", required_argument, NULL, OPT_CWD},
	{"no-pid-namespace", no_argument, NULL, OPT_NO_PIDNS},
	{"netns", no_argument, NULL, OPT_NETNS},
	{"degraded", no_argument, NULL, OPT_DEGRADED},
	{"dump-policy", no_argument, NULL, OPT_DUMP},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

/* Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct run_args *a)
{
	int opt;
	praxis_error err = {0};
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+", long_options, NULL)) != -1) {
		switch (opt) {
		case OPT_ALLOW: {
			char *name = strdup(optarg);
			char *eq = name ? strchr(name, '=') : NULL;
			if (eq)
				*eq = '\0';
			int r = name ? praxis_caps_add(a->caps, name, eq ? eq + 1 : NULL, &err) : -ENOMEM;
			free(name);
			if (r < 0) {
				fprintf(stderr, "praxis run: --allow %s: %s\n", optarg, err.message);
				return EXIT_SETUP_FAILED;
			}
			break;
		}
		case OPT_AUDIT: a->audit_path = optarg; break;
		case OPT_REPORT: a->report_path = optarg; break;
		case OPT_AUDIT_LEVEL:
			a->cfg.audit_level = parse_audit_level(optarg);
			if (a->cfg.audit_level == PRAXIS_AUDIT_AUTO)
				return bad_value("--audit-level (all, denied, off)", optarg);
			break;
		case OPT_MEMORY:
			if (!parse_size("--memory", optarg, &a->cfg.limits.memory_bytes))
				return EXIT_SETUP_FAILED;
			break;
		case OPT_CPU:
			if (!parse_seconds("--cpu", optarg, &a->cfg.limits.cpu_seconds))
				return EXIT_SETUP_FAILED;
			break;
		case OPT_WALL:
			if (!parse_seconds("--wall", optarg, &a->cfg.limits.wall_seconds))
				return EXIT_SETUP_FAILED;
			break;
		case OPT_MAX_PROCS:
			if (!parse_count("--max-procs", optarg, VALUE_MAX_PROCS, &a->cfg.limits.max_procs))
				return EXIT_SETUP_FAILED;
			break;
		case OPT_MAX_OUTPUT:
			if (!parse_size("--max-output", optarg, &a->cfg.limits.max_output_bytes))
				return EXIT_SETUP_FAILED;
			a->relay_output = a->cfg.limits.max_output_bytes > 0;
			break;
		case OPT_MAX_FILES:
			if (!parse_count("--max-open-files", optarg, VALUE_MAX_OPEN_FILES, &a->cfg.limits.max_open_files))
				return EXIT_SETUP_FAILED;
			break;
		case OPT_MAX_FILE_SIZE:
			if (!parse_size("--max-file-size", optarg, &a->cfg.limits.max_file_bytes))
				return EXIT_SETUP_FAILED;
			break;
		case OPT_USER:
			if (parse_user(optarg, &a->cfg) < 0)
				return bad_value("--user", optarg);
			break;
		case OPT_CWD: a->cwd = optarg; break;
		case OPT_NO_PIDNS: a->cfg.flags |= PRAXIS_NO_PID_NAMESPACE; break;
		case OPT_NETNS: a->cfg.flags |= PRAXIS_NET_NAMESPACE; break;
		case OPT_DEGRADED: a->cfg.flags |= PRAXIS_ALLOW_DEGRADED; break;
		case OPT_DUMP: a->dump_policy = true; break;
		case OPT_HELP: run_usage(stdout); return 0;
		default: run_usage(stderr); return EXIT_SETUP_FAILED;
		}
	}
	if (optind >= argc && !a->dump_policy) {
		fprintf(stderr, "praxis run: no program given (usage: praxis run [OPTIONS] -- PROGRAM [ARG...])\n");
		return EXIT_SETUP_FAILED;
	}
	return -1;
}

static int exit_status(const praxis_result *res)
{
	switch (res->status) {
	case PRAXIS_EXITED: return res->exit_code;
	case PRAXIS_SIGNALED:
	case PRAXIS_LIMIT: return 128 + res->signal;
	}
	return EXIT_SETUP_FAILED;
}

static FILE *open_output(const char *path)
{
	if (strcmp(path, "-") == 0)
		return stderr;
	return fopen(path, "we");
}

/* --audit state for the report: complete or not, and why. */
static void report_audit(json_t *report, const struct audit_file *af)
{
	if (!af->active)
		return;
	json_object_set_new(report, "audit_complete", json_boolean(!af->error));
	json_object_set_new(report, "audit_records_written", json_integer((json_int_t)af->written));
	if (af->error)
		json_object_set_new(report, "audit_error", json_string(audit_file_problem(af)));
}

static int write_report(FILE *f, const char *path, const praxis_sandbox *sb,
                        const praxis_result *res, const struct audit_file *af)
{
	json_t *usage = json_pack("{s:f, s:f, s:f, s:I, s:I, s:I, s:I}", "wall_seconds",
				  res->usage.wall_seconds, "user_cpu_seconds",
				  res->usage.user_cpu_seconds, "system_cpu_seconds",
				  res->usage.system_cpu_seconds, "peak_memory_bytes",
				  (json_int_t)res->usage.peak_memory_bytes, "peak_tasks",
				  (json_int_t)res->usage.peak_tasks, "output_bytes",
				  (json_int_t)res->usage.output_bytes, "output_lost_bytes",
				  (json_int_t)res->output_lost_bytes);
	json_t *degr = json_array();
	for (const char *const *d = praxis_sandbox_degradations(sb); *d; d++)
		json_array_append_new(degr, json_string(*d));
	json_t *report = json_pack(
		"{s:s, s:o, s:o, s:o, s:o, s:o}", "status", praxis_status_name(res->status),
		"exit_code", res->status == PRAXIS_EXITED ? json_integer(res->exit_code) : json_null(),
		"signal", res->status != PRAXIS_EXITED ? json_integer(res->signal) : json_null(),
		"limit", res->status == PRAXIS_LIMIT ? json_string(praxis_limit_name(res->limit)) : json_null(),
		"usage", usage, "not_enforced", degr);
	if (report && res->env_changes) {
		json_t *env = json_object();
		for (char **e = res->env_changes; *e; e++) {
			char *eq = strchr(*e, '=');
			if (eq) {
				*eq = '\0';
				json_object_set_new(env, *e, json_string(eq + 1));
				*eq = '=';
			} else {
				json_object_set_new(env, *e, json_null());
			}
		}
		json_object_set_new(report, "environment_changes", env);
	}
	if (report) {
		char run[20];
		snprintf(run, sizeof(run), "%016llx", (unsigned long long)res->run_id);
		json_object_set_new(report, "run", json_string(run));
		report_audit(report, af);
	}
	int r = -1;
	errno = ENOMEM;
	if (report)
		r = json_dumpf(report, f, JSON_COMPACT) == 0 && fputc('\n', f) != EOF &&
		            fflush(f) == 0
		        ? 0
		        : -1;
	json_decref(report);
	if (r < 0)
		fprintf(stderr, "praxis run: cannot write the report to %s: %s\n", path, strerror(errno));
	return r;
}

int cmd_run(int argc, char **argv)
{
	struct run_args a = {0};
	a.audit.fd = -1;
	praxis_config_init(&a.cfg);
	if (praxis_caps_new(&a.caps) < 0) {
		fprintf(stderr, "praxis run: out of memory\n");
		return EXIT_SETUP_FAILED;
	}
	int status = parse_args(argc, argv, &a);
	praxis_sandbox *sb = NULL;
	praxis_error err = {0};
	if (status >= 0)
		goto out;
	const char *program = optind < argc ? argv[optind] : "plugin";
	const char *slash = strrchr(program, '/');
	a.cfg.plugin_name = slash ? slash + 1 : program;
	a.cfg.caps = a.caps;
	a.cfg.environment = (const char *const *)environ;
	/* We are the program: a reader of --audit or --report that went away
	 * is an EPIPE to report, not a death (the plugin gets SIG_DFL back). */
	signal(SIGPIPE, SIG_IGN);
	if (a.audit_path) {
		int e = audit_file_open(&a.audit, a.audit_path);
		if (e < 0) {
			fprintf(stderr, "praxis run: cannot open the audit log %s: %s\n", a.audit_path,
				strerror(-e));
			status = EXIT_SETUP_FAILED;
			goto out;
		}
		a.cfg.audit_callback = audit_file_write;
		a.cfg.audit_userdata = &a.audit;
	}
	if (a.report_path && !a.dump_policy && !(a.report_file = open_output(a.report_path))) {
		fprintf(stderr, "praxis run: cannot open the report %s: %s\n", a.report_path,
			strerror(errno));
		status = EXIT_SETUP_FAILED;
		goto out;
	}
	if (praxis_sandbox_new(&a.cfg, &sb, &err) < 0) {
		fprintf(stderr, "praxis run: %s\n", err.message);
		status = EXIT_SETUP_FAILED;
		goto out;
	}
	for (const char *const *d = praxis_sandbox_degradations(sb); *d; d++)
		fprintf(stderr, "praxis run: warning: not enforced: %s\n", *d);
	if (a.dump_policy) {
		char *text = praxis_sandbox_describe(sb);
		fputs(text ? text : "cannot describe the policy\n", stdout);
		free(text);
		status = text ? 0 : EXIT_SETUP_FAILED;
		goto out;
	}
	praxis_run_opts opts;
	praxis_run_opts_init(&opts);
	opts.argv = (const char *const *)argv + optind;
	opts.cwd = a.cwd;
	if (a.relay_output)
		opts.output = PRAXIS_OUTPUT_RELAY;
	/* SIGTERM (timeout(1), systemd), SIGINT, SIGHUP: end the run cleanly */
	int stop_fd = stop_signals_fd();
	if (stop_fd >= 0)
		opts.cancel_fd = stop_fd;
	praxis_result res;
	int r = praxis_sandbox_run(sb, &opts, &res, &err);
	int stopped_by = res.cancelled ? stop_signal_taken(stop_fd) : 0;
	if (stop_fd >= 0)
		close(stop_fd);
	if (r < 0) {
		fprintf(stderr, "praxis run: %s\n", err.message);
		status = r == -ENOENT ? 127 : r == -EACCES || r == -ENOEXEC || r == -EISDIR ? 126
										    : EXIT_SETUP_FAILED;
		goto out;
	}
	status = exit_status(&res);
	if (stopped_by) {
		fprintf(stderr, "praxis run: stopped by SIG%s: the plugin was killed\n",
			sigabbrev_np(stopped_by) ? sigabbrev_np(stopped_by) : "?");
		status = 128 + stopped_by;
	}
	if (res.status == PRAXIS_LIMIT)
		fprintf(stderr, "praxis run: %s limit exceeded: the plugin was stopped\n",
			praxis_limit_name(res.limit));
	if (res.output_lost_bytes)
		fprintf(stderr,
			"praxis run: %llu bytes of the plugin's output were not delivered (stdout/stderr "
			"closed, failing, or the run stopped while they lagged)\n",
			(unsigned long long)res.output_lost_bytes);
	if (a.audit_path && audit_file_close(&a.audit) < 0) {
		fprintf(stderr, "praxis run: the audit log %s is incomplete: %s (the plugin's exit status was %d)\n",
			a.audit_path, audit_file_problem(&a.audit), status);
		status = EXIT_AUDIT_INCOMPLETE;
	}
	if (a.report_file && write_report(a.report_file, a.report_path, sb, &res, &a.audit) < 0)
		status = EXIT_SETUP_FAILED;
	praxis_result_release(&res);
out:
	praxis_sandbox_free(sb);
	praxis_caps_free(a.caps);
	if (a.audit_path)
		audit_file_close(&a.audit);
	if (a.report_file && a.report_file != stderr && fclose(a.report_file) != 0 &&
	    status != EXIT_SETUP_FAILED) {
		fprintf(stderr, "praxis run: cannot write the report to %s: %s\n", a.report_path,
			strerror(errno));
		status = EXIT_SETUP_FAILED;
	}
	return status;
}
