/* spawn_cmd: run several command lines round-robin (A,B,C,A,B,C,...) in one
 * process, N times each, and print median/p10/p90 wall time per command and
 * its ratio to a "plain" row and to an "env" row (the floor for any launcher).
 *
 *   spawn_cmd [-n N] [-w WARMUP] [-p LABEL] [-e LABEL] [-f FILE] [GROUP ::: GROUP ...]
 *
 * A GROUP is  [@LABEL] [vs=LABEL] PROGRAM [ARG...]
 *   @LABEL     the row's name (default: the command line itself)
 *   vs=LABEL   also print this row's ratio to row LABEL (e.g. python under a
 *              sandbox vs plain python)
 * With -f, FILE holds one group per line (words split on blanks, no quoting;
 * blank lines and lines starting with # are ignored); groups given on the
 * command line come after those of the file.
 * -p LABEL   the plain row (default: the first row)
 * -e LABEL   the env row (default: the row labelled "env", if any)
 *
 * Each child gets /dev/null as stdin, stdout and stderr and this process's
 * environment; PROGRAM is looked up in PATH once, before timing. A command
 * that does not exit 0 is reported as FAILED and left out of later rounds;
 * the exit status is then 3 (2 for usage errors).
 * Times are CLOCK_MONOTONIC from just before fork() to just after wait4();
 * cpu_us is the child's user+system time (from wait4, includes the children
 * it waited for).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_ROWS 64
#define MAX_ARGS 128

struct row {
	char *label;
	char *ref_label;
	int ref; /* index or -1 */
	char *path;
	char *argv[MAX_ARGS + 1];
	int argc;
	bool failed;
	int fail_status;
	double *wall;
	double *cpu;
};

static struct row rows[MAX_ROWS];
static int n_rows;

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "spawn_cmd: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		die("%s", "out of memory");
	return p;
}

static void add_word(struct row *r, const char *w)
{
	if (r->argc == 0 && w[0] == '@' && !r->label) {
		r->label = xstrdup(w + 1);
		return;
	}
	if (r->argc == 0 && strncmp(w, "vs=", 3) == 0 && !r->ref_label) {
		r->ref_label = xstrdup(w[3] == '@' ? w + 4 : w + 3);
		return;
	}
	if (r->argc >= MAX_ARGS)
		die("too many arguments in a command (max %s)", "128");
	r->argv[r->argc++] = xstrdup(w);
}

static struct row *new_row(void)
{
	if (n_rows >= MAX_ROWS)
		die("too many commands (max %s)", "64");
	struct row *r = &rows[n_rows++];
	r->ref = -1;
	return r;
}

static void read_file(const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	if (!f)
		die("cannot open %s", path);
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		char *save = NULL, *w = strtok_r(line, " \t\r\n", &save);
		if (!w || w[0] == '#')
			continue;
		struct row *r = new_row();
		for (; w; w = strtok_r(NULL, " \t\r\n", &save))
			add_word(r, w);
	}
	free(line);
	if (f != stdin)
		fclose(f);
}

/* execvp's lookup, done once so the driver's own PATH search is not timed. */
static char *resolve(const char *name)
{
	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	char *copy = xstrdup(path), *save = NULL;
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char buf[4096];
		snprintf(buf, sizeof(buf), "%s/%s", *d ? d : ".", name);
		if (access(buf, X_OK) == 0) {
			free(copy);
			return xstrdup(buf);
		}
	}
	free(copy);
	return NULL;
}

static int find_label(const char *label)
{
	for (int i = 0; i < n_rows; i++)
		if (strcmp(rows[i].label, label) == 0)
			return i;
	return -1;
}

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int devnull = -1;

