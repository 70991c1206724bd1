/* Fixtures shared by the executor and zygote tests: plugin directories
 * with manifests, a factory + executor "rig", records and lookups. */
#include "exec_rig.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

void copy_file(const char *src, const char *dst, mode_t mode)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(in, 0, "open %s: %s", src, strerror(errno));
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	cr_assert_geq(out, 0, "create %s: %s", dst, strerror(errno));
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		cr_assert_eq(write(out, buf, (size_t)n), n);
	cr_assert_eq(fchmod(out, mode), 0);
	close(in);
	close(out);
}

const char *env_path(const char *name)
{
	const char *p = getenv(name);
	cr_assert(p && *p, "$%s is not set (run the tests through meson)", name);
	return p;
}

/* DIR/NAME/manifest.json; the entry is a copy of the test plugin (SYMBOL
 * NULL) or of the .so (SYMBOL given). CAPS and LIMITS are JSON or NULL. */
const char *make_plugin_from(const char *dir, const char *name, const char *so_var,
                             const char *symbol, const char *caps, const char *limits)
{
	const char *pdir = tpath("%s/%s", dir, name);
	cr_assert_eq(mkdir(pdir, 0755), 0, "mkdir %s: %s", pdir, strerror(errno));
	const char *entry;
	if (symbol) {
		copy_file(env_path(so_var), tpath("%s/plugin.so", pdir), 0644);
		entry = tpath("{\"shared_object\": \"plugin.so\", \"symbol\": \"%s\"}", symbol);
	} else {
		copy_file(env_path("EXEC_PLUGIN"), tpath("%s/plugin", pdir), 0755);
		entry = "\"plugin\"";
	}
	file_put(
	    tpath("%s/manifest.json", pdir),
	    tpath("{\"name\": \"%s\", \"version\": \"1.0\", \"entry\": %s, \"capabilities\": %s, "
	          "\"limits\": %s}",
	          name, entry, caps ? caps : "[]", limits ? limits : "{}"),
	    false);
	return tpath("%s/plugin", pdir);
}

const char *make_plugin(const char *dir, const char *name, const char *symbol, const char *caps,
                        const char *limits)
{
	return make_plugin_from(dir, name, "SO_PLUGIN", symbol, caps, limits);
}

void rig_open(struct rig *rig, const char *dir, praxis_factory_config *fcfg,
              const praxis_executor_config *ecfg_in)
{
	praxis_factory_config defaults;
	if (!fcfg) {
		praxis_factory_config_init(&defaults);
		fcfg = &defaults;
	}
	fcfg->so_runner = env_path("PRAXIS_SO_RUNNER");
	praxis_error err = {0};
	cr_assert_eq(praxis_factory_new(fcfg, &rig->factory, &err), 0, "%s", err.message);
	praxis_executor_config ecfg;
	if (ecfg_in)
		ecfg = *ecfg_in;
	else
		praxis_executor_config_init(&ecfg);
	ecfg.factory = rig->factory;
	ecfg.plugin_dirs = (const char *const[]){dir, NULL};
	cr_assert_eq(praxis_executor_new(&ecfg, &rig->ex, &err), 0, "%s", err.message);
}

void rig_close(struct rig *rig)
{
	praxis_executor_free(rig->ex);
	praxis_factory_free(rig->factory);
}

int exec(struct rig *rig, const char *name, const char *params, praxis_exec_result *res,
         praxis_error *err)
{
	memset(err, 0, sizeof(*err));
	return praxis_executor_execute(rig->ex, name, params, res, err);
}

const praxis_audit_record *find_record(const praxis_exec_result *res, const char *action,
                                       const char *target_part)
{
	for (size_t i = 0; i < res->n_audit; i++)
		if (strcmp(res->audit[i].action, action) == 0 &&
		    (!target_part || strstr(res->audit[i].target, target_part)))
			return &res->audit[i];
	return NULL;
}

double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void record(const praxis_audit_record *rec, void *userdata)
{
	struct recorder *r = userdata;
	pthread_mutex_lock(&r->lock);
	if (r->n < sizeof(r->runs) / sizeof(*r->runs)) {
		snprintf(r->actions[r->n], sizeof(r->actions[0]), "%s", rec->action);
		snprintf(r->targets[r->n], sizeof(r->targets[0]), "%s", rec->target);
		snprintf(r->reasons[r->n], sizeof(r->reasons[0]), "%s", rec->reason);
		r->runs[r->n] = rec->run_id;
		r->n++;
	}
	pthread_mutex_unlock(&r->lock);
}
