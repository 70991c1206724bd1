/* Sockets made by the supervisor with bounded buffers (policy->buffers),
 * installed in the plugin with SECCOMP_IOCTL_NOTIF_ADDFD; socket() and
 * setsockopt() decisions. */
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

/* ---- sockets with bounded buffers (policy->buffers) ----
 * A socket's queues are kernel memory that no process's RSS shows: with
 * the kernel's defaults a TCP socket autotunes to 4 MiB + 6 MiB and a UNIX
 * socketpair holds ~460 KiB, so 1024 fds pin hundreds of MiB past any
 * memory limit. The supervisor creates each socket itself with SO_SNDBUF
 * and SO_RCVBUF set (which also stops autotuning; accepted sockets inherit
 * them), installs it in the caller (SECCOMP_IOCTL_NOTIF_ADDFD), and sets
 * later sizes itself, clamped. Each fd is then charged a bounded amount
 * against the memory limit (supervise.c). */

static void set_buffers(int sock, int size)
{
	setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

/* Install SRC in the caller; with SEND that is the syscall's answer.
 * The fd number in the caller, or -errno. */
static int inject_fd(struct notify_ctx *c, int src, bool cloexec, bool send)
{
	struct seccomp_notif_addfd add = {
	    .id = c->req->id,
	    .flags = send ? SECCOMP_ADDFD_FLAG_SEND : 0,
	    .srcfd = (uint32_t)src,
	    .newfd_flags = cloexec ? O_CLOEXEC : 0,
	};
	int r = ioctl(c->fd, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
	return r < 0 ? -errno : r;
}

void log_allowed(struct call *k, const char *action)
{
	if (!k->reason[0])
		snprintf(k->reason, sizeof(k->reason), "allowed by policy");
	audit_emit(k->c->sink, k->pid, action, k->target, true, k->reason);
}

/* socket(2) as the caller asked, made here. SOCK_CLOEXEC is the fd's flag
 * in the caller; SOCK_NONBLOCK and the rest go to socket() itself. */
static int create_socket(struct call *k)
{
	struct notify_ctx *c = k->c;
	int type = (int)(k->a[1] & 0xffffffff);
	int s = socket((int)k->a[0], (type & ~SOCK_CLOEXEC) | SOCK_CLOEXEC, (int)k->a[2]);
	if (s < 0)
		return reply_value(c, 0, errno);
	set_buffers(s, c->sock_buf);
	int r = inject_fd(c, s, type & SOCK_CLOEXEC, true);
	close(s);
	if (r < 0 && r != -ENOENT)
		return reply_value(c, 0, -r); /* e.g. EMFILE: the caller's fd limit */
	return 0;
}

/* socketpair(2): both ends made here, installed, their numbers written
 * where the caller asked (EFAULT if that fails: the two fds stay open in
 * the caller, unnamed, as its own leak). */
int create_socketpair(struct call *k)
{
	struct notify_ctx *c = k->c;
	int type = (int)(k->a[1] & 0xffffffff), sv[2];
	/* Where the two numbers go must be writable before any fd is
	 * installed (the kernel installs none on EFAULT): its bytes are read
	 * and written back unchanged. */
	int old[2];
	struct iovec probe = {old, sizeof(old)};
	struct iovec at = {(void *)(uintptr_t)k->a[3], sizeof(old)};
	if (process_vm_readv(k->pid, &probe, 1, &at, 1, 0) != (ssize_t)sizeof(old) ||
	    process_vm_writev(k->pid, &probe, 1, &at, 1, 0) != (ssize_t)sizeof(old))
		return reply_value(c, 0, EFAULT);
	if (socketpair((int)k->a[0], (type & ~SOCK_CLOEXEC) | SOCK_CLOEXEC, (int)k->a[2], sv) < 0)
		return reply_value(c, 0, errno);
	int fds[2] = {-1, -1}, e = 0;
	for (int i = 0; i < 2 && !e; i++) {
		set_buffers(sv[i], c->sock_buf);
		fds[i] = inject_fd(c, sv[i], type & SOCK_CLOEXEC, false);
		if (fds[i] < 0)
			e = -fds[i];
	}
	close(sv[0]);
	close(sv[1]);
	if (e == ENOENT)
		return 0; /* the caller is gone */
	if (!e) {
		struct iovec local = {fds, sizeof(fds)};
		struct iovec remote = {(void *)(uintptr_t)k->a[3], sizeof(fds)};
		if (process_vm_writev(k->pid, &local, 1, &remote, 1, 0) != (ssize_t)sizeof(fds))
			e = EFAULT;
	}
	return reply_value(c, 0, e);
}

/* setsockopt(SO_SNDBUF/SO_RCVBUF): set here, on our copy of the socket,
 * at most to the run's size; the FORCE variants need CAP_NET_ADMIN, which
 * the caller does not have (the supervisor might). */
static int set_buffer_option(struct call *k, const char *label)
{
	struct notify_ctx *c = k->c;
	uint64_t name = k->a[2] & 0xffffffff;
	snprintf(k->target, sizeof(k->target), "setsockopt %s", label);
	if (name == SO_SNDBUFFORCE || name == SO_RCVBUFFORCE)
		return register_decision(k, PRAXIS_CAP_NET_SOCKET, EPERM,
		                         "needs CAP_NET_ADMIN, which plugins do not have");
	int value = 0;
	if ((k->a[4] & 0xffffffff) < sizeof(value))
		return reply_value(c, 0, EINVAL);
	if (read_bytes(k->pid, k->a[3], &value, sizeof(value)) < 0)
		return reply_value(c, 0, EFAULT);
	int sock = take_fd(k, (int)k->a[0]);
	if (sock < 0)
		return reply_value(c, 0, -sock);
	if (value > c->sock_buf)
		value = c->sock_buf;
	int r = setsockopt(sock, SOL_SOCKET, (int)name, &value, sizeof(value));
	int e = r < 0 ? errno : 0;
	close(sock);
	return reply_value(c, 0, e);
}

int handle_socket(struct call *k)
{
	static const char *const families[] = {[AF_UNIX] = "unix",
	                                       [AF_INET] = "inet",
	                                       [AF_INET6] = "inet6",
	                                       [AF_NETLINK] = "netlink",
	                                       [AF_PACKET] = "packet"};
	static const char *const types[] = {[SOCK_STREAM] = "stream",
	                                    [SOCK_DGRAM] = "dgram",
	                                    [SOCK_RAW] = "raw",
	                                    [SOCK_SEQPACKET] = "seqpacket"};
	uint64_t fam = k->a[0] & 0xffffffff, type = k->a[1] & 0xf;
	const char *fn =
	    fam < sizeof(families) / sizeof(*families) && families[fam] ? families[fam] : NULL;
	const char *tn = type < sizeof(types) / sizeof(*types) && types[type] ? types[type] : NULL;
	char fbuf[16], tbuf[16];
	snprintf(fbuf, sizeof(fbuf), "%u", (unsigned)fam);
	snprintf(tbuf, sizeof(tbuf), "%u", (unsigned)type);
	snprintf(k->target, sizeof(k->target), "socket %s/%s protocol %u", fn ? fn : fbuf,
	         tn ? tn : tbuf, (unsigned)(k->a[2] & 0xffffffff));
	const struct seccomp_options *o = k->c->policy;
	int err = decide_socket(o, k->a[0], k->a[1], k->a[2]);
	const char *why = !o->net_socket && !o->net_http ? "no network capability"
	                                                 : "only TCP and UDP over IPv4/IPv6";
	const char *action =
	    o->net_http && !o->net_socket ? PRAXIS_CAP_NET_HTTP : PRAXIS_CAP_NET_SOCKET;
	if (err || !o->buffers)
		return register_decision(k, action, err, why);
	log_allowed(k, action);
	return create_socket(k);
}

/* Only the options decide_setsockopt() refuses are notified, and with
 * buffers the buffer sizes. */
int handle_setsockopt(struct call *k)
{
	unsigned n;
	const struct sockopt_id *bufs = syscall_policy_buffer_sockopts(&n);
	for (unsigned i = 0; i < n && k->c->policy->buffers; i++)
		if ((k->a[1] & 0xffffffff) == bufs[i].level &&
		    (k->a[2] & 0xffffffff) == bufs[i].name)
			return set_buffer_option(k, bufs[i].label);
	const struct sockopt_id *opts = syscall_policy_route_sockopts(&n);
	const char *label = NULL;
	for (unsigned i = 0; i < n && !label; i++)
		if ((k->a[1] & 0xffffffff) == opts[i].level &&
		    (k->a[2] & 0xffffffff) == opts[i].name)
			label = opts[i].label;
	if (label)
		snprintf(k->target, sizeof(k->target), "setsockopt %s", label);
	else
		snprintf(k->target, sizeof(k->target), "setsockopt level %u option %u",
		         (unsigned)k->a[1], (unsigned)k->a[2]);
	int err = decide_setsockopt(k->c->policy, k->a[1], k->a[2]);
	if (!err)
		return reply(k->c, 0, true); /* an ordinary option: registers only, no record */
	return register_decision(k, PRAXIS_CAP_NET_HTTP, err,
	                         "network.http: not an option a client needs, or one that "
	                         "would route packets past the destination check");
}
