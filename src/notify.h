#ifndef PRAXIS_NOTIFY_H
#define PRAXIS_NOTIFY_H
#include <stddef.h>
#include <sys/types.h>

#include "audit.h"
#include "landlock.h"
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
	const uint16_t *http_ports;
	size_t n_http_ports;
	pid_t init_pid; /* the plugin's first process, whose /proc/<pid> is readable */
	unsigned long execs;
	struct audit_sink *sink;
};

int notify_init(struct notify_ctx *c, int fd);
void notify_release(struct notify_ctx *c);
/* The listener arrived: remember it and tune it. */
void notify_set_fd(struct notify_ctx *c, int fd);
/* Receive one notification, decide, log, answer. Never blocks when the fd
 * polled readable. Returns 0, or -errno on a listener failure. */
int notify_handle(struct notify_ctx *c);

#endif
