/* One call in a zygote, supervised by the calling thread: send the call
 * with its fds, take the pidfd of the process the zygote forked for it,
 * then capture its output and enforce its limits until the zygote reports
 * how it ended. The zygote runs plugin-loaded code, so nothing it says is
 * trusted beyond this plugin's own call: limits are enforced here, from
 * /proc and through the pidfd. */
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

#include "error.h"
#include "sandbox_internal.h"
#include "zygote.h"
#include "zygote_internal.h"
#include "zygote_protocol.h"

#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#define SAMPLE_INTERVAL 0.010 /* seconds, as for a plain run */

enum { OUT_RESULT, OUT_STDERR };

struct call_state {
	const struct zygote_call_spec *c;
	struct timespec start;
	int pidfd;
	pid_t pid; /* in the host's pid namespace */
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

static pid_t call_pid(struct call_state *cs);

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
	audit_emit(cs->c->sink, call_pid(cs), "limit.exceeded", what, false, reason);
}

static int send_call(int control, const struct zmsg_call *msg, const int fds[ZFD_COUNT])
{
	struct iovec iov = {.iov_base = (void *)msg, .iov_len = sizeof(*msg)};
	union {
		char buf[CMSG_SPACE(sizeof(int) * ZFD_COUNT)];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr mh = {.msg_iov = &iov,
	                    .msg_iovlen = 1,
	                    .msg_control = u.buf,
	                    .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * ZFD_COUNT);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * ZFD_COUNT);
	return sendmsg(control, &mh, MSG_NOSIGNAL) == (ssize_t)sizeof(*msg) ? 0 : -errno;
}

/* A message on the call's reply socket; *FD gets a passed fd (or -1).
 * Returns its type, 0 at EOF, -errno. */
static int recv_reply(int fd, void *msg, size_t size, int *passed)
{
	struct iovec iov = {.iov_base = msg, .iov_len = size};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov,
	                    .msg_iovlen = 1,
	                    .msg_control = u.buf,
	                    .msg_controllen = sizeof(u.buf)};
	*passed = -1;
	ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? -EAGAIN : -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(passed, CMSG_DATA(c), sizeof(int));
	if (n == 0)
		return 0;
	struct zmsg_hdr hdr;
	if ((size_t)n < sizeof(hdr))
		return -EPROTO;
	memcpy(&hdr, msg, sizeof(hdr));
	if (hdr.magic != ZYGOTE_MAGIC)
		return -EPROTO;
	return (int)hdr.type;
}

/* The pid of a pidfd in our pid namespace (its fdinfo's "Pid:"). */
static pid_t pidfd_pid(int pidfd)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	const char *p = strstr(buf, "\nPid:");
	return p ? (pid_t)atoi(p + 5) : -1;
}

/* Until the zygote has forked the call (or refused it, or is gone). The
 * call is never abandoned: once sent it will start, and is then killed if
 * its time is already up. */
static int await_start(struct call_state *cs, praxis_error *err)
{
	for (;;) {
		struct pollfd p = {.fd = cs->reply, .events = POLLIN};
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return praxis_fail(err, -errno, "poll: %s", strerror(errno));
		union {
			struct zmsg_hdr hdr;
			struct zmsg_failed failed;
		} msg;
		int fd;
		int type = recv_reply(cs->reply, &msg, sizeof(msg), &fd);
		if (type == -EAGAIN)
			continue;
		if (type == ZMSG_STARTED && fd >= 0) {
			cs->pidfd = fd;
			return 0;
		}
		if (fd >= 0)
			close(fd);
		if (type == ZMSG_FAILED)
			return praxis_fail(err, -(msg.failed.error > 0 ? msg.failed.error : EIO),
			                   "the zygote could not start the call: %s",
			                   strerror(msg.failed.error));
		return -EPIPE; /* EOF or garbage: the zygote is gone or broken */
	}
}

/* The call's pid, looked up on first need (records, samples, routes). */
static pid_t call_pid(struct call_state *cs)
{
	if (cs->pid == 0 && cs->pidfd >= 0)
		cs->pid = pidfd_pid(cs->pidfd);
	return cs->pid > 0 ? cs->pid : 0;
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
	if (type == ZMSG_ENDED) {
		cs->status = msg;
		cs->ended = true;
	} else {
		/* The zygote is gone (or lies): the call cannot outlive it. */
		cs->lost = true;
		kill_call(cs);
	}
	close(cs->reply);
	cs->reply = -1;
}

