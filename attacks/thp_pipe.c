/* Pin anonymous transparent huge pages in pipe buffers: each pipe buffer
 * made by vmsplice() holds a reference to one 4 KiB subpage of a 2 MiB THP;
 * after munmap the whole folio stays allocated (a fully unmapped, pinned
 * THP is not split), in no RSS and no address space. A pipe has 16 slots,
 * so one pipe (charged 104 KiB by Praxis) pins 16 x 2 MiB = 32 MiB.
 * usage: thp_pipe PIPES [SECONDS]   prints MemAvailable drop */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#define HP (2UL << 20)

static long avail_kb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char l[256];
	long v = -1;
	while (f && fgets(l, sizeof l, f))
		if (sscanf(l, "MemAvailable: %ld", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char l[256];
	long v = -1;
	while (f && fgets(l, sizeof l, f))
		if (sscanf(l, "VmRSS: %ld", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	int pipes = argc > 1 ? atoi(argv[1]) : 32;
	int secs = argc > 2 ? atoi(argv[2]) : 5;
	long before = avail_kb();
	long thp = 0, fail = 0;
	for (int p = 0; p < pipes; p++) {
		int fd[2];
		if (pipe(fd) < 0) {
			perror("pipe");
			break;
		}
		for (int s = 0; s < 16; s++) {
			char *m = mmap(NULL, 2 * HP, PROT_READ | PROT_WRITE,
			               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (m == MAP_FAILED) {
				perror("mmap");
				return 1;
			}
			char *a = (char *)(((unsigned long)m + HP - 1) & ~(HP - 1));
			if (madvise(a, HP, MADV_HUGEPAGE) < 0)
				fail++;
			a[0] = 1; /* fault: one 2 MiB folio */
			memset(a, 'x', 4096);
			struct iovec v = {a, 1}; /* one byte of it into the pipe */
			if (vmsplice(fd[1], &v, 1, 0) != 1) {
				perror("vmsplice");
				return 1;
			}
			thp++;
			munmap(m, 2 * HP);
		}
		/* keep both ends (fd[0] unread) */
	}
	long after = avail_kb();
	printf("pipes %d, buffers %ld (madvise failures %ld), rss %ld KiB, "
	       "MemAvailable drop %ld MiB\n",
	       pipes, thp, fail, rss_kb(), (before - after) / 1024);
	fflush(stdout);
	for (int i = 0; i < secs; i++) {
		sleep(1);
		printf("t=%ds still alive, MemAvailable drop %ld MiB\n", i + 1,
		       (before - avail_kb()) / 1024);
		fflush(stdout);
	}
	return 0;
}
