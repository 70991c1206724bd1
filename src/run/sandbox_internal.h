#ifndef PRAXIS_SANDBOX_INTERNAL_H
#define PRAXIS_SANDBOX_INTERNAL_H
#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "audit.h"
#include "capability.h"
#include "child.h"
#include "env_hand_back.h"
#include "fd_census.h"
#include "landlock.h"
#include "net_policy.h"
#include "notify.h"
#include "output_relay.h"
#include "run_cgroup.h"
#include "seccomp_filter.h"
#include "strv.h"
#include "tree_sampler.h"

#define MAX_RLIMITS      8
#define CHILD_STACK_SIZE (64 * 1024)

/* A compiled sandbox. Immutable after praxis_sandbox_new(), so runs on many
 * threads share it without locks. */
struct praxis_sandbox {
	char *plugin_name;
	praxis_caps caps;
	praxis_limits limits;
	unsigned flags;
	bool use_landlock;
	struct landlock_plan landlock;
	struct seccomp_options seccomp_opts;
	struct bpf_program bpf; /* enforcement only (audit off) */
	/* the same without the socket-buffer rules: for a host inside another
	 * sandbox that refuses it a seccomp listener (the outer one creates
	 * its sockets then, with its bounds); empty without buffers */
	struct bpf_program bpf_unbuffered;
	struct seccomp_options notify_opts;
	struct bpf_program bpf_notify; /* with audit notifications; built on first need */
	pthread_mutex_t notify_lock;
	praxis_audit_level audit_level;
	praxis_audit_callback audit_callback;
	void *audit_userdata;
	size_t audit_max_records;
	char *caps_text;    /* for run.start records */
	bool http_enforced; /* network.http without network.socket */
	struct http_policy http;
	struct strv env;          /* the plugin's environment */
	struct strv withheld;     /* names of variables kept from it */
	struct strv degradations; /* what is not enforced (degraded mode) */
	char *search_path;        /* PATH used to find programs */
	unsigned long clone_flags;
	char *id_maps[3];
	bool drop_privileged_caps;
	bool set_ids;
	uid_t uid;
	gid_t gid;
	void *child_stack; /* the plugin process's stack before exec (CLONE_VM) */
	/* Where each run's cgroup goes (CPU of children nobody waits for is
	 * counted there): set when a CPU limit meets system.subprocess and the
	 * host may create cgroups; else NULL and CGROUP_WHY says why. */
	char *cgroup_parent;
	char cgroup_why[256];
	struct run_cgroup_pool cgroups; /* idle ones, for the next runs */
	/* Kernel memory of sockets and pipes (plan_kernel_buffers): what the
	 * supervisor sets SO_SNDBUF/SO_RCVBUF to, and what each socket and
	 * pipe is charged against the memory limit; 0 without a memory limit. */
	int sock_buf;
	uint64_t sock_charge, pipe_charge, inotify_charge, epoll_charge;
	struct child_rlimit rlimits[MAX_RLIMITS];
	size_t n_rlimits;
	/* A zygote's sandbox (set by zygote.c before its one run): who may
	 * create processes. */
	bool (*process_gate)(void *ctx, pid_t pid, char *why, size_t size);
	void *process_gate_ctx;
	/* and what its run must keep to, checked every 10 ms */
	bool (*run_watch)(void *ctx, const struct tree_usage *u, char *why, size_t size);
	void *run_watch_ctx;
	/* the record when the watch fails: its action and reason (the
	 * watch's WHY is the target) */
	const char *run_watch_action, *run_watch_reason;
};

/* sandbox.c: praxis_sandbox_new(), or with GATED_PROCESSES the variant whose
 * process creation is allowed, each asked of the sandbox's process_gate
 * (what a .so plugin's zygote runs under). */
int sandbox_new(const praxis_config *cfg, bool gated_processes, praxis_sandbox **ret,
                praxis_error *err);
/* sandbox.c: the audit level of a run (COLLECT: the caller wants the log). */
praxis_audit_level sandbox_audit_level(const praxis_sandbox *sb, bool collect);
/* sandbox.c: the filter with audit notifications, built once on first need. */
int sandbox_notify_filter(praxis_sandbox *sb, const struct bpf_program **ret, praxis_error *err);

/* spawn.c: clone the child into CLONE_FLAGS (namespaces) with a pidfd. */
int spawn_child(unsigned long clone_flags, const struct child_plan *plan, int *ret_pidfd,
                pid_t *ret_pid);
/* The same, the child starting in the cgroup CGROUP_FD (>= 0). -EOPNOTSUPP
 * when clone3 is not available (inside another sandbox). */
int spawn_child_in_cgroup(unsigned long clone_flags, const struct child_plan *plan, int cgroup_fd,
                          int *ret_pidfd, pid_t *ret_pid);

/* supervise.c: the per-run event loop. */
struct output_buffer {
	char *data;
	size_t len, cap;
	bool truncated; /* nothing after LEN was kept (bound or out of memory) */
};

struct run_state {
	int pidfd;
	pid_t pid;
	int sync_fd;       /* host end; -1 after the child exec'd */
	bool group_kill;   /* no pid namespace: kill the process group at the end */
	double wall_limit; /* seconds, 0 = none */
	int cancel_fd;     /* readable: kill the run; -1 = none */
	bool cancelled;
	/* a watched run (a zygote's): checked at every sample; false kills
	 * the run, recorded as WATCH_ACTION with WATCH_REASON */
	bool (*watch)(void *ctx, const struct tree_usage *u, char *why, size_t size);
	void *watch_ctx;
	const char *watch_action, *watch_reason;
	bool watched_out;
	struct timespec start;
	/* filled in */
	int setup_step; /* child_step when the child failed before exec */
	int setup_errno;
	int notify_fd;
	struct notify_ctx *notify; /* NULL: no audit notifications */
	struct audit_sink *sink;
	praxis_limits limits;
	praxis_output_mode output_mode;
	/* read ends of the plugin's stdout, stderr and environment.write
	 * pipes, or -1 */
	int out_fd[3];
	struct output_relay relay[2]; /* PRAXIS_OUTPUT_RELAY: to the host's fds */
	struct output_buffer captured[3];
	uint64_t output_bytes;
	struct tree_sampler sampler;
	struct run_cgroup *cgroup; /* NULL: CPU is sampled only */
	struct run_cgroup_pool *cgroup_pool;
	bool listener_optional; /* wanted only for socket buffers (child.c) */
	/* what a socket and a pipe take of the memory limit; the last census
	 * of them (distinct objects), when, and the fds there were then */
	uint64_t sock_charge, pipe_charge, inotify_charge, epoll_charge;
	struct fd_census census;
	double next_census;
	uint64_t census_bytes, census_fds;
	uint64_t peak_rss;
	uint64_t peak_tasks;
	double tree_cpu;
	double tree_user;
	bool wall_fired;
	praxis_limit_kind limit;
	bool have_status; /* the reaper reported how the plugin ended */
	struct child_msg status;
};

/* run.c: a fresh run id; the "run.end" record of a finished run. */
uint64_t run_new_id(void);
void run_audit_end(struct audit_sink *sink, pid_t pid, const praxis_result *res);

/* supervise.c: the limit a run ended by SIGNAL hit through the kernel's
 * backstops (RLIMIT_CPU, RLIMIT_FSIZE), given its CPU; NONE if none. */
praxis_limit_kind backstop_limit(const praxis_limits *l, int signal, double cpu, const char **what);

int supervise(struct run_state *rs, praxis_result *result, praxis_error *err);

double timespec_seconds_since(const struct timespec *start);

#endif
