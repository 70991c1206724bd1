/* One call in a zygote, supervised by the calling thread: send the call
 * with its fds, take the pidfd of the process the zygote forked for it,
 * then capture its output and enforce its limits until the zygote reports
 * how it ended.
 *
 * The zygote runs code the plugin loaded and may have been taken over by
 * it, so nothing it says is trusted beyond this plugin's own call: limits
 * are enforced here, from /proc and through the pidfd; the pidfd must name
 * a child of the zygote; messages must have their exact size; and a zygote
 * that lies, withholds an end, or keeps more than its calls account for is
 * killed with everything in its run (zygote_kill). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "missing.h"
#include "error.h"
#include "fd_passing.h"
#include "sandbox_internal.h"
#include "zygote.h"
#include "zygote_internal.h"
#include "zygote_protocol.h"


#define SAMPLE_INTERVAL 0.010  /* seconds, as for a plain run */
#define END_GRACE       2.0    /* seconds from the process's exit to its end and pipes' EOF */
#define NO_WALL_START   3600.0 /* seconds to wait for a start without a wall limit */

enum { OUT_RESULT, OUT_STDERR };

struct call_state {
	struct zygote *z;
	const struct zygote_call_spec *c;
	struct timespec start;
	int pidfd;
	pid_t pid;   /* in the host's pid namespace */
	bool routed; /* the zygote's supervisor may write the call's records */
	int out[2];
	int reply;
	struct output_buffer buf[2];
	uint64_t output_bytes;
	bool exited, ended, lost;
	struct zmsg_ended status;
	praxis_limit_kind limit;
	uint64_t peak_rss;
	unsigned peak_threads;
	double sampled_cpu, sampled_user;
};

static double since_start(const struct call_state *cs)
{
	return timespec_seconds_since(&cs->start);
}

/* A record of the call's from this thread: while routed, the zygote run's
 * supervisor writes to the same log, under the zygote's lock. */
static void call_emit(struct call_state *cs, const char *action, const char *target, bool allowed,
                      const char *reason)
{
	if (cs->routed)
		pthread_mutex_lock(&cs->z->lock);
	audit_emit(cs->c->sink, cs->pid > 0 ? cs->pid : 0, action, target, allowed, reason);
	if (cs->routed)
		pthread_mutex_unlock(&cs->z->lock);
}

static void kill_call(struct call_state *cs)
{
	if (cs->pidfd >= 0)
		syscall(SYS_pidfd_send_signal, cs->pidfd, SIGKILL, NULL, 0);
}

static void hit_limit(struct call_state *cs, praxis_limit_kind kind, const char *what)
{
	kill_call(cs);
	if (cs->limit != PRAXIS_LIMIT_NONE)
		return;
	cs->limit = kind;
	char reason[128];
	snprintf(reason, sizeof(reason), "%s limit reached: the run was killed",
	         praxis_limit_name(kind));
	call_emit(cs, "limit.exceeded", what, false, reason);
}

/* The zygote broke the protocol or kept what it should not: it and every
 * process of its run go, this call with them. */
static void zygote_broken(struct call_state *cs, const char *why)
{
	call_emit(
	    cs, "run.zygote_killed", why, false,
	    "the plugin's zygote misbehaved: it was killed, the plugin runs fresh from now on");
	zygote_kill(cs->z, why);
	cs->lost = true;
	kill_call(cs);
}

/* Wait until FD is ready for EVENTS or the deadline (seconds since the
 * call's start, < 0 = none) passes. 1 ready, 0 timed out. */
static int wait_fd(struct call_state *cs, int fd, short events, double deadline)
{
	for (;;) {
		int timeout = -1;
		if (deadline >= 0) {
			double left = deadline - since_start(cs);
			if (left <= 0)
				return 0;
			timeout = (int)(left * 1000) + 1;
		}
		struct pollfd p = {.fd = fd, .events = events};
		int n = poll(&p, 1, timeout);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return 0;
	}
}

static int send_call(struct call_state *cs, const struct zmsg_call *msg, const int fds[ZFD_COUNT],
                     double deadline)
{
	for (;;) {
		int r =
		    send_with_fds(cs->z->control, msg, sizeof(*msg), fds, ZFD_COUNT, MSG_DONTWAIT);
		if (r == 0)
			return 0;
		if (r != -EAGAIN && r != -EINTR)
			return -EPIPE;
		/* full: the zygote is not taking calls (its slots are busy) */
		if (!wait_fd(cs, cs->z->control, POLLOUT, deadline))
			return -ETIMEDOUT;
	}
}

