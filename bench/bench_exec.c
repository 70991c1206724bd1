/* bench_exec: calls per second of a trivial plugin through the executor
 * (executable and .so), with 1 and 2 host threads, against plain
 * fork+exec of the same work (params on stdin, JSON read back and parsed)
 * in the same process, rows interleaved round-robin.
 *
 *   build/bench/bench_exec [-n CALLS_PER_ROUND] [-r ROUNDS]
 *
 * The trivial plugins and praxis-so-runner are found beside this program
 * (build/bench/) and in the build root. Audit is off (no sink): the
 * executor's cheapest path, as for a host that only wants results. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "praxis/executor.h"
#include "praxis/plugin.h"

#define PARAMS      "{\"text\": \"hello\"}"
#define MAX_SAMPLES 200000

struct row {
	const char *label;
	int threads;
	int (*call)(struct row *row);
	const char *const *argv; /* plain rows */
	const char *plugin;      /* executor rows */
	praxis_executor *ex;
	praxis_sandbox *sb;  /* the lib row */
	praxis_plugin_fn fn; /* the fork row */
	double seconds;      /* total wall time of its batches */
	long calls;
	double *lat; /* per-call latency (1-thread rows) */
	long n_lat;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_exec: %s: %s\n", what, why);
	exit(1);
}

/* The params as a child's stdin. */
static int params_fd(void)
{
	int in = memfd_create("params", MFD_CLOEXEC);
	if (in < 0 || write(in, PARAMS, strlen(PARAMS)) < 0 || lseek(in, 0, SEEK_SET) < 0)
		die("setup", strerror(errno));
	return in;
}

/* Read the child's stdout from OUT, reap it, check it answered one JSON
 * value and exited 0. */
static int collect(int out, pid_t pid)
{
	char buf[4096];
	size_t len = 0;
	ssize_t n;
	while ((n = read(out, buf + len, sizeof(buf) - len - 1)) > 0)
		len += (size_t)n;
	close(out);
	int status;
	waitpid(pid, &status, 0);
	json_t *v = json_loadb(buf, len, JSON_DECODE_ANY, NULL);
	int ok = v && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	json_decref(v);
	return ok ? 0 : -1;
}

/* fork + exec ARGV with the params on stdin, read stdout, parse it. */
static int plain_call(struct row *row)
{
	int in = params_fd(), out[2];
	if (pipe2(out, O_CLOEXEC) < 0)
		die("setup", strerror(errno));
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(in, 0);
		dup2(out[1], 1);
		dup2(null, 2);
		execv(row->argv[0], (char *const *)row->argv);
		_exit(127);
	}
	close(in);
	close(out[1]);
	return collect(out[0], pid);
}

/* What a zygote does, without a sandbox: fork the bench process, call the
 * preloaded plugin function in the child, read and parse its result. */
static int fork_call(struct row *row)
{
	int in = params_fd(), out[2];
	if (pipe2(out, O_CLOEXEC) < 0)
		die("setup", strerror(errno));
	pid_t pid = fork();
	if (pid == 0) {
		char params[256];
		ssize_t got = read(in, params, sizeof(params) - 1);
		params[got > 0 ? got : 0] = '\0';
		char *result = NULL;
		int rc = row->fn(params, &result);
		if (result && write(out[1], result, strlen(result)) < 0)
			rc = 1;
		_exit(rc);
	}
	close(in);
	close(out[1]);
	return collect(out[0], pid);
}

/* The same run through praxis_sandbox_run() alone: the executor's cost is
 * the difference. */
static int lib_call(struct row *row)
{
	int in = params_fd();
	praxis_run_opts opts;
	praxis_run_opts_init(&opts);
	opts.argv = row->argv;
	opts.stdio[0] = in;
	opts.stdio[1] = opts.stdio[2] = -1;
	opts.output = PRAXIS_OUTPUT_CAPTURE;
	praxis_result res;
	praxis_error err = {0};
	if (praxis_sandbox_run(row->sb, &opts, &res, &err) < 0)
		die("praxis_sandbox_run", err.message);
	close(in);
	int ok = res.status == PRAXIS_EXITED && res.exit_code == 0;
	praxis_result_release(&res);
	return ok ? 0 : -1;
}

static int exec_call(struct row *row)
{
	praxis_exec_result res;
	praxis_error err = {0};
	if (praxis_executor_execute(row->ex, row->plugin, PARAMS, &res, &err) < 0)
		die(row->plugin, err.message);
	int ok = res.status == PRAXIS_EXEC_OK;
	if (!ok)
		fprintf(stderr, "bench_exec: %s: %s\n", row->plugin, res.message);
	praxis_exec_result_release(&res);
	return ok ? 0 : -1;
}

