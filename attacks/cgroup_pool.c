/* Per-run cgroup pool under concurrency (library, one sandbox, THREADS host
 * threads, RUNS runs each). Every run's plugin (this program, "child"):
 * reads its cgroup and how many processes are in it at its start, burns
 * 0.2 s of CPU, and (every other run) leaves a CPU-burning grandchild
 * behind when it exits. A pooled cgroup must come back empty and count
 * only its run: a run reporting much more than 0.2 s, a cgroup seen with
 * extra processes at the start, or two concurrent runs in one cgroup, is
 * a leak. usage: cgroup_pool THREADS RUNS (needs cgroup_pool_child beside it); build: see Makefile */
#define _GNU_SOURCE
#ifndef CHILD_ONLY
#include <praxis/praxis.h>
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>

static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int child(int leave)
{
	char cg[512] = "", path[700];
	FILE *f = fopen("/proc/self/cgroup", "r");
	if (f && fgets(cg, sizeof cg, f))
		cg[strcspn(cg, "\n")] = 0;
	if (f)
		fclose(f);
	int procs = -1;
	snprintf(path, sizeof path, "/sys/fs/cgroup%s/cgroup.procs", cg + 3);
	if ((f = fopen(path, "r"))) {
		char l[64];
		procs = 0;
		while (fgets(l, sizeof l, f))
			procs++;
		fclose(f);
	}
	printf("%s procs=%d\n", cg + 3, procs);
	fflush(stdout);
	if (leave && fork() == 0) {
		setsid();
		signal(SIGHUP, SIG_IGN);
		for (;;)
			;
	}
	double t0 = cpu_now();
	while (cpu_now() - t0 < 0.2)
		;
	return 0;
}

#ifdef CHILD_ONLY
int main(int argc, char **argv) { return child(argc > 2 && atoi(argv[2])); }
#else
static praxis_sandbox *sb;
static int runs;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int bad, total;

static void *host(void *arg)
{
	long id = (long)arg;
	for (int i = 0; i < runs; i++) {
		char self[64];
		snprintf(self, sizeof self, "%d", (int)((id + i) & 1));
		const char *argv[] = {"/proc/self/exe", "child", self, NULL};
		praxis_run_opts o;
		praxis_run_opts_init(&o);
		o.argv = argv;
		o.output = PRAXIS_OUTPUT_CAPTURE;
		praxis_result r;
		praxis_error err;
		static char exe[4096];
		if (!exe[0]) {
			ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 10);
			exe[n > 0 ? n : 0] = 0;
			strcat(exe, "_child"); /* no libpraxis.so needed in the sandbox */
		}
		argv[0] = exe;
		if (praxis_sandbox_run(sb, &o, &r, &err) < 0) {
			fprintf(stderr, "run failed: %s\n", err.message);
			continue;
		}
		double cpu = r.usage.user_cpu_seconds + r.usage.system_cpu_seconds;
		int procs = -1;
		char cgname[512] = "?";
		if (r.stdout_data)
			sscanf(r.stdout_data, "%511s procs=%d", cgname, &procs);
		pthread_mutex_lock(&mu);
		total++;
		int wrong = cpu > 0.45 || procs > 2 || r.status != PRAXIS_EXITED;
		bad += wrong;
		printf("thread %ld run %d: status %d limit %d cpu %.3f cgroup %s procs-at-start %d%s\n", id,
		       i, r.status, r.limit, cpu, strrchr(cgname, '/') ? strrchr(cgname, '/') + 1 : cgname,
		       procs, wrong ? "  <-- WRONG" : "");
		pthread_mutex_unlock(&mu);
		praxis_result_release(&r);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "child"))
		return child(argc > 2 && atoi(argv[2]));
	int threads = argc > 1 ? atoi(argv[1]) : 6;
	runs = argc > 2 ? atoi(argv[2]) : 8;
	praxis_caps *caps;
	praxis_error err;
	praxis_caps_new(&caps);
	if (praxis_caps_add(caps, "system.subprocess", NULL, &err) < 0 ||
	    praxis_caps_add(caps, "filesystem.read", "/sys/fs/cgroup", &err) < 0) {
		fprintf(stderr, "caps: %s\n", err.message);
		return 1;
	}
	praxis_config cfg;
	praxis_config_init(&cfg);
	cfg.plugin_name = "cgroup_pool";
	cfg.caps = caps;
	cfg.limits.cpu_seconds = 5;
	cfg.limits.wall_seconds = 20;
	if (praxis_sandbox_new(&cfg, &sb, &err) < 0) {
		fprintf(stderr, "sandbox: %s\n", err.message);
		return 1;
	}
	pthread_t t[64];
	for (long i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, host, (void *)i);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	praxis_sandbox_free(sb);
	printf("%d runs, %d wrong\n", total, bad);
	return bad != 0;
}
#endif