/* A message on the call's reply socket of exactly the size its type has;
 * *PASSED gets the fd of a STARTED. Returns the type, 0 at EOF, -EAGAIN,
 * or -EPROTO for anything else. */
static int recv_reply(int fd, void *msg, size_t size, int *passed)
{
	memset(msg, 0, size);
	int fds[2], n_fds, truncated;
	ssize_t n = recv_with_fds(fd, msg, size, fds, 2, &n_fds, MSG_DONTWAIT, &truncated);
	*passed = n_fds > 0 ? fds[0] : -1;
	if (n_fds > 1)
		close_fds(fds + 1, n_fds - 1);
	/* ECONNRESET: the zygote closed its end with our go unread (the call
	 * died before it read it); the error is reported once, and what the
	 * zygote sent before closing comes next. */
	if (n == -EAGAIN || n == -EINTR || n == -ECONNRESET)
		return -EAGAIN;
	if (n < 0)
		return -EPROTO;
	if (n == 0 && n_fds == 0)
		return 0;
	struct zmsg_hdr hdr;
	memcpy(&hdr, msg, sizeof(hdr));
	size_t want = hdr.type == ZMSG_STARTED  ? sizeof(struct zmsg_hdr)
	              : hdr.type == ZMSG_ENDED  ? sizeof(struct zmsg_ended)
	              : hdr.type == ZMSG_FAILED ? sizeof(struct zmsg_failed)
	                                        : 0;
	bool valid = hdr.magic == ZYGOTE_MAGIC && want && (size_t)n == want && !truncated &&
	             n_fds == (hdr.type == ZMSG_STARTED ? 1 : 0);
	if (!valid) {
		if (*passed >= 0)
			close(*passed);
		*passed = -1;
		return -EPROTO;
	}
	return (int)hdr.type;
}

/* Is the STARTED pidfd a child of the zygote? A quick call may already be
 * gone (reaped: its pidfd says pid -1); then there is nothing to check, and
 * a decoy would gain nothing: whatever really ran holds the pipes, and the
 * end's grace runs out. The pid is read again after its parent so that a
 * pid reused in between cannot pass. */
static bool started_by_zygote(struct call_state *cs)
{
	pid_t pid = pidfd_pid(cs->pidfd);
	if (pid < 0)
		return pid == -1; /* exited already, or not a pidfd at all */
	pid_t parent = proc_ppid(pid);
	pid_t again = pidfd_pid(cs->pidfd);
	if (again == -1)
		return true; /* exited while we looked */
	cs->pid = pid;
	return again == pid && parent == cs->z->view.pid;
}

/* Until the zygote has forked the call (or refused it, or is gone). A call
 * once sent is never abandoned: it may start late (all slots busy), and is
 * then killed at once if its time is up. Past twice its wall time (every
 * call before it has then been killed) the zygote is broken. */
static int await_start(struct call_state *cs, praxis_error *err)
{
	double wall = cs->c->limits.wall_seconds;
	double deadline = wall > 0 ? 2 * wall + 1 : NO_WALL_START;
	for (;;) {
		if (!wait_fd(cs, cs->reply, POLLIN, deadline)) {
			zygote_broken(cs, "the zygote did not start a call in time");
			return praxis_fail(err, -ETIMEDOUT,
			                   "the plugin's zygote did not start the call");
		}
		union {
			struct zmsg_hdr hdr;
			struct zmsg_failed failed;
		} msg;
		int fd;
		int type = recv_reply(cs->reply, &msg, sizeof(msg), &fd);
		if (type == -EAGAIN)
			continue;
		if (type == ZMSG_STARTED) {
			cs->pidfd = fd;
			if (!started_by_zygote(cs)) {
				zygote_broken(cs, "the zygote's STARTED named another process");
				return 1; /* ran, or may have: reported as killed */
			}
			return 0;
		}
		if (type == ZMSG_FAILED)
			return praxis_fail(err, -(msg.failed.error > 0 ? msg.failed.error : EIO),
			                   "the zygote could not start the call: %s",
			                   strerror(msg.failed.error > 0 ? msg.failed.error : EIO));
		if (type == 0) {
			atomic_store(&cs->z->dead, true); /* gone after taking the call */
			cs->lost = true;
			return 1;
		}
		zygote_broken(cs, "the zygote sent garbage instead of STARTED");
		return 1;
	}
}

