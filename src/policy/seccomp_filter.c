/* The seccomp filter: a deny list of syscalls no plugin needs, plus the
 * process, socket and metadata rules that Landlock cannot express. Compiled
 * with libseccomp once per sandbox; children load the exported BPF directly.
 *
 * Two shapes: without audit every rule answers an errno in the kernel. With
 * audit (notify), the same rules send a notification instead and the
 * supervisor answers with syscall_policy.c's decision, which depends on
 * registers only; filesystem and network syscalls are notified too, for the
 * log, and always continue: Landlock enforces them. If the supervisor goes
 * away, notified syscalls fail with ENOSYS: closed, not open. */
#include "seccomp_filter.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "error.h"
#include "syscall_policy.h"

/* Syscalls notified for the audit log only (Landlock decides them). */
static const char *const audited_syscalls[] = {
    "open",    "openat", "openat2",  "creat",     "mkdir",    "mkdirat",  "mknod",
    "mknodat", "unlink", "unlinkat", "rmdir",     "rename",   "renameat", "renameat2",
    "link",    "linkat", "symlink",  "symlinkat", "truncate", "execve",   "execveat",
    "connect", "bind",   "sendmsg",  "sendmmsg",  NULL,
};

#define LOW32 0xffffffffULL

struct builder {
	scmp_filter_ctx ctx;
	const struct seccomp_options *o;
};

/* A denial: an errno in the kernel, or a notification when auditing. */
static int deny(struct builder *b, int nr, int error, unsigned n_args,
                const struct scmp_arg_cmp *args)
{
	uint32_t action = b->o->notify ? SCMP_ACT_NOTIFY : SCMP_ACT_ERRNO((uint32_t)error);
	return seccomp_rule_add_array(b->ctx, action, nr, n_args, args);
}

