/* praxis_sandbox_start(): a sandbox run supervised by praxis_sandbox_run()
 * on the thread of an async job (async_job.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "async_job.h"
#include "error.h"
#include "praxis/executor.h"
#include "strv.h"

struct async_run {
	praxis_sandbox *sb;
	praxis_run_opts opts;
	struct strv argv;
	char *cwd;
	praxis_result res;
};

static int run_job(void *job, struct exec_cancel *cancel, praxis_error *err)
{
	(void)cancel; /* its eventfd is opts.cancel_fd */
	struct async_run *j = job;
	return praxis_sandbox_run(j->sb, &j->opts, &j->res, err);
}

static bool run_stopped(const void *job, int rc)
{
	const struct async_run *j = job;
	return rc >= 0 && j->res.cancelled;
}

static void run_release(void *job, bool uncollected)
{
	struct async_run *j = job;
	if (uncollected)
		praxis_result_release(&j->res);
	strv_free(&j->argv);
	free(j->cwd);
	free(j);
}

static const struct async_job_ops run_ops = {
    .what = "sandbox run", .run = run_job, .stopped = run_stopped, .release = run_release};

int praxis_sandbox_start(praxis_sandbox *sb, const praxis_run_opts *opts, praxis_async **ret,
                         praxis_error *err)
{
	if (!sb || !opts || !opts->argv || !opts->argv[0] || !ret)
		return praxis_fail(err, -EINVAL,
		                   "praxis_sandbox_start: missing sandbox, argv or handle");
	struct async_run *j = calloc(1, sizeof(*j));
	if (!j)
		return praxis_fail(err, -ENOMEM, "out of memory");
	j->sb = sb;
	j->opts = *opts;
	int r = 0;
	for (const char *const *s = opts->argv; *s && r >= 0; s++)
		r = strv_push(&j->argv, *s);
	if (r >= 0 && opts->cwd && !(j->cwd = strdup(opts->cwd)))
		r = -ENOMEM;
	if (r < 0) {
		run_release(j, true);
		return praxis_fail(err, -ENOMEM, "out of memory");
	}
	j->opts.argv = (const char *const *)j->argv.v;
	j->opts.cwd = j->cwd;
	praxis_async *a = NULL;
	r = async_job_new(&run_ops, j, &a, err);
	if (r < 0)
		return r;
	j->opts.cancel_fd = async_job_cancel_fd(a); /* praxis_async_cancel() */
	return async_job_launch(a, ret, err);
}

int praxis_async_collect_run(praxis_async *a, praxis_result *res, praxis_error *err)
{
	if (!a || !res)
		return praxis_fail(err, -EINVAL, "praxis_async_collect_run: missing argument");
	void *job;
	int r = async_job_collect(a, &run_ops, &job, err);
	memset(res, 0, sizeof(*res));
	if (job) {
		struct async_run *j = job;
		*res = j->res;
		memset(&j->res, 0, sizeof(j->res));
	}
	return r;
}
