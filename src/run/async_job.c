/* The praxis_async handle (the seed's enforce_async()): each job runs on a
 * thread of its own, and an eventfd becomes readable when it has ended and
 * every process of it has been reaped.
 *
 * Cancel goes through the job's exec_cancel: its eventfd is a run's
 * cancel_fd (the supervisor kills the run's pid 1, so the kernel kills the
 * rest), and a call in a plugin's zygote is killed through its pidfd. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "async_job.h"
#include "error.h"

struct praxis_async {
	const struct async_job_ops *ops;
	void *job;
	int efd;
	pthread_t thread;
	bool joined;
	bool collected;
	atomic_bool done;
	atomic_bool cancelled;       /* cancel was asked for */
	atomic_bool killed;          /* cancel stopped the job (or it never started); set
	                                before done */
	pthread_mutex_t cancel_lock; /* one canceller at a time */
	struct exec_cancel cancel;
	int rc;
	praxis_error err;
};

static void *async_main(void *arg)
{
	praxis_async *a = arg;
	if (atomic_load(&a->cancelled)) {
		a->rc = praxis_fail(&a->err, -ECANCELED, "cancelled before the plugin started");
		atomic_store(&a->killed, true);
	} else {
		a->rc = a->ops->run(a->job, &a->cancel, &a->err);
	}
	/* Killed during the setup, the run may fail as a setup error: it was
	 * cancelled all the same. */
	bool asked = atomic_load(&a->cancelled);
	if (a->rc < 0 && a->rc != -ECANCELED && asked)
		a->rc = praxis_fail(&a->err, -ECANCELED, "cancelled while the plugin was starting");
	bool stopped = a->rc == -ECANCELED || a->ops->stopped(a->job, a->rc);
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
	if (a->job)
		a->ops->release(a->job, !a->collected);
	free(a);
}

int async_job_new(const struct async_job_ops *ops, void *job, praxis_async **ret, praxis_error *err)
{
	praxis_async *a = calloc(1, sizeof(*a));
	if (!a) {
		ops->release(job, true);
		return praxis_fail(err, -ENOMEM, "out of memory");
	}
	a->ops = ops;
	a->job = job;
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

int async_job_cancel_fd(const praxis_async *a)
{
	return a->cancel.fd;
}

int async_job_launch(praxis_async *a, praxis_async **ret, praxis_error *err)
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

int async_job_collect(praxis_async *a, const struct async_job_ops *ops, void **job,
                      praxis_error *err)
{
	*job = NULL;
	if (a->ops != ops)
		return praxis_fail(err, -EINVAL, "this handle is for a %s", a->ops->what);
	if (a->collected)
		return praxis_fail(err, -EALREADY, "already collected");
	praxis_async_wait(a, -1);
	join(a);
	a->collected = true;
	*job = a->job;
	if (a->rc < 0 && err)
		*err = a->err;
	return a->rc;
}

void praxis_async_free(praxis_async *a)
{
	if (!a)
		return;
	if (!atomic_load(&a->done))
		praxis_async_cancel(a);
	join(a);
	async_destroy(a);
}
