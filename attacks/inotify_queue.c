/* Fill inotify event queues: up to fs.inotify.max_user_instances instances,
 * each watching DIR; pread() alternately on the two files with the longest
 * names there, so each read queues one IN_ACCESS event carrying the name in
 * every instance (no merging: the kernel only merges with the last event).
 * Each queue holds fs.inotify.max_queued_events events, kmalloc'd in the
 * kernel (32 bytes + name), in no RSS, not a socket or pipe.
 * usage: inotify_queue DIR [SECONDS] */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

static long meminfo(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char l[256];
	long v = -1;
	while (f && fgets(l, sizeof l, f))
		if (!strncmp(l, key, strlen(key)) && sscanf(l + strlen(key), " %ld", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/usr/lib/x86_64-linux-gnu";
	int secs = argc > 2 ? atoi(argv[2]) : 5;
	char best[2][256] = {"", ""};
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_type != DT_REG)
			continue;
		size_t n = strlen(e->d_name);
		if (n > strlen(best[0])) {
			memcpy(best[1], best[0], sizeof best[1]);
			strcpy(best[0], e->d_name);
		} else if (n > strlen(best[1]))
			strcpy(best[1], e->d_name);
	}
	if (!best[1][0]) {
		fprintf(stderr, "need two files in %s\n", dir);
		return 1;
	}
	int f[2];
	for (int i = 0; i < 2; i++) {
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", dir, best[i]);
		f[i] = open(p, O_RDONLY);
		if (f[i] < 0) {
			perror(p);
			return 1;
		}
	}
	long slab0 = meminfo("SUnreclaim:");
	int inst = 0;
	for (; inst < 1000; inst++) {
		int in = inotify_init1(IN_NONBLOCK);
		if (in < 0)
			break;
		if (inotify_add_watch(in, dir, IN_ACCESS) < 0) {
			perror("inotify_add_watch");
			return 1;
		}
	}
	char c;
	long reads = 0;
	for (int r = 0; r < 17000; r++, reads++)
		if (pread(f[r & 1], &c, 1, 0) != 1) {
			perror("pread");
			break;
		}
	long slab1 = meminfo("SUnreclaim:");
	printf("instances %d, names %zu and %zu bytes, reads %ld, SUnreclaim +%ld MiB (read "
	       "inside; -1 = unreadable)\n",
	       inst, strlen(best[0]), strlen(best[1]), reads,
	       slab0 < 0 ? -1 : (slab1 - slab0) / 1024);
	fflush(stdout);
	sleep(secs);
	puts("done");
	return 0;
}