/* Returns the wait status, or -1 when fork failed. */
static int run_once(const struct row *r, double *wall, double *cpu)
{
	double t0 = now_us();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execve(r->path, r->argv, environ);
		_exit(127);
	}
	int st = 0;
	struct rusage ru;
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	*wall = now_us() - t0;
	*cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	return st;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(const double *v, int n, double p)
{
	int i = (int)(p * (n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

static double med(const double *v, int n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int parse_int(const char *s, const char *opt)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end || v < 1 || v > 10000000)
		die("%s expects a positive integer", opt);
	return (int)v;
}

static void usage(FILE *f)
{
	fputs("usage: spawn_cmd [-n N] [-w WARMUP] [-p LABEL] [-e LABEL] [-f FILE]\n"
	      "                 [GROUP ::: GROUP ...]\n"
	      "  GROUP: [@LABEL] [vs=LABEL] PROGRAM [ARG...]\n",
	      f);
}

int main(int argc, char **argv)
{
	int n = 300, warmup = 10, opt;
	const char *plain_label = NULL, *env_label = NULL;
	while ((opt = getopt(argc, argv, "+n:w:p:e:f:h")) != -1) {
		switch (opt) {
		case 'n': n = parse_int(optarg, "-n"); break;
		case 'w': warmup = parse_int(optarg, "-w"); break;
		case 'p': plain_label = optarg; break;
		case 'e': env_label = optarg; break;
		case 'f': read_file(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	struct row *cur = NULL;
	for (int i = optind; i < argc; i++) {
		if (strcmp(argv[i], ":::") == 0) {
			cur = NULL;
			continue;
		}
		if (!cur)
			cur = new_row();
		add_word(cur, argv[i]);
	}
	if (n_rows == 0) {
		usage(stderr);
		return 2;
	}
	for (int i = 0; i < n_rows; i++) {
		struct row *r = &rows[i];
		if (r->argc == 0)
			die("a group has no command%s", "");
		r->argv[r->argc] = NULL;
		if (!r->label) {
			char buf[256] = "";
			for (int a = 0; a < r->argc; a++) {
				if (a)
					strncat(buf, " ", sizeof(buf) - strlen(buf) - 1);
				strncat(buf, r->argv[a], sizeof(buf) - strlen(buf) - 1);
			}
			r->label = xstrdup(buf);
		}
		if (!(r->path = resolve(r->argv[0])))
			die("%s: not found or not executable", r->argv[0]);
		r->wall = calloc((size_t)n, sizeof(double));
		r->cpu = calloc((size_t)n, sizeof(double));
		if (!r->wall || !r->cpu)
			die("%s", "out of memory");
	}
	for (int i = 0; i < n_rows; i++)
		if (rows[i].ref_label && (rows[i].ref = find_label(rows[i].ref_label)) < 0)
			die("vs=%s: no such label", rows[i].ref_label);
	int plain = plain_label ? find_label(plain_label) : 0;
	if (plain < 0)
		die("-p %s: no such label", plain_label);
	int env = find_label(env_label ? env_label : "env");
	if (env_label && env < 0)
		die("-e %s: no such label", env_label);

	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		die("/dev/null: %s", strerror(errno));

	/* Warm-up, and the check that every command works. */
	double w, c;
	for (int k = 0; k < warmup; k++) {
		for (int i = 0; i < n_rows; i++) {
			if (rows[i].failed)
				continue;
			int st = run_once(&rows[i], &w, &c);
			if (st != 0) {
				rows[i].failed = true;
				rows[i].fail_status = st;
			}
		}
	}
	for (int k = 0; k < n; k++) {
		for (int i = 0; i < n_rows; i++) {
			if (rows[i].failed)
				continue;
			int st = run_once(&rows[i], &rows[i].wall[k], &rows[i].cpu[k]);
			if (st != 0) {
				fprintf(stderr, "spawn_cmd: %s: failed in round %d (status 0x%x)\n",
					rows[i].label, k, (unsigned)st);
				rows[i].failed = true;
				rows[i].fail_status = st;
			}
		}
	}

	int any_failed = 0;
	double meds[MAX_ROWS] = {0};
	for (int i = 0; i < n_rows; i++) {
		if (rows[i].failed)
			continue;
		qsort(rows[i].wall, (size_t)n, sizeof(double), cmp_double);
		qsort(rows[i].cpu, (size_t)n, sizeof(double), cmp_double);
		meds[i] = med(rows[i].wall, n);
	}
	printf("spawn_cmd: %d runs per command, interleaved round-robin, after %d warm-up rounds\n",
	       n, warmup);
	printf("%-34s %10s %10s %10s %8s %8s %8s  %s\n", "command", "median_us", "p10_us", "p90_us",
	       "cpu_us", "x_plain", "x_env", "x_ref");
	for (int i = 0; i < n_rows; i++) {
		const struct row *r = &rows[i];
		if (r->failed) {
			any_failed = 1;
			int st = r->fail_status;
			if (st < 0)
				printf("%-34s FAILED (fork/wait error)\n", r->label);
			else if (WIFEXITED(st))
				printf("%-34s FAILED (exit %d)\n", r->label, WEXITSTATUS(st));
			else
				printf("%-34s FAILED (signal %d)\n", r->label, WTERMSIG(st));
			continue;
		}
		char xp[16] = "-", xe[16] = "-", xr[64] = "";
		if (!rows[plain].failed)
			snprintf(xp, sizeof(xp), "%.2fx", meds[i] / meds[plain]);
		if (env >= 0 && !rows[env].failed)
			snprintf(xe, sizeof(xe), "%.2fx", meds[i] / meds[env]);
		if (r->ref >= 0 && !rows[r->ref].failed)
			snprintf(xr, sizeof(xr), "%.2fx vs %s", meds[i] / meds[r->ref],
				 rows[r->ref].label);
		printf("%-34s %10.1f %10.1f %10.1f %8.0f %8s %8s  %s\n", r->label, meds[i],
		       pct(r->wall, n, 0.10), pct(r->wall, n, 0.90), med(r->cpu, n), xp, xe, xr);
	}
	return any_failed ? 3 : 0;
}
