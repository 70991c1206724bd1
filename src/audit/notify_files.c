/* File and exec syscalls: the path resolved as the kernel will, the
 * verdict Landlock will give, recorded, then CONTINUE (Landlock enforces). */
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

static uint64_t open_rights(uint64_t flags, const struct resolved *r, bool *write)
{
	uint64_t need = 0;
	int acc = (int)(flags & O_ACCMODE);
	*write = acc != O_RDONLY || (flags & (O_CREAT | O_TRUNC));
	if (flags & O_PATH)
		return 0; /* Landlock does not restrict O_PATH handles */
	if (acc == O_RDONLY || acc == O_RDWR)
		need |= r->is_dir ? LL_FS_READ_DIR : LL_FS_READ_FILE;
	if (acc == O_WRONLY || acc == O_RDWR)
		need |= LL_FS_WRITE_FILE;
	if ((flags & O_TRUNC) && r->exists)
		need |= LL_FS_TRUNCATE;
	return need;
}

/* Read the path argument at ADDR into PATH (PATH_MAX + 1 bytes: a
 * 4095-byte path and its NUL). On failure, record it as ACTION with the
 * error the kernel would give and answer that error ourselves: every
 * notified syscall leaves a record. Returns 1 when answered. */
static int read_path_or_answer(struct call *k, uint64_t addr, char *path, const char *action,
                               int *answer)
{
	int e = read_string(k->pid, addr, path, PATH_MAX + 1);
	if (e == 0 && strlen(path) >= PATH_MAX)
		e = -ENAMETOOLONG; /* the kernel counts the NUL in PATH_MAX */
	if (e == 0)
		return 0;
	if (!still_valid(k->c)) {
		*answer = 0;
		return 1;
	}
	int err = e == -ENAMETOOLONG ? ENAMETOOLONG : EFAULT;
	if (err == ENAMETOOLONG) {
		path[64] = '\0';
		char clean[300];
		sanitize(clean, sizeof(clean), path);
		snprintf(k->target, sizeof(k->target), "%s...", clean);
		snprintf(k->reason, sizeof(k->reason), "path too long (ENAMETOOLONG)");
	} else {
		snprintf(k->target, sizeof(k->target), "(path at 0x%llx)",
		         (unsigned long long)addr);
		snprintf(k->reason, sizeof(k->reason), "path unreadable (EFAULT)");
	}
	audit_emit(k->c->sink, k->pid, action, k->target, false, k->reason);
	*answer = reply(k->c, err, false);
	return 1;
}

/* A name in the path over 255 bytes: the kernel would answer ENAMETOOLONG
 * before any access check, so the supervisor answers it, and says so. */
static int name_too_long(struct call *k, const char *action)
{
	snprintf(k->reason, sizeof(k->reason),
	         "a name in the path is longer than 255 bytes (ENAMETOOLONG)");
	audit_emit(k->c->sink, k->pid, action, k->target, false, k->reason);
	return reply(k->c, ENAMETOOLONG, false);
}

int handle_open(struct call *k, int64_t dirfd, uint64_t path_addr, uint64_t flags,
                uint64_t how_resolve)
{
	struct notify_ctx *c = k->c;
	char path[PATH_MAX + 1];
	struct resolved r;
	int answer;
	bool writing = (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC));
	if (read_path_or_answer(k, path_addr, path,
	                        writing ? PRAXIS_CAP_FS_WRITE : PRAXIS_CAP_FS_READ, &answer))
		return answer;
	if (!still_valid(c))
		return 0;
	int e = resolve(k->pid, dirfd, path, !(flags & O_NOFOLLOW), false, how_resolve, &r);
	sanitize(k->target, sizeof(k->target), e == 0 ? r.path : path);
	bool write;
	uint64_t need = open_rights(flags, &r, &write);
	const char *action = write ? PRAXIS_CAP_FS_WRITE : PRAXIS_CAP_FS_READ;
	if (e == -ENOENT || e == -ENOTDIR) {
		/* the kernel will answer ENOENT before any access check */
		snprintf(k->reason, sizeof(k->reason), "does not exist");
		return log_and_continue(k, action, true);
	}
	if (e == -ENAMETOOLONG)
		return name_too_long(k, action);
	if (e < 0) {
		snprintf(k->reason, sizeof(k->reason), "cannot be resolved (%s)", strerror(-e));
		return log_and_continue(k, action, false);
	}
	bool ok;
	if (r.anonymous || need == 0) {
		snprintf(k->reason, sizeof(k->reason),
		         r.anonymous ? "anonymous file (pipe, socket...)"
		                     : "O_PATH handle: no access");
		ok = true;
	} else if (!r.exists && (flags & O_CREAT)) {
		/* a new file has what its directory's rules give beneath it */
		ok = allows_at(c, &r, true, LL_FS_MAKE_REG, action, k->reason, sizeof(k->reason)) &&
		     (r.deep
		          ? allows_at(c, &r, true, need, action, k->reason, sizeof(k->reason))
		          : landlock_allows(c, r.path, need, action, k->reason, sizeof(k->reason)));
	} else if (!r.exists) {
		snprintf(k->reason, sizeof(k->reason), "does not exist");
		ok = true;
	} else {
		ok = allows_at(c, &r, false, need, action, k->reason, sizeof(k->reason));
	}
	resolved_release(&r);
	return log_and_continue(k, action, ok);
}

