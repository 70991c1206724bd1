/* What the supervisor's notification handlers share (notify.c dispatches;
 * the other notify_*.c files each handle one kind of syscall). Internal to
 * the audit layer. */
#ifndef PRAXIS_NOTIFY_INTERNAL_H
#define PRAXIS_NOTIFY_INTERNAL_H
#include <limits.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "notify.h"

/* Log strings are cut to their buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

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

/* One notification being handled: its registers, what the record will say. */
struct call {
	struct notify_ctx *c;
	pid_t pid;
	int nr;
	const uint64_t *a;
	char target[PATH_MAX + 512];
	char reason[PATH_MAX + 128];
};

/* What a path resolved to. */
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

/* notify_memory.c: the plugin's memory */
bool still_valid(struct notify_ctx *c);
int read_bytes(pid_t pid, uint64_t addr, void *buf, size_t len);
int read_string(pid_t pid, uint64_t addr, char *buf, size_t size);
void sanitize(char *out, size_t size, const char *in);

/* notify_resolve.c: paths as the kernel resolves them, Landlock mirrored */
int resolve(pid_t pid, int64_t dirfd, const char *path, bool follow, bool empty_ok,
            uint64_t how_resolve, struct resolved *out);
bool allows_at(const struct notify_ctx *c, const struct resolved *r, bool on_parent, uint64_t need,
               const char *cap, char *reason, size_t rsize);
void resolved_release(struct resolved *r);
void parent_of(const char *path, char *out, size_t size);
bool landlock_allows(const struct notify_ctx *c, const char *path, uint64_t need, const char *cap,
                     char *reason, size_t rsize);
pid_t thread_group_of(pid_t tid);

/* notify_answer.c: answering a notification, records */
int register_decision(struct call *k, const char *action, int error, const char *why);
int log_and_continue(struct call *k, const char *action, bool allowed);
int take_fd(struct call *k, int fd);
int gate_denied(struct call *k);
int reply(struct notify_ctx *c, int error, bool cont);
int socket_info(int fd, int *domain, int *type);
bool gate_allows(struct call *k);
int reply_value(struct notify_ctx *c, int64_t val, int error);
const char *syscall_name(int nr, char *buf, size_t size);

/* notify_files.c: file and exec syscalls */
int handle_path_op(struct call *k, int64_t dirfd, uint64_t path_addr, uint64_t need, bool on_parent,
                   bool follow);
int handle_open(struct call *k, int64_t dirfd, uint64_t path_addr, uint64_t flags,
                uint64_t how_resolve);
int handle_two_paths(struct call *k, int64_t olddir, uint64_t oldp, int64_t newdir, uint64_t newp,
                     bool is_link);
int handle_exec(struct call *k, int64_t dirfd, uint64_t path_addr, uint64_t argv_addr,
                uint64_t flags);

/* notify_net.c: network.http, decided and performed here */
void finish_pending(struct notify_ctx *c);
int handle_msgs(struct call *k, int fd, uint64_t vec, unsigned vlen, int flags, bool mmsg);
int handle_address(struct call *k, const char *verb, int fd, uint64_t addr, uint64_t len);

/* notify_sockets.c: sockets made here, with bounded buffers */
int handle_setsockopt(struct call *k);
void log_allowed(struct call *k, const char *action);
int create_socketpair(struct call *k);
int handle_socket(struct call *k);

#endif
