/* Audit records: a bounded in-memory log, a callback, and JSON. */
#include "audit.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_MAX_RECORDS 100000

struct praxis_audit_log {
	praxis_audit_record *records;
	size_t n, cap, max;
	uint64_t dropped;
};

praxis_audit_log *audit_log_new(size_t max_records)
{
	praxis_audit_log *log = calloc(1, sizeof(*log));
	if (log)
		log->max = max_records ? max_records : DEFAULT_MAX_RECORDS;
	return log;
}

static void record_free(praxis_audit_record *r)
{
	free((char *)r->plugin);
	free((char *)r->action);
	free((char *)r->target);
	free((char *)r->reason);
}

void audit_log_free(praxis_audit_log *log)
{
	if (!log)
		return;
	for (size_t i = 0; i < log->n; i++)
		record_free(&log->records[i]);
	free(log->records);
	free(log);
}

size_t praxis_audit_log_count(const praxis_audit_log *log)
{
	return log ? log->n : 0;
}

const praxis_audit_record *praxis_audit_log_record(const praxis_audit_log *log, size_t index)
{
	return log && index < log->n ? &log->records[index] : NULL;
}

uint64_t praxis_audit_log_dropped(const praxis_audit_log *log)
{
	return log ? log->dropped : 0;
}

void praxis_result_release(praxis_result *result)
{
	if (!result)
		return;
	audit_log_free(result->audit);
	result->audit = NULL;
	free(result->stdout_data);
	free(result->stderr_data);
	result->stdout_data = result->stderr_data = NULL;
	result->stdout_size = result->stderr_size = 0;
	for (char **e = result->env_changes; e && *e; e++)
		free(*e);
	free(result->env_changes);
	result->env_changes = NULL;
}

/* Keep REC (deep copy). One slot past the bound is kept for the
 * "audit.dropped" record, so the loss is never silent. */
static void log_append(praxis_audit_log *log, const praxis_audit_record *rec, bool final)
{
	if (log->n >= log->max + (final ? 1 : 0)) {
		log->dropped++;
		return;
	}
	if (log->n == log->cap) {
		size_t cap = log->cap ? log->cap * 2 : 64;
		praxis_audit_record *grown = realloc(log->records, cap * sizeof(*grown));
		if (!grown) {
			log->dropped++;
			return;
		}
		log->records = grown;
		log->cap = cap;
	}
	praxis_audit_record copy = *rec;
	copy.plugin = strdup(rec->plugin ? rec->plugin : "");
	copy.action = strdup(rec->action ? rec->action : "");
	copy.target = strdup(rec->target ? rec->target : "");
	copy.reason = strdup(rec->reason ? rec->reason : "");
	if (!copy.plugin || !copy.action || !copy.target || !copy.reason) {
		record_free(&copy);
		log->dropped++;
		return;
	}
	log->records[log->n++] = copy;
}

static bool is_lifecycle(const char *action)
{
	return strncmp(action, "run.", 4) == 0 || strncmp(action, "limit.", 6) == 0 ||
	       strncmp(action, "audit.", 6) == 0;
}

static void emit(struct audit_sink *sink, int pid, const char *action, const char *target,
		 bool allowed, const char *reason, bool final)
{
	if (sink->level == PRAXIS_AUDIT_OFF || sink->level == PRAXIS_AUDIT_AUTO)
		return;
	if (sink->level == PRAXIS_AUDIT_DENIED && allowed && !is_lifecycle(action))
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	praxis_audit_record rec = {
		.timestamp = (double)ts.tv_sec + (double)(ts.tv_nsec / 1000) / 1e6,
		.plugin = sink->plugin,
		.run_id = sink->run_id,
		.pid = pid,
		.action = action,
		.target = target ? target : "",
		.allowed = allowed,
		.reason = reason ? reason : "",
	};
	if (sink->callback)
		sink->callback(&rec, sink->userdata);
	if (sink->log)
		log_append(sink->log, &rec, final);
}

void audit_emit(struct audit_sink *sink, int pid, const char *action, const char *target,
		bool allowed, const char *reason)
{
	emit(sink, pid, action, target, allowed, reason, false);
}

void audit_finish(struct audit_sink *sink)
{
	if (!sink->log || sink->log->dropped == 0)
		return;
	char reason[96];
	snprintf(reason, sizeof(reason), "%" PRIu64 " records did not fit the log's bound of %zu",
		 sink->log->dropped, sink->log->max);
	emit(sink, 0, "audit.dropped", "", false, reason, true);
}

char *praxis_audit_record_to_json(const praxis_audit_record *r)
{
	time_t secs = (time_t)r->timestamp;
	long micros = (long)((r->timestamp - (double)secs) * 1e6 + 0.5);
	if (micros >= 1000000) {
		secs++;
		micros -= 1000000;
	}
	struct tm tm;
	gmtime_r(&secs, &tm);
	char stamp[96], run[20];
	snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
	snprintf(run, sizeof(run), "%016" PRIx64, r->run_id);
	json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:b, s:s}", "timestamp", stamp,
			      "plugin", r->plugin ? r->plugin : "", "run", run, "pid", r->pid,
			      "action", r->action ? r->action : "", "target",
			      r->target ? r->target : "", "allowed", r->allowed, "reason",
			      r->reason ? r->reason : "");
	if (!o)
		return NULL; /* e.g. a target that is not UTF-8: see notify.c's escaping */
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return text;
}
