/* What a run leaves behind: no inherited fds in the plugin, no surviving
 * daemon, no fd or child leaked in the host, no host state changed. */
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "helpers.h"

TestSuite(cleanup, .timeout = 60);

/* ---- inherited fds ---- */

BOTH(cleanup, inherited_fds_are_closed)
{
	/* Opened without O_CLOEXEC, as careless host code would. */
	int leak1 = open("/dev/null", O_RDONLY);
	int sv[2];
	cr_assert_geq(leak1, 0);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct spec s;
	spec_init(&s);
	s.as_nobody = nobody;
	struct run_out o;
	PLAIN_PROBE(&s, &o, "count-fds");
	assert_ran(&o);
	cr_assert_geq(atoi(o.out), 6, "control: the leaked fds should be visible: %s",
	              describe(&o));
	SBX_PROBE(&s, &o, "count-fds");
	assert_result(&o, 0, "3\n");
	spec_allow(&s, "system.subprocess", NULL);
	SBX_PROBE(&s, &o, "exec", probe_path(), "count-fds");
	assert_result(&o, 0, "3\n");
	close(leak1);
	close(sv[0]);
	close(sv[1]);
}

/* ---- daemons ---- */

static pid_t daemon_pid(const struct run_out *o)
{
	const char *p = strstr(o->out, "DAEMON ");
	cr_assert_not_null(p, "the daemon did not start: %s", describe(o));
	return (pid_t)atoi(p + 7);
}

static void check_daemon_started(const struct run_out *o)
{
	assert_ran(o);
	cr_assert(o->res.status == PRAXIS_EXITED && o->res.exit_code == 0, "%s", describe(o));
	daemon_pid(o);
	cr_assert_not_null(strstr(o->out, "OK\n"), "%s", describe(o));
}

BOTH(cleanup, double_forked_daemon_does_not_survive)
{
	const char *marker = unique_marker("daemon");
	pid_t pids[8];
	struct spec s;
	spec_init(&s);
	s.as_nobody = nobody;
	struct run_out o;
	/* Control: without the sandbox the daemon outlives its parent. */
	PLAIN_PROBE(&s, &o, "daemon", marker);
	check_daemon_started(&o);
	int n = pids_with_marker(marker, pids, 8);
	kill_marked(marker);
	cr_assert_eq(n, 1, "control: the daemon should be running (%d found)", n);

	marker = unique_marker("daemon");
	spec_allow(&s, "system.subprocess", NULL);
	SBX_PROBE(&s, &o, "daemon", marker);
	check_daemon_started(&o);
	n = pids_with_marker(marker, pids, 8);
	kill_marked(marker);
	cr_assert_eq(n, 0, "a daemon of the run survived it (pid %d)", n ? (int)pids[0] : 0);
}

/* One look at PID: gone (or no longer the daemon), a zombie, exiting, or
 * with SIGKILL pending. */
static bool looks_killed(pid_t pid, const char *marker)
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return true;
	bool killed = false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long mask;
		if (strncmp(line, "State:", 6) == 0 && (strchr(line, 'Z') || strchr(line, 'X')))
			killed = true;
		if ((sscanf(line, "ShdPnd: %llx", &mask) == 1 ||
		     sscanf(line, "SigPnd: %llx", &mask) == 1) &&
		    (mask & (1ULL << (SIGKILL - 1))))
			killed = true;
	}
	fclose(f);
	/* Field 9 of stat: the task flags; PF_EXITING is 0x4. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f) {
		if (fgets(line, sizeof(line), f)) {
			char *p = strrchr(line, ')');
			unsigned flags = 0;
			if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %u", &flags) == 1 &&
			    (flags & 0x4))
				killed = true;
		}
		fclose(f);
	}
	pid_t pids[8];
	int n = pids_with_marker(marker, pids, 8);
	bool same = false;
	for (int i = 0; i < n; i++)
		same |= pids[i] == pid;
	return killed || !same;
}

/* A killed process passes through a moment with none of the signs (after
 * it took SIGKILL, before it is marked exiting); a live one never shows
 * any. So a few looks decide it without timing anything. */