static int deny_named(struct builder *b, const char *const *names)
{
	for (; *names; names++) {
		int nr = seccomp_syscall_resolve_name(*names);
		if (nr == __NR_SCMP_ERROR || nr < 0)
			continue; /* not on this architecture */
		int r = deny(b, nr, EPERM, 0, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

/* With buffers: the supervisor creates every socket (with bounded buffers)
 * and sets buffer sizes itself (clamped). Notified even where a deny rule
 * of the same syscall answers an errno first: libseccomp lets ERRNO win. */
static int add_buffer_rules(struct builder *b)
{
	if (!b->o->buffers)
		return 0;
	int r;
	if ((r = seccomp_rule_add(b->ctx, SCMP_ACT_NOTIFY, SCMP_SYS(socket), 0)) < 0 ||
	    (r = seccomp_rule_add(b->ctx, SCMP_ACT_NOTIFY, SCMP_SYS(socketpair), 0)) < 0)
		return r;
	/* A pipe slot can hold a whole (huge) page spliced into it, which then
	 * stays allocated outside any RSS: 16 slots of 2 MiB pages are 32 MiB
	 * per pipe. EINVAL, as for a file that cannot splice: callers fall
	 * back to read and write. */
	static const int splicing[] = {SCMP_SYS(vmsplice), SCMP_SYS(splice), SCMP_SYS(tee)};
	for (unsigned i = 0; i < sizeof(splicing) / sizeof(*splicing); i++)
		if ((r = deny(b, splicing[i], EINVAL, 0, NULL)) < 0)
			return r;
	unsigned n;
	const struct sockopt_id *opts = syscall_policy_buffer_sockopts(&n);
	for (unsigned i = 0; i < n; i++) {
		struct scmp_arg_cmp c[2] = {SCMP_A1(SCMP_CMP_MASKED_EQ, LOW32, opts[i].level),
		                            SCMP_A2(SCMP_CMP_MASKED_EQ, LOW32, opts[i].name)};
		if ((r = seccomp_rule_add_array(b->ctx, SCMP_ACT_NOTIFY, SCMP_SYS(setsockopt), 2,
		                                c)) < 0)
			return r;
	}
	return 0;
}

/* decide_setsockopt(): the socket-level pairs it refuses answered by BPF,
 * and the IP and IPv6 levels (an allow list a filter cannot hold
 * compactly) asked of the supervisor, which decides on the registers. */
static int add_setsockopt_rules(struct builder *b)
{
	unsigned n;
	const struct sockopt_id *opts = syscall_policy_route_sockopts(&n);
	int r;
	for (unsigned i = 0; i < n; i++) {
		/* levels 0 and 41 go to the supervisor whole (libseccomp will
		 * not take a rule on a level beside rules on its options) */
		if (decide_setsockopt(b->o, opts[i].level, opts[i].name) == 0 ||
		    opts[i].level == 0 || opts[i].level == 41)
			continue;
		struct scmp_arg_cmp c[2] = {SCMP_A1(SCMP_CMP_MASKED_EQ, LOW32, opts[i].level),
		                            SCMP_A2(SCMP_CMP_MASKED_EQ, LOW32, opts[i].name)};
		if ((r = deny(b, SCMP_SYS(setsockopt), EPERM, 2, c)) < 0)
			return r;
	}
	if (decide_setsockopt(b->o, 0, 4) == 0)
		return 0; /* not network.http: nothing to ask */
	static const uint64_t levels[] = {0, 41};
	for (unsigned i = 0; i < 2; i++) {
		struct scmp_arg_cmp c = SCMP_A1(SCMP_CMP_MASKED_EQ, LOW32, levels[i]);
		if ((r = seccomp_rule_add_array(b->ctx, SCMP_ACT_NOTIFY, SCMP_SYS(setsockopt), 1,
		                                &c)) < 0)
			return r;
	}
	return 0;
}

static int add_socket_rules(struct builder *b)
{
	int r, sock = SCMP_SYS(socket);
	if (b->o->notify) {
		if ((r = seccomp_rule_add(b->ctx, SCMP_ACT_NOTIFY, sock, 0)) < 0)
			return r;
		if (decide_listen(b->o) && (r = deny(b, SCMP_SYS(listen), EPERM, 0, NULL)) < 0)
			return r;
		if ((r = add_setsockopt_rules(b)) < 0 || (r = add_buffer_rules(b)) < 0)
			return r;
		return seccomp_rule_add(b->ctx, SCMP_ACT_NOTIFY, SCMP_SYS(socketpair), 0);
	}
	struct scmp_arg_cmp not_unix = SCMP_A0(SCMP_CMP_NE, AF_UNIX);
	if ((r = deny(b, SCMP_SYS(socketpair), EPERM, 1, &not_unix)) < 0)
		return r;
	if (decide_listen(b->o) && (r = deny(b, SCMP_SYS(listen), EPERM, 0, NULL)) < 0)
		return r;
	if ((r = add_setsockopt_rules(b)) < 0 || (r = add_buffer_rules(b)) < 0)
		return r;
	if (decide_socket(b->o, AF_INET, SOCK_STREAM, 0) != 0)
		return deny(b, sock, EPERM, 0, NULL);
	/* Enumerate what decide_socket() refuses; int arguments are compared
	 * on their low 32 bits like the kernel reads them. Families >= 64
	 * are refused by the kernel itself (>= AF_MAX). */
	for (uint64_t family = 0; family < 64; family++) {
		if (decide_socket(b->o, family, SOCK_STREAM, 0) == 0)
			continue;
		struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_MASKED_EQ, LOW32, family);
		if ((r = deny(b, sock, EPERM, 1, &c)) < 0)
			return r;
	}
	for (uint64_t type = 0; type < 16; type++) {
		if (decide_socket(b->o, AF_INET, type, 0) == 0)
			continue;
		struct scmp_arg_cmp c = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, type);
		if ((r = deny(b, sock, EPERM, 1, &c)) < 0)
			return r;
	}
	static const uint64_t protocols[] = {1, 58, 132, 136, 262}; /* see decide_socket() */
	for (size_t i = 0; i < sizeof(protocols) / sizeof(*protocols); i++) {
		struct scmp_arg_cmp c = SCMP_A2(SCMP_CMP_MASKED_EQ, LOW32, protocols[i]);
		if ((r = deny(b, sock, EPERM, 1, &c)) < 0)
			return r;
	}
	return 0;
}

static int add_process_rules(struct builder *b)
{
	int r;
	/* clone3 passes its flags in memory, out of a filter's reach: answer
	 * ENOSYS so libc falls back to clone(), whose flags we can check. */
	if ((r = seccomp_rule_add(b->ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0)) < 0)
		return r;
	static const uint64_t ns_flags[] = {CLONE_NEWNS,  CLONE_NEWCGROUP, CLONE_NEWUTS,
	                                    CLONE_NEWIPC, CLONE_NEWUSER,   CLONE_NEWPID,
	                                    CLONE_NEWNET};
	for (size_t i = 0; i < sizeof(ns_flags) / sizeof(*ns_flags); i++) {
		struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]);
		if ((r = deny(b, SCMP_SYS(clone), EPERM, 1, &c)) < 0)
			return r;
	}
	/* A thread with an fd table of its own (clone(CLONE_THREAD) without
	 * CLONE_FILES, which no threads library makes): its fds would be
	 * outside /proc/PID/fd, so outside the count of sockets and pipes. */
	struct scmp_arg_cmp own_table =
	    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD | CLONE_FILES, CLONE_THREAD);
	if ((r = deny(b, SCMP_SYS(clone), EPERM, 1, &own_table)) < 0)
		return r;
	/* New processes: denied without system.subprocess, logged with it. */
	if (!b->o->subprocess || b->o->notify) {
		struct scmp_arg_cmp not_thread = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0);
		if ((r = deny(b, SCMP_SYS(clone), EPERM, 1, &not_thread)) < 0 ||
		    (r = deny(b, SCMP_SYS(fork), EPERM, 0, NULL)) < 0 ||
		    (r = deny(b, SCMP_SYS(vfork), EPERM, 0, NULL)) < 0)
			return r;
	}
	if (b->o->gated_processes && !b->o->notify) {
		/* the supervisor decides who in a zygote's run creates processes */
		struct scmp_arg_cmp not_thread = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0);
		if ((r = seccomp_rule_add(b->ctx, SCMP_ACT_NOTIFY, SCMP_SYS(clone), 1,
		                          not_thread)) < 0 ||
		    (r = seccomp_rule_add(b->ctx, SCMP_ACT_NOTIFY, SCMP_SYS(fork), 0)) < 0 ||
		    (r = seccomp_rule_add(b->ctx, SCMP_ACT_NOTIFY, SCMP_SYS(vfork), 0)) < 0)
			return r;
	}
	if (b->o->gated_processes) {
		struct scmp_arg_cmp shared_anon = SCMP_A3(
		    SCMP_CMP_MASKED_EQ, MAP_SHARED | MAP_ANONYMOUS, MAP_SHARED | MAP_ANONYMOUS);
		if ((r = seccomp_rule_add(b->ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mmap), 1,
		                          shared_anon)) < 0)
			return r;
	}
	if (!b->o->pid_namespace) {
		if ((r = deny(b, SCMP_SYS(setsid), EPERM, 0, NULL)) < 0 ||
		    (r = deny(b, SCMP_SYS(setpgid), EPERM, 0, NULL)) < 0)
			return r;
	}
	return 0;
}

