/* Answering notifications (continue, an errno, a value) and the records
 * that go with register-only decisions. */
#include "missing.h"
#include "notify_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "syscall_policy.h"

/* ---- answering ---- */

int reply(struct notify_ctx *c, int error, bool cont)
{
	memset(c->resp, 0, c->resp_size);
	c->resp->id = c->req->id;
	if (cont)
		c->resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else
		c->resp->error = -error;
	if (ioctl(c->fd, SECCOMP_IOCTL_NOTIF_SEND, c->resp) < 0 && errno != ENOENT)
		return -errno;
	return 0; /* ENOENT: the thread died or was interrupted meanwhile */
}

const char *syscall_name(int nr, char *buf, size_t size)
{
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	snprintf(buf, size, "%s", name ? name : "?");
	free(name);
	if (!name)
		snprintf(buf, size, "syscall %d", nr);
	return buf;
}

/* ---- per-syscall handlers ---- */

int log_and_continue(struct call *k, const char *action, bool allowed)
{
	audit_emit(k->c->sink, k->pid, action, k->target, allowed, k->reason);
	return reply(k->c, 0, true);
}

int register_decision(struct call *k, const char *action, int error, const char *why)
{
	if (error)
		snprintf(k->reason, sizeof(k->reason), "%s", why);
	else if (!k->reason[0])
		snprintf(k->reason, sizeof(k->reason), "allowed by policy");
	audit_emit(k->c->sink, k->pid, action, k->target, error == 0, k->reason);
	return error ? reply(k->c, error, false) : reply(k->c, 0, true);
}

/* A zygote's processes: only the zygote itself forks, and only as many as
 * its calls need (zygote.c decides). Its calls, whatever they load, never. */
bool gate_allows(struct call *k)
{
	struct notify_ctx *c = k->c;
	if (!c->process_gate)
		return true;
	k->reason[0] = '\0';
	if (c->process_gate(c->process_gate_ctx, k->pid, k->reason, sizeof(k->reason)))
		return true;
	if (!k->reason[0])
		snprintf(k->reason, sizeof(k->reason), "only the zygote creates processes");
	return false;
}

int gate_denied(struct call *k)
{
	audit_emit(k->c->sink, k->pid, PRAXIS_CAP_SUBPROCESS, k->target, false, k->reason);
	return reply(k->c, EPERM, false);
}

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif
/* A copy of the plugin's fd FD (the same open socket). */
int take_fd(struct call *k, int fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, k->pid, PIDFD_THREAD);
	if (pidfd < 0)
		return -errno;
	int dup = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	int e = errno;
	close(pidfd);
	if (dup < 0)
		return -e;
	if (!still_valid(k->c)) { /* the pid may have been reused */
		close(dup);
		return -ESRCH;
	}
	return dup;
}

int socket_info(int fd, int *domain, int *type)
{
	socklen_t l = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, domain, &l) < 0)
		return -errno;
	l = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, type, &l) < 0)
		return -errno;
	return 0;
}

int reply_value(struct notify_ctx *c, int64_t val, int error)
{
	memset(c->resp, 0, c->resp_size);
	c->resp->id = c->req->id;
	c->resp->val = val;
	c->resp->error = error ? -error : 0;
	if (ioctl(c->fd, SECCOMP_IOCTL_NOTIF_SEND, c->resp) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}
