/* Audit through seccomp user notification: receive one notification and
 * hand it to the handler of its syscall.
 *
 * Decisions are of three kinds. Register-only syscalls (socket, clone, the
 * deny list...) are decided by syscall_policy.c exactly as the audit-less
 * filter would: registers are copied into the notification, so there is no
 * race (here and notify_sockets.c). File and exec syscalls are described
 * (notify_files.c): the path resolved as the kernel will, the verdict
 * Landlock will give, recorded, then CONTINUE, and Landlock enforces.
 * network.http connects and sends are decided on the supervisor's own
 * copies and performed here (notify_net.c), never continued. */
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

int notify_init(struct notify_ctx *c, int fd)
{
	struct seccomp_notif_sizes sizes;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		return -errno;
	c->fd = fd;
	c->req_size = sizes.seccomp_notif > sizeof(*c->req) ? sizes.seccomp_notif : sizeof(*c->req);
	c->resp_size = sizes.seccomp_notif_resp > sizeof(*c->resp) ? sizes.seccomp_notif_resp
	                                                           : sizeof(*c->resp);
	if (fd >= 0)
		notify_set_fd(c, fd);
	c->req = calloc(1, c->req_size);
	c->resp = calloc(1, c->resp_size);
	return c->req && c->resp ? 0 : -ENOMEM;
}

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

void notify_set_fd(struct notify_ctx *c, int fd)
{
	c->fd = fd;
	/* The plugin waits while we decide: ask the kernel to hand the CPU
	 * straight over in both directions (6.6+), which cuts the latency
	 * of each audited syscall. Older kernels just say EINVAL. */
	ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
}

void notify_release(struct notify_ctx *c)
{
	finish_pending(c);
	name_cache_free(&c->names);
	free(c->req);
	free(c->resp);
	c->req = NULL;
	c->resp = NULL;
}

static int handle_denied_syscall(struct call *k, int error, const char *why)
{
	char name[64];
	snprintf(k->target, sizeof(k->target), "%s", syscall_name(k->nr, name, sizeof(name)));
	return register_decision(k, "system.syscall", error, why);
}

