/* One poll loop per run: the child's pidfd, the sync socket (setup errors,
 * the seccomp listener), and the wall-clock deadline. No signals, no
 * SIGCHLD: the host's signal state is never touched. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "sandbox_internal.h"

#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

double timespec_seconds_since(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void kill_run(struct run_state *rs)
{
	syscall(SYS_pidfd_send_signal, rs->pidfd, SIGKILL, NULL, 0);
}

/* Returns false when the sync socket is done (EOF or error). */
static bool handle_sync(struct run_state *rs, praxis_error *err)
{
	struct child_msg msg;
	ssize_t n = read(rs->sync_fd, &msg, sizeof(msg));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n != (ssize_t)sizeof(msg))
		return false; /* EOF: exec succeeded (CLOEXEC) or the child died */
	if (msg.kind == CHILD_MSG_ERROR) {
		rs->setup_step = msg.step;
		rs->setup_errno = msg.error;
		return true;
	}
	if (msg.kind == CHILD_MSG_LISTENER) {
		char ack = 1;
		int fd = (int)syscall(SYS_pidfd_getfd, rs->pidfd, msg.fd, 0);
		if (fd < 0) {
			praxis_fail(err, -errno, "taking the seccomp listener from the child: %s",
				    strerror(errno));
			ack = 0;
			kill_run(rs);
		} else {
			rs->notify_fd = fd;
			if (rs->notify)
				notify_set_fd(rs->notify, fd);
		}
		if (write(rs->sync_fd, &ack, 1) != 1)
			kill_run(rs);
		return true;
	}
	kill_run(rs); /* garbage from the child: not a protocol we speak */
	return false;
}

static void fill_result(const siginfo_t *si, const struct rusage *ru, praxis_result *result)
{
	if (si->si_code == CLD_EXITED) {
		result->status = PRAXIS_EXITED;
		result->exit_code = si->si_status;
	} else {
		result->status = PRAXIS_SIGNALED;
		result->signal = si->si_status;
	}
	result->usage.user_cpu_seconds = (double)ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6;
	result->usage.system_cpu_seconds = (double)ru->ru_stime.tv_sec + ru->ru_stime.tv_usec / 1e6;
	result->usage.peak_memory_bytes = (uint64_t)ru->ru_maxrss * 1024;
}

int supervise(struct run_state *rs, praxis_result *result, praxis_error *err)
{
	bool deadline_armed = rs->wall_limit > 0;
	praxis_limit_kind limit = PRAXIS_LIMIT_NONE;
	for (;;) {
		/* Notifications first: a plugin blocked in one cannot exit. */
		struct pollfd pfd[3] = {{.fd = rs->pidfd, .events = POLLIN},
					{.fd = rs->sync_fd, .events = POLLIN},
					{.fd = rs->notify_fd, .events = POLLIN}};
		int timeout = -1;
		if (deadline_armed) {
			double left = rs->wall_limit - timespec_seconds_since(&rs->start);
			timeout = left <= 0 ? 0 : (int)(left * 1000) + 1;
		}
		int n = poll(pfd, 3, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			kill_run(rs);
			return praxis_fail(err, -errno, "poll: %s", strerror(errno));
		}
		if (n == 0 && deadline_armed) {
			kill_run(rs);
			limit = PRAXIS_LIMIT_WALL;
			deadline_armed = false;
			char what[64];
			snprintf(what, sizeof(what), "wall %.3fs", rs->wall_limit);
			audit_emit(rs->sink, rs->pid, "limit.exceeded", what, false,
				   "wall-clock limit reached: the run was killed");
			continue;
		}
		if (rs->notify_fd >= 0 && (pfd[2].revents & POLLIN)) {
			if (notify_handle(rs->notify) < 0)
				kill_run(rs); /* a broken listener must not leave the plugin hanging */
			continue;
		}
		if (rs->notify_fd >= 0 && (pfd[2].revents & (POLLHUP | POLLERR | POLLNVAL))) {
			/* every process of the run has left the filter */
			close(rs->notify_fd);
			rs->notify_fd = -1;
			if (rs->notify)
				rs->notify->fd = -1;
		}
		if (rs->sync_fd >= 0 && pfd[1].revents) {
			if (!handle_sync(rs, err)) {
				close(rs->sync_fd);
				rs->sync_fd = -1;
			}
		}
		if (pfd[0].revents)
			break;
	}
	if (rs->group_kill)
		kill(-rs->pid, SIGKILL); /* leftovers of a run without a pid namespace */
	siginfo_t si = {0};
	struct rusage ru = {0};
	while (syscall(SYS_waitid, P_PIDFD, rs->pidfd, &si, WEXITED | __WALL, &ru) < 0) {
		if (errno != EINTR)
			return praxis_fail(err, -errno, "waitid: %s", strerror(errno));
	}
	result->usage.wall_seconds = timespec_seconds_since(&rs->start);
	fill_result(&si, &ru, result);
	if (limit != PRAXIS_LIMIT_NONE) {
		result->status = PRAXIS_LIMIT;
		result->limit = limit;
	}
	return 0;
}
