#ifndef PRAXIS_AUDIT_H
#define PRAXIS_AUDIT_H
#include <stdbool.h>
#include <stdint.h>

#include "praxis/praxis.h"

/* Where one run's records go. */
struct audit_sink {
	const char *plugin;
	uint64_t run_id;
	praxis_audit_level level; /* resolved: OFF, DENIED or ALL */
	praxis_audit_callback callback;
	void *userdata;
	praxis_audit_log *log; /* NULL unless collected */
};

praxis_audit_log *audit_log_new(size_t max_records);
void audit_log_free(praxis_audit_log *log);

/* Now, as records say it: seconds since the epoch, microsecond resolution. */
double audit_now(void);

/* Record one operation. Lifecycle records (action "run.*", "limit.*",
 * "audit.*") are kept at every level but OFF. */
void audit_emit(struct audit_sink *sink, int pid, const char *action, const char *target,
                bool allowed, const char *reason);
/* Close the log: add the "audit.dropped" record when records were dropped. */
void audit_finish(struct audit_sink *sink);

#endif
