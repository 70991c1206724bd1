/* Audit through seccomp user notification.
 *
 * Decisions here are of two kinds. Register-only syscalls (socket, clone,
 * the deny list...) are decided by syscall_policy.c exactly as the
 * audit-less filter would: registers are copied into the notification, so
 * there is no race. Path and address syscalls are only *described* here: we
 * read the plugin's memory, resolve the path the way the kernel will, work out
 * what Landlock will say, log it, and answer CONTINUE. Landlock enforces, so a
 * plugin that swaps the path after we read it changes the log line, not the
 * outcome. */
#include "missing.h"
#include "notify.h"

/* Log strings are cut to their buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

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

#ifndef SECCOMP_IOCTL_NOTIF_RECV
#define SECCOMP_IOCTL_NOTIF_RECV     SECCOMP_IOWR(0, struct seccomp_notif)
#define SECCOMP_IOCTL_NOTIF_SEND     SECCOMP_IOWR(1, struct seccomp_notif_resp)
#define SECCOMP_IOCTL_NOTIF_ID_VALID SECCOMP_IOW(2, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FLAG_CONTINUE
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE (1UL << 0)
#endif
#ifndef AT_REMOVEDIR
#define AT_REMOVEDIR 0x200
#endif

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

static void finish_pending(struct notify_ctx *c);

void notify_release(struct notify_ctx *c)
{
	finish_pending(c);
	name_cache_free(&c->names);
	free(c->req);
	free(c->resp);
	c->req = NULL;
	c->resp = NULL;
}

/* ---- reading the plugin's memory ---- */

/* Read a NUL-terminated string at ADDR. process_vm_readv never splits an
 * iovec, so the remote side is cut at page boundaries. */
static int read_string(pid_t pid, uint64_t addr, char *buf, size_t size)
{
	if (addr == 0)
		return -EFAULT;
	size_t page = 4096, done = 0;
	while (done + 1 < size) {
		uint64_t at = addr + done;
		size_t chunk = page - (size_t)(at % page);
		if (chunk > size - 1 - done)
			chunk = size - 1 - done;
		struct iovec local = {buf + done, chunk};
		struct iovec remote = {(void *)(uintptr_t)at, chunk};
		ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
		if (n <= 0) { /* unmapped before the NUL: the kernel says EFAULT too */
			buf[done] = '\0';
			return -EFAULT;
		}
		char *nul = memchr(buf + done, '\0', (size_t)n);
		done += (size_t)n;
		if (nul)
			return 0;
	}
	buf[size - 1] = '\0';
	return -ENAMETOOLONG;
}

static int read_bytes(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {buf, len};
	struct iovec remote = {(void *)(uintptr_t)addr, len};
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

/* After reading memory: is the syscall still waiting (not a recycled pid)? */
static bool still_valid(struct notify_ctx *c)
{
	return ioctl(c->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &c->req->id) == 0;
}

/* Make a target printable and valid JSON: escape control and non-ASCII
 * bytes as \xNN, and the backslash itself as \\, so the text names one
 * byte string only (a file may be called "a\x41b"). */
static void sanitize(char *out, size_t size, const char *in)
{
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p && o + 5 < size; p++) {
		if (*p == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
		} else if (*p >= 0x20 && *p < 0x7f)
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", *p);
	}
	out[o] = '\0';
}

/* ---- mirroring Landlock ---- */

/* Rights Landlock grants at canonical PATH: the union over rules on PATH
 * or an ancestor directory (file rules only match exactly). */
static uint64_t rights_at(const struct notify_ctx *c, const char *path, const char **rule)
{
	uint64_t rights = 0;
	size_t best = 0;
	const struct landlock_plan *p = c->landlock;
	for (size_t k = 0; k < p->n_rules + c->n_extra; k++) {
		const struct ll_path_rule *r =
		    k < p->n_rules ? &p->rules[k] : &c->extra[k - p->n_rules];
		if (!r->path)
			continue;
		size_t len = strlen(r->path);
		bool match = strcmp(r->path, "/") == 0 || (strncmp(path, r->path, len) == 0 &&
		                                           (path[len] == '\0' || path[len] == '/'));
		if (match) {
			rights |= r->access;
			if (len >= best) {
				best = len;
				*rule = r->path;
			}
		}
	}
	char self[32];
	int n = snprintf(self, sizeof(self), "/proc/%d", c->init_pid);
	if (strncmp(path, self, (size_t)n) == 0 && (path[n] == '\0' || path[n] == '/')) {
		rights |= p->proc_self_access;
		*rule = "/proc/<plugin pid>";
	}
	return rights;
}

