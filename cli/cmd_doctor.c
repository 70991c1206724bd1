/* praxis doctor: what this kernel lets Praxis enforce. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "praxis/praxis.h"

static void line(const char *what, bool ok, const char *detail)
{
	printf("%-34s %-4s %s\n", what, ok ? "yes" : "NO", detail);
}

int cmd_doctor(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "praxis doctor: takes no arguments\n");
		return EXIT_SETUP_FAILED;
	}
	praxis_kernel_support ks;
	praxis_kernel_probe(&ks);
	char abi[160];
	if (ks.landlock_abi)
		snprintf(abi, sizeof(abi), "ABI %d%s%s%s%s", ks.landlock_abi,
			 ks.landlock_abi >= 3 ? ", truncate" : "",
			 ks.landlock_abi >= 4 ? ", TCP ports" : "",
			 ks.landlock_abi >= 5 ? ", device ioctl" : "",
			 ks.landlock_abi >= 6 ? ", scopes (abstract UNIX, signals)" : "");
	else
		snprintf(abi, sizeof(abi), "unavailable: %s", strerror(ks.landlock_errno));
	line("landlock (filesystem, TCP)", ks.landlock_abi >= 3, abi);
	line("seccomp filter", ks.seccomp_filter, "syscall deny list, sockets, processes");
	line("seccomp user notification", ks.seccomp_user_notif, "per-operation audit log");
	line("pidfd", ks.pidfd, "race-free supervision");
	line("clone3", ks.clone3, "");
	line("user namespaces", ks.user_namespaces, ks.running_as_root ? "(not needed as root)" : "needed for a pid namespace without root");
	line("pid namespace", ks.pid_namespace, "whole-tree kill and reap");
	line("zygote for .so plugins", ks.landlock_abi >= 6 && ks.pidfd,
	     ks.landlock_abi >= 6 ? "a forked process per call, each in a Landlock domain of its own"
				  : "needs Landlock ABI 6: each call would be a fresh run");
	line("cgroup v2 per-run accounting", ks.cgroup_v2_accounting,
	     ks.cgroup_v2_accounting
	         ? "cpu.stat counts children nobody waits for; cgroup.kill"
	         : "no writable cgroup v2: CPU of short-lived children is sampled (bound: wall)");
	line("cgroup v2 delegated", ks.cgroup_v2_delegated,
	     ks.cgroup_v2_delegated ? "memory/pids controllers usable"
				    : "not delegated: limits fall back to rlimits + supervisor");
	printf("running as %s\n", ks.running_as_root ? "root (plugins get no capabilities)" : "an unprivileged user");
	bool usable = ks.landlock_abi >= 3 && ks.seccomp_filter && ks.pidfd && ks.clone3;
	printf("verdict: %s\n", usable ? "full enforcement available"
				       : "praxis will refuse to run unless degraded mode is allowed");
	return usable ? 0 : 1;
}