/* mkdir, mknod, unlink, rmdir, symlink, truncate: one path, a right on it or its parent. */
int handle_path_op(struct call *k, int64_t dirfd, uint64_t path_addr, uint64_t need, bool on_parent,
                   bool follow)
{
	struct notify_ctx *c = k->c;
	char path[PATH_MAX + 1];
	struct resolved r;
	int answer;
	if (read_path_or_answer(k, path_addr, path, PRAXIS_CAP_FS_WRITE, &answer))
		return answer;
	if (!still_valid(c))
		return 0;
	int e = resolve(k->pid, dirfd, path, follow, false, 0, &r);
	sanitize(k->target, sizeof(k->target), e == 0 ? r.path : path);
	if (e == -ENAMETOOLONG)
		return name_too_long(k, PRAXIS_CAP_FS_WRITE);
	if (e < 0) {
		snprintf(k->reason, sizeof(k->reason), "cannot be resolved (%s)", strerror(-e));
		return log_and_continue(k, PRAXIS_CAP_FS_WRITE, false);
	}
	/* The kernel looks the name up before any access check: removing or
	 * truncating what is not there is ENOENT, creating what is, EEXIST. */
	bool creates = need & (LL_FS_MAKE_DIR | LL_FS_MAKE_REG | LL_FS_MAKE_SYM);
	bool ok;
	if (!creates && !r.exists) {
		snprintf(k->reason, sizeof(k->reason), "does not exist");
		ok = true;
	} else if (creates && r.exists) {
		snprintf(k->reason, sizeof(k->reason), "already exists (EEXIST)");
		ok = true;
	} else {
		ok = allows_at(c, &r, on_parent, need, PRAXIS_CAP_FS_WRITE, k->reason,
		               sizeof(k->reason));
	}
	resolved_release(&r);
	return log_and_continue(k, PRAXIS_CAP_FS_WRITE, ok);
}

