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
/* Records hold plugin-chosen text (targets up to ~8 KiB): bound the bytes
 * too, or 100000 long targets would hold ~470 MiB of the host's memory. */
#define MAX_LOG_BYTES (32u << 20)

struct praxis_audit_log {
	praxis_audit_record *records;
	size_t n, cap, max;
	size_t bytes; /* strings and slots held, counted against MAX_LOG_BYTES */
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

#define LIFECYCLE_RESERVE 16

static bool is_lifecycle(const char *action);

/* Keep REC (deep copy). Past the bound only lifecycle records are kept (a
 * few slots are reserved for them: the limit hit and the run's end must
 * survive a flood), and "audit.dropped" says what was lost. */
static void log_append(praxis_audit_log *log, const praxis_audit_record *rec, bool final)
{
	bool reserved = final || is_lifecycle(rec->action);
	size_t room = log->max + (reserved ? LIFECYCLE_RESERVE : 0);
	size_t size = sizeof(*rec) + strlen(rec->plugin ? rec->plugin : "") +
	              strlen(rec->action ? rec->action : "") +
	              strlen(rec->target ? rec->target : "") +
	              strlen(rec->reason ? rec->reason : "") + 4;
	/* lifecycle records are short and few: they get a byte reserve too */
	size_t byte_room = MAX_LOG_BYTES + (reserved ? LIFECYCLE_RESERVE * 16384u : 0);
	if (log->n >= room || log->bytes + size > byte_room) {
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
	log->bytes += size;
}

double audit_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000) / 1e6;
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
	double now = audit_now();
	praxis_audit_record rec = {
	    .timestamp = now,
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
	snprintf(reason, sizeof(reason),
	         "%" PRIu64 " records did not fit the log's bound of %zu records or %u MiB",
	         sink->log->dropped, sink->log->max, MAX_LOG_BYTES >> 20);
	emit(sink, 0, "audit.dropped", "", false, reason, true);
}

static char *record_json(const praxis_audit_record *r);

/* Length of the valid UTF-8 sequence at P (0 if invalid). */
static size_t utf8_len(const unsigned char *p)
{
	size_t n = p[0] < 0x80             ? 1
	           : (p[0] & 0xe0) == 0xc0 ? 2
	           : (p[0] & 0xf0) == 0xe0 ? 3
	           : (p[0] & 0xf8) == 0xf0 ? 4
	                                   : 0;
	if (n == 2 && p[0] < 0xc2)
		return 0; /* overlong */
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* JSON strings must be UTF-8: invalid bytes (paths and names may hold
 * anything) become the text \xNN. Caller frees. */
static char *valid_utf8(const char *s)
{
	size_t len = strlen(s);
	char *out = malloc(len * 4 + 1), *o = out;
	if (!out)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_len(p);
		if (n) {
			memcpy(o, p, n);
			o += n;
			p += n;
		} else {
			o += sprintf(o, "\\x%02x", *p++);
		}
	}
	*o = '\0';
	return out;
}

char *praxis_audit_record_to_json(const praxis_audit_record *r)
{
	char *plugin = valid_utf8(r->plugin ? r->plugin : "");
	char *action = valid_utf8(r->action ? r->action : "");
	char *target = valid_utf8(r->target ? r->target : "");
	char *reason = valid_utf8(r->reason ? r->reason : "");
	char *text = NULL;
	if (plugin && action && target && reason) {
		praxis_audit_record clean = *r;
		clean.plugin = plugin;
		clean.action = action;
		clean.target = target;
		clean.reason = reason;
		text = record_json(&clean);
	}
	free(plugin);
	free(action);
	free(target);
	free(reason);
	return text;
}

static char *record_json(const praxis_audit_record *r)
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
	json_t *o =
	    json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:b, s:s}", "timestamp", stamp, "plugin",
	              r->plugin ? r->plugin : "", "run", run, "pid", r->pid, "action",
	              r->action ? r->action : "", "target", r->target ? r->target : "", "allowed",
	              r->allowed, "reason", r->reason ? r->reason : "");
	if (!o)
		return NULL;
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return text;
}
