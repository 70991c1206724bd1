#ifndef PRAXIS_TREE_SAMPLER_H
#define PRAXIS_TREE_SAMPLER_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Resource use of a whole process tree, sampled from /proc: a sample reads
 * each member's stat and children files, starting from the root. */
/* What the previous sample saw of one member (clock ticks): a member that
 * is gone by the next sample is charged what it was last seen using. */
struct member_seen {
	pid_t pid, ppid;
	unsigned long long start; /* starttime: tells a reused pid apart */
	unsigned long long own, own_user;
	unsigned long long reaped, reaped_user; /* cutime+cstime, cutime */
	/* Charged for departed children not yet seen in this member's
	 * cutime: absorbed when its cutime grows, so a waited-for child is
	 * not counted twice. */
	unsigned long long pending, pending_user;
};

struct tree_sampler {
	pid_t root;
	pid_t *queue; /* members found in the current sample */
	size_t n, cap;
	struct member_seen *seen, *next; /* previous sample, the current one */
	size_t n_seen, n_next, cap_seen;
	/* CPU of departed members, ticks: a running total, so children that
	 * the kernel reaped (SIGCHLD ignored) still count. */
	unsigned long long banked, banked_user;
};

struct tree_usage {
	uint64_t rss_bytes;  /* resident memory, summed over the tree */
	double cpu_seconds;  /* user+system of live members and of what they reaped */
	double user_seconds; /* the user part of it */
	unsigned tasks;      /* processes + threads alive */
	uint64_t fds;        /* open fds, summed over the processes' fd tables */
	unsigned processes;
};

/* The fields of /proc/PID/stat the samplers use (clock ticks, pages). */
struct stat_line {
	unsigned long long utime, stime;
	long long cutime, cstime;
	long threads;
	long long rss_pages;
	char state;
	pid_t ppid;
	unsigned long long start;
};

int proc_stat_read(pid_t pid, struct stat_line *s);

void tree_sampler_init(struct tree_sampler *t, pid_t root);
void tree_sampler_free(struct tree_sampler *t);
int tree_sample(struct tree_sampler *t, struct tree_usage *out);

#endif
