/* A shared-object plugin's zygote, host side: see zygote.h. */
#include "zygote.h"
#include "missing.h"

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
#include "fd_passing.h"
#include "praxis/executor.h"
#include "sandbox_internal.h"
#include "zygote_check.h"
#include "zygote_internal.h"
#include "zygote_protocol.h"

#define STOP_GRACE_MS 2000 /* for the zygote to end after its socket is closed */

int zygote_new(praxis_audit_callback fallback, void *fallback_userdata, struct zygote **ret)
{
	struct zygote *z = calloc(1, sizeof(*z));
	if (!z)
		return -ENOMEM;
	pthread_mutex_init(&z->lock, NULL);
	z->fallback = fallback;
	z->fallback_userdata = fallback_userdata;
	z->control = -1;
	*ret = z;
	return 0;
}

/* ---- audit routing ---------------------------------------------------- */

static pid_t thread_group_of(pid_t tid)
{
	char path[48], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	const char *t = strstr(buf, "\nTgid:");
	return t ? (pid_t)atoi(t + 6) : 0;
}

/* Emit REC into the call of PID, if one is registered (locked). */
static bool emit_to_call(struct zygote *z, pid_t pid, const praxis_audit_record *rec)
{
	for (struct call_route *r = z->routes; r; r = r->next)
		if (r->pid == pid) {
			audit_emit(r->sink, rec->pid, rec->action, rec->target, rec->allowed,
			           rec->reason);
			return true;
		}
	return false;
}

void zygote_audit_route(const praxis_audit_record *rec, void *zygote)
{
	struct zygote *z = zygote;
	if (rec->pid > 0) {
		pthread_mutex_lock(&z->lock);
		bool done = emit_to_call(z, rec->pid, rec);
		pthread_mutex_unlock(&z->lock);
		if (done)
			return;
		/* A thread of a call: its records carry its tid. */
		pid_t tgid = thread_group_of(rec->pid);
		if (tgid > 0 && tgid != rec->pid) {
			pthread_mutex_lock(&z->lock);
			done = emit_to_call(z, tgid, rec);
			pthread_mutex_unlock(&z->lock);
			if (done)
				return;
		}
	}
	/* The zygote's own: its start, loading the object, its end. */
	if (strcmp(rec->action, "run.start") == 0)
		atomic_store(&z->run_id, rec->run_id);
	if (z->fallback)
		z->fallback(rec, z->fallback_userdata);
}

void route_add(struct zygote *z, struct call_route *r)
{
	pthread_mutex_lock(&z->lock);
	r->next = z->routes;
	z->routes = r;
	pthread_mutex_unlock(&z->lock);
}