static int add_misc_rules(struct builder *b)
{
	int r;
	struct scmp_arg_cmp not_query = SCMP_A0(SCMP_CMP_NE, 0xffffffffULL);
	if ((r = deny(b, SCMP_SYS(personality), EPERM, 1, &not_query)) < 0)
		return r;
	unsigned n;
	const uint64_t *ioctls = syscall_policy_denied_ioctls(&n);
	for (unsigned i = 0; i < n; i++) {
		struct scmp_arg_cmp c = SCMP_A1(SCMP_CMP_MASKED_EQ, LOW32, ioctls[i] & LOW32);
		if ((r = deny(b, SCMP_SYS(ioctl), EPERM, 1, &c)) < 0)
			return r;
	}
	/* Pipe buffers no RSS shows: none larger than the default 64 KiB (a
	 * 64-bit comparison: any value whose low 32 bits, which the kernel
	 * reads, are above the bound is above it too). */
	struct scmp_arg_cmp pipe_size[2] = {SCMP_A1(SCMP_CMP_MASKED_EQ, LOW32, F_SETPIPE_SZ),
	                                    SCMP_A2(SCMP_CMP_GT, MAX_PIPE_BYTES)};
	if ((r = deny(b, SCMP_SYS(fcntl), EPERM, 2, pipe_size)) < 0)
		return r;
	struct scmp_arg_cmp listener = SCMP_A1(SCMP_CMP_MASKED_EQ, SECCOMP_FILTER_FLAG_NEW_LISTENER,
	                                       SECCOMP_FILTER_FLAG_NEW_LISTENER);
	if ((r = deny(b, SCMP_SYS(seccomp), EPERM, 1, &listener)) < 0)
		return r;
	if (!b->o->metadata && (r = deny_named(b, metadata_syscalls)) < 0)
		return r;
	return 0;
}

