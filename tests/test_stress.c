/* The host's own resources at a realistic scale: 2000 runs of /bin/true as
 * 8 threads x 250 through praxis_sandbox_run; fds and processes are the
 * same before and after, and every run ends cleanly. */
#include <dirent.h>
#include <pthread.h>
#include <time.h>

#include "helpers.h"

TestSuite(stress, .timeout = 150);

#define THREADS 8
#define RUNS    250

struct worker {
	praxis_sandbox *sb;
	int failures;
	char first_failure[600];
};

static void *worker_main(void *p)
{
	struct worker *w = p;
	static const char *const argv[] = {"/bin/true", NULL};
	for (int i = 0; i < RUNS; i++) {
		praxis_run_opts opts;
		praxis_run_opts_init(&opts);
		opts.argv = argv;
		opts.stdio[0] = opts.stdio[1] = opts.stdio[2] = -1;
		praxis_result res;
		praxis_error err = {0};
		int r = praxis_sandbox_run(w->sb, &opts, &res, &err);
		bool ok = r == 0 && res.status == PRAXIS_EXITED && res.exit_code == 0;
		if (!ok && w->failures++ == 0)
			snprintf(w->first_failure, sizeof(w->first_failure),
			         "run %d: r=%d %s status=%d", i, r, r < 0 ? err.message : "",
			         r == 0 ? (int)res.status : -1);
		if (r == 0)
			praxis_result_release(&res);
	}
	return NULL;
}

/* Processes whose parent is this test process (zombies included). */
static int count_children(void)
{
	DIR *d = opendir("/proc");
	cr_assert_not_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[300], buf[512];
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		size_t len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[len] = '\0';
		char *rp = strrchr(buf, ')');
		int ppid = 0;
		if (rp && sscanf(rp + 2, "%*c %d", &ppid) == 1 && ppid == getpid())
			n++;
	}
	closedir(d);
	return n;
}

static int count_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	cr_assert_not_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void stress(unsigned flags)
{
	praxis_config cfg;
	praxis_config_init(&cfg);
	cfg.flags = flags;
	praxis_sandbox *sb;
	praxis_error err = {0};
	cr_assert_eq(praxis_sandbox_new(&cfg, &sb, &err), 0, "%s", err.message);
	int fds = count_open_fds(), children = count_children(), tasks = count_tasks();
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct worker w[THREADS];
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){.sb = sb};
		cr_assert_eq(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	int failures = 0;
	const char *first = NULL;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		failures += w[i].failures;
		if (w[i].failures && !first)
			first = w[i].first_failure;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_log_info("%d runs in %.2f s (%.0f runs/s)", THREADS * RUNS, secs, THREADS * RUNS / secs);
	cr_assert_eq(failures, 0, "%d of %d runs failed; first: %s", failures, THREADS * RUNS,
	             first);
	cr_assert_eq(count_open_fds(), fds, "fds before %d, after %d: %s", fds, count_open_fds(),
	             list_open_fds());
	cr_assert_eq(count_children(), children, "child processes before %d, after %d", children,
	             count_children());
	cr_assert_eq(count_tasks(), tasks, "threads before %d, after %d", tasks, count_tasks());
	praxis_sandbox_free(sb);
}

PTEST(stress, two_thousand_runs_pid_namespace)
{
	stress(0);
}

PTEST(stress, two_thousand_runs_no_pid_namespace)
{
	stress(PRAXIS_NO_PID_NAMESPACE);
}
