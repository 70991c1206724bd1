/* bench_spawn: the library's own spawn cost, against plain fork+exec, in one
 * process and interleaved (A,B,C,A,B,C,...) so machine noise hits every case
 * alike.
 *
 *   bench_spawn [-n ITERATIONS] [-w WARMUP] [-s SANDBOX_NEW_ITERATIONS] [PROGRAM]
 *
 * PROGRAM (default /bin/true) must exit 0 with no arguments. Cases:
 *   plain fork+exec     fork, dup /dev/null onto 0-2, execve, waitpid
 *   posix_spawn         posix_spawn (vfork-style), same stdio, waitpid
 *   lib base            praxis_sandbox_run, base policy (no capability)
 *   lib full            praxis_sandbox_run, full policy, no limits
 *   lib full+limits     praxis_sandbox_run, full policy, all limits set
 *   lib base no-pidns   base policy with PRAXIS_NO_PID_NAMESPACE
 * Every sandbox is built once before the loop; praxis_sandbox_new is timed
 * separately (median over -s runs).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "praxis/praxis.h"

extern char **environ;

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static double pct(const double *v, size_t n, double p)
{
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_spawn: %s: %s\n", what, why);
	exit(1);
}

/* ---- the cases ------------------------------------------------------------ */

static const char *program = "/bin/true";
static int devnull = -1;

static int run_fork_exec(void *ctx)
{
	(void)ctx;
	char *argv[] = {(char *)program, NULL};
	char *envp[] = {NULL};
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execve(program, argv, envp);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -ECHILD;
}

static int run_posix_spawn(void *ctx)
{
	posix_spawn_file_actions_t *fa = ctx;
	char *argv[] = {(char *)program, NULL};
	char *envp[] = {NULL};
	pid_t pid;
	int r = posix_spawn(&pid, program, fa, NULL, argv, envp);
	if (r)
		return -r;
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -ECHILD;
}

static int run_lib(void *ctx)
{
	praxis_sandbox *sb = ctx;
	const char *argv[] = {program, NULL};
	praxis_run_opts opts;
	praxis_run_opts_init(&opts);
	opts.argv = argv;
	opts.stdio[0] = opts.stdio[1] = opts.stdio[2] = -1;
	praxis_result res;
	praxis_error err = {0};
	int r = praxis_sandbox_run(sb, &opts, &res, &err);
	if (r < 0) {
		fprintf(stderr, "bench_spawn: praxis_sandbox_run: %s\n", err.message);
		return r;
	}
	if (res.status != PRAXIS_EXITED || res.exit_code != 0) {
		fprintf(stderr, "bench_spawn: %s under the sandbox: status %s, code %d, signal %d\n",
			program, praxis_status_name(res.status), res.exit_code, res.signal);
		return -ECHILD;
	}
	return 0;
}

/* ---- sandboxes -------------------------------------------------------------- */

enum policy { POLICY_BASE, POLICY_FULL, POLICY_FULL_LIMITS, POLICY_BASE_NO_PIDNS };

static char tmpdir[] = "/tmp/praxis-bench-XXXXXX";

static praxis_sandbox *make_sandbox(enum policy p)
{
	praxis_error err = {0};
	praxis_caps *caps = NULL;
	praxis_config cfg;
	praxis_config_init(&cfg);
	cfg.plugin_name = "bench";
	if (p == POLICY_FULL || p == POLICY_FULL_LIMITS) {
		if (praxis_caps_new(&caps) < 0)
			die("praxis_caps_new", "out of memory");
		if (praxis_caps_add(caps, PRAXIS_CAP_FS_READ, "/usr", &err) < 0 ||
		    praxis_caps_add(caps, PRAXIS_CAP_FS_WRITE, tmpdir, &err) < 0 ||
		    praxis_caps_add(caps, PRAXIS_CAP_ENV_READ, NULL, &err) < 0 ||
		    praxis_caps_add(caps, PRAXIS_CAP_SUBPROCESS, NULL, &err) < 0)
			die("praxis_caps_add", err.message);
		cfg.caps = caps;
		cfg.environment = (const char *const *)environ;
	}
	if (p == POLICY_FULL_LIMITS) {
		cfg.limits.memory_bytes = 256ull << 20;
		cfg.limits.cpu_seconds = 10;
		cfg.limits.wall_seconds = 30;
		cfg.limits.max_procs = 64;
	}
	if (p == POLICY_BASE_NO_PIDNS)
		cfg.flags |= PRAXIS_NO_PID_NAMESPACE;
	praxis_sandbox *sb = NULL;
	if (praxis_sandbox_new(&cfg, &sb, &err) < 0)
		die("praxis_sandbox_new", err.message);
	praxis_caps_free(caps); /* the sandbox keeps its own copy */
	return sb;
}

