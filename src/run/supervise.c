/* One poll loop per run: the child's pidfd, the sync socket (setup errors,
 * the seccomp listener), audit notifications, relayed/captured output, the
 * wall-clock deadline and the tree sampler's tick. No signal handlers, no
 * SIGCHLD: the host's signal state is never touched. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "missing.h"
#include "sandbox_internal.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define SAMPLE_INTERVAL 0.010 /* seconds between tree samples */
#define ENV_CHANNEL     2

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

praxis_limit_kind backstop_limit(const praxis_limits *l, int signal, double cpu, const char **what)
{
	if (signal == SIGXCPU ||
	    (signal == SIGKILL && l->cpu_seconds > 0 && cpu >= l->cpu_seconds)) {
		*what = "cpu (RLIMIT_CPU)";
		return PRAXIS_LIMIT_CPU;
	}
	if (signal == SIGXFSZ) {
		*what = "file size (RLIMIT_FSIZE)";
		return PRAXIS_LIMIT_FILE_SIZE;
	}
	return PRAXIS_LIMIT_NONE;
}

static void hit_limit(struct run_state *rs, praxis_limit_kind kind, const char *what)
{
	kill_run(rs);
	if (rs->limit != PRAXIS_LIMIT_NONE)
		return; /* the first limit is the one that ended the run */
	rs->limit = kind;
	char reason[128];
	snprintf(reason, sizeof(reason), "%s limit reached: the run was killed",
	         praxis_limit_name(kind));
	audit_emit(rs->sink, rs->pid, "limit.exceeded", what, false, reason);
}

