/* Asynchronous runs (the seed's enforce_async()): each run is supervised by
 * praxis_sandbox_run() on a thread of its own, and an eventfd becomes
 * readable when it has ended and every process of it has been reaped.
 *
 * Cancel writes the handle's cancel eventfd, which is the run's cancel_fd:
 * the supervisor kills the run (its pid 1, so the kernel kills the rest)
 * and reaps it as at any other end. A call in a plugin's zygote is killed
 * through its pidfd (exec_cancel.c). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "executor_internal.h"
#include "praxis/executor.h"
#include "strv.h"

enum async_kind { ASYNC_RUN, ASYNC_EXEC };

struct praxis_async {
	enum async_kind kind;
	int efd;
	pthread_t thread;
	bool joined;
	bool collected;
	atomic_bool done;
	atomic_bool cancelled;       /* cancel was asked for */
	atomic_bool killed;          /* cancel stopped the run (or it never started); set
	                                before done */
	pthread_mutex_t cancel_lock; /* one canceller at a time */
	/* ASYNC_RUN */
	praxis_sandbox *sb;
	praxis_run_opts opts;
	struct strv argv;
	char *cwd;
	praxis_result run_res;
	/* ASYNC_EXEC */
	praxis_executor *ex;
	char *name;
	char *params;
	praxis_exec_result exec_res;
	struct exec_cancel cancel; /* its eventfd is the run's cancel_fd */
	/* both */
	int rc;
	praxis_error err;
};

static void *async_main(void *arg)
{
	praxis_async *a = arg;
	if (atomic_load(&a->cancelled)) {
		a->rc = praxis_fail(&a->err, -ECANCELED, "cancelled before the plugin started");
		atomic_store(&a->killed, true);
	} else if (a->kind == ASYNC_RUN) {
		a->rc = praxis_sandbox_run(a->sb, &a->opts, &a->run_res, &a->err);
	} else {
		a->rc =
		    executor_execute(a->ex, a->name, a->params, &a->cancel, &a->exec_res, &a->err);
	}
	/* Killed during the setup, the run may fail as a setup error: it was
	 * cancelled all the same. */
	bool asked = atomic_load(&a->cancelled);
	if (a->rc < 0 && a->rc != -ECANCELED && asked)
		a->rc = praxis_fail(&a->err, -ECANCELED, "cancelled while the plugin was starting");
	bool stopped =
	    a->rc == -ECANCELED || (a->rc >= 0 && a->kind == ASYNC_RUN && a->run_res.cancelled) ||
	    (a->rc >= 0 && a->kind == ASYNC_EXEC && a->exec_res.status == PRAXIS_EXEC_CANCELLED);
	atomic_store(&a->killed, stopped);
	atomic_store(&a->done, true);
	uint64_t one = 1;
	ssize_t ignored = write(a->efd, &one, sizeof(one));
	(void)ignored;
	return NULL;
}

static void async_destroy(praxis_async *a)
{
	if (a->efd >= 0)
		close(a->efd);
	pthread_mutex_destroy(&a->cancel_lock);
	exec_cancel_destroy(&a->cancel);
	strv_free(&a->argv);
	free(a->cwd);
	free(a->name);
	free(a->params);
	free(a);
}

static int async_new(enum async_kind kind, praxis_async **ret, praxis_error *err)
{
	praxis_async *a = calloc(1, sizeof(*a));
	if (!a)
		return praxis_fail(err, -ENOMEM, "out of memory");
	a->kind = kind;
	pthread_mutex_init(&a->cancel_lock, NULL);
	a->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int r = exec_cancel_init(&a->cancel);
	if (a->efd < 0 || r < 0) {
		int e = a->efd < 0 ? errno : -r;
		async_destroy(a);
		return praxis_fail(err, -e, "eventfd: %s", strerror(e));
	}
	*ret = a;
	return 0;
}

static int async_launch(praxis_async *a, praxis_async **ret, praxis_error *err)
{
	/* The thread inherits the caller's signal mask, so the run starts as
	 * it would from a praxis_sandbox_run() call on the calling thread. */
	int r = pthread_create(&a->thread, NULL, async_main, a);
	if (r != 0) {
		async_destroy(a);
		return praxis_fail(err, -r, "pthread_create: %s", strerror(r));
	}
	*ret = a;
	return 0;
}

int praxis_sandbox_start(praxis_sandbox *sb, const praxis_run_opts *opts, praxis_async **ret,
                         praxis_error *err)
{
	if (!sb || !opts || !opts->argv || !opts->argv[0] || !ret)
		return praxis_fail(err, -EINVAL,
		                   "praxis_sandbox_start: missing sandbox, argv or handle");
	praxis_async *a = NULL;
	int r = async_new(ASYNC_RUN, &a, err);
	if (r < 0)
		return r;
	a->sb = sb;
	a->opts = *opts;
	for (const char *const *s = opts->argv; *s && r >= 0; s++)
		r = strv_push(&a->argv, *s);
	if (r >= 0 && opts->cwd && !(a->cwd = strdup(opts->cwd)))
		r = -ENOMEM;
	if (r < 0) {
		async_destroy(a);
		return praxis_fail(err, -ENOMEM, "out of memory");
	}
	a->opts.argv = (const char *const *)a->argv.v;
	a->opts.cwd = a->cwd;
	a->opts.cancel_fd = a->cancel.fd; /* praxis_async_cancel() */
	return async_launch(a, ret, err);
}

