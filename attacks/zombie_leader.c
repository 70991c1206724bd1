/* CPU limit bypass of the tree sampler: a process whose main thread has
 * exited (pthread_exit) shows state Z in /proc/PID/stat while its other
 * threads run, and the sampler counts a 'Z' member as 0 CPU (tree_sampler.c:
 * "A zombie counts for nothing"). Its threads burn CPU unseen until the
 * kernel's RLIMIT_CPU backstop (limit+1 s SIGXCPU, ignored here; limit+2 s
 * SIGKILL), per process. With system.subprocess and no cgroup, K such
 * processes run K x (limit + 2) s of CPU.
 * usage: zombie_leader K SECONDS   (K processes, each burning SECONDS) */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static double now(clockid_t c) { struct timespec t; clock_gettime(c, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static double secs;
static void *burn(void *a)
{
	int k = (int)(long)a;
	double next = 0.5;
	while (now(CLOCK_PROCESS_CPUTIME_ID) < secs)
		if (now(CLOCK_PROCESS_CPUTIME_ID) > next) {
			fprintf(stderr, "process %d: %.1f s CPU\n", k, next);
			next += 0.5;
		}
	fprintf(stderr, "process %d: done, %.2f s CPU\n", k, now(CLOCK_PROCESS_CPUTIME_ID));
	exit(0);
}
static void become_burner(int k)
{
	signal(SIGXCPU, SIG_IGN);
	pthread_t t;
	pthread_create(&t, NULL, burn, (void *)(long)k);
	pthread_exit(NULL); /* the leader is a zombie from now on */
}
int main(int argc, char **argv)
{
	int k = argc > 1 ? atoi(argv[1]) : 1;
	secs = argc > 2 ? atof(argv[2]) : 3.0;
	if (k <= 1)
		become_burner(0);
	for (int i = 0; i < k; i++)
		if (fork() == 0)
			become_burner(i);
	int st;
	while (wait(&st) > 0) {}
	struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(stderr, "all %d processes done\n", k);
	return 0;
}
