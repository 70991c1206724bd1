/* What the host verifies of a zygote from /proc, trusting nothing it says:
 * a zygote runs code the plugin loaded, which may have taken it over. */
#ifndef PRAXIS_ZYGOTE_CHECK_H
#define PRAXIS_ZYGOTE_CHECK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The host's view of a zygote once it is ready. */
struct zygote_view {
	pid_t pid;          /* the zygote, in our pid namespace */
	pid_t reaper;       /* its parent: the run's pid 1, a child of ours */
	uint64_t cpu_ns;    /* its own user+system CPU when it became ready */
	uint64_t rss_bytes; /* its resident memory then */
};

/* PIDFD (sent by the zygote as itself): is it a child of a child of ours?
 * Fills V's pid and reaper. */
bool zygote_identify(int pidfd, struct zygote_view *v, char *why, size_t size);
/* Loaded and nothing else: one thread, no process of its own or besides it
 * in its run, no fd beyond 0-2 (and a pidfd), no writable shared memory.
 * Fills V's baseline. */
bool zygote_clean(struct zygote_view *v, char *why, size_t size);
/* Every 10 ms once ready: still one thread, no process besides the zygote under the
 * reaper, at most MAX_CHILDREN of its own, its CPU and memory where a
 * zygote that only forks and forwards keeps them after CALLS calls. */
bool zygote_sane(const struct zygote_view *v, unsigned max_children, uint64_t calls, char *why,
                 size_t size);
/* What no child of a zygote may pass (0: not bounded). */
struct child_bound {
	uint64_t rss_bytes;
	double cpu_seconds;
	uint64_t threads;
};

/* Every child of the zygote (its spare and its calls' processes) within B. */
bool zygote_children_within(const struct zygote_view *v, const struct child_bound *b, char *why,
                            size_t size);
/* Processes listed as PID's children (-1 when unreadable). */
int proc_children_count(pid_t pid);
/* The pid of a pidfd in our pid namespace; -1 when its process is gone
 * (reaped), -2 when FD is not a pidfd. */
pid_t pidfd_pid(int pidfd);
/* PID's parent, or -1. */
pid_t proc_ppid(pid_t pid);

#endif