struct batch {
	struct row *row;
	int calls;
	int failures;
};

static void *batch_main(void *arg)
{
	struct batch *b = arg;
	for (int i = 0; i < b->calls; i++) {
		double t = now();
		if (b->row->call(b->row) < 0)
			b->failures++;
		if (b->row->threads == 1 && b->row->n_lat < MAX_SAMPLES)
			b->row->lat[b->row->n_lat++] = now() - t;
	}
	return NULL;
}

/* CALLS calls of ROW spread over its threads. */
static void run_batch(struct row *row, int calls)
{
	pthread_t t[2];
	struct batch b[2];
	double start = now();
	for (int i = 0; i < row->threads; i++) {
		b[i] = (struct batch){.row = row, .calls = calls / row->threads};
		pthread_create(&t[i], NULL, batch_main, &b[i]);
	}
	for (int i = 0; i < row->threads; i++) {
		pthread_join(t[i], NULL);
		if (b[i].failures)
			die(row->label, "calls failed");
	}
	row->seconds += now() - start;
	row->calls += calls / row->threads * row->threads;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void copy_file(const char *src, const char *dst, mode_t mode)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (in < 0 || out < 0)
		die(in < 0 ? src : dst, strerror(errno));
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			die(dst, "short write");
	close(in);
	close(out);
}

/* DIR/NAME/ with a copy of FILE and a manifest whose entry is ENTRY_JSON. */
static void make_plugin(const char *dir, const char *name, const char *file, const char *copy_as,
                        mode_t mode, const char *entry_json)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (mkdir(path, 0755) < 0)
		die(path, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s/%s", dir, name, copy_as);
	copy_file(file, path, mode);
	snprintf(path, sizeof(path), "%s/%s/manifest.json", dir, name);
	FILE *f = fopen(path, "we");
	if (!f)
		die(path, strerror(errno));
	fprintf(f, "{\"name\": \"%s\", \"version\": \"1\", \"entry\": %s}\n", name, entry_json);
	fclose(f);
}