int notify_handle(struct notify_ctx *c)
{
	memset(c->req, 0, c->req_size);
	if (ioctl(c->fd, SECCOMP_IOCTL_NOTIF_RECV, c->req) < 0)
		return errno == EINTR || errno == ENOENT ? 0 : -errno;
	struct call k; /* 9 KiB of buffers: set what is read, not all of it */
	k.c = c;
	k.pid = (pid_t)c->req->pid;
	k.nr = c->req->data.nr;
	k.target[0] = k.reason[0] = '\0';
	const uint64_t *a = (const uint64_t *)c->req->data.args;
	k.a = a;
	const struct seccomp_options *o = c->policy;
	const int64_t cwd = AT_FDCWD;
	switch (k.nr) {
	case SYS_open: return handle_open(&k, cwd, a[0], a[1], 0);
	case SYS_creat: return handle_open(&k, cwd, a[0], O_CREAT | O_WRONLY | O_TRUNC, 0);
	case SYS_openat: return handle_open(&k, (int64_t)(int)a[0], a[1], a[2], 0);
	case SYS_openat2: {
		struct open_how how = {0};
		/* flags and resolve; a shorter struct is EINVAL to the kernel */
		if (a[3] < sizeof(how)) {
			snprintf(k.target, sizeof(k.target), "(open_how of %llu bytes)",
			         (unsigned long long)a[3]);
			snprintf(k.reason, sizeof(k.reason), "struct open_how too small (EINVAL)");
			audit_emit(c->sink, k.pid, PRAXIS_CAP_FS_READ, k.target, false, k.reason);
			return reply(c, EINVAL, false);
		}
		if (read_bytes(k.pid, a[2], &how, sizeof(how)) < 0) {
			if (!still_valid(c))
				return 0;
			snprintf(k.target, sizeof(k.target), "(open_how at 0x%llx)",
			         (unsigned long long)a[2]);
			snprintf(k.reason, sizeof(k.reason), "struct open_how unreadable (EFAULT)");
			audit_emit(c->sink, k.pid, PRAXIS_CAP_FS_READ, k.target, false, k.reason);
			return reply(c, EFAULT, false);
		}
		return handle_open(&k, (int64_t)(int)a[0], a[1], how.flags, how.resolve);
	}
	case SYS_mkdir: return handle_path_op(&k, cwd, a[0], LL_FS_MAKE_DIR, true, false);
	case SYS_mkdirat: return handle_path_op(&k, (int)a[0], a[1], LL_FS_MAKE_DIR, true, false);
	case SYS_mknod: return handle_path_op(&k, cwd, a[0], LL_FS_MAKE_REG, true, false);
	case SYS_mknodat: return handle_path_op(&k, (int)a[0], a[1], LL_FS_MAKE_REG, true, false);
	case SYS_unlink: return handle_path_op(&k, cwd, a[0], LL_FS_REMOVE_FILE, true, false);
	case SYS_rmdir: return handle_path_op(&k, cwd, a[0], LL_FS_REMOVE_DIR, true, false);
	case SYS_unlinkat:
		return handle_path_op(&k, (int)a[0], a[1],
		                      (a[2] & AT_REMOVEDIR) ? LL_FS_REMOVE_DIR : LL_FS_REMOVE_FILE,
		                      true, false);
	case SYS_symlink: return handle_path_op(&k, cwd, a[1], LL_FS_MAKE_SYM, true, false);
	case SYS_symlinkat: return handle_path_op(&k, (int)a[1], a[2], LL_FS_MAKE_SYM, true, false);
	case SYS_truncate: return handle_path_op(&k, cwd, a[0], LL_FS_TRUNCATE, false, true);
	case SYS_rename: return handle_two_paths(&k, cwd, a[0], cwd, a[1], false);
	case SYS_renameat:
	case SYS_renameat2: return handle_two_paths(&k, (int)a[0], a[1], (int)a[2], a[3], false);
	case SYS_link: return handle_two_paths(&k, cwd, a[0], cwd, a[1], true);
	case SYS_linkat: return handle_two_paths(&k, (int)a[0], a[1], (int)a[2], a[3], true);
	case SYS_execve: return handle_exec(&k, cwd, a[0], a[1], 0);
	case SYS_execveat: return handle_exec(&k, (int)a[0], a[1], a[2], a[4]);
	case SYS_connect: return handle_address(&k, "connect", (int)a[0], a[1], a[2]);
	case SYS_bind: return handle_address(&k, "bind", (int)a[0], a[1], a[2]);
	case SYS_sendto: return handle_address(&k, "sendto", (int)a[0], a[4], a[5]);
	case SYS_sendmsg: return handle_msgs(&k, (int)a[0], a[1], 1, (int)a[2], false);
	case SYS_sendmmsg: return handle_msgs(&k, (int)a[0], a[1], (unsigned)a[2], (int)a[3], true);
	case SYS_socket: return handle_socket(&k);
	case SYS_listen:
		snprintf(k.target, sizeof(k.target), "listen");
		return register_decision(&k, PRAXIS_CAP_NET_HTTP, decide_listen(o),
		                         "network.http does not listen");
	case SYS_setsockopt: return handle_setsockopt(&k);
	case SYS_socketpair:
		snprintf(k.target, sizeof(k.target), "socketpair family %u", (unsigned)a[0]);
		snprintf(k.reason, sizeof(k.reason), "UNIX socketpairs are always allowed");
		if (decide_socketpair(a[0]) || !o->buffers)
			return register_decision(&k, PRAXIS_CAP_NET_SOCKET, decide_socketpair(a[0]),
			                         "only AF_UNIX socketpairs are allowed");
		log_allowed(&k, PRAXIS_CAP_NET_SOCKET);
		return create_socketpair(&k);
	case SYS_vmsplice:
	case SYS_splice:
	case SYS_tee:
		return handle_denied_syscall(&k, EINVAL,
		                             "splicing pages into a pipe pins memory no RSS shows "
		                             "(with a memory limit)");
	case SYS_fcntl:
		return handle_denied_syscall(&k, decide_fcntl(a[1], a[2]),
		                             "a pipe buffer larger than 64 KiB (kernel memory "
		                             "no RSS shows)");
	case SYS_fork:
	case SYS_vfork:
		snprintf(k.target, sizeof(k.target), k.nr == SYS_fork ? "fork" : "vfork");
		if (decide_fork(o) == 0 && !gate_allows(&k))
			return gate_denied(&k);
		return register_decision(&k, PRAXIS_CAP_SUBPROCESS, decide_fork(o),
		                         "system.subprocess not granted");
	case SYS_clone: {
		snprintf(k.target, sizeof(k.target), "clone flags 0x%llx",
		         (unsigned long long)a[0]);
		int err = decide_clone(o, a[0]);
		if (err == 0 && !(a[0] & CLONE_THREAD) && c->process_gate &&
		    (a[0] & CLONE_PARENT)) {
			/* its child would be the run's init's, out of the zygote's count */
			snprintf(k.reason, sizeof(k.reason),
			         "CLONE_PARENT is not allowed in a zygote's run");
			return gate_denied(&k);
		}
		if (err == 0 && !(a[0] & CLONE_THREAD) && !gate_allows(&k))
			return gate_denied(&k);
		bool own_table = (a[0] & (CLONE_THREAD | CLONE_FILES)) == CLONE_THREAD;
		return register_decision(&k, PRAXIS_CAP_SUBPROCESS, err,
		                         own_table
		                             ? "a thread with an fd table of its own is never "
		                               "allowed (its fds would go uncounted)"
		                         : o->subprocess ? "new namespaces are never allowed"
		                                         : "system.subprocess not granted");
	}
	case SYS_personality:
		return handle_denied_syscall(&k, decide_personality(a[0]),
		                             "changes ASLR/NX behaviour");
	case SYS_memfd_create:
		return handle_denied_syscall(
		    &k, decide_memfd_create(a[1]),
		    "a memfd would bypass the execute right and the memory limit");
	case SYS_ioctl:
		return handle_denied_syscall(&k, decide_ioctl(a[1]),
		                             "terminal injection / inode flag change");
	case SYS_seccomp:
		return handle_denied_syscall(&k, decide_seccomp(a[1]),
		                             "a second seccomp listener would hide operations");
	case SYS_setsid:
	case SYS_setpgid:
		return handle_denied_syscall(
		    &k, EPERM, "would escape the run's process group (no pid namespace)");
	default: break;
	}
	/* Metadata syscalls and the deny list. */
	char name[64];
	syscall_name(k.nr, name, sizeof(name));
	for (const char *const *m = metadata_syscalls; *m; m++)
		if (strcmp(*m, name) == 0) {
			snprintf(k.target, sizeof(k.target), "%s", name);
			snprintf(k.reason, sizeof(k.reason),
			         "filesystem.write for the whole filesystem");
			return register_decision(&k, PRAXIS_CAP_FS_WRITE, decide_metadata(o),
			                         "changing metadata (mode, owner, times, xattrs) "
			                         "needs filesystem.write for the whole filesystem");
		}
	return handle_denied_syscall(&k, EPERM, "never allowed in a sandbox");
}
