/* The `praxis` command line: exit statuses, errors, --report, doctor, and
 * failing closed when the kernel has no Landlock. */
#include <fcntl.h>
#include <jansson.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "helpers.h"

TestSuite(cli, .timeout = 30);

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

#define assert_one_line_error(o)                                                                   \
	cr_assert(count_lines((o)->err) == 1 && (o)->err[strlen((o)->err) - 1] == '\n',            \
	          "expected a one-line error on stderr, got \"%s\"", (o)->err)

#define assert_exit(o, code)                                                                       \
	cr_assert((o)->res.status == PRAXIS_EXITED && (o)->res.exit_code == (code),                \
	          "expected exit status %d; got %s", (code), describe(o))

PTEST(cli, exit_status_is_the_plugins)
{
	struct run_out o;
	CLI_RUN(&o, "run", "--", probe_path(), "exit", "0");
	assert_exit(&o, 0);
	CLI_RUN(&o, "run", "--", probe_path(), "exit", "3");
	assert_exit(&o, 3);
	CLI_RUN(&o, "run", "--", "/bin/false");
	assert_exit(&o, 1);
	CLI_RUN(&o, "run", "--", "/bin/sh", "-c", "exit 42");
	assert_exit(&o, 42);
	cr_assert_str_eq(o.err, "", "nothing from praxis on a normal run: %s", o.err);
}

PTEST(cli, plugin_output_passes_through)
{
	struct run_out o;
	CLI_RUN(&o, "run", "--", "/bin/sh", "-c", "echo out; echo err >&2");
	assert_exit(&o, 0);
	cr_assert_str_eq(o.out, "out\n");
	cr_assert_str_eq(o.err, "err\n");
}

/* Whether this kernel has the 32-bit syscall ABI: the unsandboxed probe's
 * int 0x80 works, or is SIGSEGV when the ABI is compiled or booted out. */
static bool int80_available(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		execl(probe_path(), probe_path(), "int80-getpid", (char *)NULL);
		_exit(127);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV) {
		fprintf(stderr, "this kernel has no 32-bit ABI: the int 0x80 part is skipped\n");
		return false;
	}
	return true;
}

PTEST(cli, killed_by_signal_is_128_plus_n)
{
	struct run_out o;
	/* Without a pid namespace the plugin is an ordinary process. */
	CLI_RUN(&o, "run", "--no-pid-namespace", "--", probe_path(), "raise", "15");
	assert_exit(&o, 128 + SIGTERM);
	CLI_RUN(&o, "run", "--no-pid-namespace", "--", probe_path(), "raise", "9");
	assert_exit(&o, 128 + SIGKILL);
	/* A seccomp kill (32-bit syscall): SIGSYS, in either mode, where the
	 * kernel has the 32-bit ABI at all (without it, int 0x80 is SIGSEGV
	 * unsandboxed too, and there is nothing to kill). */
	if (!int80_available())
		return;
	CLI_RUN(&o, "run", "--", probe_path(), "int80-getpid");
	assert_exit(&o, 128 + SIGSYS);
	CLI_RUN(&o, "run", "--no-pid-namespace", "--", probe_path(), "int80-getpid");
	assert_exit(&o, 128 + SIGSYS);
}

/* In its pid namespace the plugin must still die of the signals it sends
 * itself, as it would outside the sandbox (it must not get the immunity of
 * a namespace's init process). */
PTEST(cli, plugin_dies_of_its_own_signals)
{
	struct run_out o;
	CLI_RUN(&o, "run", "--", probe_path(), "raise", "15");
	assert_exit(&o, 128 + SIGTERM);
	CLI_RUN(&o, "run", "--", probe_path(), "raise", "9");
	assert_exit(&o, 128 + SIGKILL);
	CLI_RUN(&o, "run", "--", "/bin/sh", "-c", "kill -TERM $$; echo survived");
	assert_exit(&o, 128 + SIGTERM);
}

PTEST(cli, abort_is_sigabrt)
{
	struct run_out o;
	CLI_RUN(&o, "run", "--no-pid-namespace", "--", probe_path(), "abort");
	assert_exit(&o, 128 + SIGABRT);
	CLI_RUN(&o, "run", "--", probe_path(), "abort");
	assert_exit(&o, 128 + SIGABRT);
}

