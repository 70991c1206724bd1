/* Praxis plugins: manifests, the sandbox factory, the plugin executor and
 * asynchronous runs (the seed's SandboxFactory, create_sandboxed_executor(),
 * execute_plugin_sandboxed() and enforce_async()).
 *
 *   manifest (JSON beside the plugin) --> factory (defaults, audit sink,
 *   administrator's ceiling) --> sandbox --> executor: params JSON in,
 *   result JSON out, every run in its own sandboxed process.
 *
 * Same conventions as praxis.h: 0 or a negative errno, a praxis_error with
 * a one-line message, nothing printed, no global state, thread-safe unless
 * a function says otherwise. Reference: docs/executor.md. */
#ifndef PRAXIS_EXECUTOR_H
#define PRAXIS_EXECUTOR_H

#include "praxis/praxis.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- manifests ------------------------------------------------------------ */

/* One problem found in a manifest. LOCATION is a JSON path such as
 * "$.capabilities[2].name" ("$" for the document as a whole). */
typedef struct praxis_problem {
	const char *location;
	const char *message;
} praxis_problem;

typedef struct praxis_problems praxis_problems;

PRAXIS_API size_t praxis_problems_count(const praxis_problems *problems);
PRAXIS_API const praxis_problem *praxis_problems_get(const praxis_problems *problems, size_t index);
PRAXIS_API void praxis_problems_free(praxis_problems *problems);

typedef struct praxis_manifest praxis_manifest;

typedef enum praxis_entry_kind {
	PRAXIS_ENTRY_EXECUTABLE = 0,    /* params on stdin, result on stdout */
	PRAXIS_ENTRY_SHARED_OBJECT = 1, /* praxis/plugin.h, loaded inside the sandbox */
} praxis_entry_kind;

/* Read and validate the manifest at PATH. Valid: *RET is the manifest.
 * Invalid: -EINVAL, *RET is NULL (never half-loaded) and, if PROBLEMS is not
 * NULL, *PROBLEMS lists every problem (free it); ERR names the first one and
 * how many there are. Paths in the manifest are relative to its directory. */
PRAXIS_API int praxis_manifest_load(const char *path, praxis_manifest **ret,
                                    praxis_problems **problems, praxis_error *err);
/* The same from JSON text; BASE_DIR is what relative paths are relative to. */
PRAXIS_API int praxis_manifest_parse(const char *json, size_t len, const char *base_dir,
                                     praxis_manifest **ret, praxis_problems **problems,
                                     praxis_error *err);
PRAXIS_API void praxis_manifest_free(praxis_manifest *m);

PRAXIS_API const char *praxis_manifest_name(const praxis_manifest *m);
PRAXIS_API const char *praxis_manifest_version(const praxis_manifest *m);
PRAXIS_API const char *praxis_manifest_description(const praxis_manifest *m); /* "" if none */
PRAXIS_API const char *praxis_manifest_dir(const praxis_manifest *m);
PRAXIS_API praxis_entry_kind praxis_manifest_entry_kind(const praxis_manifest *m);
/* Absolute path of the executable or shared object. */
PRAXIS_API const char *praxis_manifest_entry(const praxis_manifest *m);
/* Shared objects: the symbol called (default PRAXIS_PLUGIN_SYMBOL); else NULL. */
PRAXIS_API const char *praxis_manifest_symbol(const praxis_manifest *m);
/* The declared capabilities, flattened to one grant per item, in the
 * praxis_caps_add() form: NAME and VALUE (NULL = the whole capability; one
 * path for filesystem.*, one name, executable or endpoint otherwise). */
PRAXIS_API size_t praxis_manifest_grant_count(const praxis_manifest *m);
PRAXIS_API const char *praxis_manifest_grant(const praxis_manifest *m, size_t index,
                                             const char **value);
/* The limits the manifest asks for; a field is 0 where it sets none. */
PRAXIS_API const praxis_limits *praxis_manifest_limits(const praxis_manifest *m);

/* ---- the administrator's ceiling ----------------------------------------------- */

/* What a factory may grant at most. Without any allow rule every capability
 * may be granted (minus the deny rules); after the first allow rule, only
 * what is allowed. Deny rules always win. Values are as for praxis_caps_add()
 * (NULL = the whole capability); a path covers everything below it; an
 * endpoint without a port covers every port of that host. */
typedef struct praxis_ceiling praxis_ceiling;

