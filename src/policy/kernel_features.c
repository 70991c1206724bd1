/* What this kernel can enforce, for `praxis doctor` and for tests that must
 * say why they were skipped. Probes by trying, not by version numbers. */
#include <errno.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup_place.h"
#include "landlock.h"
#include "praxis/praxis.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* Can we clone a child into FLAGS (namespaces) from here? */
static bool try_clone(unsigned long flags)
{
	int pidfd = -1;
	struct clone_args args = {
	    .flags = CLONE_PIDFD | flags, .pidfd = (uint64_t)(uintptr_t)&pidfd, .exit_signal = 0};
	long pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		return false;
	if (pid == 0)
		_exit(0);
	siginfo_t si;
	syscall(SYS_waitid, P_PIDFD, pidfd, &si, WEXITED | __WALL, NULL);
	close(pidfd);
	return true;
}

/* The host's own cgroup v2 is writable, with the memory and pids
 * controllers enabled for its children. */
static bool cgroup_delegated(const char *place)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", place);
	FILE *c = fopen(path, "re");
	bool ok = false;
	if (c) {
		char ctl[512] = "";
		if (fgets(ctl, sizeof(ctl), c))
			ok =
			    strstr(ctl, "memory") && strstr(ctl, "pids") && access(path, W_OK) == 0;
		fclose(c);
	}
	return ok;
}

void praxis_kernel_probe(praxis_kernel_support *ks)
{
	memset(ks, 0, sizeof(*ks));
	int abi = landlock_abi();
	ks->landlock_abi = abi > 0 ? abi : 0;
	ks->landlock_errno = abi < 0 ? -abi : 0;
	uint32_t action = SECCOMP_RET_USER_NOTIF;
	ks->seccomp_filter =
	    syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &(uint32_t){SECCOMP_RET_ERRNO}) == 0;
	ks->seccomp_user_notif = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
	int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	ks->pidfd = fd >= 0;
	if (fd >= 0)
		close(fd);
	ks->clone3 = try_clone(0);
	ks->running_as_root = geteuid() == 0;
	ks->user_namespaces = try_clone(CLONE_NEWUSER);
	ks->pid_namespace = try_clone(CLONE_NEWPID | (ks->running_as_root ? 0 : CLONE_NEWUSER));
	char place[4096], why[256];
	ks->cgroup_v2_accounting =
	    cgroup_place_for_runs(place, sizeof(place), why, sizeof(why)) == 0;
	ks->cgroup_v2_delegated = ks->cgroup_v2_accounting && cgroup_delegated(place);
}