PTEST(cli, unknown_capability_is_125_listing_valid_names)
{
	struct run_out o;
	CLI_RUN(&o, "run", "--allow", "filesystem.exec", "--", "/bin/true");
	assert_exit(&o, 125);
	assert_one_line_error(&o);
	cr_assert(strstr(o.err, "filesystem.exec"), "the error must name it: %s", o.err);
	for (const char *const *n = praxis_capability_names(); *n; n++)
		cr_assert(strstr(o.err, *n), "the error must list %s: %s", *n, o.err);
}

PTEST(cli, bad_capability_values_are_125)
{
	static const char *const bad[][2] = {
	    {"network.socket=tcp", "network.socket"},
	    {"filesystem.read=", "filesystem.read"},
	    {"filesystem.write=", "filesystem.write"},
	    {"network.http=127.0.0.1:99999", "network.http"},
	    {"network.http=", "network.http"},
	    {"environment.read=A=B", "environment.read"},
	    {"system.subprocess=", "system.subprocess"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct run_out o;
		CLI_RUN(&o, "run", "--allow", bad[i][0], "--", "/bin/true");
		cr_assert(o.res.exit_code == 125, "--allow %s: expected 125; got %s", bad[i][0],
		          describe(&o));
		assert_one_line_error(&o);
		cr_assert(strstr(o.err, bad[i][1]), "--allow %s: the error must name %s: %s",
		          bad[i][0], bad[i][1], o.err);
	}
}

PTEST(cli, bad_option_values_are_125)
{
	static const char *const bad[][2] = {
	    {"--wall", "soon"},    {"--memory", "12Q"},     {"--cpu", "-1"},
	    {"--user", "nobody?"}, {"--max-procs", "many"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct run_out o;
		CLI_RUN(&o, "run", bad[i][0], bad[i][1], "--", "/bin/true");
		cr_assert(o.res.exit_code == 125, "%s %s: expected 125; got %s", bad[i][0],
		          bad[i][1], describe(&o));
		assert_one_line_error(&o);
		cr_assert(strstr(o.err, bad[i][0]), "the error must name %s: %s", bad[i][0], o.err);
	}
}

PTEST(cli, missing_granted_path_is_125)
{
	const char *dir = tmpdir_new(false);
	const char *missing = tpath("%s/nope", dir);
	struct run_out o;
	CLI_RUN(&o, "run", "--allow", tpath("filesystem.read=%s", missing), "--", "/bin/true");
	assert_exit(&o, 125);
	assert_one_line_error(&o);
	cr_assert(strstr(o.err, missing), "%s", o.err);
}

PTEST(cli, missing_program_is_127)
{
	struct run_out o;
	CLI_RUN(&o, "run", "--", "/nonexistent/program");
	assert_exit(&o, 127);
	assert_one_line_error(&o);
	cr_assert(strstr(o.err, "/nonexistent/program"), "%s", o.err);
	CLI_RUN(&o, "run", "--", "praxis-no-such-command-anywhere");
	assert_exit(&o, 127);
	assert_one_line_error(&o);
}

PTEST(cli, non_executable_program_is_126)
{
	const char *dir = tmpdir_new(false);
	const char *file = tpath("%s/not-executable", dir);
	file_put(file, "#!/bin/sh\nexit 0\n", false);
	struct run_out o;
	CLI_RUN(&o, "run", "--", file);
	assert_exit(&o, 126);
	assert_one_line_error(&o);
}

PTEST(cli, no_program_is_an_error)
{
	struct run_out o;
	CLI_RUN(&o, "run");
	cr_assert_neq(o.res.exit_code, 0, "%s", describe(&o));
	cr_assert_neq(o.err[0], '\0');
}

PTEST(cli, capabilities_apply_end_to_end)
{
	const char *dir = tmpdir_new(false);
	const char *f = tpath("%s/f", dir);
	file_put(f, "data\n", false);
	struct run_out o;
	CLI_RUN(&o, "run", "--", probe_path(), "read", f);
	assert_exit(&o, 1);
	cr_assert_str_eq(o.out, "ERR EACCES\n");
	CLI_RUN(&o, "run", "--allow", tpath("filesystem.read=%s", dir), "--", probe_path(), "read",
	        f);
	assert_exit(&o, 0);
	cr_assert_str_eq(o.out, "OK\n");
	CLI_RUN(&o, "run", "--allow", tpath("filesystem.write=%s", dir), "--", probe_path(),
	        "write", tpath("%s/new", dir));
	assert_exit(&o, 0);
	cr_assert(path_exists(tpath("%s/new", dir)));
}

PTEST(cli, sandboxes_nest_and_only_narrow)
{
	/* A plugin may sandbox a plugin of its own (Landlock and seccomp
	 * stack): the inner run cannot get more than the outer has, and its own
	 * narrower policy holds. The inner praxis runs without a pid namespace
	 * and without audit, which the outer forbids (namespaces, listeners). */
	const char *dir = tmpdir_new(false);
	const char *f = tpath("%s/f", dir);
	file_put(f, "data\n", false);
	/* In the sanitizer build the inner praxis is instrumented too, and
	 * LeakSanitizer needs ptrace, which its sandbox rightly refuses. */
	setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
	struct run_out o;
	/* outer grants the read; inner does not: denied */
	CLI_RUN(&o, "run", "--allow", tpath("system.subprocess=%s", probe_path()), "--allow",
	        tpath("filesystem.read=%s", dir), "--allow", tpath("filesystem.read=%s", probe_path()),
	        "--", praxis_bin(), "run",
	        "--no-pid-namespace", "--allow", tpath("system.subprocess=%s", probe_path()), "--", probe_path(), "read", f);
	assert_exit(&o, 1);
	cr_assert_str_eq(o.out, "ERR EACCES\n", "%s", o.err);
	/* both grant it: allowed */
	CLI_RUN(&o, "run", "--allow", tpath("system.subprocess=%s", probe_path()), "--allow",
	        tpath("filesystem.read=%s", dir), "--allow", tpath("filesystem.read=%s", probe_path()),
	        "--", praxis_bin(), "run",
	        "--no-pid-namespace", "--allow", tpath("system.subprocess=%s", probe_path()),
	        "--allow", tpath("filesystem.read=%s", dir), "--",
	        probe_path(), "read", f);
	assert_exit(&o, 0);
	cr_assert_str_eq(o.out, "OK\n", "%s", o.err);
	/* inner grants what the outer does not: still denied */
	const char *secret = tpath("%s/secret", tmpdir_new(false));
	file_put(secret, "s\n", false);
	CLI_RUN(&o, "run", "--allow", tpath("system.subprocess=%s", probe_path()), "--allow",
	        tpath("filesystem.read=%s", dir), "--allow", tpath("filesystem.read=%s", probe_path()),
	        "--", praxis_bin(), "run",
	        "--no-pid-namespace", "--allow", tpath("system.subprocess=%s", probe_path()),
	        "--allow", "filesystem.read", "--", probe_path(), "read",
	        secret);
	assert_exit(&o, 1);
	cr_assert_str_eq(o.out, "ERR EACCES\n", "%s", o.err);
}

/* The CLI started by uid 65534 (as a user would), via setpriv. */
static void cli_as_nobody(const char *cli, struct run_out *o, const char *const *args)
{
	const char *argv[24];
	size_t n = 0;
	argv[n++] = "/usr/bin/setpriv";
	argv[n++] = "--reuid=65534";
	argv[n++] = "--regid=65534";
	argv[n++] = "--clear-groups";
	argv[n++] = cli;
	for (; *args && n < 23; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	struct spec s;
	spec_init(&s);
	static const char *const env[] = {"PATH=/usr/bin:/bin", NULL};
	s.env = env;
	s.cwd = "/";
	plain_runv(&s, argv, o);
}

PTEST(cli, runs_for_an_unprivileged_user)
{
	const char *cli = copy_executable(praxis_bin());
	const char *probe = probe_path();
	struct run_out o;
	cli_as_nobody(cli, &o, (const char *const[]){"run", "--", probe, "id", NULL});
	assert_result(&o, 0, "65534 65534 65534 65534\n");
	cli_as_nobody(
	    cli, &o,
	    (const char *const[]){"run", "--", probe, "read", "/usr/lib/os-release", NULL});
	assert_ok(&o);
	cli_as_nobody(cli, &o,
	              (const char *const[]){"run", "--", probe, "read", "/etc/passwd", NULL});
	assert_err(&o, "EACCES");
	cli_as_nobody(cli, &o,
	              (const char *const[]){"run", "--", probe, "socket", "inet", "stream", NULL});
	assert_err(&o, "EPERM");
	cli_as_nobody(cli, &o, (const char *const[]){"run", "--", probe, "fork", NULL});
	assert_err(&o, "EPERM");
	const char *marker = unique_marker("cli-daemon");
	cli_as_nobody(cli, &o,
	              (const char *const[]){"run", "--allow", "system.subprocess", "--", probe,
	                                    "daemon", marker, NULL});
	assert_ran(&o);
	cr_assert(o.res.exit_code == 0 && strstr(o.out, "DAEMON ") && strstr(o.out, "OK\n"), "%s",
	          describe(&o));
	pid_t pids[4];
	int left = pids_with_marker(marker, pids, 4);
	kill_marked(marker);
	cr_assert_eq(left, 0, "the daemon survived the run");
}

static json_t *load_report(const char *path)
{
	json_error_t jerr;
	json_t *j = json_load_file(path, 0, &jerr);
	cr_assert_not_null(j, "the report is not valid JSON: %s (line %d): %s", jerr.text,
	                   jerr.line, file_get(path) ? file_get(path) : "(unreadable)");
	cr_assert(json_is_object(j), "the report must be one JSON object");
	return j;
}

PTEST(cli, report_is_json_with_status_and_exit_code)
{
	const char *dir = tmpdir_new(false);
	const char *report = tpath("%s/report.json", dir);
	struct run_out o;
	CLI_RUN(&o, "run", "--report", report, "--", probe_path(), "exit", "3");
	assert_exit(&o, 3);
	json_t *j = load_report(report);
	cr_assert_str_eq(json_string_value(json_object_get(j, "status")), "exited");
	cr_assert(json_is_integer(json_object_get(j, "exit_code")));
	cr_assert_eq(json_integer_value(json_object_get(j, "exit_code")), 3);
	cr_assert(json_object_get(j, "signal") != NULL, "the report has a signal field");
	cr_assert(json_is_object(json_object_get(j, "usage")), "the report has usage");
	json_decref(j);

	CLI_RUN(&o, "run", "--no-pid-namespace", "--report", report, "--", probe_path(), "raise",
	        "15");
	assert_exit(&o, 128 + SIGTERM);
	j = load_report(report);
	cr_assert_str_eq(json_string_value(json_object_get(j, "status")), "signaled");
	cr_assert_eq(json_integer_value(json_object_get(j, "signal")), SIGTERM);
	json_decref(j);
}

PTEST(cli, doctor_exits_0_here)
{
	struct run_out o;
	CLI_RUN(&o, "doctor");
	assert_exit(&o, 0);
	cr_assert(strstr(o.out, "landlock"), "%s", o.out);
	cr_assert(strstr(o.out, "ABI"), "%s", o.out);
}

PTEST(cli, unknown_command_is_an_error)
{
	struct run_out o;
	CLI_RUN(&o, "frobnicate");
	cr_assert_neq(o.res.exit_code, 0);
	cr_assert(strstr(o.err, "frobnicate"), "%s", o.err);
}

/* ---- failing closed ---- */

static void no_landlock_cli(struct run_out *o, const char *const *args)
{
	const char *argv[16];
	size_t n = 0;
	argv[n++] = no_landlock_bin();
	argv[n++] = praxis_bin();
	for (; *args && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	struct spec s;
	spec_init(&s);
	static const char *const env[] = {"PATH=/usr/bin:/bin", NULL};
	s.env = env;
	plain_runv(&s, argv, o);
	if (o->res.status == PRAXIS_SIGNALED) {
		o->res.status = PRAXIS_EXITED;
		o->res.exit_code = 128 + o->res.signal;
	}
}

PTEST(cli, fails_closed_without_landlock)
{
	struct run_out o;
	/* Control: the launcher itself works, Landlock just is not there. */
	no_landlock_cli(&o, (const char *const[]){"doctor", NULL});
	cr_assert_neq(o.res.exit_code, 0, "doctor must not claim full enforcement: %s", o.out);
	no_landlock_cli(&o, (const char *const[]){"run", "--", "/bin/true", NULL});
	assert_exit(&o, 125);
	assert_one_line_error(&o);
	cr_assert(strstr(o.err, "Landlock"), "the error must name Landlock: %s", o.err);
}

PTEST(cli, degraded_mode_runs_and_warns)
{
	struct run_out o;
	no_landlock_cli(&o, (const char *const[]){"run", "--degraded", "--", "/bin/sh", "-c",
	                                          "echo ran", NULL});
	assert_exit(&o, 0);
	cr_assert_str_eq(o.out, "ran\n");
	cr_assert(strstr(o.err, "Landlock"), "the warning must name Landlock: %s", o.err);
	cr_assert(strstr(o.err, "not enforced"), "the warning must say what is not enforced: %s",
	          o.err);
}

/* The library itself, in a child that cannot use Landlock. */
static int library_without_landlock(unsigned flags)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), 444, 0) < 0 ||
	    seccomp_load(ctx) < 0)
		return 10;
	seccomp_release(ctx);
	praxis_config cfg;
	praxis_config_init(&cfg);
	cfg.flags = flags;
	praxis_sandbox *sb = NULL;
	praxis_error err = {0};
	int r = praxis_sandbox_new(&cfg, &sb, &err);
	if (!(flags & PRAXIS_ALLOW_DEGRADED))
		return r < 0 && strstr(err.message, "Landlock") ? 0 : 11;
	if (r < 0)
		return 12;
	const char *const *d = praxis_sandbox_degradations(sb);
	int result = d[0] && strstr(d[0], "Landlock") ? 0 : 13;
	praxis_run_opts opts;
	praxis_run_opts_init(&opts);
	const char *argv[] = {"/bin/true", NULL};
	opts.argv = argv;
	praxis_result res;
	if (result == 0) {
		if (praxis_sandbox_run(sb, &opts, &res, &err) < 0)
			result = 14;
		else if (res.status != PRAXIS_EXITED || res.exit_code != 0)
			result = 15;
		if (result != 14)
			praxis_result_release(&res);
	}
	praxis_sandbox_free(sb);
	return result;
}

