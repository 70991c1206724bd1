#ifndef PRAXIS_EXECUTOR_INTERNAL_H
#define PRAXIS_EXECUTOR_INTERNAL_H
#include <pthread.h>
#include <sys/stat.h>

#include "exec_cancel.h"
#include "factory.h"
#include "strv.h"
#include "zygote.h"

#define ZYGOTE_MAX_DEATHS 3    /* early ones; then the plugin gets fresh runs only */
#define ZYGOTE_LONG_LIFE  1000 /* calls served: a death after that is not early */
#define ZYGOTE_MAX_KEPT   8    /* dead zygotes some call still uses */

/* A loaded plugin: its manifest, policy and compiled sandbox, shared by
 * every run of it. Immutable once made; freed with its last reference. */
struct plugin_entry {
	struct plugin_entry *next;
	unsigned refs; /* under the executor's lock */
	char *manifest_path;
	struct stat st; /* of the manifest, to notice changes */
	praxis_manifest *m;
	struct plugin_policy pp;
	praxis_sandbox *sb;
	const praxis_factory *factory;
	const char *argv[4];
	/* Shared objects: the zygote, started on the first call. A dead one
	 * is kept until the entry goes (calls may still hold it). */
	bool zygote_ok;
	pthread_mutex_t zlock;
	struct zygote *zygote;
	struct zygote *dead_zygotes[ZYGOTE_MAX_KEPT];
	unsigned n_dead_zygotes;
	unsigned failed_starts;
	unsigned early_deaths;
};

struct praxis_executor {
	praxis_factory *factory;
	struct strv dirs;
	size_t max_result_bytes;
	size_t max_stderr_bytes;
	bool collect_audit;
	bool use_zygote;
	pthread_mutex_t lock;
	struct plugin_entry *entries;
};

/* plugin_cache.c: the entry for NAME, loaded or re-loaded as needed. */
int plugin_acquire(praxis_executor *ex, const char *name, struct plugin_entry **ret,
                   praxis_error *err);
void plugin_release(praxis_executor *ex, struct plugin_entry *e);
void plugin_cache_clear(praxis_executor *ex);

/* executor.c: praxis_executor_execute() with a cancel handle (async). */
int executor_execute(praxis_executor *ex, const char *name, const char *params_json,
                     struct exec_cancel *cancel, praxis_exec_result *res, praxis_error *err);

/* executor_zygote.c: run one call of E in its zygote, started as needed.
 * -EAGAIN: no zygote for it (refused, or gone before the call started):
 * run it fresh. */
int executor_zygote_call(praxis_executor *ex, struct plugin_entry *e, int params_fd,
                         struct exec_cancel *cancel, praxis_exec_result *res, praxis_error *err);
void executor_zygote_clear(struct plugin_entry *e);

/* exec_result.c: turn a finished run into an executor result. */
void exec_result_fill(const praxis_executor *ex, const struct plugin_entry *e,
                      const praxis_result *run, praxis_exec_result *res);

#endif
