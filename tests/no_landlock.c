/* no_landlock PROGRAM [ARG...]: run PROGRAM as if the kernel had no
 * Landlock: a seccomp filter makes landlock_create_ruleset() fail with
 * ENOSYS (what a kernel without CONFIG_SECURITY_LANDLOCK answers). Used to
 * check that praxis fails closed. */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: no_landlock PROGRAM [ARG...]\n");
		return 2;
	}
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		fprintf(stderr, "no_landlock: seccomp_init failed\n");
		return 2;
	}
	int r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), __NR_landlock_create_ruleset, 0);
	if (r == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		r = -errno;
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0) {
		fprintf(stderr, "no_landlock: cannot install the filter: %s\n", strerror(-r));
		return 2;
	}
	execv(argv[1], argv + 1);
	fprintf(stderr, "no_landlock: exec %s: %s\n", argv[1], strerror(errno));
	return 127;
}