/* rename, link: two paths; removal/creation rights on both parents. */
int handle_two_paths(struct call *k, int64_t olddir, uint64_t oldp, int64_t newdir, uint64_t newp,
                     bool is_link)
{
	struct notify_ctx *c = k->c;
	char p1[PATH_MAX + 1], p2[PATH_MAX + 1];
	struct resolved r1, r2;
	int answer;
	if (read_path_or_answer(k, oldp, p1, PRAXIS_CAP_FS_WRITE, &answer) ||
	    read_path_or_answer(k, newp, p2, PRAXIS_CAP_FS_WRITE, &answer))
		return answer;
	if (!still_valid(c))
		return 0;
	int e1 = resolve(k->pid, olddir, p1, false, false, 0, &r1);
	int e2 = resolve(k->pid, newdir, p2, false, false, 0, &r2);
	char s1[PATH_MAX + 256], s2[PATH_MAX + 256];
	sanitize(s1, sizeof(s1), e1 == 0 ? r1.path : p1);
	sanitize(s2, sizeof(s2), e2 == 0 ? r2.path : p2);
	snprintf(k->target, sizeof(k->target), "%s -> %s", s1, s2);
	if (e1 == -ENAMETOOLONG || e2 == -ENAMETOOLONG) {
		resolved_release(&r1);
		resolved_release(&r2);
		return name_too_long(k, PRAXIS_CAP_FS_WRITE);
	}
	if (e1 < 0 || e2 < 0) {
		resolved_release(&r1);
		resolved_release(&r2);
		snprintf(k->reason, sizeof(k->reason), "cannot be resolved");
		return log_and_continue(k, PRAXIS_CAP_FS_WRITE, false);
	}
	uint64_t make = r1.is_dir ? LL_FS_MAKE_DIR : LL_FS_MAKE_REG;
	uint64_t remove = r1.is_dir ? LL_FS_REMOVE_DIR : LL_FS_REMOVE_FILE;
	uint64_t refer = LL_FS_REFER;
	if (!r1.deep && !r2.deep) {
		char d1[sizeof(r1.path)], d2[sizeof(r2.path)];
		parent_of(r1.path, d1, sizeof(d1));
		parent_of(r2.path, d2, sizeof(d2));
		refer = strcmp(d1, d2) ? LL_FS_REFER : 0;
	} else if (r1.deep && r2.deep) {
		struct stat a, b;
		if (fstat(r1.dir_fd, &a) == 0 && fstat(r2.dir_fd, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			refer = 0; /* the same directory */
	}
	char *why = k->reason;
	size_t wn = sizeof(k->reason);
	bool ok =
	    (is_link || allows_at(c, &r1, true, remove | refer, PRAXIS_CAP_FS_WRITE, why, wn)) &&
	    allows_at(c, &r2, true, make | refer, PRAXIS_CAP_FS_WRITE, why, wn);
	if (ok && is_link && refer &&
	    !allows_at(c, &r1, true, LL_FS_REFER, PRAXIS_CAP_FS_WRITE, why, wn))
		ok = false;
	resolved_release(&r1);
	resolved_release(&r2);
	return log_and_continue(k, PRAXIS_CAP_FS_WRITE, ok);
}

static void append_argv(struct call *k, uint64_t argv_addr)
{
	size_t len = strlen(k->target);
	for (int i = 0; i < 64 && argv_addr; i++) {
		uint64_t ptr;
		char arg[512], clean[1024];
		arg[0] = '\0';
		if (read_bytes(k->pid, argv_addr + (uint64_t)i * 8, &ptr, sizeof(ptr)) < 0 || !ptr)
			break;
		if (read_string(k->pid, ptr, arg, sizeof(arg)) < 0 && !arg[0])
			break;
		sanitize(clean, sizeof(clean), arg);
		int n = snprintf(k->target + len, sizeof(k->target) - len, "%s%s", i ? " " : " [",
		                 clean);
		if (n < 0 || (size_t)n >= sizeof(k->target) - len - 2)
			break;
		len += (size_t)n;
	}
	if (len + 2 < sizeof(k->target))
		strcat(k->target, "]");
}

int handle_exec(struct call *k, int64_t dirfd, uint64_t path_addr, uint64_t argv_addr,
                uint64_t flags)
{
	struct notify_ctx *c = k->c;
	char path[PATH_MAX + 1];
	struct resolved r;
	int answer;
	if (!(flags & AT_EMPTY_PATH) || path_addr) {
		if (read_path_or_answer(k, path_addr, path, PRAXIS_CAP_SUBPROCESS, &answer))
			return answer;
	} else {
		path[0] = '\0';
	}
	int e = resolve(k->pid, dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW),
	                (flags & AT_EMPTY_PATH) != 0, 0, &r);
	sanitize(k->target, sizeof(k->target), e == 0 ? r.path : path);
	append_argv(k, argv_addr);
	if (!still_valid(c)) {
		resolved_release(&r);
		return 0;
	}
	bool first = c->execs++ == 0;
	if (first)
		c->init_pid = thread_group_of(k->pid); /* whose /proc/<pid> Landlock grants */
	if (!first && !c->policy->subprocess) {
		/* Only the launcher's exec: a plugin re-executing itself (or
		 * anything Landlock lets it run) would get a fresh argv, env
		 * and image. Enforced here, with audit or not (seccomp_filter.c). */
		snprintf(k->reason, sizeof(k->reason),
		         "system.subprocess not granted: only the run's first exec is allowed");
		audit_emit(c->sink, k->pid, PRAXIS_CAP_SUBPROCESS, k->target, false, k->reason);
		resolved_release(&r);
		return reply(c, EACCES, false); /* what Landlock answers for other programs */
	}
	bool ok;
	if (e < 0) {
		snprintf(k->reason, sizeof(k->reason), "cannot be resolved (%s)", strerror(-e));
		ok = false;
	} else {
		ok = allows_at(c, &r, false, LL_FS_EXECUTE, PRAXIS_CAP_SUBPROCESS, k->reason,
		               sizeof(k->reason));
		if (ok && first)
			snprintf(k->reason, sizeof(k->reason), "the plugin's program");
	}
	resolved_release(&r);
	/* The run's own program is lifecycle; every later exec is a subprocess. */
	return log_and_continue(k, first ? "run.exec" : PRAXIS_CAP_SUBPROCESS, ok);
}
