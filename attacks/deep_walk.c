/* A working directory more than 4096 levels deep (single-letter names:
 * 2 bytes a level, beyond PATH_MAX after 2048 levels), made with relative
 * mkdir/chdir inside a writable grant; then files created and opened there.
 * Prints the time per 500 levels (the supervisor walks ".." once per deep
 * operation) and what the kernel answered for the final operations.
 * usage: deep_walk LEVELS [OPENS] */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int levels = argc > 1 ? atoi(argv[1]) : 5000;
	int opens = argc > 2 ? atoi(argv[2]) : 20;
	int prebuilt = argc > 3 && !strcmp(argv[3], "prebuilt");
	double t0 = now(), t = t0;
	if (prebuilt) { /* the tree exists (made by the control): chdir down 1000 levels at a time */
		static char chunk[2000];
		for (int i = 0; i < 1000; i++)
			memcpy(chunk + 2 * i, i ? "/a" : "a", 2);
		memcpy(chunk, "a/", 2);
		for (int i = 0; i < 1000; i++)
			memcpy(chunk + 2 * i, "a/", 2);
		chunk[1999] = 0;
		int left = levels;
		while (left > 0) {
			int n = left > 1000 ? 1000 : left;
			chunk[2 * n - 1] = 0;
			if (chdir(chunk) < 0) {
				printf("chdir: %s\n", strerror(errno));
				return 1;
			}
			chunk[2 * n - 1] = '/';
			left -= n;
		}
		chunk[1999] = 0;
		levels = -levels;
	}
	for (int i = 1; i <= levels; i++) {
		if (mkdir("a", 0755) < 0 && errno != EEXIST) {
			printf("mkdir at level %d: %s\n", i, strerror(errno));
			return 1;
		}
		if (chdir("a") < 0) {
			printf("chdir at level %d: %s\n", i, strerror(errno));
			return 1;
		}
		if (i % 500 == 0) {
			double n = now();
			printf("level %5d: %.3f s for the last 500 (%.2f ms each)\n", i, n - t,
			       (n - t) * 2);
			fflush(stdout);
			t = n;
		}
	}
	double o0 = now();
	int ok = 0, err = 0, e = 0;
	for (int i = 0; i < opens; i++) {
		int fd = open("f", O_CREAT | O_WRONLY, 0644);
		if (fd >= 0) {
			ok++;
			if (write(fd, "x", 1) != 1)
				err++;
			close(fd);
		} else {
			err++;
			e = errno;
		}
	}
	double o1 = now();
	printf("depth %d: open(\"f\", O_CREAT|O_WRONLY) x%d: %d succeeded, %d failed (%s); "
	       "%.2f ms each; total %.2f s\n",
	       levels < 0 ? -levels : levels, opens, ok, err, e ? strerror(e) : "-", (o1 - o0) * 1000 / opens, o1 - t0);
	return 0;
}