static bool killed_or_gone(pid_t pid, const char *marker)
{
	for (int i = 0; i < 5; i++) {
		if (looks_killed(pid, marker))
			return true;
		sched_yield();
	}
	return false;
}

BOTH(cleanup, daemon_killed_without_pid_namespace)
{
	/* Without a pid namespace setsid is denied, so the daemon stays in the
	 * run's process group, which is killed at the end. */
	const char *marker = unique_marker("daemon-nopidns");
	struct spec s;
	spec_init(&s);
	s.as_nobody = nobody;
	s.flags = PRAXIS_NO_PID_NAMESPACE;
	spec_allow(&s, "system.subprocess", NULL);
	struct run_out o;
	SBX_PROBE(&s, &o, "daemon", marker);
	check_daemon_started(&o);
	pid_t pid = daemon_pid(&o);
	bool ok = killed_or_gone(pid, marker);
	kill_marked(marker);
	cr_assert(ok, "daemon %d was not killed at the end of the run", (int)pid);
}

/* ---- the host ---- */

static int run_true(praxis_sandbox *sb, const char *prog)
{
	praxis_run_opts opts;
	praxis_run_opts_init(&opts);
	const char *argv[] = {prog, NULL};
	opts.argv = argv;
	opts.stdio[0] = opts.stdio[1] = opts.stdio[2] = -1;
	praxis_result res;
	praxis_error err = {0};
	int r = praxis_sandbox_run(sb, &opts, &res, &err);
	if (r < 0)
		return r;
	praxis_result_release(&res);
	return res.status == PRAXIS_EXITED ? res.exit_code : 1000 + res.signal;
}

static praxis_sandbox *new_sandbox(bool subprocess)
{
	praxis_caps *caps;
	cr_assert_eq(praxis_caps_new(&caps), 0);
	if (subprocess)
		cr_assert_eq(praxis_caps_add(caps, "system.subprocess", NULL, NULL), 0);
	praxis_config cfg;
	praxis_config_init(&cfg);
	cfg.caps = caps;
	praxis_sandbox *sb = NULL;
	praxis_error err = {0};
	cr_assert_eq(praxis_sandbox_new(&cfg, &sb, &err), 0, "%s", err.message);
	praxis_caps_free(caps);
	return sb;
}

static void assert_no_children(void)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	int r = waitid(P_ALL, 0, &si, WEXITED | WNOHANG | __WALL);
	cr_assert(r < 0 && errno == ECHILD, "the host has a child left (pid %d)", (int)si.si_pid);
}

PTEST(cleanup, no_fd_or_child_leak_across_runs)
{
	probe_path(); /* its temp dir is created before counting */
	int before = count_open_fds();
	praxis_sandbox *sb = new_sandbox(false);
	for (int i = 0; i < 50; i++)
		cr_assert_eq(run_true(sb, "/bin/true"), 0, "run %d", i);
	/* Failing runs too: a missing program, and one that may not run. */
	for (int i = 0; i < 5; i++) {
		cr_assert_eq(run_true(sb, "/nonexistent/program"), -ENOENT);
		cr_assert_lt(run_true(sb, "/etc/passwd"), 0);
	}
	praxis_sandbox_free(sb);
	for (int i = 0; i < 10; i++) {
		sb = new_sandbox(i % 2);
		cr_assert_eq(run_true(sb, "/bin/true"), 0);
		praxis_sandbox_free(sb);
	}
	cr_assert_eq(count_open_fds(), before, "fds leaked: %d before, now %s", before,
	             list_open_fds());
	assert_no_children();
}

