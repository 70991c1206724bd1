/* Paths as the kernel will resolve them for the plugin (its cwd, dirfd,
 * resolve flags, /proc/self), and what Landlock's rules grant there. */
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

void resolved_release(struct resolved *r)
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

pid_t thread_group_of(pid_t tid)
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

/* The directory that holds what PATH (relative to BASE) names, as an
 * O_PATH fd, and the name there in NAME: when FOLLOW and the last component
 * is a symlink (to a file, or dangling), its target's, link after link (at
 * most 40, the kernel's bound). -errno when it cannot be opened. */
static int real_parent(int base, const char *path, bool follow, uint64_t how_resolve, char *name,
                       size_t size)
{
	char cur[PATH_MAX];
	snprintf(cur, sizeof(cur), "%s", path);
	int at = base == AT_FDCWD ? AT_FDCWD : dup(base);
	for (int hops = 0; hops <= 40; hops++) {
		char parent[PATH_MAX];
		dir_part(cur, parent, sizeof(parent));
		int pfd = open_as(at, parent, O_PATH | O_DIRECTORY | O_CLOEXEC, how_resolve);
		int e = errno;
		if (at >= 0)
			close(at);
		if (pfd < 0)
			return -e;
		const char *leaf = last_name(cur);
		struct stat st;
		char target[PATH_MAX];
		ssize_t n;
		if (!follow || fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISLNK(st.st_mode) ||
		    (n = readlinkat(pfd, leaf, target, sizeof(target) - 1)) <= 0) {
			snprintf(name, size, "%s", leaf);
			return pfd;
		}
		target[n] = '\0';
		snprintf(cur, sizeof(cur), "%s", target);
		if (target[0] == '/') {
			close(pfd);
			at = AT_FDCWD;
		} else {
			at = pfd;
		}
	}
	if (at >= 0)
		close(at);
	return -ELOOP;
}

int resolve(pid_t pid, int64_t dirfd, const char *path, bool follow, bool empty_ok,
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
			/* beyond PATH_MAX: described by the directory that really
			 * holds it (a directory's own "..", else through its
			 * symlinks), and decided by walking from there */
			char name[NAME_MAX + 1];
			int pfd = out->is_dir ? openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC)
			                      : real_parent(base, path, follow, how_resolve, name,
			                                    sizeof(name));
			if (out->is_dir)
				snprintf(name, sizeof(name), "%s", last_name(path));
			if (pfd >= 0) {
				name_deep(out, pfd, name);
				out->fd = fd;
				fd = -1;
				r = 0;
			}
		}
		if (fd >= 0)
			close(fd);
	} else if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR) {
		/* Not there (yet): describe it through its parent (a dangling
		 * symlink's target's, which is what O_CREAT creates). */
		char name[NAME_MAX + 1];
		int pfd = real_parent(base, path, follow, how_resolve, name, sizeof(name));
		if (pfd < 0) {
			r = pfd;
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

void parent_of(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		snprintf(out, size, "/");
	else
		snprintf(out, size, "%.*s", (int)(slash - path), path);
}

/* Does Landlock grant NEED at PATH? Fills REASON either way. */
bool landlock_allows(const struct notify_ctx *c, const char *path, uint64_t need, const char *cap,
                     char *reason, size_t rsize)
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
	size_t n = p->n_rules + c->n_extra;
	/* the rules' inodes, once per walk: a level costs one ".." and one
	 * fstat, however many rules there are */
	struct stat *ids = calloc(n ? n : 1, sizeof(*ids));
	if (!ids)
		return 0;
	for (size_t k = 0; k < n; k++) {
		const struct ll_path_rule *r =
		    k < p->n_rules ? &p->rules[k] : &c->extra[k - p->n_rules];
		if (r->fd < 0 || fstat(r->fd, &ids[k]) < 0)
			ids[k].st_ino = 0;
	}
	uint64_t rights = 0;
	int cur = obj >= 0 ? dup(obj) : dup(dir);
	bool at_obj = obj >= 0;
	/* a tree is finite and ".." leads to its root: the bound is only a
	 * guard, far above any depth a plugin can build */
	for (long depth = 0; cur >= 0 && depth < (1L << 22); depth++) {
		struct stat st, up_st;
		if (fstat(cur, &st) < 0)
			break;
		for (size_t k = 0; k < n; k++) {
			if (ids[k].st_ino && ids[k].st_dev == st.st_dev &&
			    ids[k].st_ino == st.st_ino) {
				const struct ll_path_rule *r =
				    k < p->n_rules ? &p->rules[k] : &c->extra[k - p->n_rules];
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
	free(ids);
	return rights;
}

/* landlock_allows() for what R resolved to: by path, or, beyond PATH_MAX,
 * by walking the objects. ON_PARENT: the right is on R's directory. */
bool allows_at(const struct notify_ctx *c, const struct resolved *r, bool on_parent, uint64_t need,
               const char *cap, char *reason, size_t rsize)
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