static int in_child(int (*fn)(unsigned), unsigned arg)
{
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(fn(arg));
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "status 0x%x", status);
	return WEXITSTATUS(status);
}

PTEST(cli, library_fails_closed_without_landlock)
{
	cr_assert_eq(in_child(library_without_landlock, 0), 0,
	             "praxis_sandbox_new must refuse, naming Landlock");
	cr_assert_eq(in_child(library_without_landlock, PRAXIS_ALLOW_DEGRADED), 0,
	             "degraded mode must run and list Landlock as not enforced");
}

/* Issue 11: one strict parser per kind; what is not a positive quantity in
 * the accepted range (or "0" written as such) is refused, naming the flag,
 * the value and the range. */
PTEST(cli, odd_numbers_are_refused_with_the_range)
{
	static const char *const bad[][2] = {
	    {"--memory", "0.5"},          {"--memory", " 1G"},       {"--memory", "+1G"},
	    {"--memory", "1e308"},        {"--memory", "99999999999T"}, {"--memory", "nan"},
	    {"--memory", "inf"},          {"--memory", "0x10"},      {"--memory", "1G junk"},
	    {"--memory", "0.0"},          {"--memory", "-0"},        {"--max-output", "0.5"},
	    {"--max-file-size", "0.1"},   {"--cpu", "1e308h"},       {"--cpu", "nan"},
	    {"--cpu", " 5"},              {"--cpu", "0.0000001"},    {"--wall", "1e308h"},
	    {"--wall", "99999999999h"},   {"--wall", "infs"},        {"--max-procs", "0x10"},
	    {"--max-procs", "99999999999"}, {"--max-procs", "+5"},   {"--max-procs", " 5"},
	    {"--max-procs", "18446744073709551617"}, {"--max-open-files", "2000000"},
	    {"--max-open-files", "1.5"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct run_out o;
		CLI_RUN(&o, "run", bad[i][0], bad[i][1], "--", "/bin/true");
		cr_expect(o.res.exit_code == 125, "%s '%s': expected 125; got %s", bad[i][0],
		          bad[i][1], describe(&o));
		cr_expect(strstr(o.err, bad[i][0]) && strstr(o.err, tpath("'%s'", bad[i][1])) &&
		              strstr(o.err, " to "),
		          "%s '%s': the error must name the flag, the value and the range: %s",
		          bad[i][0], bad[i][1], o.err);
	}
	static const char *const good[][2] = {
	    {"--memory", "0"}, {"--memory", "256M"}, {"--memory", "1.5G"}, {"--cpu", "1.5"},
	    {"--wall", "2m"},  {"--max-procs", "0"}, {"--max-open-files", "64"},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		struct run_out o;
		CLI_RUN(&o, "run", good[i][0], good[i][1], "--", "/bin/true");
		cr_expect(o.res.exit_code == 0, "%s %s: %s", good[i][0], good[i][1], describe(&o));
	}
}