/* Returns false when the sync socket is done (EOF or error). */
static bool handle_sync(struct run_state *rs, praxis_error *err)
{
	struct child_msg msg;
	ssize_t n = read(rs->sync_fd, &msg, sizeof(msg));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n != (ssize_t)sizeof(msg)) {
		/* EOF: exec succeeded (CLOEXEC) or the child died */
		if (rs->listener_optional && rs->notify_fd < 0 && !rs->setup_step)
			audit_emit(rs->sink, rs->pid, "run.not_enforced", "socket buffer bounds",
			           false,
			           "the host is inside another sandbox that refuses it a seccomp "
			           "listener: sockets are made with the kernel's buffer sizes (the "
			           "outer sandbox's bounds apply)");
		return false;
	}
	if (msg.kind == CHILD_MSG_ERROR) {
		rs->setup_step = msg.step;
		rs->setup_errno = msg.error;
		return true;
	}
	if (msg.kind == CHILD_MSG_STATUS) {
		rs->have_status = true;
		rs->status = msg;
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

/* Keep DATA up to BOUND. Once something could not be kept nothing more is
 * (no hole in the middle): the buffer is then a prefix, marked truncated. */
static void capture_append(struct output_buffer *b, const char *data, size_t len, size_t bound)
{
	if (b->truncated)
		return;
	if (b->len + len > bound) {
		len = bound > b->len ? bound - b->len : 0;
		b->truncated = true;
	}
	if (len == 0)
		return;
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + len + 1)
			cap *= 2;
		char *grown = realloc(b->data, cap);
		if (!grown) {
			b->truncated = true;
			return;
		}
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

static bool relaying(const struct run_state *rs, int i)
{
	return i != ENV_CHANNEL && rs->output_mode == PRAXIS_OUTPUT_RELAY;
}

/* Read what is there on output I, as much as its relay queue takes; false
 * at EOF. */
static bool handle_output(struct run_state *rs, int i)
{
	char buf[65536];
	size_t want = sizeof(buf);
	if (relaying(rs, i) && relay_room(&rs->relay[i]) < want)
		want = relay_room(&rs->relay[i]);
	if (want == 0)
		return true; /* the destination is behind: the plugin waits */
	ssize_t n = read(rs->out_fd[i], buf, want);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	if (i == ENV_CHANNEL) { /* environment.write hand-back: bounded, not output */
		capture_append(&rs->captured[i], buf, (size_t)n, ENV_HAND_BACK_MAX);
		return true;
	}
	uint64_t max = rs->limits.max_output_bytes;
	rs->output_bytes += (uint64_t)n;
	size_t keep = (size_t)n;
	if (max && rs->output_bytes > max) {
		uint64_t over = rs->output_bytes - max;
		keep = over >= (uint64_t)n ? 0 : (size_t)((uint64_t)n - over);
	}
	if (relaying(rs, i)) {
		relay_push(&rs->relay[i], buf, keep);
		if (rs->relay[i].blocking_ok)
			relay_write_some(&rs->relay[i]);
	} else {
		capture_append(&rs->captured[i], buf, keep, (size_t)(max ? max : SIZE_MAX / 2));
	}
	if (max && rs->output_bytes > max) {
		rs->captured[i].truncated = true;
		char what[64];
		snprintf(what, sizeof(what), "output %llu bytes", (unsigned long long)max);
		hit_limit(rs, PRAXIS_LIMIT_OUTPUT, what);
		return false;
	}
	return true;
}

/* Output the host's fd refused (closed pipe, I/O error): said, not lost
 * silently. */
static void report_lost_output(struct run_state *rs)
{
	static const char *const names[] = {"stdout", "stderr"};
	for (int i = 0; i < 2; i++) {
		const struct output_relay *r = &rs->relay[i];
		if (!r->lost)
			continue;
		char why[160];
		snprintf(why, sizeof(why),
		         "the host's %s refused the plugin's output (%s): %zu bytes dropped",
		         names[i], r->failed ? strerrorname_np(r->failed) : "out of memory",
		         r->lost);
		audit_emit(rs->sink, rs->pid, "run.output_lost", names[i], false, why);
	}
}

static void close_output(struct run_state *rs, int i)
{
	if (rs->out_fd[i] >= 0)
		close(rs->out_fd[i]);
	rs->out_fd[i] = -1;
}

/* The run's cgroup counts every process that was ever in it, also those
 * the sampler never saw: the larger figure is the true one. */
static void cgroup_cpu(struct run_state *rs, struct tree_usage *u)
{
	uint64_t usage, user;
	if (!rs->cgroup || run_cgroup_cpu(rs->cgroup, &usage, &user) < 0)
		return;
	if ((double)usage / 1e6 > u->cpu_seconds) {
		u->cpu_seconds = (double)usage / 1e6;
		u->user_seconds = (double)user / 1e6;
	}
}

/* The end of a run with a cgroup: its last CPU figure, then it goes. */
static void finish_cgroup(struct run_state *rs)
{
	if (!rs->cgroup)
		return;
	struct tree_usage u = {.cpu_seconds = rs->tree_cpu, .user_seconds = rs->tree_user};
	cgroup_cpu(rs, &u);
	rs->tree_cpu = u.cpu_seconds;
	rs->tree_user = u.user_seconds;
	char path[sizeof(rs->cgroup->path)];
	snprintf(path, sizeof(path), "%s", rs->cgroup->path);
	if (run_cgroup_give_back(rs->cgroup_pool, rs->cgroup) < 0)
		audit_emit(rs->sink, 0, "run.accounting", path, false,
		           "the run's cgroup could not be removed (a process of it lives on?)");
}

/* Kernel memory the tree's sockets and pipes can pin, bounded by how they
 * were made (sandbox.c, plan_kernel_buffers). Cheap while far from the
 * limit: every fd at the larger charge. When that would reach the limit,
 * the distinct sockets and pipes are counted (fds shared by fork or dup
 * count once), every 50 ms (up to 250 ms when counting is slow), and
 * scaled by the fds opened since until the next count. */
#define EPOLL_WATCH_BYTES 160 /* an epitem and its wait-queue entry */

static uint64_t pinnable_bytes(struct run_state *rs, const struct tree_usage *u)
{
	uint64_t per_fd = rs->sock_charge > rs->pipe_charge ? rs->sock_charge : rs->pipe_charge;
	if (rs->inotify_charge > per_fd)
		per_fd = rs->inotify_charge;
	uint64_t naive = u->fds * per_fd, limit = rs->limits.memory_bytes;
	if (!limit || u->rss_bytes + naive <= limit || rs->sampler.n < 2)
		return naive;
	double now = timespec_seconds_since(&rs->start);
	if (now >= rs->next_census) {
		struct fd_objects o;
		rs->census.watch_cap = limit / EPOLL_WATCH_BYTES + 1;
		if (fd_census_count(&rs->census, rs->sampler.queue + 1, rs->sampler.n - 1, &o) ==
		    0) {
			rs->census_bytes = o.sockets * rs->sock_charge + o.pipes * rs->pipe_charge +
			                   o.inotify * rs->inotify_charge +
			                   o.epoll * rs->epoll_charge +
			                   o.epoll_watches * EPOLL_WATCH_BYTES;
			rs->census_fds = u->fds;
		} else {
			rs->census_bytes = naive;
			rs->census_fds = u->fds;
		}
		double took = timespec_seconds_since(&rs->start) - now, wait = 20 * took;
		rs->next_census = now + (wait < 0.05 ? 0.05 : wait > 0.25 ? 0.25 : wait);
	}
	if (u->fds <= rs->census_fds || !rs->census_fds)
		return rs->census_bytes;
	/* more fds since: as many more objects, in proportion (a fork's
	 * copies would be charged in full forever otherwise) */
	return (uint64_t)((double)rs->census_bytes * (double)u->fds / (double)rs->census_fds);
}

static void sample_tree(struct run_state *rs)
{
	struct tree_usage u;
	if (tree_sample(&rs->sampler, &u) < 0)
		return;
	const praxis_limits *l = &rs->limits;
	if (u.rss_bytes > rs->peak_rss)
		rs->peak_rss = u.rss_bytes;
	if (u.tasks > rs->peak_tasks)
		rs->peak_tasks = u.tasks;
	cgroup_cpu(rs, &u);
	/* Monotonic: samples taken while the tree is dying see fewer members. */
	if (u.cpu_seconds > rs->tree_cpu) {
		rs->tree_cpu = u.cpu_seconds;
		rs->tree_user = u.user_seconds;
	}
	char why[256];
	if (rs->watch && !rs->watched_out && !rs->watch(rs->watch_ctx, &u, why, sizeof(why))) {
		/* the watch says the run misbehaved: every process of it goes */
		rs->watched_out = true;
		kill_run(rs);
		audit_emit(rs->sink, 0, rs->watch_action ? rs->watch_action : "run.watch_failed",
		           why, false,
		           rs->watch_reason ? rs->watch_reason : "the run's watch failed");
	}
	char what[160];
	uint64_t pinnable = pinnable_bytes(rs, &u);
	if (l->memory_bytes && u.rss_bytes + pinnable > l->memory_bytes) {
		if (u.rss_bytes > l->memory_bytes)
			snprintf(what, sizeof(what), "memory %llu bytes",
			         (unsigned long long)l->memory_bytes);
		else
			snprintf(what, sizeof(what),
			         "memory %llu bytes (resident %llu + socket and pipe buffers %llu)",
			         (unsigned long long)l->memory_bytes,
			         (unsigned long long)u.rss_bytes, (unsigned long long)pinnable);
		hit_limit(rs, PRAXIS_LIMIT_MEMORY, what);
	} else if (l->cpu_seconds > 0 && u.cpu_seconds >= l->cpu_seconds) {
		snprintf(what, sizeof(what), "cpu %.3fs", l->cpu_seconds);
		hit_limit(rs, PRAXIS_LIMIT_CPU, what);
	} else if (l->max_procs && u.tasks > l->max_procs) {
		snprintf(what, sizeof(what), "processes %llu", (unsigned long long)l->max_procs);
		hit_limit(rs, PRAXIS_LIMIT_PROCS, what);
	}
}

static void fill_result(struct run_state *rs, const siginfo_t *si, const struct rusage *ru,
                        praxis_result *result)
{
	/* The plugin's end as its reaper saw it; the reaper's own when it was
	 * killed first (by us, or with the host). */
	int code = rs->have_status ? rs->status.code : si->si_code;
	int status = rs->have_status ? rs->status.status : si->si_status;
	if (code == CLD_EXITED) {
		result->status = PRAXIS_EXITED;
		result->exit_code = status;
	} else {
		result->status = PRAXIS_SIGNALED;
		result->signal = status;
	}
	praxis_usage *u = &result->usage;
	/* The reaper reaped everything, so its rusage holds the tree's times;
	 * its maxrss would be the host's (it is a fork of it): not used. */
	u->user_cpu_seconds = (double)ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6;
	u->system_cpu_seconds = (double)ru->ru_stime.tv_sec + ru->ru_stime.tv_usec / 1e6;
	u->peak_memory_bytes = rs->have_status ? (uint64_t)rs->status.maxrss_kb * 1024 : 0;
	/* Killed before the reaper could reap the tree: the last sample knows. */
	if (rs->tree_cpu > u->user_cpu_seconds + u->system_cpu_seconds) {
		u->user_cpu_seconds = rs->tree_user;
		u->system_cpu_seconds = rs->tree_cpu - rs->tree_user;
	}
	if (rs->peak_rss > u->peak_memory_bytes)
		u->peak_memory_bytes = rs->peak_rss;
	u->peak_tasks = rs->peak_tasks ? rs->peak_tasks : 1;
	u->output_bytes = rs->output_bytes;
	/* The kernel's backstops end a run with a signal of their own. */
	const char *what;
	praxis_limit_kind backstop = PRAXIS_LIMIT_NONE;
	if (rs->limit == PRAXIS_LIMIT_NONE && result->status == PRAXIS_SIGNALED)
		backstop = backstop_limit(&rs->limits, result->signal,
		                          u->user_cpu_seconds + u->system_cpu_seconds, &what);
	if (backstop != PRAXIS_LIMIT_NONE)
		hit_limit(rs, backstop, what);
	if (rs->limit != PRAXIS_LIMIT_NONE) {
		result->status = PRAXIS_LIMIT;
		result->limit = rs->limit;
	}
}

static int poll_timeout(struct run_state *rs, double next_tick)
{
	double now = timespec_seconds_since(&rs->start), until = -1;
	if (rs->wall_limit > 0 && !rs->wall_fired)
		until = rs->wall_limit;
	if (next_tick > 0 && (until < 0 || next_tick < until))
		until = next_tick;
	if (until < 0)
		return -1;
	return until <= now ? 0 : (int)((until - now) * 1000) + 1;
}

int supervise(struct run_state *rs, praxis_result *result, praxis_error *err)
{
	const praxis_limits *l = &rs->limits;
	bool sampling = l->memory_bytes || l->cpu_seconds > 0 || l->max_procs || rs->watch;
	double next_tick = sampling ? SAMPLE_INTERVAL : 0;
	tree_sampler_init(&rs->sampler, rs->pid);
	for (;;) {
		/* Notifications first: a plugin blocked in one cannot exit. */
		struct pollfd pfd[9] = {
		    {.fd = rs->notify_fd, .events = POLLIN},
		    {.fd = rs->pidfd, .events = POLLIN},
		    {.fd = rs->sync_fd, .events = POLLIN},
		    {.fd = rs->out_fd[0], .events = POLLIN},
		    {.fd = rs->out_fd[1], .events = POLLIN},
		    {.fd = rs->out_fd[2], .events = POLLIN},
		    {.fd = rs->cancelled ? -1 : rs->cancel_fd, .events = POLLIN},
		    {.fd = -1, .events = POLLOUT},
		    {.fd = -1, .events = POLLOUT}};
		for (int i = 0; i < 2 && relaying(rs, i); i++) {
			if (!relay_room(&rs->relay[i]))
				pfd[3 + i].fd = -1; /* the host's fd is behind: read no more */
			if (relay_pending(&rs->relay[i]))
				pfd[7 + i].fd = rs->relay[i].dest;
		}
		int n = poll(pfd, 9, poll_timeout(rs, next_tick));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			kill_run(rs);
			break;
		}
		double now = timespec_seconds_since(&rs->start);
		if (rs->wall_limit > 0 && !rs->wall_fired && now >= rs->wall_limit) {
			rs->wall_fired = true;
			char what[64];
			snprintf(what, sizeof(what), "wall %.3fs", rs->wall_limit);
			hit_limit(rs, PRAXIS_LIMIT_WALL, what);
		}
		if (pfd[6].revents && !rs->cancelled) {
			rs->cancelled = true;
			kill_run(rs);
			audit_emit(rs->sink, rs->pid, "run.cancelled", "", false,
			           "cancelled by the host: every process of the run killed");
		}
		if (next_tick > 0 && now >= next_tick) {
			sample_tree(rs);
			next_tick = now + SAMPLE_INTERVAL;
		}
		if (rs->notify_fd >= 0 && (pfd[0].revents & POLLIN)) {
			if (notify_handle(rs->notify) < 0)
				kill_run(
				    rs); /* a broken listener must not leave the plugin hanging */
		} else if (rs->notify_fd >= 0 && pfd[0].revents) {
			/* every process of the run has left the filter */
			close(rs->notify_fd);
			rs->notify_fd = -1;
			if (rs->notify)
				rs->notify->fd = -1;
		}
		if (rs->sync_fd >= 0 && pfd[2].revents && !handle_sync(rs, err)) {
			close(rs->sync_fd);
			rs->sync_fd = -1;
		}
		for (int i = 0; i < 2; i++)
			if (pfd[7 + i].revents)
				relay_write_some(&rs->relay[i]);
		for (int i = 0; i < 3; i++)
			if (rs->out_fd[i] >= 0 && pfd[3 + i].revents && !handle_output(rs, i))
				close_output(rs, i);
		if (pfd[1].revents)
			break;
	}
	if (rs->group_kill)
		kill(-rs->pid, SIGKILL); /* leftovers of a run without a pid namespace */
	siginfo_t si = {0};
	struct rusage ru = {0};
	while (syscall(SYS_waitid, P_PIDFD, rs->pidfd, &si, WEXITED | __WALL, &ru) < 0) {
		if (errno != EINTR) {
			tree_sampler_free(&rs->sampler);
			fd_census_free(&rs->census);
			return praxis_fail(err, -errno, "waitid: %s", strerror(errno));
		}
	}
	result->usage.wall_seconds = timespec_seconds_since(&rs->start);
	finish_cgroup(rs);
	/* Every writer is gone: drain what is left in the pipes. What is
	 * relayed now waits for the host's fds: the plugin is gone, nothing it
	 * does can hold the limits up any more. */
	for (int i = 0; i < 3; i++) {
		if (rs->out_fd[i] >= 0)
			fcntl(rs->out_fd[i], F_SETFL, O_NONBLOCK);
		for (;;) {
			if (relaying(rs, i) && !relay_room(&rs->relay[i]))
				relay_flush(&rs->relay[i], rs->cancel_fd);
			if (rs->out_fd[i] < 0 || !handle_output(rs, i))
				break;
			struct pollfd p = {.fd = rs->out_fd[i], .events = POLLIN};
			if (poll(&p, 1, 0) <= 0)
				break;
		}
		close_output(rs, i);
		if (relaying(rs, i))
			relay_flush(&rs->relay[i], rs->cancel_fd);
	}
	report_lost_output(rs);
	result->output_lost_bytes = rs->relay[0].lost + rs->relay[1].lost;
	fill_result(rs, &si, &ru, result);
	tree_sampler_free(&rs->sampler);
	fd_census_free(&rs->census);
	return 0;
}