static void read_output(struct call_state *cs, int which)
{
	char chunk[16384];
	ssize_t n = read(cs->out[which], chunk, sizeof(chunk));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(cs->out[which]);
		cs->out[which] = -1;
		return;
	}
	cs->output_bytes += (uint64_t)n;
	uint64_t max = cs->c->limits.max_output_bytes;
	if (max && cs->output_bytes > max) {
		hit_limit(cs, PRAXIS_LIMIT_OUTPUT, "output");
		return; /* drained, not kept */
	}
	struct output_buffer *b = &cs->buf[which];
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + (size_t)n + 1)
			cap *= 2;
		char *grown = realloc(b->data, cap);
		if (!grown) {
			hit_limit(cs, PRAXIS_LIMIT_OUTPUT, "output (host out of memory)");
			return;
		}
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, chunk, (size_t)n);
	b->len += (size_t)n;
	b->data[b->len] = '\0';
}

static void read_reply(struct call_state *cs)
{
	struct zmsg_ended msg;
	int fd;
	int type = recv_reply(cs->reply, &msg, sizeof(msg), &fd);
	if (fd >= 0)
		close(fd);
	if (type == -EAGAIN)
		return;
	close(cs->reply);
	cs->reply = -1;
	if (type == ZMSG_ENDED && !cs->exited) {
		/* the end may have come in the same wake-up as the exit */
		struct pollfd p = {.fd = cs->pidfd, .events = POLLIN};
		cs->exited = poll(&p, 1, 0) == 1;
	}
	if (type == ZMSG_ENDED && cs->exited) {
		cs->status = msg;
		cs->ended = true;
	} else if (type == 0) {
		/* the zygote is gone: the call cannot outlive it */
		atomic_store(&cs->z->dead, true);
		cs->lost = true;
		kill_call(cs);
	} else {
		/* an end before the process ended, or garbage */
		zygote_broken(cs, "the zygote reported an end the call's process had not reached");
	}
}

static void sample(struct call_state *cs)
{
	struct stat_line s;
	if (cs->pid <= 0 || proc_stat_read(cs->pid, &s) < 0)
		return;
	long page = sysconf(_SC_PAGESIZE), hz = sysconf(_SC_CLK_TCK);
	uint64_t rss = (uint64_t)(s.rss_pages > 0 ? s.rss_pages : 0) * (uint64_t)page;
	unsigned threads = (unsigned)(s.threads > 0 ? s.threads : 1);
	cs->sampled_cpu = (double)(s.utime + s.stime) / (double)hz;
	cs->sampled_user = (double)s.utime / (double)hz;
	if (rss > cs->peak_rss)
		cs->peak_rss = rss;
	if (threads > cs->peak_threads)
		cs->peak_threads = threads;
	const praxis_limits *l = &cs->c->limits;
	if (l->memory_bytes && rss > l->memory_bytes)
		hit_limit(cs, PRAXIS_LIMIT_MEMORY, "memory");
	else if (l->cpu_seconds > 0 && cs->sampled_cpu > l->cpu_seconds)
		hit_limit(cs, PRAXIS_LIMIT_CPU, "cpu");
	else if (l->max_procs && threads > l->max_procs)
		hit_limit(cs, PRAXIS_LIMIT_PROCS, "processes (threads of the call)");
}

/* Until the process has ended, the zygote has said how, and both pipes are
 * at EOF. The wall limit holds throughout; once the process is gone, its
 * end and EOFs have END_GRACE to arrive, else the zygote is broken (it
 * withholds the end, or something it made holds the pipes). */
