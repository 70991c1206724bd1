/* The sandbox factory (the seed's SandboxFactory): default limits, the audit
 * sink, and the administrator's ceiling, applied to a plugin's manifest. */
#include "factory.h"
#include "sandbox_internal.h"
#include "zygote_protocol.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "abi.h"
#include "audit.h"
#include "error.h"

void praxis_factory_config_init(praxis_factory_config *cfg)
{
	praxis_config base;
	praxis_config_init(&base);
	memset(cfg, 0, sizeof(*cfg));
	cfg->default_limits = base.limits;
	cfg->run_as_uid = -1;
	cfg->run_as_gid = -1;
}

int praxis_factory_new(const praxis_factory_config *cfg, praxis_factory **ret, praxis_error *err)
{
	if (!cfg || !ret)
		return praxis_fail(err, -EINVAL, "praxis_factory_new: missing argument");
	if (!RESERVED_IS_ZERO(cfg) || !RESERVED_IS_ZERO(&cfg->default_limits) ||
	    !RESERVED_IS_ZERO(&cfg->max_limits))
		return abi_refuse_reserved(err, "praxis_factory_config");
	*ret = NULL;
	praxis_factory *f = calloc(1, sizeof(*f));
	if (!f)
		return praxis_fail(err, -ENOMEM, "out of memory");
	f->cfg = *cfg;
	int r = ceiling_copy(cfg->ceiling, &f->ceiling);
	if (cfg->environment)
		for (const char *const *e = cfg->environment; r >= 0 && *e; e++)
			r = strv_push(&f->env, *e);
	else if (r >= 0)
		r = strv_push(&f->env, "PATH=/usr/local/bin:/usr/bin:/bin");
	if (r >= 0 &&
	    !(f->so_runner = strdup(cfg->so_runner ? cfg->so_runner : PRAXIS_SO_RUNNER_PATH)))
		r = -ENOMEM;
	if (r < 0) {
		praxis_factory_free(f);
		return praxis_fail(err, r, "out of memory");
	}
	f->cfg.ceiling = f->ceiling;
	f->cfg.environment = (const char *const *)f->env.v;
	f->cfg.so_runner = f->so_runner;
	*ret = f;
	return 0;
}

void praxis_factory_free(praxis_factory *f)
{
	if (!f)
		return;
	praxis_ceiling_free(f->ceiling);
	strv_free(&f->env);
	free(f->so_runner);
	free(f);
}

void plugin_policy_clear(struct plugin_policy *pp)
{
	praxis_caps_free(pp->caps);
	strv_free(&pp->cut_what);
	strv_free(&pp->cut_why);
	*pp = (struct plugin_policy){0};
}

static int add_cut(struct plugin_policy *pp, const char *what, const char *why)
{
	int r = strv_push(&pp->cut_what, what);
	return r < 0 ? r : strv_push(&pp->cut_why, why);
}

/* One limit: the manifest's value or the default, then bounded by MAX. */
static int limit_u64(struct plugin_policy *pp, const char *name, uint64_t asked, uint64_t dflt,
                     uint64_t max, uint64_t unit, uint64_t *out)
{
	*out = asked ? asked : dflt;
	if (!max || (*out && *out <= max))
		return 0;
	*out = max;
	if (!asked)
		return 0; /* the host's own default: bounded silently */
	char what[96], why[128];
	snprintf(what, sizeof(what), "limits.%s=%llu", name, (unsigned long long)(asked / unit));
	snprintf(why, sizeof(why), "above the administrator's ceiling of %llu: lowered to it",
	         (unsigned long long)(max / unit));
	return add_cut(pp, what, why);
}

static int limit_f(struct plugin_policy *pp, const char *name, double asked, double dflt,
                   double max, double *out)
{
	*out = asked > 0 ? asked : dflt;
	if (max <= 0 || (*out > 0 && *out <= max))
		return 0;
	*out = max;
	if (!(asked > 0))
		return 0;
	char what[96], why[128];
	snprintf(what, sizeof(what), "limits.%s=%g", name, asked);
	snprintf(why, sizeof(why), "above the administrator's ceiling of %g: lowered to it", max);
	return add_cut(pp, what, why);
}

