#ifndef PRAXIS_RUN_CGROUP_H
#define PRAXIS_RUN_CGROUP_H
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup_place.h"

/* A cgroup v2 of the run's own, where the host may create one (a delegated
 * subtree, or any cgroup when the host is root): the kernel counts the CPU
 * of every process that was ever in it (cpu.stat), also of children reaped
 * without anyone waiting for them, and kills them all at once
 * (cgroup.kill). Both are core cgroup v2 files: no controller needed. The
 * run's first process is cloned into it (CLONE_INTO_CGROUP), so nothing of
 * the plugin ever runs outside. Only cgroups the run created are touched. */
struct run_cgroup {
	int dir_fd;  /* -1: none */
	int stat_fd; /* cpu.stat, re-read from offset 0 */
	/* cpu.stat when this run began: an idle cgroup is reused by the
	 * sandbox's next run (a fresh one costs ~0.1 ms to make and remove) */
	uint64_t base_usage, base_user;
	char path[4096];
};

/* A sandbox's idle cgroups, for its next runs (mutex inside). */
#define RUN_CGROUP_POOL 4
struct run_cgroup_pool {
	pthread_mutex_t lock;
	struct run_cgroup idle[RUN_CGROUP_POOL];
	unsigned n;
};

/* Remove the empty praxis-<pidns>-<pid>-<id> cgroups under PARENT whose
 * creating host <pid>, of our pid namespace, is gone (killed before it
 * could remove them). */
void run_cgroup_reclaim(const char *parent);
/* Create PARENT/praxis-<pidns>-<pid>-<RUN_ID>. 0 or -errno. */
int run_cgroup_create(struct run_cgroup *cg, const char *parent, uint64_t run_id);
/* An idle cgroup of POOL, or a new one under PARENT. 0 or -errno. */
int run_cgroup_take(struct run_cgroup_pool *pool, struct run_cgroup *cg, const char *parent,
                    uint64_t run_id);
/* After the run: kill what is left, and when it is empty (within ~1 s)
 * give it back to POOL, or remove it. 0, or -errno when the directory had
 * to be left behind (a process of it lives on). */
int run_cgroup_give_back(struct run_cgroup_pool *pool, struct run_cgroup *cg);
void run_cgroup_pool_init(struct run_cgroup_pool *pool);
void run_cgroup_pool_free(struct run_cgroup_pool *pool);
/* CPU used by every process that was in it during this run, microseconds. */
int run_cgroup_cpu(const struct run_cgroup *cg, uint64_t *usage_usec, uint64_t *user_usec);
/* Kill every process in it (cgroup.kill). */
int run_cgroup_kill(const struct run_cgroup *cg);
/* Kill what is left, wait (at most ~1 s) until it is empty, remove it.
 * 0, or -errno when the directory had to be left behind. */
int run_cgroup_remove(struct run_cgroup *cg);

#endif