int main(int argc, char **argv)
{
	int per_round = 50, rounds = 8, opt;
	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		if (opt == 'n')
			per_round = atoi(optarg);
		else if (opt == 'r')
			rounds = atoi(optarg);
		else {
			fprintf(stderr, "usage: bench_exec [-n CALLS_PER_ROUND] [-r ROUNDS]\n");
			return 2;
		}
	}
	char here[PATH_MAX], exe[PATH_MAX + 32], so[PATH_MAX + 32], runner[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", here, sizeof(here) - 1);
	if (n <= 0)
		die("/proc/self/exe", strerror(errno));
	here[n] = '\0';
	*strrchr(here, '/') = '\0';
	snprintf(exe, sizeof(exe), "%s/exec_trivial", here);
	snprintf(so, sizeof(so), "%s/exec_trivial_so.so", here);
	snprintf(runner, sizeof(runner), "%s/../praxis-so-runner", here);
	char dir[] = "/tmp/praxis-bench-exec-XXXXXX";
	if (!mkdtemp(dir) || chmod(dir, 0755) < 0)
		die("mkdtemp", strerror(errno));
	make_plugin(dir, "trivial-exe", exe, "plugin", 0755, "\"plugin\"");
	make_plugin(dir, "trivial-so", so, "plugin.so", 0644, "{\"shared_object\": \"plugin.so\"}");
	char exe_copy[PATH_MAX + 64], so_copy[PATH_MAX + 64];
	snprintf(exe_copy, sizeof(exe_copy), "%s/trivial-exe/plugin", dir);
	snprintf(so_copy, sizeof(so_copy), "%s/trivial-so/plugin.so", dir);

	praxis_factory_config fcfg;
	praxis_factory_config_init(&fcfg);
	fcfg.so_runner = runner;
	praxis_factory *factory;
	praxis_executor *ex;
	praxis_error err = {0};
	if (praxis_factory_new(&fcfg, &factory, &err) < 0)
		die("factory", err.message);
	praxis_executor_config ecfg;
	praxis_executor_config_init(&ecfg);
	ecfg.factory = factory;
	ecfg.plugin_dirs = (const char *const[]){dir, NULL};
	ecfg.collect_audit = false;
	if (praxis_executor_new(&ecfg, &ex, &err) < 0)
		die("executor", err.message);
	praxis_executor *ex_fresh, *ex_audit;
	ecfg.use_zygote = false;
	if (praxis_executor_new(&ecfg, &ex_fresh, &err) < 0)
		die("executor", err.message);
	ecfg.use_zygote = true;
	ecfg.collect_audit = true;
	if (praxis_executor_new(&ecfg, &ex_audit, &err) < 0)
		die("executor", err.message);
	void *handle = dlopen(so, RTLD_NOW | RTLD_LOCAL);
	union {
		void *p;
		praxis_plugin_fn fn;
	} sym = {.p = handle ? dlsym(handle, PRAXIS_PLUGIN_SYMBOL) : NULL};
	if (!sym.p)
		die(so, "cannot load it in the bench process");

	praxis_config cfg;
	praxis_config_init(&cfg);
	cfg.environment = (const char *const[]){"PATH=/usr/local/bin:/usr/bin:/bin", NULL};
	praxis_sandbox *sb;
	if (praxis_sandbox_new(&cfg, &sb, &err) < 0)
		die("sandbox", err.message);
	const char *const exe_argv[] = {exe_copy, NULL};
	const char *const so_argv[] = {runner, so_copy, PRAXIS_PLUGIN_SYMBOL, NULL};
#define ROWS(T)                                                                                    \
	{.label = "plain fork+exec, exe", .threads = T, .call = plain_call, .argv = exe_argv},     \
	    {.label = "praxis_sandbox_run, exe",                                                   \
	     .threads = T,                                                                         \
	     .call = lib_call,                                                                     \
	     .argv = exe_argv,                                                                     \
	     .sb = sb},                                                                            \
	    {.label = "executor, exe",                                                             \
	     .threads = T,                                                                         \
	     .call = exec_call,                                                                    \
	     .plugin = "trivial-exe",                                                              \
	     .ex = ex},                                                                            \
	    {.label = "plain fork+exec, so runner",                                                \
	     .threads = T,                                                                         \
	     .call = plain_call,                                                                   \
	     .argv = so_argv},                                                                     \
	    {.label = "plain fork, preloaded .so", .threads = T, .call = fork_call, .fn = sym.fn}, \
	    {.label = "executor, .so (zygote)",                                                    \
	     .threads = T,                                                                         \
	     .call = exec_call,                                                                    \
	     .plugin = "trivial-so",                                                               \
	     .ex = ex},                                                                            \
	    {.label = "executor, .so (zygote+audit)",                                              \
	     .threads = T,                                                                         \
	     .call = exec_call,                                                                    \
	     .plugin = "trivial-so",                                                               \
	     .ex = ex_audit},                                                                      \
	{                                                                                          \
		.label = "executor, .so (fresh run)", .threads = T, .call = exec_call,             \
		.plugin = "trivial-so", .ex = ex_fresh                                             \
	}
	struct row rows[] = {ROWS(1), ROWS(2)};
	size_t n_rows = sizeof(rows) / sizeof(*rows);
	for (size_t i = 0; i < n_rows; i++) {
		rows[i].lat = calloc(MAX_SAMPLES, sizeof(double));
		run_batch(&rows[i], 10 * rows[i].threads); /* warm-up, not counted */
		rows[i].seconds = 0;
		rows[i].calls = 0;
		rows[i].n_lat = 0;
	}
	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < n_rows; i++)
			run_batch(&rows[i], per_round);

	printf("bench_exec: %d rounds x %d calls per row, interleaved; trivial plugin, params %s\n",
	       rounds, per_round, PARAMS);
	printf("%-30s %7s %10s %11s %10s %10s\n", "row", "threads", "calls/s", "median_us",
	       "p10_us", "p90_us");
	for (size_t i = 0; i < n_rows; i++) {
		struct row *row = &rows[i];
		printf("%-30s %7d %10.0f", row->label, row->threads,
		       (double)row->calls / row->seconds);
		if (row->n_lat) {
			qsort(row->lat, (size_t)row->n_lat, sizeof(double), cmp_double);
			printf(" %11.1f %10.1f %10.1f", row->lat[row->n_lat / 2] * 1e6,
			       row->lat[row->n_lat / 10] * 1e6,
			       row->lat[row->n_lat * 9 / 10] * 1e6);
		}
		putchar('\n');
		free(row->lat);
	}
	praxis_sandbox_free(sb);
	praxis_executor_free(ex);
	praxis_executor_free(ex_fresh);
	praxis_executor_free(ex_audit);
	dlclose(handle);
	praxis_factory_free(factory);
	return nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : 1;
}
