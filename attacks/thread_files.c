/* Kernel memory held in fd tables the supervisor never looks at.
 *
 * The filter lets any clone() with CLONE_THREAD through; CLONE_FILES is not
 * required. A thread made without it has a private fd table (its own
 * RLIMIT_NOFILE worth of fds). The sampler counts fds by stat'ing
 * /proc/PID/fd of each *process* (the leader's table) and the census scans
 * the same directories, so what a thread holds in its own table is charged
 * nothing.
 *
 * Each of THREADS threads fills its private table with MODE objects:
 *   pipe : pipes filled with 64 KiB (16 x 4 KiB slots), write end closed
 *   sock : socketpairs (made by the supervisor with bounded buffers), one
 *          end written until EAGAIN, then that end closed: the queue stays
 *   epoll: one eventfd dup'ed to half the table, the other half epoll
 *          instances each watching every dup (epoll watches: no fd charge)
 * then everything sleeps SECONDS.
 * usage: thread_files MODE THREADS [SECONDS] */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *mode;
static volatile int done_threads, objects_total;
static char page[4096];

static int fill_pipes(void)
{
	int n = 0, p[2];
	while (pipe2(p, O_NONBLOCK) == 0) {
		for (int i = 0; i < 16; i++)
			if (write(p[1], page, sizeof page) != sizeof page)
				break;
		close(p[1]);
		n++;
	}
	return n;
}

static int fill_socks(void)
{
	int n = 0, s[2];
	while (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s) == 0) {
		while (write(s[0], page, sizeof page) > 0)
			;
		close(s[0]);
		n++;
	}
	return n;
}

static int fill_epoll(void)
{
	int e = eventfd(0, 0), dups[600], nd = 0, n = 0;
	if (e < 0)
		return 0;
	dups[nd++] = e;
	while (nd < 500) {
		int d = dup(e);
		if (d < 0)
			break;
		dups[nd++] = d;
	}
	for (;;) {
		int ep = epoll_create1(0);
		if (ep < 0)
			break;
		for (int i = 0; i < nd; i++) {
			struct epoll_event ev = {.events = EPOLLIN, .data.fd = dups[i]};
			if (epoll_ctl(ep, EPOLL_CTL_ADD, dups[i], &ev) < 0)
				return n;
			n++;
		}
	}
	return n;
}

static int thread_main(void *arg)
{
	(void)arg;
	int n = !strcmp(mode, "pipe") ? fill_pipes() : !strcmp(mode, "sock") ? fill_socks()
	                                                                        : fill_epoll();
	__atomic_add_fetch(&objects_total, n, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&done_threads, 1, __ATOMIC_SEQ_CST);
	for (;;)
		pause();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: thread_files pipe|sock|epoll THREADS [SECONDS]\n");
		return 2;
	}
	mode = argv[1];
	int threads = atoi(argv[2]), secs = argc > 3 ? atoi(argv[3]) : 6;
	memset(page, 'x', sizeof page);
	for (int i = 0; i < threads; i++) {
		size_t sz = 256 * 1024;
		char *stack = malloc(sz);
		/* a thread (CLONE_THREAD) with its own fd table: no CLONE_FILES */
		int flags = CLONE_VM | CLONE_FS | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
		if (clone(thread_main, stack + sz, flags, NULL) < 0) {
			perror("clone");
			return 1;
		}
		while (done_threads <= i) /* one at a time: errno is shared */
			usleep(1000);
	}
	int mine = 0;
	for (int fd = 0; fd < 4096; fd++)
		mine += fcntl(fd, F_GETFD) >= 0;
	printf("%s: %d threads with private fd tables, %d objects in them; the main table "
	       "holds %d fds\n",
	       mode, threads, objects_total, mine);
	fflush(stdout);
	sleep(secs);
	puts("done");
	fflush(stdout);
	_exit(0);
}
