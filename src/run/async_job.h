/* An asynchronous job behind a praxis_async handle: a thread of its own,
 * an eventfd readable once the job has ended, cancellation through an
 * exec_cancel. What the job is (a sandbox run, an executor call) is the
 * caller's: this layer knows neither. */
#ifndef PRAXIS_ASYNC_JOB_H
#define PRAXIS_ASYNC_JOB_H
#include <stdbool.h>

#include "exec_cancel.h"
#include "praxis/executor.h"

struct async_job_ops {
	const char *what; /* "sandbox run": in "this handle is for a ..." */
	/* Runs on the job's thread; returns 0 or -errno with ERR filled. */
	int (*run)(void *job, struct exec_cancel *cancel, praxis_error *err);
	/* Whether a job that returned RC ended because it was cancelled. */
	bool (*stopped)(const void *job, int rc);
	/* Frees the job; UNCOLLECTED: its result was never taken. */
	void (*release)(void *job, bool uncollected);
};

/* A handle for JOB (owned by it from now on, released on failure too),
 * its thread not started yet: the caller may read the cancel eventfd
 * (async_job_cancel_fd) and then calls async_job_launch. */
int async_job_new(const struct async_job_ops *ops, void *job, praxis_async **ret,
                  praxis_error *err);
int async_job_cancel_fd(const praxis_async *a);
/* Starts the thread; on failure the handle is gone. */
int async_job_launch(praxis_async *a, praxis_async **ret, praxis_error *err);
/* Waits for the end and hands over the job (once) if it is one of OPS;
 * returns the job's rc. *JOB is NULL when nothing may be taken. */
int async_job_collect(praxis_async *a, const struct async_job_ops *ops, void **job,
                      praxis_error *err);

#endif
