/* The seccomp filter: a deny list of syscalls no plugin needs, plus the
 * process, socket and exec rules that Landlock cannot express. Compiled with
 * libseccomp once per sandbox; children load the exported BPF directly. */
#include "seccomp_filter.h"

#include <errno.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "error.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

/* Syscalls no plugin needs: debugging other processes, mounts, namespaces,
 * kernel objects that widen attack surface, and io_uring (its operations are
 * not syscalls, so seccomp and the audit log would not see them). */
static const char *const denied_syscalls[] = {
	"ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
	"mount", "umount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount",
	"fspick", "move_mount", "open_tree", "mount_setattr",
	"unshare", "setns",
	"bpf", "perf_event_open", "userfaultfd", "fanotify_init",
	"keyctl", "add_key", "request_key",
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
	"io_uring_setup", "io_uring_enter", "io_uring_register",
	"acct", "swapon", "swapoff", "reboot", "settimeofday", "clock_settime", "clock_adjtime",
	"adjtimex", "syslog", "iopl", "ioperm", "quotactl", "quotactl_fd", "vhangup",
	"open_by_handle_at", "name_to_handle_at", "lookup_dcookie", "uselib", "nfsservctl",
	"_sysctl", "create_module", "get_kernel_syms", "query_module", "vm86", "vm86old",
	"modify_ldt",
};

static const unsigned long clone_namespace_flags[] = {
	CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
	CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
};

#define LOW32 0xffffffffULL

static int deny(scmp_filter_ctx ctx, int nr, unsigned n_args, const struct scmp_arg_cmp *args)
{
	return seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), nr, n_args, args);
}

static int deny_int_arg_equal(scmp_filter_ctx ctx, int nr, unsigned arg, uint64_t value)
{
	/* int arguments: the kernel ignores the upper 32 bits, so must we. */
	struct scmp_arg_cmp c = {arg, SCMP_CMP_MASKED_EQ, LOW32, value};
	return deny(ctx, nr, 1, &c);
}

static int add_socket_rules(scmp_filter_ctx ctx, const struct seccomp_options *o)
{
	int r;
	int sock = SCMP_SYS(socket);
	struct scmp_arg_cmp not_unix = SCMP_A0(SCMP_CMP_NE, AF_UNIX);
	if ((r = deny(ctx, SCMP_SYS(socketpair), 1, &not_unix)) < 0)
		return r;
	if (!o->net_socket && !o->net_http)
		return deny(ctx, sock, 0, NULL);
	/* Families: only IPv4 and IPv6. Families >= 64 (low 32 bits) are
	 * rejected by the kernel itself (>= AF_MAX). */
	for (uint64_t family = 0; family < 64; family++) {
		if (family == AF_INET || family == AF_INET6)
			continue;
		if ((r = deny_int_arg_equal(ctx, sock, 0, family)) < 0)
			return r;
	}
	/* Types (low 4 bits; the rest are SOCK_NONBLOCK/SOCK_CLOEXEC). */
	for (uint64_t type = 0; type < 16; type++) {
		if (type == SOCK_STREAM || (type == SOCK_DGRAM && o->net_socket))
			continue;
		struct scmp_arg_cmp c = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, type);
		if ((r = deny(ctx, sock, 1, &c)) < 0)
			return r;
	}
	/* Protocols that ride on stream/dgram sockets but escape TCP rules. */
	static const uint64_t protocols[] = {IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_SCTP,
					     IPPROTO_UDPLITE, IPPROTO_MPTCP};
	for (size_t i = 0; i < sizeof(protocols) / sizeof(*protocols); i++)
		if ((r = deny_int_arg_equal(ctx, sock, 2, protocols[i])) < 0)
			return r;
	return 0;
}

static int add_process_rules(scmp_filter_ctx ctx, const struct seccomp_options *o)
{
	int r;
	/* clone3 passes its flags in memory, out of a filter's reach: answer
	 * ENOSYS so libc falls back to clone(), whose flags we can check. */
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0)) < 0)
		return r;
	for (size_t i = 0; i < sizeof(clone_namespace_flags) / sizeof(*clone_namespace_flags);
	     i++) {
		unsigned long f = clone_namespace_flags[i];
		struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_MASKED_EQ, f, f);
		if ((r = deny(ctx, SCMP_SYS(clone), 1, &c)) < 0)
			return r;
	}
	if (!o->subprocess) {
		struct scmp_arg_cmp not_thread = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0);
		if ((r = deny(ctx, SCMP_SYS(clone), 1, &not_thread)) < 0 ||
		    (r = deny(ctx, SCMP_SYS(fork), 0, NULL)) < 0 ||
		    (r = deny(ctx, SCMP_SYS(vfork), 0, NULL)) < 0)
			return r;
	}
	if (!o->pid_namespace) {
		if ((r = deny(ctx, SCMP_SYS(setsid), 0, NULL)) < 0 ||
		    (r = deny(ctx, SCMP_SYS(setpgid), 0, NULL)) < 0)
			return r;
	}
	return 0;
}