static int resolve_limits(const praxis_factory *f, const praxis_manifest *m,
                          struct plugin_policy *pp)
{
	const praxis_limits *a = &m->limits, *d = &f->cfg.default_limits, *x = &f->cfg.max_limits;
	praxis_limits *l = &pp->limits;
	int r;
	if ((r = limit_u64(pp, "memory_mb", a->memory_bytes, d->memory_bytes, x->memory_bytes,
	                   1048576, &l->memory_bytes)) < 0 ||
	    (r = limit_f(pp, "cpu_seconds", a->cpu_seconds, d->cpu_seconds, x->cpu_seconds,
	                 &l->cpu_seconds)) < 0 ||
	    (r = limit_f(pp, "wall_seconds", a->wall_seconds, d->wall_seconds, x->wall_seconds,
	                 &l->wall_seconds)) < 0 ||
	    (r = limit_u64(pp, "max_procs", a->max_procs, d->max_procs, x->max_procs, 1,
	                   &l->max_procs)) < 0 ||
	    (r = limit_u64(pp, "max_output_bytes", a->max_output_bytes, d->max_output_bytes,
	                   x->max_output_bytes, 1, &l->max_output_bytes)) < 0 ||
	    (r = limit_u64(pp, "max_open_files", a->max_open_files, d->max_open_files,
	                   x->max_open_files, 1, &l->max_open_files)) < 0 ||
	    (r = limit_u64(pp, "max_file_bytes", a->max_file_bytes, d->max_file_bytes,
	                   x->max_file_bytes, 1, &l->max_file_bytes)) < 0)
		return r;
	return 0;
}

static int refusal(const praxis_manifest *m, const struct plugin_policy *pp, praxis_error *err)
{
	char list[400] = "";
	for (size_t i = 0; i < pp->cut_what.n; i++) {
		size_t len = strlen(list);
		snprintf(list + len, sizeof(list) - len, "%s%s (%s)", i ? "; " : "",
		         pp->cut_what.v[i], pp->cut_why.v[i]);
	}
	return praxis_fail(err, -EPERM,
	                   "plugin '%s' asks for more than the administrator's ceiling allows: %s",
	                   m->name, list);
}

praxis_audit_record plugin_cut_record(const struct plugin_policy *pp, size_t i,
                                      const praxis_audit_record *start)
{
	praxis_audit_record cut = *start;
	cut.pid = 0;
	cut.action = "run.capability_cut";
	cut.target = pp->cut_what.v[i];
	cut.allowed = false;
	cut.reason = pp->cut_why.v[i];
	return cut;
}

int factory_policy(const praxis_factory *f, const praxis_manifest *m, struct plugin_policy *pp,
                   praxis_error *err)
{
	*pp = (struct plugin_policy){0};
	struct ceiling_outcome out;
	int r = ceiling_apply(f->ceiling, m->grants, m->n_grants, &out);
	if (r < 0)
		return praxis_fail(err, r, "out of memory");
	for (size_t i = 0; r >= 0 && i < out.cut_what.n; i++)
		r = add_cut(pp, out.cut_what.v[i], out.cut_why.v[i]);
	if (r >= 0)
		r = resolve_limits(f, m, pp);
	if (r >= 0 && pp->cut_what.n && f->cfg.over_ceiling != PRAXIS_CEILING_CUT) {
		r = refusal(m, pp, err);
		goto out;
	}
	if (r >= 0)
		r = praxis_caps_new(&pp->caps);
	for (size_t i = 0; r >= 0 && i < out.n_kept; i++)
		r = praxis_caps_add(pp->caps, out.kept[i].name, out.kept[i].value, err);
	/* A shared object is read by the runner inside the sandbox: its own
	 * file is always readable, like the program of `praxis run`. */
	if (r >= 0 && m->kind == PRAXIS_ENTRY_SHARED_OBJECT)
		r = praxis_caps_add(pp->caps, PRAXIS_CAP_FS_READ, m->entry, err);
	if (r == -ENOMEM)
		praxis_fail(err, r, "out of memory");
out:
	ceiling_outcome_clear(&out);
	if (r < 0)
		plugin_policy_clear(pp);
	return r;
}