static int add_audit_rules(struct builder *b)
{
	int r;
	for (const char *const *name = audited_syscalls; *name; name++) {
		int nr = seccomp_syscall_resolve_name(*name);
		if (nr == __NR_SCMP_ERROR || nr < 0)
			continue;
		if ((r = seccomp_rule_add(b->ctx, SCMP_ACT_NOTIFY, nr, 0)) < 0)
			return r;
	}
	if (b->o->metadata) /* allowed, but logged */
		for (const char *const *name = metadata_syscalls; *name; name++) {
			int nr = seccomp_syscall_resolve_name(*name);
			if (nr != __NR_SCMP_ERROR && nr >= 0 &&
			    (r = seccomp_rule_add(b->ctx, SCMP_ACT_NOTIFY, nr, 0)) < 0)
				return r;
		}
	/* sendto with a destination address (a connected send has none). */
	struct scmp_arg_cmp has_addr = SCMP_A4(SCMP_CMP_NE, 0);
	return seccomp_rule_add(b->ctx, SCMP_ACT_NOTIFY, SCMP_SYS(sendto), 1, has_addr);
}

/* network.http without audit: only what the supervisor must decide. */
static int add_net_rules(struct builder *b)
{
	static const char *const net[] = {"connect", "bind", "sendmsg", "sendmmsg", NULL};
	int r;
	for (const char *const *name = net; *name; name++)
		if ((r = seccomp_rule_add(b->ctx, SCMP_ACT_NOTIFY,
		                          seccomp_syscall_resolve_name(*name), 0)) < 0)
			return r;
	struct scmp_arg_cmp has_addr = SCMP_A4(SCMP_CMP_NE, 0);
	return seccomp_rule_add(b->ctx, SCMP_ACT_NOTIFY, SCMP_SYS(sendto), 1, has_addr);
}

/* Without system.subprocess the run's first exec (the launcher's, before
 * any plugin code ran) is its only one. A filter cannot count, and nothing
 * in the registers tells the launcher's exec from a plugin's that copies
 * it, so every exec goes to the supervisor, which allows exactly the first
 * (notify.c). With audit the audit rules already notify them. */
static int add_exec_once_rules(struct builder *b)
{
	int r = seccomp_rule_add(b->ctx, SCMP_ACT_NOTIFY, SCMP_SYS(execve), 0);
	return r < 0 ? r : seccomp_rule_add(b->ctx, SCMP_ACT_NOTIFY, SCMP_SYS(execveat), 0);
}