PRAXIS_API int praxis_ceiling_new(praxis_ceiling **ret);
PRAXIS_API void praxis_ceiling_free(praxis_ceiling *ceiling);
PRAXIS_API int praxis_ceiling_allow(praxis_ceiling *ceiling, const char *name, const char *value,
                                    praxis_error *err);
PRAXIS_API int praxis_ceiling_deny(praxis_ceiling *ceiling, const char *name, const char *value,
                                   praxis_error *err);

/* ---- the factory ----------------------------------------------------------------- */

typedef enum praxis_over_ceiling {
	PRAXIS_CEILING_REFUSE = 0, /* refuse the plugin, naming what was refused (-EPERM) */
	PRAXIS_CEILING_CUT = 1,    /* grant the intersection; audit "run.capability_cut" */
} praxis_over_ceiling;

typedef struct praxis_factory_config {
	praxis_limits default_limits;  /* where a manifest sets none (PRAXIS_DEFAULT_*) */
	praxis_limits max_limits;      /* the most a manifest may ask; 0 = no bound */
	const praxis_ceiling *ceiling; /* NULL = no ceiling; copied */
	praxis_over_ceiling over_ceiling;
	unsigned sandbox_flags; /* enum praxis_sandbox_flags */
	/* The plugins' environment before filtering ("NAME=VALUE", NULL-terminated);
	 * NULL = only PATH=/usr/local/bin:/usr/bin:/bin. Copied. */
	const char *const *environment;
	int64_t run_as_uid; /* as in praxis_config; -1 = keep */
	int64_t run_as_gid;
	praxis_audit_level audit_level;
	/* The seed's audit_callback: every record of every sandbox of this
	 * factory, on the thread that supervises the run. */
	praxis_audit_callback audit_callback;
	void *audit_userdata;
	size_t audit_max_records;
	/* The helper that loads shared-object plugins inside the sandbox;
	 * NULL = the installed one (PRAXIS_SO_RUNNER_PATH). */
	const char *so_runner;
	uint64_t reserved[PRAXIS_RESERVED_WORDS]; /* zero */
} praxis_factory_config;

typedef struct praxis_factory praxis_factory;

PRAXIS_API void praxis_factory_config_init(praxis_factory_config *cfg);
PRAXIS_API int praxis_factory_new(const praxis_factory_config *cfg, praxis_factory **ret,
                                  praxis_error *err);
PRAXIS_API void praxis_factory_free(praxis_factory *factory);

/* The seed's factory.create_sandbox(): a sandbox for manifest M, its grants
 * checked against the ceiling and its limits against max_limits. Over the
 * ceiling: -EPERM naming everything refused, or (PRAXIS_CEILING_CUT) the
 * intersection, with one "sandbox.capability_cut" record per cut sent to the
 * factory's callback now. The entry file itself is always readable. The
 * sandbox is the caller's (praxis_sandbox_free). */
PRAXIS_API int praxis_factory_create_sandbox(praxis_factory *factory, const praxis_manifest *m,
                                             praxis_sandbox **ret, praxis_error *err);

/* ---- the executor ---------------------------------------------------------------- */

typedef struct praxis_executor_config {
	praxis_factory *factory; /* required; must outlive the executor */
	/* Directories searched in order for NAME/manifest.json, then NAME.json;
	 * NULL-terminated, copied. */
	const char *const *plugin_dirs;
	size_t max_result_bytes; /* stdout of a run; 0 = 1 MiB */
	size_t max_stderr_bytes; /* kept in the result; 0 = 64 KiB */
	bool collect_audit;      /* keep each run's records in its result */
	/* Shared-object plugins: serve calls from a zygote, one per plugin,
	 * loaded once under the plugin's sandbox, that forks a process per
	 * call (docs/executor.md). Init: true. Plugins that may not use one
	 * (system.subprocess, environment.write, or a load that leaves threads
	 * or processes behind) get a fresh run per call whatever this says. */
	bool use_zygote;
	uint64_t reserved[PRAXIS_RESERVED_WORDS]; /* zero */
} praxis_executor_config;

typedef enum praxis_exec_status {
	PRAXIS_EXEC_OK = 0,           /* exited 0 with one JSON value on stdout */
	PRAXIS_EXEC_PLUGIN_ERROR,     /* exited non-zero (result: its JSON, if any) */
	PRAXIS_EXEC_BAD_OUTPUT,       /* stdout is not one JSON value */
	PRAXIS_EXEC_OUTPUT_TOO_LARGE, /* over max_result_bytes, or the output limit */
	PRAXIS_EXEC_CRASHED,          /* killed by a signal it did not get from us */
	PRAXIS_EXEC_LIMIT,            /* stopped by a resource limit (see limit) */
	PRAXIS_EXEC_LOAD_ERROR,       /* a shared object could not be loaded */
	PRAXIS_EXEC_CANCELLED,        /* praxis_async_cancel() */
} praxis_exec_status;

