/* The plugin executor (the seed's SandboxedPluginExecutor): params JSON in
 * on stdin, result JSON out on stdout, one sandboxed process per call. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "abi.h"
#include "error.h"
#include "executor_internal.h"

#define DEFAULT_MAX_RESULT (1u << 20)
#define DEFAULT_MAX_STDERR (64u << 10)

void praxis_executor_config_init(praxis_executor_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_result_bytes = DEFAULT_MAX_RESULT;
	cfg->max_stderr_bytes = DEFAULT_MAX_STDERR;
	cfg->collect_audit = true;
	cfg->use_zygote = true;
}

int praxis_executor_new(const praxis_executor_config *cfg, praxis_executor **ret, praxis_error *err)
{
	if (!cfg || !ret || !cfg->factory)
		return praxis_fail(err, -EINVAL, "praxis_executor_new: a factory is required");
	if (!RESERVED_IS_ZERO(cfg))
		return abi_refuse_reserved(err, "praxis_executor_config");
	*ret = NULL;
	praxis_executor *ex = calloc(1, sizeof(*ex));
	if (!ex)
		return praxis_fail(err, -ENOMEM, "out of memory");
	ex->factory = cfg->factory;
	ex->max_result_bytes = cfg->max_result_bytes ? cfg->max_result_bytes : DEFAULT_MAX_RESULT;
	ex->max_stderr_bytes = cfg->max_stderr_bytes ? cfg->max_stderr_bytes : DEFAULT_MAX_STDERR;
	ex->collect_audit = cfg->collect_audit;
	ex->use_zygote = cfg->use_zygote;
	int r = 0;
	for (const char *const *d = cfg->plugin_dirs; d && *d && r >= 0; d++)
		r = strv_push(&ex->dirs, *d);
	if (r < 0) {
		strv_free(&ex->dirs);
		free(ex);
		return praxis_fail(err, -ENOMEM, "out of memory");
	}
	pthread_mutex_init(&ex->lock, NULL);
	*ret = ex;
	return 0;
}

void praxis_executor_free(praxis_executor *ex)
{
	if (!ex)
		return;
	plugin_cache_clear(ex);
	pthread_mutex_destroy(&ex->lock);
	strv_free(&ex->dirs);
	free(ex);
}

/* The params as the plugin's stdin: a memfd, so no pipe can fill up and
 * no thread has to feed it. Sealed once written: the plugin could
 * otherwise grow it into memory that no process's RSS (so no memory
 * limit) shows. */
static int params_fd(const char *params, praxis_error *err)
{
	int fd = memfd_create("praxis-params", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return praxis_fail(err, -errno, "memfd_create: %s", strerror(errno));
	size_t len = strlen(params), done = 0;
	while (done < len) {
		ssize_t n = write(fd, params + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			close(fd);
			return praxis_fail(err, -e, "writing the params: %s", strerror(e));
		}
		done += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0 ||
	    lseek(fd, 0, SEEK_SET) < 0) {
		int e = errno;
		close(fd);
		return praxis_fail(err, -e, "sealing the params: %s", strerror(e));
	}
	return fd;
}

static int check_params(const char *params, praxis_error *err)
{
	json_error_t jerr;
	json_t *v = json_loads(params, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	if (!v && json_error_code(&jerr) == json_error_out_of_memory)
		return praxis_fail(err, -ENOMEM, "params: out of memory while parsing them");
	if (!v)
		return praxis_fail(err, -EINVAL, "params: invalid JSON at line %d, column %d: %s",
		                   jerr.line, jerr.column, jerr.text);
	json_decref(v);
	return 0;
}

int praxis_executor_execute(praxis_executor *ex, const char *name, const char *params_json,
                            praxis_exec_result *res, praxis_error *err)
{
	return executor_execute(ex, name, params_json, NULL, res, err);
}

int executor_execute(praxis_executor *ex, const char *name, const char *params_json,
                     struct exec_cancel *cancel, praxis_exec_result *res, praxis_error *err)
{
	if (!ex || !res)
		return praxis_fail(err, -EINVAL, "praxis_executor_execute: missing argument");
	memset(res, 0, sizeof(*res));
	const char *params = params_json ? params_json : "{}";
	int r = check_params(params, err);
	if (r < 0)
		return r;
	struct plugin_entry *e = NULL;
	if ((r = plugin_acquire(ex, name, &e, err)) < 0)
		return r;
	int in = params_fd(params, err);
	if (in < 0) {
		plugin_release(ex, e);
		return in;
	}
	if (e->zygote_ok) {
		r = executor_zygote_call(ex, e, in, cancel, res, err);
		if (r != -EAGAIN) {
			close(in);
			plugin_release(ex, e);
			return r;
		}
		if (lseek(in, 0, SEEK_SET) < 0) { /* for the fresh run */
			r = praxis_fail(err, -errno, "lseek: %s", strerror(errno));
			close(in);
			plugin_release(ex, e);
			return r;
		}
	}
	praxis_run_opts opts;
	praxis_run_opts_init(&opts);
	opts.argv = e->argv;
	opts.stdio[0] = in;
	opts.stdio[1] = -1;
	opts.stdio[2] = -1;
	opts.output = PRAXIS_OUTPUT_CAPTURE;
	opts.cwd = e->m->dir;
	opts.collect_audit = ex->collect_audit;
	opts.cancel_fd = cancel ? cancel->fd : -1;
	praxis_result run;
	r = praxis_sandbox_run(e->sb, &opts, &run, err);
	close(in);
	if (r >= 0) {
		exec_result_fill(ex, e, &run, res);
		praxis_result_release(&run);
	}
	plugin_release(ex, e);
	return r;
}