static void supervise_call(struct call_state *cs)
{
	const praxis_limits *l = &cs->c->limits;
	bool sampling = l->memory_bytes || l->cpu_seconds > 0 || l->max_procs;
	double next_tick = SAMPLE_INTERVAL, grace_until = -1;
	bool wall_fired = false;
	while (cs->out[0] >= 0 || cs->out[1] >= 0 || cs->reply >= 0) {
		double now = since_start(cs);
		if ((cs->exited || cs->lost) && grace_until < 0)
			grace_until = now + END_GRACE;
		if (grace_until >= 0 && now >= grace_until) {
			if (!cs->lost)
				zygote_broken(
				    cs, cs->reply >= 0
				            ? "the zygote withheld the end of a call"
				            : "something outlived the call holding its output");
			break;
		}
		double until = grace_until;
		if (l->wall_seconds > 0 && !wall_fired && (until < 0 || l->wall_seconds < until))
			until = l->wall_seconds;
		if (sampling && !cs->exited && (until < 0 || next_tick < until))
			until = next_tick;
		int timeout = until < 0 ? -1 : until <= now ? 0 : (int)((until - now) * 1000) + 1;
		struct pollfd p[4] = {
		    {.fd = cs->out[0], .events = POLLIN},
		    {.fd = cs->out[1], .events = POLLIN},
		    {.fd = cs->reply, .events = POLLIN},
		    {.fd = cs->exited ? -1 : cs->pidfd, .events = POLLIN},
		};
		if (poll(p, 4, timeout) < 0 && errno != EINTR)
			kill_call(cs); /* cannot supervise: end it */
		if (p[3].revents)
			cs->exited = true;
		for (int i = 0; i < 2; i++)
			if (p[i].revents)
				read_output(cs, i);
		if (p[2].revents)
			read_reply(cs);
		now = since_start(cs);
		if (sampling && !cs->exited && now >= next_tick) {
			sample(cs);
			next_tick = now + SAMPLE_INTERVAL;
		}
		if (l->wall_seconds > 0 && !wall_fired && now >= l->wall_seconds && !cs->exited) {
			wall_fired = true;
			hit_limit(cs, PRAXIS_LIMIT_WALL, "wall time");
		}
	}
}