struct resolved {
	char path[PATH_MAX + 256]; /* canonical, or "pipe:[..]"-style for anonymous files */
	bool exists;
	bool is_dir;
	bool anonymous;
	/* Beyond PATH_MAX (a working directory deeper than 4096 bytes): the
	 * kernel cannot give the path a name, so PATH names the directory by
	 * device and inode, and the decision walks the objects themselves:
	 * FD the file (-1: none, or not there), DIR_FD its directory. */
	bool deep;
	int fd, dir_fd;
};

static void resolved_release(struct resolved *r)
{
	if (r->fd >= 0)
		close(r->fd);
	if (r->dir_fd >= 0)
		close(r->dir_fd);
	r->fd = r->dir_fd = -1;
}

/* R's directory DIR (an O_PATH fd it keeps) named by its identity, then
 * NAME: "(directory beyond PATH_MAX: device 8:1 inode 1234)/NAME". */
static void name_deep(struct resolved *r, int dir, const char *name)
{
	struct stat st = {0};
	fstat(dir, &st);
	r->deep = true;
	r->anonymous = false;
	r->dir_fd = dir;
	snprintf(r->path, sizeof(r->path),
	         "(directory beyond PATH_MAX: device %u:%u inode %llu)/%s", major(st.st_dev),
	         minor(st.st_dev), (unsigned long long)st.st_ino, name);
}

static const char *last_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* The directory part of PATH ("." when there is none). */
static void dir_part(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');
	if (slash == path)
		snprintf(out, size, "/");
	else if (slash)
		snprintf(out, size, "%.*s", (int)(slash - path), path);
	else
		snprintf(out, size, ".");
}

static pid_t thread_group_of(pid_t tid)
{
	char path[48], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tid;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	const char *t = strstr(buf, "\nTgid:");
	return t ? (pid_t)atoi(t + 7) : tid;
}

/* "/proc/self" and "/proc/thread-self" mean the plugin's, not ours. */
static const char *rewrite_proc_self(pid_t tid, const char *path, char *buf, size_t size)
{
	if (strncmp(path, "/proc/self", 10) == 0 && (path[10] == '/' || path[10] == '\0')) {
		snprintf(buf, size, "/proc/%d%s", thread_group_of(tid), path + 10);
		return buf;
	}
	if (strncmp(path, "/proc/thread-self", 17) == 0 && (path[17] == '/' || path[17] == '\0')) {
		snprintf(buf, size, "/proc/%d/task/%d%s", thread_group_of(tid), tid, path + 17);
		return buf;
	}
	return path;
}

/* An absolute path with no ".", "..", "//" or symlink in it is its own
 * canonical form: one openat2 instead of open + readlink. */
static bool resolve_clean(const char *path, bool follow, struct resolved *out)
{
	size_t len = strlen(path);
	if (path[0] != '/' || len >= sizeof(out->path) || strncmp(path, "/proc", 5) == 0 ||
	    strstr(path, "/.") || strstr(path, "//") || (len > 1 && path[len - 1] == '/'))
		return false;
	struct open_how how = {.flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW),
	                       .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	if (fd < 0)
		return false; /* a symlink on the way, or not there: the slow path says */
	struct stat st;
	out->exists = true;
	out->is_dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
	out->anonymous = false;
	memcpy(out->path, path, len + 1);
	close(fd);
	return true;
}

/* Resolve PATH as the plugin's thread PID would, relative to DIRFD. When the
 * last component does not exist (or FOLLOW is false and we want the entry
 * itself), the parent is resolved and the name appended. */
/* openat, or openat2 with the plugin's resolve flags (RESOLVE_IN_ROOT,
 * RESOLVE_BENEATH...): the kernel applies the same rules to our lookup. */
static int open_as(int base, const char *path, int flags, uint64_t how_resolve)
{
	if (!how_resolve)
		return openat(base, path, flags);
	/* CACHED may fail where the plugin's open will too: it then retries */
	struct open_how how = {.flags = (uint64_t)flags, .resolve = how_resolve & ~RESOLVE_CACHED};
	return (int)syscall(SYS_openat2, base, path, &how, sizeof(how));
}

/* Magic links into "self" (/proc/mounts -> self/mounts, /proc/net,
 * /proc/./self) resolved in our /proc name our own entries: rename them
 * to the plugin thread's. */
static void self_to_plugin(pid_t tid, char *path, size_t size)
{
	if (strncmp(path, "/proc/", 6) != 0)
		return;
	char ours[64], mine[64], rest[PATH_MAX + 256];
	pid_t tgid = 0;
	snprintf(ours, sizeof(ours), "/proc/%d/task/%d", getpid(), gettid());
	size_t n = strlen(ours);
	if (strncmp(path, ours, n) == 0 && (path[n] == '/' || path[n] == '\0')) {
		tgid = thread_group_of(tid);
		snprintf(mine, sizeof(mine), "/proc/%d/task/%d", tgid, tid);
	} else {
		snprintf(ours, sizeof(ours), "/proc/%d", getpid());
		n = strlen(ours);
		if (strncmp(path, ours, n) != 0 || (path[n] != '/' && path[n] != '\0'))
			return;
		snprintf(mine, sizeof(mine), "/proc/%d", thread_group_of(tid));
	}
	snprintf(rest, sizeof(rest), "%s", path + n);
	snprintf(path, size, "%s%s", mine, rest);
}

