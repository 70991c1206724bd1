#ifndef PRAXIS_SYSCALL_POLICY_H
#define PRAXIS_SYSCALL_POLICY_H
#include <stdbool.h>
#include <stdint.h>

#include "seccomp_filter.h"

/* Decisions that depend only on syscall registers. The seccomp builder
 * enumerates them into BPF, and the audit supervisor calls them for the
 * same syscalls: one source of truth, and race-free because registers are
 * copied into the notification. Each returns 0 (allow) or a positive errno. */
int decide_socket(const struct seccomp_options *o, uint64_t family, uint64_t type,
                  uint64_t protocol);
int decide_socketpair(uint64_t family);
int decide_listen(const struct seccomp_options *o);
int decide_clone(const struct seccomp_options *o, uint64_t flags);
int decide_fork(const struct seccomp_options *o);
int decide_personality(uint64_t persona);
int decide_memfd_create(uint64_t flags);
int decide_ioctl(uint64_t request);
/* The ioctl requests decide_ioctl() refuses, for the BPF builder. */
const uint64_t *syscall_policy_denied_ioctls(unsigned *n);
int decide_seccomp(uint64_t flags);
int decide_metadata(const struct seccomp_options *o);

/* A socket option, as setsockopt's level and name registers give it. */
struct sockopt_id {
	uint64_t level, name;
	const char *label;
};
/* setsockopt under network.http: the IP and IPv6 levels are an allow list
 * (options that would choose where packets go are not on it), and at the
 * socket level interface bindings are refused. Levels 0 and 41 are asked
 * of the supervisor (registers only), the known-bad ones refused by BPF. */
int decide_setsockopt(const struct seccomp_options *o, uint64_t level, uint64_t name);
/* Those options (for the BPF builder and the log's labels); N set. */
const struct sockopt_id *syscall_policy_route_sockopts(unsigned *n);
/* The socket buffer size options (SO_SNDBUF, SO_RCVBUF and their FORCE
 * variants), which the supervisor sets itself, clamped, with buffers. */
const struct sockopt_id *syscall_policy_buffer_sockopts(unsigned *n);

/* fcntl: F_SETPIPE_SZ above MAX_PIPE_BYTES is refused. */
#define MAX_PIPE_BYTES 65536
int decide_fcntl(uint64_t cmd, uint64_t arg);

/* Metadata-changing syscalls Landlock does not cover (chmod, chown,
 * xattr, utimes), allowed only when filesystem.write covers everything. */
extern const char *const metadata_syscalls[];
/* Syscalls never allowed. */
extern const char *const denied_syscalls[];

#endif
