/* The executor's side of zygotes: start a plugin's zygote on its first
 * call, replace it when it dies (early deaths: ZYGOTE_MAX_DEATHS), and turn
 * a call in it into an executor result. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "error.h"
#include "executor_internal.h"
#include "sandbox_internal.h"

#define DEFAULT_START_TIMEOUT 30.0 /* seconds to load an object, without a wall limit */

static void entry_fallback_audit(const praxis_audit_record *rec, void *userdata)
{
	const struct plugin_entry *e = userdata;
	if (e->sb->audit_callback)
		e->sb->audit_callback(rec, e->sb->audit_userdata);
}

/* Why a plugin's calls get fresh runs instead: to the factory's callback. */
static void refusal_record(const struct plugin_entry *e, const char *why)
{
	if (!e->sb->audit_callback)
		return;
	praxis_audit_record rec = {
	    .timestamp = audit_now(),
	    .plugin = e->m->name,
	    .action = "run.zygote_refused",
	    .target = e->m->entry,
	    .allowed = false,
	    .reason = why,
	};
	e->sb->audit_callback(&rec, e->sb->audit_userdata);
}

static int start_zygote(praxis_executor *ex, struct plugin_entry *e, praxis_error *err)
{
	struct zygote *z = NULL;
	praxis_sandbox *zsb = NULL;
	bool audited = sandbox_audit_level(e->sb, ex->collect_audit) != PRAXIS_AUDIT_OFF;
	int r = zygote_new(entry_fallback_audit, e, &z);
	if (r < 0)
		return praxis_fail(err, r, "out of memory");
	r = factory_zygote_sandbox(ex->factory, e->m, &e->pp, audited ? zygote_audit_route : NULL,
	                           audited ? z : NULL, &zsb, err);
	if (r < 0) {
		zygote_free(z);
		return r;
	}
	double wall = e->pp.limits.wall_seconds;
	struct zygote_spec spec = {
	    .runner = e->argv[0],
	    .so_path = e->m->entry,
	    .symbol = e->m->symbol,
	    .cwd = e->m->dir,
	    .scope_calls = true, /* plugin_cache.c gives zygotes only to such sandboxes */
	    .start_timeout = wall > 0 ? wall : DEFAULT_START_TIMEOUT,
	    .cpu_seconds = e->pp.limits.cpu_seconds,
	    .memory_bytes = e->pp.limits.memory_bytes,
	    .max_procs = e->pp.limits.max_procs,
	};
	r = zygote_start(z, zsb, &spec, err);
	if (r < 0) {
		zygote_free(z);
		return r;
	}
	e->zygote = z;
	return 0;
}

/* The entry's live zygote, started if need be; NULL when it has none. A
 * dead one is stopped and kept until the entry goes (calls may still hold
 * it); one killed for misbehaving, or refused at its start, ends the
 * plugin's zygotes for good. */
static struct zygote *live_zygote(praxis_executor *ex, struct plugin_entry *e)
{
	pthread_mutex_lock(&e->zlock);
	if (e->zygote && zygote_dead(e->zygote)) {
		if (zygote_misbehaved(e->zygote))
			e->zygote_ok = false;
		zygote_stop(e->zygote);
		/* One that served many calls first (and ran out of its own CPU,
		 * say) is replaced freely; early deaths end the zygotes. */
		if (zygote_calls(e->zygote) < ZYGOTE_LONG_LIFE)
			e->early_deaths++;
		if (e->early_deaths == ZYGOTE_MAX_DEATHS)
			e->zygote_ok = false;
		/* dead ones no call uses any more go now (none can be handed out) */
		unsigned kept = 0;
		for (unsigned i = 0; i < e->n_dead_zygotes; i++) {
			if (zygote_users(e->dead_zygotes[i]) == 0)
				zygote_free(e->dead_zygotes[i]);
			else
				e->dead_zygotes[kept++] = e->dead_zygotes[i];
		}
		e->n_dead_zygotes = kept;
		if (kept < ZYGOTE_MAX_KEPT)
			e->dead_zygotes[e->n_dead_zygotes++] = e->zygote;
		else
			e->zygote_ok = false; /* calls stuck in dead zygotes: stop making more */
		e->zygote = NULL;
	}
	if (!e->zygote && e->zygote_ok) {
		praxis_error err = {0};
		int r = start_zygote(ex, e, &err);
		/* Refused (the object cannot be loaded, leaves threads, processes,
		 * fds or shared memory behind): fresh runs say why, call by call.
		 * Anything else (out of fds, a slow load) counts as a death. */
		if (r == -ENOEXEC || (r < 0 && ++e->failed_starts == ZYGOTE_MAX_DEATHS))
			e->zygote_ok = false;
		if (r < 0)
			refusal_record(e, err.message);
	}
	struct zygote *z = e->zygote;
	if (z)
		zygote_use(z, +1);
	pthread_mutex_unlock(&e->zlock);
	return z;
}

int executor_zygote_call(praxis_executor *ex, struct plugin_entry *e, int params_fd,
                         struct exec_cancel *cancel, praxis_exec_result *res, praxis_error *err)
{
	struct zygote *z = live_zygote(ex, e);
	if (!z)
		return -EAGAIN;
	const praxis_sandbox *sb = e->sb;
	bool collect = ex->collect_audit;
	struct audit_sink sink = {
	    .plugin = sb->plugin_name,
	    .run_id = run_new_id(),
	    .level = sandbox_audit_level(sb, collect),
	    .callback = sb->audit_callback,
	    .userdata = sb->audit_userdata,
	};
	if (collect && !(sink.log = audit_log_new(sb->audit_max_records))) {
		zygote_use(z, -1);
		return praxis_fail(err, -ENOMEM, "out of memory");
	}
	struct zygote_call_spec spec = {
	    .params_fd = params_fd,
	    .limits = e->pp.limits,
	    .sink = &sink,
	    .target = e->m->entry,
	    .cancel = cancel,
	};
	praxis_result run;
	int r = zygote_call(z, &spec, &run, err);
	zygote_use(z, -1);
	if (r < 0) {
		audit_log_free(sink.log);
		/* Cancel was promised a kill of this call: no fresh run then. */
		if (r == -EPIPE && cancel && exec_cancel_requested(cancel))
			return praxis_fail(err, -ECANCELED, "cancelled before the plugin started");
		return r == -EPIPE ? -EAGAIN : r;
	}
	audit_finish(&sink);
	run.audit = sink.log;
	exec_result_fill(ex, e, &run, res);
	praxis_result_release(&run);
	return 0;
}

void executor_zygote_clear(struct plugin_entry *e)
{
	zygote_free(e->zygote);
	e->zygote = NULL;
	for (unsigned i = 0; i < e->n_dead_zygotes; i++)
		zygote_free(e->dead_zygotes[i]);
	e->n_dead_zygotes = 0;
}
