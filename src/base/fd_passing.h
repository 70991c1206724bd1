/* Messages with file descriptors (SCM_RIGHTS) on SOCK_SEQPACKET sockets,
 * for the zygote's protocol; compiled into both the library and
 * praxis-so-runner (plain libc, nothing else). */
#ifndef PRAXIS_FD_PASSING_H
#define PRAXIS_FD_PASSING_H
#include <stddef.h>
#include <sys/types.h>

#define FD_PASSING_MAX 4 /* fds in one message, at most */

/* Send LEN bytes of MSG with N fds (0..FD_PASSING_MAX), MSG_NOSIGNAL and
 * FLAGS. Returns 0 when all of MSG went, else -errno. */
int send_with_fds(int sock, const void *msg, size_t len, const int *fds, int n, int flags);

/* Receive one message into BUF (SIZE bytes) with MSG_CMSG_CLOEXEC and
 * FLAGS. Up to MAX fds go to FDS (*N_FDS says how many); more than MAX are
 * closed. Returns the message's length, or -errno; *TRUNCATED is set when
 * the kernel cut the message or its fds. */
ssize_t recv_with_fds(int sock, void *buf, size_t size, int *fds, int max, int *n_fds, int flags,
                      int *truncated);

/* Close N fds of FDS. */
void close_fds(const int *fds, int n);

#endif