static scmp_filter_ctx build_ctx(const struct seccomp_options *o, praxis_error *err)
{
	struct builder b = {.ctx = seccomp_init(SCMP_ACT_ALLOW), .o = o};
	if (!b.ctx) {
		praxis_fail(err, -ENOMEM, "seccomp_init failed");
		return NULL;
	}
	/* Only the native ABI: i386 (int 0x80) and x32 syscalls kill the process. */
	int r = seccomp_attr_set(b.ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	/* A binary tree on the syscall number: the kernel evaluates the filter
	 * for every syscall when it is loaded (to build its allow cache), so a
	 * linear filter costs ~0.2 ms per run to load; a tree a fraction. */
	if (r >= 0)
		r = seccomp_attr_set(b.ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (r >= 0)
		r = deny_named(&b, denied_syscalls);
	if (r >= 0)
		r = add_process_rules(&b);
	if (r >= 0)
		r = add_socket_rules(&b);
	if (r >= 0)
		r = add_misc_rules(&b);
	if (r >= 0 && o->notify)
		r = add_audit_rules(&b);
	else if (r >= 0 && o->notify_net)
		r = add_net_rules(&b);
	if (r >= 0 && !o->notify && !o->subprocess)
		r = add_exec_once_rules(&b);
	if (r < 0) {
		praxis_fail(err, r, "building the seccomp filter failed: %s", strerror(-r));
		seccomp_release(b.ctx);
		return NULL;
	}
	return b.ctx;
}

/* libseccomp 2.5 exports only to an fd: go through a memfd. */
static int export_to_memory(scmp_filter_ctx ctx, bool pfc, void **ret, size_t *ret_size)
{
	int fd = memfd_create("praxis-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = pfc ? seccomp_export_pfc(ctx, fd) : seccomp_export_bpf(ctx, fd);
	off_t size = r >= 0 ? lseek(fd, 0, SEEK_END) : -1;
	char *buf = NULL;
	if (r >= 0 && size < 0)
		r = -errno;
	if (r >= 0 && !(buf = calloc(1, (size_t)size + 1)))
		r = -ENOMEM;
	if (r >= 0 && pread(fd, buf, (size_t)size, 0) != size)
		r = -EIO;
	close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	*ret_size = (size_t)size;
	return 0;
}

unsigned seccomp_options_key(const struct seccomp_options *o)
{
	return (unsigned)o->subprocess | (unsigned)o->net_socket << 1 | (unsigned)o->net_http << 2 |
	       (unsigned)o->pid_namespace << 3 | (unsigned)o->metadata << 4 |
	       (unsigned)o->notify << 5 | (unsigned)o->notify_net << 6 |
	       (unsigned)o->gated_processes << 7 | (unsigned)o->buffers << 8;
}

bool seccomp_options_from_key(unsigned key, struct seccomp_options *o)
{
	*o = (struct seccomp_options){
	    .subprocess = key & 1,
	    .net_socket = key & 2,
	    .net_http = key & 4,
	    .pid_namespace = key & 8,
	    .metadata = key & 16,
	    .notify = key & 32,
	    .notify_net = key & 64,
	    .buffers = key & 256,
	};
	/* notify_net is exactly "network.http without network.socket"; gated
	 * variants (a zygote's) are compiled when one starts, not prebuilt */
	return o->notify_net == (o->net_http && !o->net_socket) && !(key & 128);
}

#ifndef PRAXIS_GENERATOR
extern const struct prebuilt_filter prebuilt_filters[];
extern const unsigned n_prebuilt_filters;

int seccomp_build(const struct seccomp_options *o, struct bpf_program *p, praxis_error *err)
{
	unsigned key = seccomp_options_key(o);
	for (unsigned i = 0; i < n_prebuilt_filters; i++) {
		if (prebuilt_filters[i].key != key)
			continue;
		size_t size = prebuilt_filters[i].len * sizeof(struct sock_filter);
		p->insns = malloc(size);
		if (!p->insns)
			return praxis_fail(err, -ENOMEM, "out of memory");
		memcpy(p->insns, prebuilt_filters[i].insns, size);
		p->len = prebuilt_filters[i].len;
		return 0;
	}
	return seccomp_compile(o, p, err);
}
#endif

int seccomp_compile(const struct seccomp_options *o, struct bpf_program *p, praxis_error *err)
{
	scmp_filter_ctx ctx = build_ctx(o, err);
	if (!ctx)
		return err ? err->code : -EINVAL;
	void *buf = NULL;
	size_t size = 0;
	int r = export_to_memory(ctx, false, &buf, &size);
	seccomp_release(ctx);
	if (r >= 0 && (size == 0 || size % sizeof(struct sock_filter) != 0 ||
	               size / sizeof(struct sock_filter) > BPF_MAXINSNS))
		r = -E2BIG;
	if (r < 0) {
		free(buf);
		return praxis_fail(err, r, "exporting the seccomp filter failed: %s", strerror(-r));
	}
	p->insns = buf;
	p->len = (unsigned short)(size / sizeof(struct sock_filter));
	return 0;
}

/* A filter loaded on top of a plugin's that takes process creation (threads
 * stay) and exec away: what each call forked by a zygote runs under. */
int seccomp_compile_no_spawn_filter(struct bpf_program *p, praxis_error *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return praxis_fail(err, -ENOMEM, "seccomp_init failed");
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	struct scmp_arg_cmp not_thread = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0);
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1, not_thread);
	const int denied[] = {SCMP_SYS(fork), SCMP_SYS(vfork), SCMP_SYS(execve),
	                      SCMP_SYS(execveat)};
	for (unsigned i = 0; r >= 0 && i < sizeof(denied) / sizeof(*denied); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), denied[i], 0);
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	void *buf = NULL;
	size_t size = 0;
	if (r >= 0)
		r = export_to_memory(ctx, false, &buf, &size);
	seccomp_release(ctx);
	if (r >= 0 && (size == 0 || size % sizeof(struct sock_filter) != 0))
		r = -E2BIG;
	if (r < 0) {
		free(buf);
		return praxis_fail(err, r, "building the zygote call filter failed: %s",
		                   strerror(-r));
	}
	p->insns = buf;
	p->len = (unsigned short)(size / sizeof(struct sock_filter));
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
	void *text = NULL;
	size_t size;
	if (export_to_memory(ctx, true, &text, &size) < 0)
		text = NULL;
	seccomp_release(ctx);
	return text;
}

int seccomp_apply(const struct bpf_program *p, unsigned int flags)
{
	struct sock_fprog prog = {.len = p->len, .filter = p->insns};
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	return r < 0 ? -errno : (int)r;
}