static int build_sandbox(const praxis_factory *f, const praxis_manifest *m,
                         const struct plugin_policy *pp, bool zygote,
                         praxis_audit_callback callback, void *userdata, praxis_sandbox **ret,
                         praxis_error *err)
{
	if (m->kind == PRAXIS_ENTRY_SHARED_OBJECT && access(f->so_runner, X_OK) < 0)
		return praxis_fail(
		    err, -errno,
		    "plugin '%s' is a shared object, but the runner %s cannot be used: %s", m->name,
		    f->so_runner, strerror(errno));
	praxis_config cfg;
	praxis_config_init(&cfg);
	cfg.plugin_name = m->name;
	cfg.caps = pp->caps;
	cfg.limits = pp->limits;
	cfg.flags = f->cfg.sandbox_flags;
	cfg.environment = f->cfg.environment;
	cfg.run_as_uid = f->cfg.run_as_uid;
	cfg.run_as_gid = f->cfg.run_as_gid;
	cfg.audit_level = f->cfg.audit_level;
	cfg.audit_callback = callback;
	cfg.audit_userdata = userdata;
	cfg.audit_max_records = f->cfg.audit_max_records;
	if (zygote) {
		/* The zygote lives across calls: time, CPU, memory, task and
		 * output limits are each call's, enforced by its caller. The
		 * per-process rlimits (files, file size) stay. */
		cfg.limits.cpu_seconds = 0;
		cfg.limits.wall_seconds = 0;
		cfg.limits.memory_bytes = 0;
		/* the run as a whole: its calls in flight, the zygote and a spare
		 * (also the kernel's RLIMIT_NPROC backstop where it binds) */
		cfg.limits.max_procs =
		    pp->limits.max_procs ? pp->limits.max_procs * (ZYGOTE_MAX_CALLS + 2) : 0;
		cfg.limits.max_output_bytes = 0;
	}
	return sandbox_new(&cfg, zygote, ret, err);
}

int factory_sandbox(const praxis_factory *f, const praxis_manifest *m,
                    const struct plugin_policy *pp, praxis_audit_callback callback, void *userdata,
                    praxis_sandbox **ret, praxis_error *err)
{
	return build_sandbox(f, m, pp, false, callback, userdata, ret, err);
}

int factory_zygote_sandbox(const praxis_factory *f, const praxis_manifest *m,
                           const struct plugin_policy *pp, praxis_audit_callback callback,
                           void *userdata, praxis_sandbox **ret, praxis_error *err)
{
	return build_sandbox(f, m, pp, true, callback, userdata, ret, err);
}

bool factory_audits(const praxis_factory *f, bool allowed)
{
	(void)allowed; /* the factory's own records are lifecycle records: kept at DENIED */
	return f->cfg.audit_callback && f->cfg.audit_level != PRAXIS_AUDIT_OFF;
}

int praxis_factory_create_sandbox(praxis_factory *f, const praxis_manifest *m, praxis_sandbox **ret,
                                  praxis_error *err)
{
	if (!f || !m || !ret)
		return praxis_fail(err, -EINVAL, "praxis_factory_create_sandbox: missing argument");
	*ret = NULL;
	struct plugin_policy pp;
	int r = factory_policy(f, m, &pp, err);
	if (r < 0)
		return r;
	r = factory_sandbox(f, m, &pp, f->cfg.audit_callback, f->cfg.audit_userdata, ret, err);
	if (r >= 0 && factory_audits(f, false)) {
		for (size_t i = 0; i < pp.cut_what.n; i++) {
			praxis_audit_record rec = {
			    .timestamp = audit_now(),
			    .plugin = m->name,
			    .action = "sandbox.capability_cut",
			    .target = pp.cut_what.v[i],
			    .allowed = false,
			    .reason = pp.cut_why.v[i],
			};
			f->cfg.audit_callback(&rec, f->cfg.audit_userdata);
		}
	}
	plugin_policy_clear(&pp);
	return r;
}