int praxis_executor_start(praxis_executor *ex, const char *name, const char *params_json,
                          praxis_async **ret, praxis_error *err)
{
	if (!ex || !name || !ret)
		return praxis_fail(err, -EINVAL, "praxis_executor_start: missing argument");
	praxis_async *a = NULL;
	int r = async_new(ASYNC_EXEC, &a, err);
	if (r < 0)
		return r;
	a->ex = ex;
	a->name = strdup(name);
	a->params = params_json ? strdup(params_json) : NULL;
	if (!a->name || (params_json && !a->params)) {
		async_destroy(a);
		return praxis_fail(err, -ENOMEM, "out of memory");
	}
	return async_launch(a, ret, err);
}

int praxis_async_fd(const praxis_async *a)
{
	return a ? a->efd : -EINVAL;
}

bool praxis_async_done(const praxis_async *a)
{
	return a && atomic_load(&a->done);
}

bool praxis_async_cancelled(const praxis_async *a)
{
	return a && atomic_load(&a->killed);
}

int praxis_async_wait(praxis_async *a, int timeout_ms)
{
	if (!a)
		return -EINVAL;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!atomic_load(&a->done)) {
		int left = -1;
		if (timeout_ms >= 0) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			long spent = (now.tv_sec - start.tv_sec) * 1000 +
			             (now.tv_nsec - start.tv_nsec) / 1000000;
			if (spent >= timeout_ms)
				return -ETIMEDOUT;
			left = timeout_ms - (int)spent;
		}
		struct pollfd p = {.fd = a->efd, .events = POLLIN};
		if (poll(&p, 1, left) < 0 && errno != EINTR)
			return -errno;
	}
	return 0;
}

/* The children of task TID, as /proc lists them, into BUF. */
int praxis_async_cancel(praxis_async *a)
{
	if (!a)
		return -EINVAL;
	pthread_mutex_lock(&a->cancel_lock);
	if (!atomic_load(&a->done)) {
		atomic_store(&a->cancelled, true);
		exec_cancel_request(&a->cancel);
	}
	pthread_mutex_unlock(&a->cancel_lock);
	praxis_async_wait(a, -1); /* until the supervisor has reaped everything */
	return atomic_load(&a->killed) ? 0 : -EALREADY;
}

static void join(praxis_async *a)
{
	if (!a->joined) {
		pthread_join(a->thread, NULL);
		a->joined = true;
	}
}

/* Wait and mark the outcome as taken; *TAKE says whether it may be. */
static int collect(praxis_async *a, enum async_kind kind, bool *take, praxis_error *err)
{
	*take = false;
	if (a->kind != kind)
		return praxis_fail(err, -EINVAL, "this handle is for a %s",
		                   a->kind == ASYNC_RUN ? "sandbox run" : "plugin execution");
	if (a->collected)
		return praxis_fail(err, -EALREADY, "already collected");
	praxis_async_wait(a, -1);
	join(a);
	a->collected = true;
	*take = true;
	if (a->rc < 0 && err)
		*err = a->err;
	return a->rc;
}

int praxis_async_collect_run(praxis_async *a, praxis_result *res, praxis_error *err)
{
	if (!a || !res)
		return praxis_fail(err, -EINVAL, "praxis_async_collect_run: missing argument");
	bool take;
	int r = collect(a, ASYNC_RUN, &take, err);
	memset(res, 0, sizeof(*res));
	if (take) {
		*res = a->run_res;
		memset(&a->run_res, 0, sizeof(a->run_res));
	}
	return r;
}

int praxis_async_collect_exec(praxis_async *a, praxis_exec_result *res, praxis_error *err)
{
	if (!a || !res)
		return praxis_fail(err, -EINVAL, "praxis_async_collect_exec: missing argument");
	bool take;
	int r = collect(a, ASYNC_EXEC, &take, err);
	memset(res, 0, sizeof(*res));
	if (take) {
		*res = a->exec_res;
		memset(&a->exec_res, 0, sizeof(a->exec_res));
	}
	return r;
}

void praxis_async_free(praxis_async *a)
{
	if (!a)
		return;
	if (!atomic_load(&a->done))
		praxis_async_cancel(a);
	join(a);
	if (!a->collected) {
		praxis_result_release(&a->run_res);
		praxis_exec_result_release(&a->exec_res);
	}
	async_destroy(a);
}