static int resolve(pid_t pid, int64_t dirfd, const char *path, bool follow, bool empty_ok,
                   uint64_t how_resolve, struct resolved *out)
{
	char base_path[64], proc_path[PATH_MAX];
	int base = AT_FDCWD;
	out->path[0] = '\0';
	out->exists = out->is_dir = out->anonymous = out->deep = false;
	out->fd = out->dir_fd = -1;
	if (!how_resolve && resolve_clean(path, follow, out))
		return 0;
	if (!how_resolve) /* with resolve flags "/" may be the dirfd: the kernel says */
		path = rewrite_proc_self(pid, path, proc_path, sizeof(proc_path));
	if (path[0] != '/' || how_resolve) {
		if ((int)dirfd == AT_FDCWD)
			snprintf(base_path, sizeof(base_path), "/proc/%d/cwd", pid);
		else
			snprintf(base_path, sizeof(base_path), "/proc/%d/fd/%d", pid, (int)dirfd);
		base = open(base_path, O_PATH | O_CLOEXEC);
		if (base < 0)
			return -errno;
	}
	int flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW);
	int fd =
	    (path[0] == '\0' && empty_ok) ? dup(base) : open_as(base, path, flags, how_resolve);
	int r = 0;
	char link[64];
	if (fd >= 0) {
		struct stat st;
		out->exists = true;
		if (fstat(fd, &st) == 0)
			out->is_dir = S_ISDIR(st.st_mode);
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, out->path, sizeof(out->path) - 1);
		if (n < 0)
			r = -errno;
		else
			out->path[n] = '\0';
		out->anonymous = out->path[0] != '/';
		if (r == -ENAMETOOLONG) {
			char parent[PATH_MAX];
			dir_part(path, parent, sizeof(parent));
			int pfd = open_as(base, parent, O_PATH | O_CLOEXEC, how_resolve);
			if (pfd >= 0) {
				name_deep(out, pfd, last_name(path));
				out->fd = fd;
				fd = -1;
				r = 0;
			}
		}
		if (fd >= 0)
			close(fd);
	} else if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR) {
		/* Not there (yet): describe it through its parent. */
		char parent[PATH_MAX];
		const char *name = last_name(path);
		dir_part(path, parent, sizeof(parent));
		int pfd = open_as(base, parent, O_PATH | O_CLOEXEC, how_resolve);
		if (pfd < 0) {
			r = -errno;
		} else {
			snprintf(link, sizeof(link), "/proc/self/fd/%d", pfd);
			ssize_t n = readlink(link, out->path, PATH_MAX);
			if (n < 0 && errno == ENAMETOOLONG) {
				name_deep(out, pfd, name);
				pfd = -1;
			} else if (n < 0) {
				r = -errno;
			} else {
				snprintf(out->path + n, sizeof(out->path) - (size_t)n, "%s%s",
				         (n == 1 && out->path[0] == '/') ? "" : "/", name);
			}
			if (pfd >= 0)
				close(pfd);
		}
	} else {
		r = -errno;
	}
	if (base >= 0 && base != AT_FDCWD)
		close(base);
	if (r == 0 && !out->deep)
		self_to_plugin(pid, out->path, sizeof(out->path));
	return r;
}

static void parent_of(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		snprintf(out, size, "/");
	else
		snprintf(out, size, "%.*s", (int)(slash - path), path);
}

/* Does Landlock grant NEED at PATH? Fills REASON either way. */
static bool landlock_allows(const struct notify_ctx *c, const char *path, uint64_t need,
                            const char *cap, char *reason, size_t rsize)
{
	if (!c->landlock) {
		snprintf(reason, rsize, "not enforced (no Landlock, degraded mode)");
		return true;
	}
	need &= c->landlock->attr.handled_access_fs;
	const char *rule = NULL;
	uint64_t have = rights_at(c, path, &rule);
	if ((have & need) == need) {
		snprintf(reason, rsize, "granted by the rule on %s", rule ? rule : "/");
		return true;
	}
	snprintf(reason, rsize, "no %s grant covers this path", cap);
	return false;
}

/* Rights Landlock grants at an object beyond PATH_MAX, as Landlock finds
 * them: rules are on inodes, and a directory's rule covers what is beneath
 * it, so walk from DIR up through ".." (across mounts, as the kernel does)
 * to the root, and take OBJ's own rule (a file rule) too when it is given. */
