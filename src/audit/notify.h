#ifndef PRAXIS_NOTIFY_H
#define PRAXIS_NOTIFY_H
#include <stddef.h>
#include <sys/types.h>

#include "audit.h"
#include "landlock.h"
#include "net_policy.h"
#include "seccomp_filter.h"

/* The supervisor's side of seccomp user notification for one run. */
struct notify_ctx {
	int fd;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	size_t req_size, resp_size;
	const struct seccomp_options *policy;
	const struct landlock_plan *landlock; /* NULL: no Landlock (degraded) */
	const struct ll_path_rule *extra;     /* this run's program and interpreters */
	size_t n_extra;
	const struct http_policy *http; /* network.http without network.socket: enforced here */
	struct name_cache names;
	int pidfd;                       /* the run's first process */
	struct pending_connect *pending; /* blocking connects done on worker threads */
	pid_t init_pid; /* the plugin's first process, whose /proc/<pid> is readable */
	unsigned long execs;
	struct audit_sink *sink;
	/* policy->buffers: what SO_SNDBUF and SO_RCVBUF are set to on the
	 * sockets the supervisor creates, and the most they may be set to */
	int sock_buf;
	/* A zygote's run: may PID create a process now? NULL: no gate. WHY
	 * gets the reason when not. */
	bool (*process_gate)(void *ctx, pid_t pid, char *why, size_t size);
	void *process_gate_ctx;
};

int notify_init(struct notify_ctx *c, int fd);
void notify_release(struct notify_ctx *c);
/* The listener arrived: remember it and tune it. */
void notify_set_fd(struct notify_ctx *c, int fd);
/* Receive one notification, decide, log, answer. Never blocks when the fd
 * polled readable. Returns 0, or -errno on a listener failure. */
int notify_handle(struct notify_ctx *c);

#endif