static double time_sandbox_new(enum policy p, int n)
{
	double *v = calloc((size_t)n, sizeof(*v));
	if (!v)
		die("calloc", strerror(errno));
	for (int i = 0; i < n; i++) {
		double t0 = now_us();
		praxis_sandbox *sb = make_sandbox(p);
		v[i] = now_us() - t0;
		praxis_sandbox_free(sb);
	}
	double m = median(v, (size_t)n);
	free(v);
	return m;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* ---- main ------------------------------------------------------------------- */

struct bcase {
	const char *name;
	int (*fn)(void *);
	void *ctx;
	double *t;
};

static int parse_int(const char *s, const char *opt)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end || v < 1 || v > 10000000)
		die(opt, "expects a positive integer");
	return (int)v;
}

int main(int argc, char **argv)
{
	int n = 300, warmup = 20, n_new = 50, opt;
	while ((opt = getopt(argc, argv, "n:w:s:h")) != -1) {
		switch (opt) {
		case 'n': n = parse_int(optarg, "-n"); break;
		case 'w': warmup = parse_int(optarg, "-w"); break;
		case 's': n_new = parse_int(optarg, "-s"); break;
		default:
			fprintf(stderr, "usage: bench_spawn [-n ITERATIONS] [-w WARMUP] "
					"[-s SANDBOX_NEW_ITERATIONS] [PROGRAM]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind < argc)
		program = argv[optind];
	if (program[0] != '/')
		die(program, "give an absolute path");
	if (access(program, X_OK) < 0)
		die(program, strerror(errno));
	if (!mkdtemp(tmpdir))
		die("mkdtemp", strerror(errno));
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		die("/dev/null", strerror(errno));

	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	for (int fd = 0; fd < 3; fd++)
		posix_spawn_file_actions_adddup2(&fa, devnull, fd);

	praxis_sandbox *sb_base = make_sandbox(POLICY_BASE);
	praxis_sandbox *sb_full = make_sandbox(POLICY_FULL);
	praxis_sandbox *sb_limits = make_sandbox(POLICY_FULL_LIMITS);
	praxis_sandbox *sb_nopidns = make_sandbox(POLICY_BASE_NO_PIDNS);

	struct bcase cases[] = {
		{"plain fork+exec", run_fork_exec, NULL, NULL},
		{"posix_spawn", run_posix_spawn, &fa, NULL},
		{"lib base", run_lib, sb_base, NULL},
		{"lib full", run_lib, sb_full, NULL},
		{"lib full+limits", run_lib, sb_limits, NULL},
		{"lib base no-pidns", run_lib, sb_nopidns, NULL},
	};
	const size_t nc = sizeof(cases) / sizeof(cases[0]);
	for (size_t c = 0; c < nc; c++)
		if (!(cases[c].t = calloc((size_t)n, sizeof(double))))
			die("calloc", strerror(errno));

	/* Warm-up, also the check that every case works. */
	for (int i = 0; i < warmup; i++)
		for (size_t c = 0; c < nc; c++)
			if (cases[c].fn(cases[c].ctx) < 0)
				die(cases[c].name, "failed during warm-up");

	for (int i = 0; i < n; i++) {
		for (size_t c = 0; c < nc; c++) {
			double t0 = now_us();
			int r = cases[c].fn(cases[c].ctx);
			cases[c].t[i] = now_us() - t0;
			if (r < 0)
				die(cases[c].name, "failed");
		}
	}

	double new_base = time_sandbox_new(POLICY_BASE, n_new);
	double new_full = time_sandbox_new(POLICY_FULL_LIMITS, n_new);

	printf("bench_spawn: %s, %d iterations per case, interleaved, after %d warm-up rounds\n",
	       program, n, warmup);
	printf("%-22s %10s %10s %10s %10s\n", "case", "median_us", "p10_us", "p90_us", "x_plain");
	double base_med = 0;
	for (size_t c = 0; c < nc; c++) {
		double m = median(cases[c].t, (size_t)n);
		if (c == 0)
			base_med = m;
		printf("%-22s %10.1f %10.1f %10.1f %9.2fx\n", cases[c].name, m,
		       pct(cases[c].t, (size_t)n, 0.10), pct(cases[c].t, (size_t)n, 0.90),
		       m / base_med);
	}
	printf("%-22s %10.1f   (one-time, median of %d)\n", "sandbox_new base", new_base, n_new);
	printf("%-22s %10.1f   (one-time, median of %d)\n", "sandbox_new full+lim", new_full, n_new);

	for (size_t c = 0; c < nc; c++)
		free(cases[c].t);
	praxis_sandbox_free(sb_base);
	praxis_sandbox_free(sb_full);
	praxis_sandbox_free(sb_limits);
	praxis_sandbox_free(sb_nopidns);
	posix_spawn_file_actions_destroy(&fa);
	close(devnull);
	nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return 0;
}