static uint64_t rights_by_walk(const struct notify_ctx *c, int obj, int dir, const char **rule)
{
	const struct landlock_plan *p = c->landlock;
	uint64_t rights = 0;
	int cur = obj >= 0 ? dup(obj) : dup(dir);
	bool at_obj = obj >= 0;
	for (int depth = 0; cur >= 0 && depth < PATH_MAX; depth++) {
		struct stat st, up_st;
		if (fstat(cur, &st) < 0)
			break;
		for (size_t k = 0; k < p->n_rules + c->n_extra; k++) {
			const struct ll_path_rule *r =
			    k < p->n_rules ? &p->rules[k] : &c->extra[k - p->n_rules];
			struct stat rs;
			if (r->fd >= 0 && fstat(r->fd, &rs) == 0 && rs.st_dev == st.st_dev &&
			    rs.st_ino == st.st_ino) {
				rights |= r->access;
				if (!*rule)
					*rule = r->path;
			}
		}
		int up = at_obj ? dup(dir) : openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		close(cur);
		cur = up;
		if (at_obj) {
			at_obj = false;
			continue;
		}
		if (cur < 0 || fstat(cur, &up_st) < 0 ||
		    (up_st.st_dev == st.st_dev && up_st.st_ino == st.st_ino))
			break; /* the root */
	}
	if (cur >= 0)
		close(cur);
	return rights;
}

/* landlock_allows() for what R resolved to: by path, or, beyond PATH_MAX,
 * by walking the objects. ON_PARENT: the right is on R's directory. */
static bool allows_at(const struct notify_ctx *c, const struct resolved *r, bool on_parent,
                      uint64_t need, const char *cap, char *reason, size_t rsize)
{
	if (!r->deep) {
		char where[sizeof(r->path)];
		if (on_parent)
			parent_of(r->path, where, sizeof(where));
		else
			snprintf(where, sizeof(where), "%s", r->path);
		return landlock_allows(c, where, need, cap, reason, rsize);
	}
	if (!c->landlock)
		return landlock_allows(c, r->path, need, cap, reason, rsize);
	need &= c->landlock->attr.handled_access_fs;
	const char *rule = NULL;
	uint64_t have = rights_by_walk(c, on_parent ? -1 : r->fd, r->dir_fd, &rule);
	if ((have & need) == need) {
		snprintf(reason, rsize, "granted by the rule on %s (found by inode)",
		         rule ? rule : "/");
		return true;
	}
	snprintf(reason, rsize, "no %s grant covers this path", cap);
	return false;
}

/* ---- answering ---- */

static int reply(struct notify_ctx *c, int error, bool cont)
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

static const char *syscall_name(int nr, char *buf, size_t size)
{
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	snprintf(buf, size, "%s", name ? name : "?");
	free(name);
	if (!name)
		snprintf(buf, size, "syscall %d", nr);
	return buf;
}

/* ---- per-syscall handlers ---- */

struct call {
	struct notify_ctx *c;
	pid_t pid;
	int nr;
	const uint64_t *a;
	char target[PATH_MAX + 512];
	char reason[PATH_MAX + 128];
};

static int log_and_continue(struct call *k, const char *action, bool allowed)
{
	audit_emit(k->c->sink, k->pid, action, k->target, allowed, k->reason);
	return reply(k->c, 0, true);
}

static int register_decision(struct call *k, const char *action, int error, const char *why)
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
static bool gate_allows(struct call *k)
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

static int gate_denied(struct call *k)
{
	audit_emit(k->c->sink, k->pid, PRAXIS_CAP_SUBPROCESS, k->target, false, k->reason);
	return reply(k->c, EPERM, false);
}

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

static int handle_open(struct call *k, int64_t dirfd, uint64_t path_addr, uint64_t flags,
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
static int handle_path_op(struct call *k, int64_t dirfd, uint64_t path_addr, uint64_t need,
                          bool on_parent, bool follow)
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
static int handle_two_paths(struct call *k, int64_t olddir, uint64_t oldp, int64_t newdir,
                            uint64_t newp, bool is_link)
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

static int handle_exec(struct call *k, int64_t dirfd, uint64_t path_addr, uint64_t argv_addr,
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

static void format_sockaddr(struct call *k, const void *sa, size_t len)
{
	const struct sockaddr *s = sa;
	char ip[INET6_ADDRSTRLEN];
	if (len >= sizeof(struct sockaddr_in) && s->sa_family == AF_INET) {
		const struct sockaddr_in *in = sa;
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		snprintf(k->target, sizeof(k->target), "%s:%u", ip, ntohs(in->sin_port));
	} else if (len >= sizeof(struct sockaddr_in6) && s->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		snprintf(k->target, sizeof(k->target), "[%s]:%u", ip, ntohs(in6->sin6_port));
	} else if (len > sizeof(sa_family_t) && s->sa_family == AF_UNIX) {
		const struct sockaddr_un *un = sa;
		size_t n = len - offsetof(struct sockaddr_un, sun_path);
		char name[sizeof(un->sun_path) + 1];
		if (n > sizeof(un->sun_path))
			n = sizeof(un->sun_path);
		bool abstract = n > 0 && un->sun_path[0] == '\0';
		memcpy(name, un->sun_path + abstract, n - abstract);
		name[n - abstract] = '\0';
		char clean[512];
		sanitize(clean, sizeof(clean), name);
		snprintf(k->target, sizeof(k->target), "unix:%s%s", abstract ? "@" : "", clean);
	} else {
		snprintf(k->target, sizeof(k->target), "family %u", len ? s->sa_family : 0);
	}
}

/* ---- network.http: decided and performed here, race-free ---- */

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif
#define MAX_EMULATED_SEND 65536

/* A copy of the plugin's fd FD (the same open socket). */
static int take_fd(struct call *k, int fd)
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

static int socket_info(int fd, int *domain, int *type)
{
	socklen_t l = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, domain, &l) < 0)
		return -errno;
	l = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, type, &l) < 0)
		return -errno;
	return 0;
}