static void fill_result(struct call_state *cs, praxis_result *res)
{
	const praxis_limits *l = &cs->c->limits;
	praxis_usage *u = &res->usage;
	u->wall_seconds = since_start(cs);
	int st = cs->status.wait_status;
	if (cs->ended) {
		u->user_cpu_seconds = (double)cs->status.user_usec / 1e6;
		u->system_cpu_seconds = (double)cs->status.system_usec / 1e6;
		u->peak_memory_bytes = cs->status.maxrss_kib * 1024;
	}
	if (cs->sampled_cpu > u->user_cpu_seconds + u->system_cpu_seconds) {
		u->user_cpu_seconds = cs->sampled_user;
		u->system_cpu_seconds = cs->sampled_cpu - cs->sampled_user;
	}
	if (cs->peak_rss > u->peak_memory_bytes)
		u->peak_memory_bytes = cs->peak_rss;
	u->peak_tasks = cs->peak_threads ? cs->peak_threads : 1;
	u->output_bytes = cs->output_bytes;
	if (cs->ended && WIFEXITED(st)) {
		res->status = PRAXIS_EXITED;
		res->exit_code = WEXITSTATUS(st);
	} else {
		res->status = PRAXIS_SIGNALED;
		res->signal = cs->ended && WIFSIGNALED(st) ? WTERMSIG(st) : SIGKILL;
	}
	const char *what;
	praxis_limit_kind backstop = PRAXIS_LIMIT_NONE;
	if (cs->limit == PRAXIS_LIMIT_NONE && res->status == PRAXIS_SIGNALED)
		backstop = backstop_limit(l, res->signal,
		                          u->user_cpu_seconds + u->system_cpu_seconds, &what);
	if (backstop != PRAXIS_LIMIT_NONE)
		hit_limit(cs, backstop, what);
	if (cs->limit != PRAXIS_LIMIT_NONE) {
		res->status = PRAXIS_LIMIT;
		res->limit = cs->limit;
	}
	res->run_id = cs->c->sink->run_id;
	res->stdout_data = cs->buf[OUT_RESULT].data ? cs->buf[OUT_RESULT].data : calloc(1, 1);
	res->stdout_size = cs->buf[OUT_RESULT].len;
	res->stderr_data = cs->buf[OUT_STDERR].data ? cs->buf[OUT_STDERR].data : calloc(1, 1);
	res->stderr_size = cs->buf[OUT_STDERR].len;
	cs->buf[0] = cs->buf[1] = (struct output_buffer){0};
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int zygote_call(struct zygote *z, const struct zygote_call_spec *c, praxis_result *res,
                praxis_error *err)
{
	memset(res, 0, sizeof(*res));
	struct call_state cs = {.z = z, .c = c, .pidfd = -1, .out = {-1, -1}, .reply = -1};
	int theirs[ZFD_COUNT] = {c->params_fd, -1, -1, -1};
	int r = 0;
	for (int i = 0; i < 2 && r >= 0; i++) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0) {
			r = praxis_fail(err, -errno, "pipe: %s", strerror(errno));
		} else {
			cs.out[i] = p[0];
			theirs[ZFD_RESULT + i] = p[1];
		}
	}
	int sv[2];
	if (r >= 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		r = praxis_fail(err, -errno, "socketpair: %s", strerror(errno));
	} else if (r >= 0) {
		cs.reply = sv[0];
		theirs[ZFD_REPLY] = sv[1];
	}
	if (r >= 0 && c->cancel && !exec_cancel_begin(c->cancel))
		r = praxis_fail(err, -ECANCELED, "cancelled before the plugin started");
	bool begun = r >= 0 && c->cancel;
	bool counted = false;
	if (r >= 0) {
		struct zmsg_call msg = {.hdr = {ZYGOTE_MAGIC, ZMSG_CALL},
		                        .call_id = c->sink->run_id};
		clock_gettime(CLOCK_MONOTONIC, &cs.start);
		atomic_fetch_add(&z->in_flight, 1);
		counted = true;
		double wall = c->limits.wall_seconds;
		r = send_call(&cs, &msg, theirs, wall > 0 ? 2 * wall + 1 : NO_WALL_START);
		if (r == -ETIMEDOUT) {
			zygote_broken(&cs, "the zygote took no call in time");
			r = -EPIPE; /* not sent: nothing ran */
		}
		if (r == -EPIPE)
			atomic_store(&z->dead, true);
	}
	for (int i = ZFD_RESULT; i < ZFD_COUNT; i++)
		close_fd(&theirs[i]); /* the zygote holds its copies now */
	struct call_route route = {.sink = c->sink};
	if (r >= 0) {
		/* Sent: from here the call has a run's records, whatever happens. Its
		 * plugin code runs after the go (audit on), so after this. */
		audit_emit(c->sink, 0, "run.start", c->target, true, z->start_reason);
		r = await_start(&cs, err);
	}
	if (r == 0) {
		if (c->cancel)
			exec_cancel_started(c->cancel, cs.pidfd);
		if (z->wait_go) {
			route.pid = cs.pid;
			route_add(z, &route);
			cs.routed = true;
			char go = 1;
			/* a call cancelled already was killed: no go for it */
			if ((c->cancel && exec_cancel_requested(c->cancel)) ||
			    send(cs.reply, &go, 1, MSG_NOSIGNAL) != 1)
				kill_call(&cs);
		}
		supervise_call(&cs);
	}
	if (r >= 0) {
		/* r == 1: taken by the zygote, then lost or broken: reported killed */
		r = 0;
		if (cs.routed)
			route_remove(z, &route);
		cs.routed = false;
		fill_result(&cs, res);
		/* killed by a cancel: the pidfd's SIGKILL, whoever saw the end first */
		if (c->cancel && exec_cancel_requested(c->cancel) &&
		    res->status == PRAXIS_SIGNALED && res->signal == SIGKILL) {
			res->cancelled = true;
			call_emit(&cs, "run.cancelled", "", false,
			          "cancelled by the host: the call's process killed");
		}
		atomic_fetch_add(&z->calls, 1);
		atomic_fetch_sub(&z->in_flight, 1);
		counted = false;
		run_audit_end(c->sink, cs.pid > 0 ? cs.pid : 0, res);
	}
	if (counted)
		atomic_fetch_sub(&z->in_flight, 1);
	if (begun)
		exec_cancel_end(c->cancel);
	for (int i = 0; i < 2; i++) {
		close_fd(&cs.out[i]);
		free(cs.buf[i].data);
	}
	close_fd(&cs.reply);
	close_fd(&cs.pidfd);
	return r;
}