void route_remove(struct zygote *z, struct call_route *r)
{
	pthread_mutex_lock(&z->lock);
	for (struct call_route **pp = &z->routes; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	pthread_mutex_unlock(&z->lock);
}

/* ---- start and stop ------------------------------------------------------ */

static int send_init(int fd, const struct bpf_program *filter, uint32_t flags, uint64_t cpu_seconds)
{
	size_t size = sizeof(struct zmsg_init) + filter->len * sizeof(struct sock_filter);
	if (size > ZYGOTE_MAX_MSG)
		return -E2BIG;
	char *buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	struct zmsg_init init = {{ZYGOTE_MAGIC, ZMSG_INIT}, flags, filter->len, cpu_seconds};
	memcpy(buf, &init, sizeof(init));
	memcpy(buf + sizeof(init), filter->insns, filter->len * sizeof(struct sock_filter));
	ssize_t n = send(fd, buf, size, MSG_NOSIGNAL);
	int e = errno;
	free(buf);
	return n == (ssize_t)size ? 0 : -e;
}

/* The zygote's first word: READY with a pidfd of itself, or why it cannot
 * serve. The host then checks from /proc what loading left, and only then
 * lets it fork. */
static int await_ready(struct zygote *z, double timeout, praxis_error *err)
{
	struct pollfd p[2] = {{.fd = z->control, .events = POLLIN},
	                      {.fd = praxis_async_fd(z->run), .events = POLLIN}};
	int r = poll(p, 2, timeout > 0 ? (int)(timeout * 1000) : -1);
	if (r == 0)
		return praxis_fail(err, -ETIMEDOUT,
		                   "the zygote did not load the plugin within %.1f s", timeout);
	if (r < 0)
		return praxis_fail(err, -errno, "poll: %s", strerror(errno));
	char buf[1024] = "";
	int fd = -1, n_fds = 0, truncated = 0;
	ssize_t n = p[0].revents ? recv_with_fds(z->control, buf, sizeof(buf) - 1, &fd, 1, &n_fds,
	                                         MSG_DONTWAIT, &truncated)
	                         : -1;
	if (truncated)
		n = -1;
	struct zmsg_hdr hdr = {0};
	if (n >= (ssize_t)sizeof(hdr))
		memcpy(&hdr, buf, sizeof(hdr));
	if (n == (ssize_t)sizeof(hdr) && hdr.magic == ZYGOTE_MAGIC && hdr.type == ZMSG_READY &&
	    fd >= 0) {
		char why[512];
		bool ok = zygote_identify(fd, &z->view, why, sizeof(why)) &&
		          zygote_clean(&z->view, why, sizeof(why));
		if (ok && z->load_memory && z->view.rss_bytes > z->load_memory) {
			/* faster than the watch's 10 ms */
			snprintf(why, sizeof(why),
			         "loading used %llu bytes (the plugin's limit: %llu)",
			         (unsigned long long)z->view.rss_bytes,
			         (unsigned long long)z->load_memory);
			ok = false;
		}
		close(fd);
		if (!ok)
			return praxis_fail(err, -ENOEXEC, "%s", why);
		struct zmsg_hdr ack = {ZYGOTE_MAGIC, ZMSG_READY_ACK};
		if (send(z->control, &ack, sizeof(ack), MSG_NOSIGNAL) != (ssize_t)sizeof(ack))
			return praxis_fail(err, -EPIPE, "the zygote ended before it was ready");
		return 0;
	}
	if (fd >= 0)
		close(fd);
	if (n > (ssize_t)sizeof(hdr) && hdr.magic == ZYGOTE_MAGIC && hdr.type == ZMSG_LOAD_ERROR) {
		buf[n] = '\0';
		return praxis_fail(err, -ENOEXEC, "%s", buf + sizeof(hdr));
	}
	if (n >= 0 || !p[1].revents)
		return praxis_fail(err, -ENOEXEC, "the zygote sent no valid ready message");
	/* It ended first: the run's own error, or its exit status. */
	praxis_result res;
	praxis_error run_err = {0};
	r = praxis_async_collect_run(z->run, &res, &run_err);
	if (r < 0)
		return praxis_fail(err, r, "%s", run_err.message);
	int code = res.status == PRAXIS_EXITED ? res.exit_code : res.signal;
	const char *how =
	    res.status == PRAXIS_EXITED ? "exited with status" : "was killed by signal";
	praxis_result_release(&res);
	return praxis_fail(err, -ENOEXEC, "the zygote %s %d before it was ready", how, code);
}

/* The process gate of the zygote's run (notify.c): the zygote itself may
 * fork, as many processes as its calls in flight and one spare need. */
static bool zygote_process_gate(void *ctx, pid_t pid, char *why, size_t size)
{
	struct zygote *z = ctx;
	if (z->view.pid <= 0 || pid != z->view.pid) {
		snprintf(why, size, "only the zygote creates processes (a call never does)");
		return false;
	}
	if (proc_children_count(z->view.reaper) != 1) {
		snprintf(why, size, "the zygote's run has processes besides the zygote");
		return false;
	}
	/* after this fork: one process per call in flight, and one spare */
	int have = proc_children_count(pid);
	unsigned calls = atomic_load(&z->in_flight);
	if (have < 0 || (unsigned)have > calls) {
		snprintf(why, size, "the zygote already has %d processes for %u calls", have,
		         calls);
		return false;
	}
	return true;
}

/* The run watch (supervise.c), every 10 ms on the zygote run's own
 * thread: while it loads, the plugin's memory and task limits hold for the
 * whole run; once ready, the zygote itself must stay as zygote_sane()
 * says, idle or not. False kills the run (never zygote_kill() here: that
 * waits for this very thread). */
static bool zygote_watch(void *ctx, const struct tree_usage *u, char *why, size_t size)
{
	struct zygote *z = ctx;
	bool ok = true;
	if (z->view.pid <= 0) {
		if (z->load_memory && u->rss_bytes > z->load_memory) {
			snprintf(why, size, "loading used %llu bytes (the plugin's limit: %llu)",
			         (unsigned long long)u->rss_bytes,
			         (unsigned long long)z->load_memory);
			ok = false;
		} else if (z->load_tasks && u->tasks > z->load_tasks) {
			snprintf(why, size, "loading started %u tasks (the plugin's limit: %llu)",
			         u->tasks, (unsigned long long)z->load_tasks);
			ok = false;
		}
	} else {
		unsigned may = atomic_load(&z->in_flight) + 1;
		ok = zygote_sane(&z->view, may, atomic_load(&z->calls), why, size) &&
		     zygote_children_within(&z->view, &z->child_bound, why, size);
	}
	if (!ok) {
		pthread_mutex_lock(&z->lock);
		if (!atomic_exchange(&z->misbehaved, true))
			snprintf(z->misbehaved_why, sizeof(z->misbehaved_why), "%s", why);
		pthread_mutex_unlock(&z->lock);
		atomic_store(&z->dead, true);
	}
	return ok;
}

void zygote_kill(struct zygote *z, const char *why)
{
	pthread_mutex_lock(&z->lock);
	bool first = !atomic_exchange(&z->misbehaved, true);
	if (first)
		snprintf(z->misbehaved_why, sizeof(z->misbehaved_why), "%s", why);
	pthread_mutex_unlock(&z->lock);
	atomic_store(&z->dead, true);
	if (first && z->run)
		praxis_async_cancel(z->run); /* its pid 1: every process of it goes */
}

int zygote_start(struct zygote *z, praxis_sandbox *sb, const struct zygote_spec *spec,
                 praxis_error *err)
{
	z->sb = sb;
	sb->process_gate = zygote_process_gate;
	sb->process_gate_ctx = z;
	sb->run_watch = zygote_watch;
	sb->run_watch_ctx = z;
	sb->run_watch_action = "run.zygote_killed";
	sb->run_watch_reason =
	    "the plugin's zygote misbehaved: it was killed, the plugin runs fresh from now on";
	z->load_memory = spec->memory_bytes;
	z->load_tasks = spec->max_procs;
	/* Any process of the run past twice a call's limits is not one the host
	 * limits (a call is stopped at its limits, sampled as often): a decoy's
	 * twin, say. Then the zygote goes. */
	z->child_bound = (struct child_bound){
	    .rss_bytes = spec->memory_bytes ? 2 * spec->memory_bytes + (32ULL << 20) : 0,
	    .cpu_seconds = spec->cpu_seconds > 0 ? spec->cpu_seconds + 2.0 : 0,
	    /* threads come faster than samples: bounded by the run's task limit */
	    .threads = 0,
	};
	z->wait_go = sandbox_audit_level(sb, false) != PRAXIS_AUDIT_OFF;
	struct bpf_program filter = {0};
	int sv[2] = {-1, -1};
	int r = seccomp_compile_no_spawn_filter(&filter, err);
	if (r >= 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		r = praxis_fail(err, -errno, "socketpair: %s", strerror(errno));
	/* the kernel's backstop, a second after the budget (as for runs) */
	double cpu = spec->cpu_seconds;
	uint64_t whole = (uint64_t)cpu; /* ceil() without libm */
	uint64_t cpu_rlimit = cpu > 0 ? whole + ((double)whole < cpu) + 1 : 0;
	uint32_t flags =
	    (z->wait_go ? ZINIT_WAIT_GO : 0) | (spec->scope_calls ? ZINIT_SCOPE_CALLS : 0);
	if (r >= 0 && (r = send_init(sv[0], &filter, flags, cpu_rlimit)) < 0)
		praxis_fail(err, r, "sending the zygote its call filter: %s", strerror(-r));
	bpf_program_free(&filter);
	if (r >= 0) {
		const char *argv[] = {spec->runner, "--zygote", spec->so_path, spec->symbol, NULL};
		praxis_run_opts opts;
		praxis_run_opts_init(&opts);
		opts.argv = argv;
		opts.stdio[0] = sv[1];
		opts.stdio[1] = -1; /* what the object prints while loading is dropped */
		opts.stdio[2] = -1;
		opts.cwd = spec->cwd;
		r = praxis_sandbox_start(sb, &opts, &z->run, err);
	}
	if (r >= 0) {
		z->control = sv[0];
		r = await_ready(z, spec->start_timeout, err);
		z->control = -1;
	}
	if (r >= 0)
		snprintf(z->start_reason, sizeof(z->start_reason),
		         "capabilities: %s; enforcement: a call forked by the zygote run %016llx "
		         "(landlock%s, seccomp without fork and exec, its pid namespace)%s",
		         sb->caps_text ? sb->caps_text : "?",
		         (unsigned long long)atomic_load(&z->run_id),
		         spec->scope_calls ? " + a domain of the call's own" : "",
		         sb->degradations.n ? "; DEGRADED" : "");
	if (sv[1] >= 0)
		close(sv[1]); /* the zygote has its own copy, or has ended */
	if (r < 0) {
		if (sv[0] >= 0)
			close(sv[0]);
		if (z->run) {
			praxis_async_wait(z->run, STOP_GRACE_MS);
			praxis_async_free(z->run);
		}
		z->run = NULL;
		atomic_store(&z->dead, true);
		return r;
	}
	z->control = sv[0];
	return 0;
}

void zygote_free(struct zygote *z)
{
	if (!z)
		return;
	if (z->control >= 0)
		close(z->control); /* EOF: the zygote ends its calls and itself */
	if (z->run) {
		praxis_async_wait(z->run, STOP_GRACE_MS);
		praxis_async_free(z->run); /* kills it if it did not end */
	}
	praxis_sandbox_free(z->sb);
	pthread_mutex_destroy(&z->lock);
	free(z);
}

void zygote_use(struct zygote *z, int delta)
{
	if (delta > 0)
		atomic_fetch_add(&z->users, 1);
	else
		atomic_fetch_sub(&z->users, 1);
}

unsigned zygote_users(const struct zygote *z)
{
	return atomic_load(&z->users);
}

unsigned long long zygote_calls(const struct zygote *z)
{
	return atomic_load(&z->calls);
}

bool zygote_misbehaved(const struct zygote *z)
{
	return atomic_load(&z->misbehaved);
}

void zygote_stop(struct zygote *z)
{
	atomic_store(&z->dead, true);
	if (z->run)
		praxis_async_cancel(z->run); /* waits for the reap; -EALREADY if it had ended */
}

bool zygote_dead(const struct zygote *z)
{
	return atomic_load(&z->dead) || (z->run && praxis_async_done(z->run));
}