static int reply_value(struct notify_ctx *c, int64_t val, int error)
{
	memset(c->resp, 0, c->resp_size);
	c->resp->id = c->req->id;
	c->resp->val = val;
	c->resp->error = error ? -error : 0;
	if (ioctl(c->fd, SECCOMP_IOCTL_NOTIF_SEND, c->resp) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* A blocking connect runs on a thread of its own so the supervisor keeps
 * serving the run (and its wall limit) while the handshake takes its time. */
struct pending_connect {
	struct pending_connect *next;
	pthread_t thread;
	atomic_bool done;
	int listener, sock;
	uint64_t id;
	struct sockaddr_storage addr;
	socklen_t len;
};

static void *connect_thread(void *arg)
{
	struct pending_connect *pc = arg;
	int r = connect(pc->sock, (struct sockaddr *)&pc->addr, pc->len);
	struct seccomp_notif_resp resp = {.id = pc->id, .error = r < 0 ? -errno : 0};
	ioctl(pc->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	atomic_store(&pc->done, true);
	return NULL;
}

#define MAX_PENDING_CONNECTS 64

/* Join the connect threads that have answered; returns how many remain. */
static size_t reap_pending(struct notify_ctx *c)
{
	size_t left = 0;
	for (struct pending_connect **pp = &c->pending; *pp;) {
		struct pending_connect *pc = *pp;
		if (atomic_load(&pc->done)) {
			pthread_join(pc->thread, NULL);
			close(pc->sock);
			*pp = pc->next;
			free(pc);
		} else {
			left++;
			pp = &pc->next;
		}
	}
	return left;
}

static void finish_pending(struct notify_ctx *c)
{
	while (c->pending) {
		struct pending_connect *pc = c->pending;
		c->pending = pc->next;
		shutdown(pc->sock, SHUT_RDWR); /* aborts a handshake still under way */
		pthread_join(pc->thread, NULL);
		close(pc->sock);
		free(pc);
	}
}

static int emulate_connect(struct call *k, int sock, const struct sockaddr_storage *ss,
                           socklen_t len)
{
	/* Always on a worker thread: O_NONBLOCK is a file-status flag shared
	 * with the plugin's fd, which another of its threads can clear after
	 * any check of ours, so a connect "known" not to block may block. */
	struct notify_ctx *c = k->c;
	if (reap_pending(c) >= MAX_PENDING_CONNECTS) {
		close(sock); /* a flood of hanging connects: bounded, like a full backlog */
		return reply_value(c, 0, EAGAIN);
	}
	struct pending_connect *pc = calloc(1, sizeof(*pc));
	if (!pc) {
		close(sock);
		return reply_value(c, 0, ENOMEM);
	}
	*pc = (struct pending_connect){.listener = c->fd,
	                               .sock = sock,
	                               .id = c->req->id,
	                               .addr = *ss,
	                               .len = len,
	                               .next = c->pending};
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024); /* it only calls connect */
	int pr = pthread_create(&pc->thread, &attr, connect_thread, pc);
	pthread_attr_destroy(&attr);
	if (pr != 0) {
		close(sock);
		free(pc);
		return reply_value(c, 0, EAGAIN);
	}
	c->pending = pc;
	return 0;
}

/* The send flags a plugin may pass through the supervisor; the others
 * (MSG_OOB, MSG_DONTROUTE, MSG_ZEROCOPY, MSG_FASTOPEN, MSG_PROBE, MSG_CONFIRM
 * ...) are dropped. The supervisor adds MSG_DONTWAIT (a send never blocks
 * its loop, whatever the file's O_NONBLOCK says) and MSG_NOSIGNAL. See
 * docs/network.md. */
#define SAFE_SEND_FLAGS (MSG_MORE | MSG_EOR)

static ssize_t send_copy(int sock, const void *buf, size_t n, uint64_t flags,
                         const struct sockaddr_storage *dest, socklen_t dlen)
{
	int f = (int)(flags & SAFE_SEND_FLAGS) | MSG_DONTWAIT | MSG_NOSIGNAL;
	return sendto(sock, buf, n, f, dlen ? (const struct sockaddr *)dest : NULL, dlen);
}

/* Sends under network.http: copy, check, send from here. A stream takes
 * at most MAX_EMULATED_SEND bytes at a time (a short send, as the kernel
 * may do); a datagram larger than that is EMSGSIZE. */
static int emulate_send(struct call *k, int sock, const struct msghdr *mh_in,
                        const struct sockaddr_storage *dest, socklen_t dlen, int flags, bool stream,
                        ssize_t *sent)
{
	size_t total = 0;
	struct iovec iov[16];
	if (mh_in->msg_iovlen > 16 || mh_in->msg_controllen > 0)
		return EPERM; /* control data (e.g. source address) is not for plugins */
	if (read_bytes(k->pid, (uint64_t)(uintptr_t)mh_in->msg_iov, iov,
	               mh_in->msg_iovlen * sizeof(*iov)) < 0)
		return EFAULT;
	for (size_t i = 0; i < mh_in->msg_iovlen; i++) {
		if (stream && iov[i].iov_len > MAX_EMULATED_SEND - total)
			iov[i].iov_len = MAX_EMULATED_SEND - total;
		total += iov[i].iov_len;
	}
	if (total > MAX_EMULATED_SEND)
		return EMSGSIZE;
	char *buf = malloc(total ? total : 1);
	if (!buf)
		return ENOMEM;
	size_t off = 0;
	for (size_t i = 0; i < mh_in->msg_iovlen; i++) {
		if (iov[i].iov_len && read_bytes(k->pid, (uint64_t)(uintptr_t)iov[i].iov_base,
		                                 buf + off, iov[i].iov_len) < 0) {
			free(buf);
			return EFAULT;
		}
		off += iov[i].iov_len;
	}
	*sent = send_copy(sock, buf, total, (uint64_t)flags, dest, dlen);
	int e = *sent < 0 ? errno : 0;
	free(buf);
	return e;
}

static const char *net_action(const struct seccomp_options *o)
{
	return o->net_socket || !o->net_http ? PRAXIS_CAP_NET_SOCKET : PRAXIS_CAP_NET_HTTP;
}

static bool http_enforced(const struct notify_ctx *c)
{
	return c->http && c->policy->net_http && !c->policy->net_socket;
}

/* Audit-only view of a destination (network.socket or no network). */
static bool describe_destination(struct call *k, const char *verb,
                                 const struct sockaddr_storage *ss)
{
	const struct seccomp_options *o = k->c->policy;
	bool inet = ss->ss_family == AF_INET || ss->ss_family == AF_INET6;
	if (ss->ss_family == AF_UNIX) {
		snprintf(k->reason, sizeof(k->reason), "%s on a UNIX socket", verb);
		return true; /* only socketpairs exist; the kernel answers for the rest */
	}
	if (!inet) {
		snprintf(k->reason, sizeof(k->reason), "address family not allowed");
		return false;
	}
	if (o->net_socket) {
		snprintf(k->reason, sizeof(k->reason), "network.socket");
		return true;
	}
	snprintf(k->reason, sizeof(k->reason), "no network capability");
	return false;
}

static void prefix_target(struct call *k, const char *verb)
{
	char verbed[PATH_MAX + 600];
	snprintf(verbed, sizeof(verbed), "%s %s", verb, k->target);
	snprintf(k->target, sizeof(k->target), "%s", verbed);
}

static int net_refuse(struct call *k, int error, const char *why)
{
	snprintf(k->reason, sizeof(k->reason), "%s", why);
	audit_emit(k->c->sink, k->pid, PRAXIS_CAP_NET_HTTP, k->target, false, k->reason);
	return reply_value(k->c, 0, error);
}

/* Our own copy of the plugin's socket FD and its kind; or -1 with the
 * refusal sent (*ANSWERED: what sending it returned). What we inspect is
 * what we use: the fd number is never looked up again. */
static int take_inet_socket(struct call *k, int fd, int *type, int *answered)
{
	int sock = take_fd(k, fd), domain = 0;
	if (sock < 0) {
		*answered = reply_value(k->c, 0, -sock);
		return -1;
	}
	if (socket_info(sock, &domain, type) < 0) {
		close(sock);
		*answered = reply_value(k->c, 0, ENOTSOCK);
		return -1;
	}
	*type &= 0xf;
	if (domain != AF_INET && domain != AF_INET6) {
		/* a socketpair: no address to give it under network.http */
		close(sock);
		*answered =
		    net_refuse(k, EPERM, "network.http: only IPv4/IPv6 sockets take an address");
		return -1;
	}
	return sock;
}

/* sendto's data, copied, sent on our socket SOCK. */
static int send_from_copy(struct call *k, int sock, const struct sockaddr_storage *ss,
                          socklen_t len)
{
	size_t n = (size_t)k->a[2];
	bool stream = len == 0;
	if (stream && n > MAX_EMULATED_SEND)
		n = MAX_EMULATED_SEND; /* a short send */
	char *buf = n <= MAX_EMULATED_SEND ? malloc(n ? n : 1) : NULL;
	int e = 0;
	if (!buf || (n && read_bytes(k->pid, k->a[1], buf, n) < 0))
		e = n > MAX_EMULATED_SEND ? EMSGSIZE : buf ? EFAULT : ENOMEM;
	ssize_t sent = e ? -1 : send_copy(sock, buf, n, k->a[3], ss, len);
	if (!e && sent < 0)
		e = errno;
	free(buf);
	close(sock);
	return reply_value(k->c, sent < 0 ? 0 : sent, e);
}

/* connect/bind/sendto with a destination. Under network.http the
 * supervisor answers with what it did on its own copies (of the fd and of
 * the address) or refuses: never CONTINUE, which would let the kernel read
 * the fd table and the address again. */
static int handle_address(struct call *k, const char *verb, int fd, uint64_t addr, uint64_t len)
{
	struct notify_ctx *c = k->c;
	struct sockaddr_storage ss;
	if (!addr || len == 0)
		return reply(c, 0, true); /* registers only: no address for the kernel to read */
	if (len > sizeof(ss))
		len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	if (read_bytes(k->pid, addr, &ss, len) < 0 || !still_valid(c))
		return reply_value(c, 0, EFAULT); /* never a pass: the page may come back */
	format_sockaddr(k, &ss, len);
	prefix_target(k, verb);
	if (!http_enforced(c))
		return log_and_continue(k, net_action(c->policy),
		                        describe_destination(k, verb, &ss));
	if (strcmp(verb, "sendto") == 0 && (k->a[3] & MSG_FASTOPEN))
		return net_refuse(k, EPERM, "TCP Fast Open is not allowed");
	int type = 0, answered = 0;
	int sock = take_inet_socket(k, fd, &type, &answered);
	if (sock < 0)
		return answered;
	if (strcmp(verb, "bind") == 0) {
		close(sock);
		return net_refuse(k, EACCES, "network.http does not listen or bind");
	}
	bool is_send = strcmp(verb, "sendto") == 0;
	if (type == SOCK_STREAM && is_send) {
		/* A stream ignores sendto's address (no TFO): the data goes to
		 * the peer, which the record names, not the address given. */
		char given[sizeof(k->target)];
		snprintf(given, sizeof(given), "%s", k->target + strlen("sendto "));
		struct sockaddr_storage peer;
		socklen_t pl = sizeof(peer);
		memset(&peer, 0, sizeof(peer));
		if (getpeername(sock, (struct sockaddr *)&peer, &pl) == 0) {
			format_sockaddr(k, &peer, pl);
			prefix_target(k, "sendto");
			snprintf(k->reason, sizeof(k->reason),
			         "a connected stream: to its peer (the address given, %.200s, is "
			         "ignored)",
			         given);
		} else {
			snprintf(k->target, sizeof(k->target), "sendto (not connected)");
			snprintf(k->reason, sizeof(k->reason),
			         "a stream that is not connected (the address given, %.200s, is "
			         "ignored)",
			         given);
		}
		audit_emit(c->sink, k->pid, PRAXIS_CAP_NET_HTTP, k->target, true, k->reason);
		return send_from_copy(k, sock, &ss, 0);
	}
	/* names are resolved for TCP only (UDP goes to the resolvers alone) */
	int e = http_policy_check(c->http, type == SOCK_STREAM ? &c->names : NULL,
	                          (struct sockaddr *)&ss, (socklen_t)len, type, k->reason,
	                          sizeof(k->reason));
	audit_emit(c->sink, k->pid, PRAXIS_CAP_NET_HTTP, k->target, e == 0, k->reason);
	if (e) {
		close(sock);
		return reply_value(c, 0, e);
	}
	if (!is_send)
		return emulate_connect(k, sock, &ss, (socklen_t)len);
	return send_from_copy(k, sock, &ss, (socklen_t)len);
}

/* sendmsg / sendmmsg, audit only (network.socket, or no network). */
static int describe_msgs(struct call *k, uint64_t vec)
{
	struct notify_ctx *c = k->c;
	struct msghdr mh;
	if (read_bytes(k->pid, vec, &mh, sizeof(mh)) < 0 || !mh.msg_name || !mh.msg_namelen)
		return reply(c, 0, true);
	struct sockaddr_storage ss;
	socklen_t len = mh.msg_namelen > sizeof(ss) ? sizeof(ss) : mh.msg_namelen;
	memset(&ss, 0, sizeof(ss));
	if (read_bytes(k->pid, (uint64_t)(uintptr_t)mh.msg_name, &ss, len) < 0 || !still_valid(c))
		return reply(c, 0, true);
	format_sockaddr(k, &ss, len);
	prefix_target(k, "sendmsg");
	return log_and_continue(k, net_action(c->policy), describe_destination(k, "sendmsg", &ss));
}

/* One message of a sendmsg/sendmmsg: read, check (datagrams), send. */
static int send_one_msg(struct call *k, int sock, int type, uint64_t at, int flags, bool mmsg,
                        ssize_t *last)
{
	struct notify_ctx *c = k->c;
	struct msghdr mh;
	if (read_bytes(k->pid, at, &mh, sizeof(mh)) < 0)
		return EFAULT;
	struct sockaddr_storage ss;
	socklen_t len = 0;
	memset(&ss, 0, sizeof(ss));
	bool stream = type == SOCK_STREAM;
	if (mh.msg_name && mh.msg_namelen) {
		len = mh.msg_namelen > sizeof(ss) ? sizeof(ss) : mh.msg_namelen;
		if (read_bytes(k->pid, (uint64_t)(uintptr_t)mh.msg_name, &ss, len) < 0)
			return EFAULT;
	} else if (!stream) {
		socklen_t pl = sizeof(ss);
		if (getpeername(sock, (struct sockaddr *)&ss, &pl) == 0)
			len = pl; /* connected: check where it goes anyway */
	}
	bool named = mh.msg_name && mh.msg_namelen;
	if (len && !stream) {
		format_sockaddr(k, &ss, len);
		prefix_target(k, mmsg ? "sendmmsg" : "sendmsg");
		int e = http_policy_check(c->http, NULL, (struct sockaddr *)&ss, len, type,
		                          k->reason, sizeof(k->reason));
		audit_emit(c->sink, k->pid, PRAXIS_CAP_NET_HTTP, k->target, e == 0, k->reason);
		if (e)
			return e;
	}
	/* a stream ignores msg_name (no TFO): its data is sent alone */
	return emulate_send(k, sock, &mh, &ss, named && !stream ? len : 0, flags, stream, last);
}

/* sendmsg / sendmmsg: the destination is in memory. Under network.http the
 * supervisor sends every message itself, from its own copies. */
static int handle_msgs(struct call *k, int fd, uint64_t vec, unsigned vlen, int flags, bool mmsg)
{
	struct notify_ctx *c = k->c;
	if (!http_enforced(c))
		return describe_msgs(k, vec);
	if (flags & MSG_FASTOPEN) {
		snprintf(k->target, sizeof(k->target), "%s with MSG_FASTOPEN",
		         mmsg ? "sendmmsg" : "sendmsg");
		return net_refuse(k, EPERM, "TCP Fast Open is not allowed");
	}
	snprintf(k->target, sizeof(k->target), "%s", mmsg ? "sendmmsg" : "sendmsg");
	int type = 0, answered = 0;
	int sock = take_inet_socket(k, fd, &type, &answered);
	if (sock < 0)
		return answered;
	unsigned done = 0;
	int e = 0;
	ssize_t last = 0;
	if (vlen > 16)
		vlen = 16;
	for (unsigned i = 0; i < (mmsg ? vlen : 1) && !e; i++) {
		uint64_t at = vec + (uint64_t)i * (mmsg ? sizeof(struct mmsghdr) : 0);
		e = send_one_msg(k, sock, type, at, flags, mmsg, &last);
		if (e)
			break;
		unsigned int sent_len = (unsigned int)last;
		if (mmsg) { /* msgvec[i].msg_len, as the kernel would */
			struct iovec local = {&sent_len, sizeof(sent_len)};
			struct iovec remote = {
			    (void *)(uintptr_t)(at + offsetof(struct mmsghdr, msg_len)),
			    sizeof(sent_len)};
			process_vm_writev(k->pid, &local, 1, &remote, 1, 0);
		}
		done++;
	}
	close(sock);
	if (mmsg)
		return reply_value(c, done, done ? 0 : e);
	return reply_value(c, e ? 0 : last, e);
}

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

static void log_allowed(struct call *k, const char *action)
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
static int create_socketpair(struct call *k)
{
	struct notify_ctx *c = k->c;
	int type = (int)(k->a[1] & 0xffffffff), sv[2];
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

static int handle_socket(struct call *k)
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
static int handle_setsockopt(struct call *k)
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
		return register_decision(&k, PRAXIS_CAP_SUBPROCESS, err,
		                         o->subprocess ? "new namespaces are never allowed"
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
