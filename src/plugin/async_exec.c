/* praxis_executor_start(): an executor call on the thread of an async job
 * (async_job.c); cancel reaches a fresh run through its cancel_fd and a
 * zygote call through its pidfd (exec_cancel.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "async_job.h"
#include "error.h"
#include "executor_internal.h"

struct async_exec {
	praxis_executor *ex;
	char *name;
	char *params;
	praxis_exec_result res;
};

static int exec_job(void *job, struct exec_cancel *cancel, praxis_error *err)
{
	struct async_exec *j = job;
	return executor_execute(j->ex, j->name, j->params, cancel, &j->res, err);
}

static bool exec_stopped(const void *job, int rc)
{
	const struct async_exec *j = job;
	return rc >= 0 && j->res.status == PRAXIS_EXEC_CANCELLED;
}

static void exec_release(void *job, bool uncollected)
{
	struct async_exec *j = job;
	if (uncollected)
		praxis_exec_result_release(&j->res);
	free(j->name);
	free(j->params);
	free(j);
}

static const struct async_job_ops exec_ops = {
    .what = "plugin execution", .run = exec_job, .stopped = exec_stopped, .release = exec_release};

int praxis_executor_start(praxis_executor *ex, const char *name, const char *params_json,
                          praxis_async **ret, praxis_error *err)
{
	if (!ex || !name || !ret)
		return praxis_fail(err, -EINVAL, "praxis_executor_start: missing argument");
	struct async_exec *j = calloc(1, sizeof(*j));
	if (!j)
		return praxis_fail(err, -ENOMEM, "out of memory");
	j->ex = ex;
	j->name = strdup(name);
	j->params = params_json ? strdup(params_json) : NULL;
	if (!j->name || (params_json && !j->params)) {
		exec_release(j, true);
		return praxis_fail(err, -ENOMEM, "out of memory");
	}
	praxis_async *a = NULL;
	int r = async_job_new(&exec_ops, j, &a, err);
	return r < 0 ? r : async_job_launch(a, ret, err);
}

int praxis_async_collect_exec(praxis_async *a, praxis_exec_result *res, praxis_error *err)
{
	if (!a || !res)
		return praxis_fail(err, -EINVAL, "praxis_async_collect_exec: missing argument");
	void *job;
	int r = async_job_collect(a, &exec_ops, &job, err);
	memset(res, 0, sizeof(*res));
	if (job) {
		struct async_exec *j = job;
		*res = j->res;
		memset(&j->res, 0, sizeof(j->res));
	}
	return r;
}
