/* From a finished run to an executor result: the status and its reason,
 * the plugin's result JSON, bounded stderr, and the run's audit records. */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "executor_internal.h"
#include "praxis/plugin.h"

const char *praxis_exec_status_name(praxis_exec_status status)
{
	static const char *const names[] = {
	    "ok",      "plugin_error", "bad_output", "output_too_large",
	    "crashed", "limit",        "load_error", "cancelled"};
	return (unsigned)status < sizeof(names) / sizeof(*names) ? names[status] : "unknown";
}

static void set_status(praxis_exec_result *res, praxis_exec_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_status(praxis_exec_result *res, praxis_exec_status status, const char *fmt, ...)
{
	res->status = status;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->message, sizeof(res->message), fmt, ap);
	va_end(ap);
}

/* The first line of TEXT (the runner's reason, a plugin's error). */
static void first_line(const char *text, char *buf, size_t size)
{
	size_t n = text ? strcspn(text, "\n") : 0;
	if (n >= size)
		n = size - 1;
	memcpy(buf, text ? text : "", n);
	buf[n] = '\0';
}

static void keep_stderr(const praxis_executor *ex, const praxis_result *run,
                        praxis_exec_result *res)
{
	size_t n = run->stderr_data ? run->stderr_size : 0;
	if (n > ex->max_stderr_bytes) {
		n = ex->max_stderr_bytes;
		res->stderr_truncated = true;
	}
	res->stderr_data = malloc(n + 1);
	if (!res->stderr_data) {
		res->stderr_truncated = n > 0;
		return;
	}
	if (n)
		memcpy(res->stderr_data, run->stderr_data, n);
	res->stderr_data[n] = '\0';
	res->stderr_size = n;
}

/* Parse stdout as exactly one JSON value; on success RESULT_JSON is its
 * compact form. Returns false with WHY filled otherwise. */
static bool parse_result(const praxis_result *run, praxis_exec_result *res, char *why, size_t size)
{
	const char *out = run->stdout_data ? run->stdout_data : "";
	size_t len = run->stdout_data ? run->stdout_size : 0;
	if (strspn(out, " \t\r\n") == len) {
		snprintf(why, size, "no result on stdout (expected one JSON value)");
		return false;
	}
	json_error_t jerr;
	json_t *v = json_loadb(out, len, JSON_DECODE_ANY, &jerr);
	if (!v) {
		snprintf(why, size, "stdout is not one JSON value: line %d, column %d: %.100s",
		         jerr.line, jerr.column, jerr.text);
		return false;
	}
	json_decref(v);
	/* Valid: keep the plugin's own text (numbers exactly as written),
	 * without the whitespace around it. */
	size_t start = strspn(out, " \t\r\n"), end = len;
	while (end > start && strchr(" \t\r\n", out[end - 1]))
		end--;
	res->result_json = strndup(out + start, end - start);
	if (!res->result_json) {
		snprintf(why, size, "out of memory");
		return false;
	}
	return true;
}

