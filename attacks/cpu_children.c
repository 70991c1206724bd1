/* CPU limit bypass: children that are reaped automatically (SIGCHLD
 * ignored) and live 2 ms each. A 10 ms sampler sees at most one of the
 * ~4 that run between two samples, and only part of its CPU; the kernel's
 * RLIMIT_CPU is per process. Prints the CPU its children really used. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static double cpu_now(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}
int main(int argc, char **argv)
{
	double want = argc > 1 ? atof(argv[1]) : 3.0; /* seconds of children's CPU */
	signal(SIGCHLD, SIG_IGN);
	unsigned long n = 0;
	double next = 0.5;
	while (n * 0.002 < want) {
		pid_t p = fork();
		if (p == 0) {
			double t0 = cpu_now(CLOCK_PROCESS_CPUTIME_ID);
			while (cpu_now(CLOCK_PROCESS_CPUTIME_ID) - t0 < 0.002) {}
			_exit(0);
		}
		if (p < 0) { perror("fork"); return 1; }
		while (wait(NULL) >= 0 || 0) {} /* ECHILD once it is gone (auto-reaped) */
		n++;
		if (n * 0.002 >= next) {
			fprintf(stderr, "children used %.2f s CPU (%lu children), parent %.2f s\n",
			        n * 0.002, n, cpu_now(CLOCK_PROCESS_CPUTIME_ID));
			next += 0.5;
		}
	}
	fprintf(stderr, "done: children used %.2f s CPU, parent %.2f s\n", n * 0.002,
	        cpu_now(CLOCK_PROCESS_CPUTIME_ID));
	return 0;
}
