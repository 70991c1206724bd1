/* clone3 with a pidfd and exit_signal 0: the child never sends the host a
 * SIGCHLD, and a host's own waitpid(-1) loop cannot reap it by mistake.
 * Inside another Praxis sandbox clone3 answers ENOSYS (its flags are out of
 * seccomp's reach): clone() with CLONE_PIDFD does the same, with flags a
 * filter can check, so sandboxes nest. */
#include <errno.h>
#include <linux/sched.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox_internal.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

static int spawn(unsigned long clone_flags, const struct child_plan *plan, int cgroup_fd,
                 int *ret_pidfd, pid_t *ret_pid)
{
	int pidfd = -1;
	struct clone_args args = {
	    .flags = CLONE_PIDFD | clone_flags,
	    .pidfd = (uint64_t)(uintptr_t)&pidfd,
	    .exit_signal = 0,
	};
	if (cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgroup_fd;
	}
	long pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0 && errno == ENOSYS && cgroup_fd >= 0)
		return -EOPNOTSUPP; /* clone() cannot start it in the cgroup */
	if (pid < 0 && errno == ENOSYS)
		/* x86_64 order: flags, stack, parent_tid (the pidfd), child_tid, tls */
		pid = syscall(SYS_clone, CLONE_PIDFD | clone_flags, NULL, &pidfd, NULL, NULL);
	if (pid < 0)
		return -errno;
	if (pid == 0)
		child_main(plan);
	*ret_pidfd = pidfd;
	*ret_pid = (pid_t)pid;
	return 0;
}

int spawn_child(unsigned long clone_flags, const struct child_plan *plan, int *ret_pidfd,
                pid_t *ret_pid)
{
	return spawn(clone_flags, plan, -1, ret_pidfd, ret_pid);
}

int spawn_child_in_cgroup(unsigned long clone_flags, const struct child_plan *plan, int cgroup_fd,
                          int *ret_pidfd, pid_t *ret_pid)
{
	return spawn(clone_flags, plan, cgroup_fd, ret_pidfd, ret_pid);
}