PTEST(cleanup, no_fd_or_child_leak_across_runs_nobody)
{
	struct run_out *shared =
	    mmap(NULL, sizeof(int) * 2, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(shared, MAP_FAILED);
	int *counts = (int *)shared;
	counts[0] = counts[1] = -1;
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
		    setresuid(NOBODY, NOBODY, NOBODY) < 0)
			_exit(2);
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		int before = count_open_fds();
		praxis_config cfg;
		praxis_config_init(&cfg);
		praxis_sandbox *sb = NULL;
		if (praxis_sandbox_new(&cfg, &sb, NULL) < 0)
			_exit(3);
		for (int i = 0; i < 50; i++)
			if (run_true(sb, "/bin/true") != 0)
				_exit(4);
		praxis_sandbox_free(sb);
		counts[0] = before;
		counts[1] = count_open_fds();
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | __WALL) == 0)
			_exit(5);
		_exit(0);
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "status 0x%x", status);
	cr_assert_eq(WEXITSTATUS(status), 0, "step %d failed as uid 65534", WEXITSTATUS(status));
	cr_assert_eq(counts[0], counts[1], "fds leaked: %d before, %d after", counts[0], counts[1]);
	munmap(shared, sizeof(int) * 2);
}

struct thread_job {
	praxis_sandbox *sb;
	const char *probe;
	int failures;
	char detail[1024];
};