static void sample(struct call_state *cs)
{
	struct stat_line s;
	if (call_pid(cs) <= 0 || proc_stat_read(cs->pid, &s) < 0)
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

static void supervise_call(struct call_state *cs)
{
	const praxis_limits *l = &cs->c->limits;
	bool sampling = l->memory_bytes || l->cpu_seconds > 0 || l->max_procs;
	double next_tick = SAMPLE_INTERVAL;
	bool wall_fired = false;
	while (cs->out[0] >= 0 || cs->out[1] >= 0 || cs->reply >= 0) {
		struct pollfd p[4] = {
		    {.fd = cs->out[0], .events = POLLIN},
		    {.fd = cs->out[1], .events = POLLIN},
		    {.fd = cs->reply, .events = POLLIN},
		    {.fd = cs->exited ? -1 : cs->pidfd, .events = POLLIN},
		};
		double now = timespec_seconds_since(&cs->start), until = -1;
		if (l->wall_seconds > 0 && !wall_fired)
			until = l->wall_seconds;
		if (sampling && !cs->exited && (until < 0 || next_tick < until))
			until = next_tick;
		int timeout = until < 0 ? -1 : until <= now ? 0 : (int)((until - now) * 1000) + 1;
		if (poll(p, 4, timeout) < 0 && errno != EINTR)
			kill_call(cs); /* cannot supervise: end it */
		for (int i = 0; i < 2; i++)
			if (p[i].revents)
				read_output(cs, i);
		if (p[2].revents)
			read_reply(cs);
		if (p[3].revents)
			cs->exited = true;
		now = timespec_seconds_since(&cs->start);
		if (sampling && !cs->exited && now >= next_tick) {
			sample(cs);
			next_tick = now + SAMPLE_INTERVAL;
		}
		if (l->wall_seconds > 0 && !wall_fired && now >= l->wall_seconds && !cs->ended) {
			wall_fired = true;
			hit_limit(cs, PRAXIS_LIMIT_WALL, "wall time");
		}
	}
}

static void fill_result(struct call_state *cs, praxis_result *res)
{
	const praxis_limits *l = &cs->c->limits;
	praxis_usage *u = &res->usage;
	u->wall_seconds = timespec_seconds_since(&cs->start);
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
	if (cs->limit == PRAXIS_LIMIT_NONE && res->status == PRAXIS_SIGNALED) {
		double cpu = u->user_cpu_seconds + u->system_cpu_seconds;
		if (res->signal == SIGXCPU ||
		    (res->signal == SIGKILL && l->cpu_seconds > 0 && cpu >= l->cpu_seconds))
			hit_limit(cs, PRAXIS_LIMIT_CPU, "cpu (RLIMIT_CPU)");
		else if (res->signal == SIGXFSZ)
			hit_limit(cs, PRAXIS_LIMIT_FILE_SIZE, "file size (RLIMIT_FSIZE)");
	}
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
	struct call_state cs = {.c = c, .pidfd = -1, .out = {-1, -1}, .reply = -1};
	int theirs[ZFD_COUNT] = {c->params_fd, -1, -1, -1};
	int r = 0;
	for (int i = 0; i < 2 && r >= 0; i++) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0)
			r = praxis_fail(err, -errno, "pipe: %s", strerror(errno));
		else {
			cs.out[i] = p[0];
			theirs[ZFD_RESULT + i] = p[1];
		}
	}
	int sv[2];
	if (r >= 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		r = praxis_fail(err, -errno, "socketpair: %s", strerror(errno));
	else if (r >= 0) {
		cs.reply = sv[0];
		theirs[ZFD_REPLY] = sv[1];
	}
	if (r >= 0 && c->cancel && !exec_cancel_begin(c->cancel))
		r = praxis_fail(err, -ECANCELED, "cancelled before the plugin started");
	bool begun = r >= 0 && c->cancel;
	if (r >= 0) {
		struct zmsg_call msg = {.hdr = {ZYGOTE_MAGIC, ZMSG_CALL},
		                        .call_id = c->sink->run_id};
		clock_gettime(CLOCK_MONOTONIC, &cs.start);
		if (send_call(z->control, &msg, theirs) < 0)
			r = -EPIPE;
	}
	for (int i = ZFD_RESULT; i < ZFD_COUNT; i++)
		close_fd(&theirs[i]); /* the zygote holds its copies now */
	if (r >= 0)
		r = await_start(&cs, err);
	if (r == -EPIPE)
		atomic_store(&z->dead, true);
	struct call_route route = {.sink = c->sink};
	if (r >= 0) {
		/* Only now: a call that never started has no records. Its
		 * plugin code runs after the go (audit on), so after this. */
		audit_emit(c->sink, 0, "run.start", c->target, true, z->start_reason);
		if (c->cancel)
			exec_cancel_started(c->cancel, cs.pidfd);
		if (z->wait_go) {
			route.pid = call_pid(&cs);
			route_add(z, &route);
			char go = 1;
			if (send(cs.reply, &go, 1, MSG_NOSIGNAL) != 1)
				kill_call(&cs);
		}
		supervise_call(&cs);
		if (z->wait_go)
			route_remove(z, &route);
		if (cs.lost)
			atomic_store(&z->dead, true);
		fill_result(&cs, res);
		/* killed by a cancel: the pidfd's SIGKILL, whoever saw the end first */
		if (c->cancel && exec_cancel_requested(c->cancel) &&
		    res->status == PRAXIS_SIGNALED && res->signal == SIGKILL) {
			res->cancelled = true;
			audit_emit(c->sink, call_pid(&cs), "run.cancelled", "", false,
			           "cancelled by the host: the call's process killed");
		}
		run_audit_end(c->sink, c->sink->level == PRAXIS_AUDIT_OFF ? 0 : call_pid(&cs), res);
	}
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
