#ifndef PRAXIS_TEST_EXEC_RIG_H
#define PRAXIS_TEST_EXEC_RIG_H
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "praxis/executor.h"

void copy_file(const char *src, const char *dst, mode_t mode);
/* $NAME, which meson sets (the test binaries' paths). */
const char *env_path(const char *name);
/* DIR/NAME/manifest.json; the entry is a copy of the test plugin (SYMBOL
 * NULL) or of the .so (SYMBOL given). CAPS and LIMITS are JSON or NULL. */
const char *make_plugin(const char *dir, const char *name, const char *symbol, const char *caps,
                        const char *limits);
/* The same with the .so named by $SO_VAR. */
const char *make_plugin_from(const char *dir, const char *name, const char *so_var,
                             const char *symbol, const char *caps, const char *limits);

struct rig {
	praxis_factory *factory;
	praxis_executor *ex;
};

/* A factory (FCFG or defaults) and an executor (ECFG or defaults) over DIR. */
void rig_open(struct rig *rig, const char *dir, praxis_factory_config *fcfg,
              const praxis_executor_config *ecfg);
void rig_close(struct rig *rig);
int exec(struct rig *rig, const char *name, const char *params, praxis_exec_result *res,
         praxis_error *err);

#define assert_status(res, st)                                                                     \
	cr_assert_eq((res)->status, (st), "status %s (%s), expected %s; stderr: %s",               \
	             praxis_exec_status_name((res)->status), (res)->message,                       \
	             praxis_exec_status_name(st), (res)->stderr_data ? (res)->stderr_data : "")

const praxis_audit_record *find_record(const praxis_exec_result *res, const char *action,
                                       const char *target_part);
double now_seconds(void);

/* An audit callback that keeps the first 256 records' action, target, run. */
struct recorder {
	pthread_mutex_t lock;
	char actions[256][48];
	char targets[256][160];
	char reasons[256][160];
	uint64_t runs[256];
	size_t n;
};
void record(const praxis_audit_record *rec, void *userdata);

#endif