static int add_misc_rules(scmp_filter_ctx ctx)
{
	int r;
	/* personality: only the query; the rest turn off ASLR or NX. */
	struct scmp_arg_cmp not_query = SCMP_A0(SCMP_CMP_NE, 0xffffffffULL);
	if ((r = deny(ctx, SCMP_SYS(personality), 1, &not_query)) < 0)
		return r;
	/* memfd_create + exec would bypass Landlock's execute right. */
	struct scmp_arg_cmp exec_memfd = SCMP_A1(SCMP_CMP_MASKED_EQ, MFD_NOEXEC_SEAL, 0);
	if ((r = deny(ctx, SCMP_SYS(memfd_create), 1, &exec_memfd)) < 0)
		return r;
	/* Terminal input injection (CVE-2017-5226 class). */
	if ((r = deny_int_arg_equal(ctx, SCMP_SYS(ioctl), 1, TIOCSTI)) < 0 ||
	    (r = deny_int_arg_equal(ctx, SCMP_SYS(ioctl), 1, TIOCLINUX)) < 0)
		return r;
	/* A filter of the plugin's own with a listener would take audit
	 * notifications away from the supervisor. */
	struct scmp_arg_cmp listener = SCMP_A1(SCMP_CMP_MASKED_EQ, SECCOMP_FILTER_FLAG_NEW_LISTENER,
					       SECCOMP_FILTER_FLAG_NEW_LISTENER);
	return deny(ctx, SCMP_SYS(seccomp), 1, &listener);
}

static scmp_filter_ctx build_ctx(const struct seccomp_options *o, praxis_error *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		praxis_fail(err, -ENOMEM, "seccomp_init failed");
		return NULL;
	}
	/* Only the native ABI: i386 (int 0x80) and x32 syscalls kill the process. */
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	for (size_t i = 0; r >= 0 && i < sizeof(denied_syscalls) / sizeof(*denied_syscalls); i++) {
		int nr = seccomp_syscall_resolve_name(denied_syscalls[i]);
		if (nr == __NR_SCMP_ERROR || nr < 0)
			continue; /* not on this architecture */
		r = deny(ctx, nr, 0, NULL);
	}
	if (r >= 0)
		r = add_process_rules(ctx, o);
	if (r >= 0)
		r = add_socket_rules(ctx, o);
	if (r >= 0)
		r = add_misc_rules(ctx);
	if (r < 0) {
		praxis_fail(err, r, "building the seccomp filter failed: %s", strerror(-r));
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

int seccomp_build(const struct seccomp_options *o, struct bpf_program *p, praxis_error *err)
{
	scmp_filter_ctx ctx = build_ctx(o, err);
	if (!ctx)
		return err ? err->code : -EINVAL;
	int r = 0;
	/* libseccomp 2.5 exports only to an fd. */
	int fd = memfd_create("praxis-bpf", MFD_CLOEXEC);
	if (fd < 0)
		r = -errno;
	else
		r = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	off_t size = r >= 0 ? lseek(fd, 0, SEEK_END) : -1;
	if (r >= 0 && (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0 ||
		       size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS))
		r = -E2BIG;
	if (r >= 0) {
		p->insns = malloc((size_t)size);
		if (!p->insns)
			r = -ENOMEM;
		else if (pread(fd, p->insns, (size_t)size, 0) != size)
			r = -EIO;
		p->len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
	}
	if (fd >= 0)
		close(fd);
	if (r < 0) {
		bpf_program_free(p);
		return praxis_fail(err, r, "exporting the seccomp filter failed: %s", strerror(-r));
	}
	return 0;
}

void bpf_program_free(struct bpf_program *p)
{
	free(p->insns);
	*p = (struct bpf_program){0};
}

char *seccomp_describe(const struct seccomp_options *o)
{
	scmp_filter_ctx ctx = build_ctx(o, NULL);
	if (!ctx)
		return NULL;
	char *text = NULL;
	int fd = memfd_create("praxis-pfc", MFD_CLOEXEC);
	if (fd >= 0 && seccomp_export_pfc(ctx, fd) == 0) {
		off_t size = lseek(fd, 0, SEEK_END);
		text = size >= 0 ? calloc(1, (size_t)size + 1) : NULL;
		if (text && pread(fd, text, (size_t)size, 0) != size) {
			free(text);
			text = NULL;
		}
	}
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return text;
}

int seccomp_apply(const struct bpf_program *p, unsigned int flags)
{
	struct sock_fprog prog = {.len = p->len, .filter = p->insns};
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	return r < 0 ? -errno : (int)r;
}