typedef struct praxis_exec_result {
	praxis_exec_status status;
	char message[256]; /* why, when not OK (one line) */
	char *result_json; /* the plugin's result: its stdout, checked to be one
	                      JSON value, trimmed of surrounding whitespace; or NULL */
	char *stderr_data; /* NUL-terminated, at most max_stderr_bytes */
	size_t stderr_size;
	bool stderr_truncated;
	int exit_code; /* when it exited */
	int signal;    /* when a signal ended it */
	praxis_limit_kind limit;
	praxis_usage usage;
	uint64_t run_id;
	/* This run's audit records, in order (collect_audit), owned here. */
	praxis_audit_record *audit;
	size_t n_audit;
	uint64_t reserved[PRAXIS_RESERVED_WORDS]; /* zeroed by the library */
} praxis_exec_result;

typedef struct praxis_executor praxis_executor;

PRAXIS_API void praxis_executor_config_init(praxis_executor_config *cfg);
/* The seed's create_sandboxed_executor(). */
PRAXIS_API int praxis_executor_new(const praxis_executor_config *cfg, praxis_executor **ret,
                                   praxis_error *err);
PRAXIS_API void praxis_executor_free(praxis_executor *ex);

/* The seed's execute_plugin_sandboxed(): find plugin NAME, run it with
 * PARAMS_JSON (NULL = "{}") and wait. Returns 0 when the plugin ran, whatever
 * it did (see RES->status), or a negative errno when it could not be run:
 * -ENOENT no such plugin, -EINVAL invalid manifest or params, -EPERM over
 * the ceiling. Manifests are re-read when their file changes. */
PRAXIS_API int praxis_executor_execute(praxis_executor *ex, const char *name,
                                       const char *params_json, praxis_exec_result *res,
                                       praxis_error *err);
PRAXIS_API void praxis_exec_result_release(praxis_exec_result *res);
PRAXIS_API const char *praxis_exec_status_name(praxis_exec_status status);

/* ---- asynchronous runs (the seed's enforce_async()) ------------------------------ */

/* A run in progress, supervised on a thread of its own. */
typedef struct praxis_async praxis_async;

/* Start praxis_executor_execute() / praxis_sandbox_run() without blocking.
 * For a sandbox run, OPTS is copied (argv, cwd); its stdio fds must stay
 * open until the run has ended. */
PRAXIS_API int praxis_executor_start(praxis_executor *ex, const char *name, const char *params_json,
                                     praxis_async **ret, praxis_error *err);
PRAXIS_API int praxis_sandbox_start(praxis_sandbox *sb, const praxis_run_opts *opts,
                                    praxis_async **ret, praxis_error *err);

/* A file descriptor that becomes readable (POLLIN) when the run has ended,
 * every process of it is reaped and the result is ready; for poll, epoll,
 * libuv, asyncio... Owned by the handle: do not read or close it. */
PRAXIS_API int praxis_async_fd(const praxis_async *a);
PRAXIS_API bool praxis_async_done(const praxis_async *a);
/* Wait up to TIMEOUT_MS (-1 = forever): 0 when ended, -ETIMEDOUT. */
PRAXIS_API int praxis_async_wait(praxis_async *a, int timeout_ms);
/* Kill every process of the run and wait until they are reaped. 0 when the
 * run was stopped (or never started), -EALREADY when it had ended. May be
 * called from any thread. */
PRAXIS_API int praxis_async_cancel(praxis_async *a);
PRAXIS_API bool praxis_async_cancelled(const praxis_async *a);
/* Wait for the end and take the outcome: what praxis_executor_execute() /
 * praxis_sandbox_run() would have returned. -ECANCELED when cancelled before
 * the plugin started; a cancelled executor run has status
 * PRAXIS_EXEC_CANCELLED, a cancelled sandbox run ends by SIGKILL. Once. */
PRAXIS_API int praxis_async_collect_exec(praxis_async *a, praxis_exec_result *res,
                                         praxis_error *err);
PRAXIS_API int praxis_async_collect_run(praxis_async *a, praxis_result *res, praxis_error *err);
/* Cancel if still running, wait, free what was not collected. */
PRAXIS_API void praxis_async_free(praxis_async *a);

#ifdef __cplusplus
}
#endif
#endif