static void classify(const praxis_executor *ex, const struct plugin_entry *e,
                     const praxis_result *run, praxis_exec_result *res)
{
	char why[200];
	if (run->cancelled) {
		set_status(res, PRAXIS_EXEC_CANCELLED, "cancelled");
		return;
	}
	if (run->status == PRAXIS_LIMIT && run->limit == PRAXIS_LIMIT_OUTPUT) {
		set_status(res, PRAXIS_EXEC_OUTPUT_TOO_LARGE,
		           "the plugin wrote more than %llu bytes (stdout and stderr): stopped",
		           (unsigned long long)e->pp.limits.max_output_bytes);
		return;
	}
	if (run->status == PRAXIS_LIMIT) {
		set_status(res, PRAXIS_EXEC_LIMIT, "stopped by the %s limit",
		           praxis_limit_name(run->limit));
		return;
	}
	if (run->status == PRAXIS_SIGNALED) {
		const char *name = sigabbrev_np(run->signal);
		set_status(res, PRAXIS_EXEC_CRASHED, "killed by signal %d (SIG%s)", run->signal,
		           name ? name : "?");
		return;
	}
	if (run->stdout_size > ex->max_result_bytes) {
		set_status(res, PRAXIS_EXEC_OUTPUT_TOO_LARGE, "the result is larger than %zu bytes",
		           ex->max_result_bytes);
		return;
	}
	if (e->m->kind == PRAXIS_ENTRY_SHARED_OBJECT && run->exit_code == PRAXIS_RUNNER_EXIT_LOAD) {
		first_line(run->stderr_data, why, sizeof(why));
		set_status(res, PRAXIS_EXEC_LOAD_ERROR, "%s",
		           why[0] ? why : "cannot load the plugin");
		return;
	}
	bool parsed = parse_result(run, res, why, sizeof(why));
	if (run->exit_code != 0) {
		char line[160];
		first_line(run->stderr_data, line, sizeof(line));
		set_status(res, PRAXIS_EXEC_PLUGIN_ERROR, "exited with status %d%s%s",
		           run->exit_code, line[0] ? ": " : "", line);
		return;
	}
	if (!parsed)
		set_status(res, PRAXIS_EXEC_BAD_OUTPUT, "%s", why);
	else
		set_status(res, PRAXIS_EXEC_OK, "ok");
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

static bool copy_record(praxis_audit_record *dst, const praxis_audit_record *src)
{
	*dst = *src;
	dst->plugin = dup_or_empty(src->plugin);
	dst->action = dup_or_empty(src->action);
	dst->target = dup_or_empty(src->target);
	dst->reason = dup_or_empty(src->reason);
	return dst->plugin && dst->action && dst->target && dst->reason;
}

static void free_record(praxis_audit_record *r)
{
	free((char *)r->plugin);
	free((char *)r->action);
	free((char *)r->target);
	free((char *)r->reason);
}

static void push(praxis_exec_result *res, const praxis_audit_record *rec)
{
	if (!copy_record(&res->audit[res->n_audit], rec)) {
		free_record(&res->audit[res->n_audit]);
		return; /* out of memory: the record is lost, not the run */
	}
	res->n_audit++;
}

/* The run's records, with the ceiling's cuts after its "run.start" and the
 * executor's verdict ("run.result") at the end. */
static void collect_audit(const struct plugin_entry *e, const praxis_result *run,
                          const praxis_audit_record *verdict, praxis_exec_result *res)
{
	size_t n = praxis_audit_log_count(run->audit);
	size_t cuts = e->pp.cut_what.n;
	res->audit = calloc(n + cuts + 1, sizeof(*res->audit));
	if (!res->audit)
		return;
	bool cuts_done = false;
	for (size_t i = 0; i < n; i++) {
		const praxis_audit_record *rec = praxis_audit_log_record(run->audit, i);
		push(res, rec);
		if (cuts_done || strcmp(rec->action, "run.start") != 0)
			continue;
		cuts_done = true;
		for (size_t c = 0; c < cuts; c++) {
			praxis_audit_record cut = plugin_cut_record(&e->pp, c, rec);
			push(res, &cut);
		}
	}
	push(res, verdict);
}

void exec_result_fill(const praxis_executor *ex, const struct plugin_entry *e,
                      const praxis_result *run, praxis_exec_result *res)
{
	res->run_id = run->run_id;
	res->usage = run->usage;
	res->exit_code = run->status == PRAXIS_EXITED ? run->exit_code : 0;
	res->signal = run->status == PRAXIS_EXITED ? 0 : run->signal;
	res->limit = run->limit;
	keep_stderr(ex, run, res);
	classify(ex, e, run, res);
	praxis_audit_record verdict = {
	    .timestamp = audit_now(),
	    .plugin = e->m->name,
	    .run_id = run->run_id,
	    .action = "run.result",
	    .target = praxis_exec_status_name(res->status),
	    .allowed = res->status == PRAXIS_EXEC_OK,
	    .reason = res->message,
	};
	if (factory_audits(e->factory, verdict.allowed))
		e->factory->cfg.audit_callback(&verdict, e->factory->cfg.audit_userdata);
	if (run->audit)
		collect_audit(e, run, &verdict, res);
}

void praxis_exec_result_release(praxis_exec_result *res)
{
	if (!res)
		return;
	free(res->result_json);
	free(res->stderr_data);
	for (size_t i = 0; i < res->n_audit; i++)
		free_record(&res->audit[i]);
	free(res->audit);
	res->result_json = NULL;
	res->stderr_data = NULL;
	res->audit = NULL;
	res->n_audit = 0;
	res->stderr_size = 0;
}