static void *thread_runs(void *arg)
{
	struct thread_job *job = arg;
	for (int i = 0; i < 10; i++) {
		int out = memfd_create("out", MFD_CLOEXEC);
		praxis_run_opts opts;
		praxis_run_opts_init(&opts);
		const char *argv[] = {job->probe, "read", "/usr/lib/os-release", NULL};
		opts.argv = argv;
		opts.stdio[0] = -1;
		opts.stdio[1] = out;
		opts.stdio[2] = -1;
		praxis_result res;
		praxis_error err = {0};
		int r = praxis_sandbox_run(job->sb, &opts, &res, &err);
		if (r >= 0)
			praxis_result_release(&res);
		char buf[64] = "";
		ssize_t n = pread(out, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		close(out);
		if (r < 0 || res.status != PRAXIS_EXITED || res.exit_code != 0 ||
		    strcmp(buf, "OK\n") != 0) {
			job->failures++;
			snprintf(job->detail, sizeof(job->detail),
			         "r=%d status=%d code=%d out=%s %s", r, res.status, res.exit_code,
			         buf, err.message);
		}
	}
	return NULL;
}

PTEST(cleanup, concurrent_runs_from_many_threads)
{
	const char *probe = probe_path();
	int before = count_open_fds();
	praxis_sandbox *sb = new_sandbox(false);
	praxis_sandbox *sb2 = new_sandbox(true);
	struct thread_job jobs[6];
	pthread_t threads[6];
	for (int i = 0; i < 6; i++) {
		jobs[i] = (struct thread_job){.sb = i % 2 ? sb2 : sb, .probe = probe};
		cr_assert_eq(pthread_create(&threads[i], NULL, thread_runs, &jobs[i]), 0);
	}
	for (int i = 0; i < 6; i++)
		pthread_join(threads[i], NULL);
	for (int i = 0; i < 6; i++)
		cr_assert_eq(jobs[i].failures, 0, "thread %d: %d failed runs, last: %s", i,
		             jobs[i].failures, jobs[i].detail);
	praxis_sandbox_free(sb);
	praxis_sandbox_free(sb2);
	cr_assert_eq(count_open_fds(), before, "fds leaked: %d before, now %s", before,
	             list_open_fds());
	assert_no_children();
}

static volatile sig_atomic_t got_sigchld;

static void on_sigchld(int sig)
{
	(void)sig;
	got_sigchld = 1;
}

PTEST(cleanup, host_state_untouched)
{
	/* A SIGCHLD handler and a signal mask of the host's own. */
	struct sigaction sa = {.sa_handler = on_sigchld};
	sigemptyset(&sa.sa_mask);
	cr_assert_eq(sigaction(SIGCHLD, &sa, NULL), 0);
	sigset_t mask, mask_after;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	cr_assert_eq(sigprocmask(SIG_BLOCK, &mask, NULL), 0);
	cr_assert_eq(sigprocmask(SIG_BLOCK, NULL, &mask), 0);
	const char *dir = tmpdir_new(false);
	cr_assert_eq(chdir(dir), 0);
	char *real = realpath(dir, NULL);
	cr_assert_not_null(real);
	cr_assert_eq(setenv("PRAXIS_TEST_HOST_VAR", "unchanged", 1), 0);
	mode_t um = umask(027);

	praxis_sandbox *sb = new_sandbox(true);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(run_true(sb, "/bin/true"), 0);
	praxis_sandbox_free(sb);

	struct sigaction now;
	cr_assert_eq(sigaction(SIGCHLD, NULL, &now), 0);
	cr_assert_eq(now.sa_handler, on_sigchld, "the SIGCHLD handler was changed");
	cr_assert_eq(sigprocmask(SIG_BLOCK, NULL, &mask_after), 0);
	for (int sig = 1; sig < NSIG; sig++)
		cr_assert_eq(sigismember(&mask, sig), sigismember(&mask_after, sig),
		             "signal mask changed for %d", sig);
	char cwd[4096];
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	cr_assert_str_eq(cwd, real);
	free(real);
	cr_assert_str_eq(getenv("PRAXIS_TEST_HOST_VAR"), "unchanged");
	cr_assert_eq(umask(um), 027);
	signal(SIGCHLD, SIG_DFL);
}

PTEST(cleanup, host_gets_no_sigchld_for_a_plugin)
{
	/* The library promises the host no SIGCHLD for its plugins: a host
	 * with a SIGCHLD handler of its own must not be woken by them. */
	struct sigaction sa = {.sa_handler = on_sigchld};
	sigemptyset(&sa.sa_mask);
	cr_assert_eq(sigaction(SIGCHLD, &sa, NULL), 0);
	praxis_sandbox *sb = new_sandbox(false);
	cr_assert_eq(run_true(sb, "/bin/true"), 0);
	praxis_sandbox_free(sb);
	signal(SIGCHLD, SIG_DFL);
	cr_assert_eq(got_sigchld, 0, "the host received SIGCHLD for a plugin");
}

struct blocked_run {
	praxis_sandbox *sb;
	int stdin_fd, stdout_fd, stderr_fd;
	const char *probe;
	int rc;
	praxis_result res;
	char errmsg[512];
};

static void *blocked_run_thread(void *arg)
{
	struct blocked_run *b = arg;
	praxis_run_opts opts;
	praxis_run_opts_init(&opts);
	const char *argv[] = {b->probe, "wait-stdin", NULL};
	opts.argv = argv;
	opts.stdio[0] = b->stdin_fd;
	opts.stdio[1] = b->stdout_fd;
	opts.stdio[2] = b->stderr_fd;
	praxis_error err = {0};
	b->rc = praxis_sandbox_run(b->sb, &opts, &b->res, &err);
	if (b->rc >= 0)
		praxis_result_release(&b->res);
	snprintf(b->errmsg, sizeof(b->errmsg), "%s", err.message);
	return NULL;
}

PTEST(cleanup, host_waitpid_cannot_reap_a_running_plugin)
{
	/* A host's own waitpid(-1) loop must not see (and so cannot steal) a
	 * plugin. Deterministic: the plugin blocks on its stdin while we ask
	 * the kernel whether we have a child a plain waitpid(-1) would wait
	 * for. */
	int in[2], err[2];
	cr_assert_eq(pipe2(in, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(err, O_CLOEXEC), 0);
	int out = memfd_create("out", MFD_CLOEXEC);
	struct blocked_run b = {.sb = new_sandbox(false),
	                        .stdin_fd = in[0],
	                        .stdout_fd = out,
	                        .stderr_fd = err[1],
	                        .probe = probe_path()};
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, blocked_run_thread, &b), 0);
	char ready[16] = "";
	size_t got = 0;
	while (got < 6) {
		ssize_t n = read(err[0], ready + got, 6 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	int r = -1, e = 0;
	if (got == 6 && memcmp(ready, "READY\n", 6) == 0) {
		r = waitid(P_ALL, 0, &si, WEXITED | WNOHANG); /* = waitpid(-1, WNOHANG) */
		e = errno;
	}
	close(in[1]); /* let the plugin finish */
	pthread_join(t, NULL);
	close(in[0]);
	close(err[0]);
	close(err[1]);
	close(out);
	praxis_sandbox_free(b.sb);
	cr_assert_eq(got, 6, "the plugin did not start: %s", b.errmsg);
	cr_assert_eq(b.rc, 0, "%s", b.errmsg);
	cr_assert(b.res.status == PRAXIS_EXITED && b.res.exit_code == 0);
	cr_assert(r < 0 && e == ECHILD,
	          "a running plugin is waitable by the host's waitpid(-1) (waitid returned %d)", r);
}

/* ---- cancel from another thread ---- */

struct cancel_run {
	praxis_sandbox *sb;
	int cancel_fd;
	bool no_pid_ns;
	int rc;
	praxis_result res;
};

static void *run_sleeper(void *arg)
{
	struct cancel_run *c = arg;
	/* a child that would outlive its parent, to check the whole tree goes */
	const char *argv[] = {"/bin/sh", "-c", "sleep 30 & sleep 30", NULL};
	praxis_run_opts opts;
	praxis_run_opts_init(&opts);
	opts.argv = argv;
	opts.stdio[0] = opts.stdio[1] = opts.stdio[2] = -1;
	opts.collect_audit = true;
	opts.cancel_fd = c->cancel_fd;
	praxis_error err = {0};
	c->rc = praxis_sandbox_run(c->sb, &opts, &c->res, &err);
	return NULL;
}

PTEST(cleanup, cancel_fd_kills_the_whole_run)
{
	for (int mode = 0; mode < 4; mode++) {
		/* eventfd or pipe closing; with and without a pid namespace */
		bool use_pipe = mode & 1, no_pid_ns = mode & 2;
		praxis_caps *caps;
		praxis_error err = {0};
		cr_assert_eq(praxis_caps_new(&caps), 0);
		cr_assert_eq(praxis_caps_add(caps, "system.subprocess", NULL, &err), 0);
		praxis_config cfg;
		praxis_config_init(&cfg);
		cfg.caps = caps;
		cfg.flags = no_pid_ns ? PRAXIS_NO_PID_NAMESPACE : 0;
		cfg.environment = (const char *const[]){"PATH=/usr/bin:/bin", NULL};
		struct cancel_run c = {0};
		cr_assert_eq(praxis_sandbox_new(&cfg, &c.sb, &err), 0, "%s", err.message);
		int p[2] = {-1, -1};
		if (use_pipe)
			cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
		else
			p[0] = eventfd(0, EFD_CLOEXEC);
		c.cancel_fd = p[0];
		pthread_t t;
		cr_assert_eq(pthread_create(&t, NULL, run_sleeper, &c), 0);
		usleep(300000);
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (use_pipe) {
			close(p[1]);
		} else {
			uint64_t one = 1;
			cr_assert_eq(write(p[0], &one, sizeof(one)), (ssize_t)sizeof(one));
		}
		pthread_join(t, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double took =
		    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		cr_assert_eq(c.rc, 0);
		cr_assert(c.res.cancelled, "mode %d: not cancelled", mode);
		cr_assert_eq(c.res.status, PRAXIS_SIGNALED);
		cr_assert_eq(c.res.signal, SIGKILL);
		cr_assert_lt(took, 3.0, "mode %d: the run ended %.2f s after the cancel", mode,
		             took);
		bool recorded = false;
		for (size_t i = 0; i < praxis_audit_log_count(c.res.audit); i++)
			recorded |= strcmp(praxis_audit_log_record(c.res.audit, i)->action,
			                   "run.cancelled") == 0;
		cr_assert(recorded, "mode %d: no run.cancelled record", mode);
		praxis_result_release(&c.res);
		close(p[0]);
		praxis_sandbox_free(c.sb);
		praxis_caps_free(caps);
	}
}
