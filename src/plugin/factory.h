#ifndef PRAXIS_FACTORY_H
#define PRAXIS_FACTORY_H
#include "ceiling.h"
#include "manifest.h"
#include "strv.h"

#ifndef PRAXIS_SO_RUNNER_PATH
#define PRAXIS_SO_RUNNER_PATH "/usr/local/libexec/praxis/praxis-so-runner"
#endif

struct praxis_factory {
	praxis_factory_config cfg; /* pointers below replace the caller's */
	praxis_ceiling *ceiling;
	struct strv env;
	char *so_runner;
};

/* What a factory grants one plugin: capabilities after the ceiling, limits
 * after the defaults and max_limits, and what was cut on the way. */
struct plugin_policy {
	praxis_caps *caps;
	praxis_limits limits;
	struct strv cut_what;
	struct strv cut_why;
};

int factory_policy(const praxis_factory *f, const praxis_manifest *m, struct plugin_policy *pp,
                   praxis_error *err);
void plugin_policy_clear(struct plugin_policy *pp);
/* The "run.capability_cut" record for cut I of PP, in the run of START (the
 * run's "run.start" record, whose plugin, run id and time it takes). */
praxis_audit_record plugin_cut_record(const struct plugin_policy *pp, size_t i,
                                      const praxis_audit_record *start);
/* Compile PP into a sandbox whose records go to CALLBACK (NULL: none). */
int factory_sandbox(const praxis_factory *f, const praxis_manifest *m,
                    const struct plugin_policy *pp, praxis_audit_callback callback, void *userdata,
                    praxis_sandbox **ret, praxis_error *err);
/* The same for the plugin's zygote: process creation allowed (each call
 * takes it away again), no limits that would span calls. */
int factory_zygote_sandbox(const praxis_factory *f, const praxis_manifest *m,
                           const struct plugin_policy *pp, praxis_audit_callback callback,
                           void *userdata, praxis_sandbox **ret, praxis_error *err);
/* The audit level the factory's sandboxes run at, given COLLECT. */
bool factory_audits(const praxis_factory *f, bool allowed);

#endif
