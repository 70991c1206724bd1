#ifndef PRAXIS_FD_CENSUS_H
#define PRAXIS_FD_CENSUS_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The distinct sockets and pipes a set of processes holds open: fds that
 * name the same one (inherited by fork, dup'ed) count once. Their queues
 * are kernel memory no RSS shows (sandbox.c, plan_kernel_buffers). */
struct fd_census {
	uint64_t watch_cap; /* stop counting epoll watches past this many */
	uint64_t watches;   /* of the last count */
	uint64_t *keys;     /* inode << 2 | kind (0 socket, 1 pipe, 2 inotify, 3 epoll) */
	size_t n, cap;
};

struct fd_objects {
	uint64_t sockets, pipes;
	uint64_t inotify;       /* instances: each queues events up to max_queued_events */
	uint64_t epoll;         /* instances */
	uint64_t epoll_watches; /* what they watch ((file, fd) pairs: more than fds) */
};

/* Count what PIDS (N of them) hold. 0, or -ENOMEM. */
int fd_census_count(struct fd_census *c, const pid_t *pids, size_t n, struct fd_objects *out);
void fd_census_free(struct fd_census *c);

#endif
