/* A shared-object plugin's zygote, host side (the zygote itself is
 * libexec/so_zygote.c; the messages are in zygote_protocol.h).
 *
 * One zygote per cached plugin: a long run of praxis-so-runner --zygote
 * under a variant of the plugin's sandbox that may create processes. Each
 * call is one process forked by it, supervised by the calling thread: its
 * wall, CPU, memory, thread and output limits, its output, its status and
 * its audit records (routed to it by pid from the zygote run's
 * supervisor). */
#ifndef PRAXIS_ZYGOTE_H
#define PRAXIS_ZYGOTE_H
#include <stdbool.h>

#include "audit.h"
#include "exec_cancel.h"
#include "praxis/praxis.h"

struct zygote;

struct zygote_spec {
	const char *runner;  /* praxis-so-runner */
	const char *so_path; /* the plugin object */
	const char *symbol;
	const char *cwd;
	bool scope_calls;      /* Landlock ABI >= 6: a domain per call */
	double start_timeout;  /* seconds to load the object */
	double cpu_seconds;    /* of each call (its RLIMIT_CPU backstop), 0 = none */
	uint64_t memory_bytes; /* the plugin's memory and task limits: its run's while */
	uint64_t max_procs;    /* loading, a call's after (0 = none) */
};

/* A zygote not started yet, whose own records (those of no call) go to
 * FALLBACK. Build its sandbox with zygote_audit_route and Z as the audit
 * callback, then zygote_start(). */
int zygote_new(praxis_audit_callback fallback, void *fallback_userdata, struct zygote **ret);
void zygote_audit_route(const praxis_audit_record *rec, void *zygote);

/* Start it under SB (taken over, freed with the zygote) and wait until the
 * object is loaded. -ENOEXEC: the object cannot be served by a zygote (ERR
 * says why); other errors: the run could not start. */
int zygote_start(struct zygote *z, praxis_sandbox *sb, const struct zygote_spec *spec,
                 praxis_error *err);
/* Stop it (ends calls still running) and free it. */
void zygote_free(struct zygote *z);
/* The zygote has ended (crashed, killed): start a new one. */
bool zygote_dead(const struct zygote *z);
/* It was killed for what the host saw it do (zygote_check.h): its plugin
 * should not get another. */
bool zygote_misbehaved(const struct zygote *z);
/* Callers holding it (zygote_call in progress): +1 / -1; and how many. A
 * dead zygote is freed only when none does. */
void zygote_use(struct zygote *z, int delta);
unsigned zygote_users(const struct zygote *z);
/* Calls it has served. */
unsigned long long zygote_calls(const struct zygote *z);
/* End a dead zygote's run now (its memory stays until zygote_free). */
void zygote_stop(struct zygote *z);

struct zygote_call_spec {
	int params_fd;
	praxis_limits limits;       /* of this call; max_procs counts its threads */
	struct audit_sink *sink;    /* the call's own: run id, level, callback, log */
	const char *target;         /* for its "run.start" record */
	struct exec_cancel *cancel; /* NULL: not cancellable */
};

/* One call. 0: it ran, RES is filled as by praxis_sandbox_run() with
 * captured output (stdout = the plugin's result). -EPIPE: the zygote was
 * gone before the call started (nothing ran); -ECANCELED: cancelled before
 * it started. */
int zygote_call(struct zygote *z, const struct zygote_call_spec *c, praxis_result *res,
                praxis_error *err);

#endif
