#ifndef PRAXIS_CHILD_H
#define PRAXIS_CHILD_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "landlock.h"
#include "seccomp_filter.h"

/* Setup steps, reported by a child that failed before exec. */
enum child_step {
	STEP_ID_MAPS = 1,
	STEP_SESSION,
	STEP_STDIO,
	STEP_FDS,
	STEP_CWD,
	STEP_RLIMITS,
	STEP_IDS,
	STEP_PDEATHSIG,
	STEP_NO_NEW_PRIVS,
	STEP_CAPABILITIES,
	STEP_LANDLOCK,
	STEP_SECCOMP,
	STEP_LISTENER,
	STEP_EXEC,
	STEP_SPAWN,
};

const char *child_step_name(enum child_step step);

/* What the child sends on the sync socket. */
struct child_msg {
	int kind; /* CHILD_MSG_* */
	int step;
	int error; /* positive errno */
	int fd;    /* CHILD_MSG_LISTENER: the listener's fd number in the child */
	int code;  /* CHILD_MSG_STATUS: siginfo si_code and si_status of the plugin */
	int status;
	long long utime_us, stime_us, maxrss_kb; /* of everything the reaper reaped */
};
enum { CHILD_MSG_ERROR = 1, CHILD_MSG_LISTENER = 2, CHILD_MSG_STATUS = 3 };

struct child_rlimit {
	int resource;
	struct rlimit limit;
};

/* Everything the child needs, prepared by the host: between clone and exec
 * the child only makes syscalls with these values. */
struct child_plan {
	int stdio[3]; /* -1: /dev/null */
	int sync_fd;
	int env_fd;             /* environment.write channel, becomes fd 3; -1 = none */
	const char *id_maps[3]; /* uid_map, setgroups, gid_map contents, or NULL */
	const char *cwd;
	const struct child_rlimit *rlimits;
	size_t n_rlimits;
	bool set_ids;
	uid_t uid;
	gid_t gid;
	bool drop_privileged_caps;            /* bounding set + securebits, needs CAP_SETPCAP */
	const struct landlock_plan *landlock; /* NULL: no Landlock (degraded) */
	const struct ll_path_rule *extra_rules;
	size_t n_extra_rules;
	const struct bpf_program *bpf;
	unsigned int seccomp_flags;
	/* Loaded instead, without a listener, when the kernel refuses one and
	 * the listener was only for socket buffers; NULL: no such fallback. */
	const struct bpf_program *bpf_without_listener;
	void *stack; /* for the plugin process, cloned with CLONE_VM */
	size_t stack_size;
	const char *exec_path;
	char *const *argv;
	char *const *envp;
	/* No pid namespace: the reaper is a subreaper and kills every
	 * descendant when the plugin ends or the host dies. */
	bool reap_orphans;
	pid_t host_pid; /* the host process (getppid() check after PDEATHSIG) */
	int host_pidfd; /* a pidfd of the host, or -1 */
};

/* Runs in the cloned child, the run's reaper (pid 1 of its namespace): it
 * starts the plugin process and reports how it ended. Never returns. */
_Noreturn void child_main(const struct child_plan *plan);

#endif
