/* praxis._core: the CPython binding of libpraxis.
 *
 * Thin on purpose: every object here wraps one library object, every
 * blocking library call runs with the GIL released, and no Python code is
 * ever called from a library thread. Audit records that the library hands
 * to a callback on its supervising thread are copied into a per-sandbox
 * buffer under a mutex; the Python layer drains it on its own thread.
 *
 * Linked with the internal static library (praxis_internal) rather than
 * libpraxis.so: the factory's policy step (factory_policy(): ceiling, limit
 * defaults and bounds) is internal, and the wheel then carries no shared
 * library of its own. Only PyInit__core is exported (core.map).
 *
 * State: module state holds the type objects; nothing else is global. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "factory.h"
#include "manifest.h"
#include "praxis/executor.h"
#include "praxis/praxis.h"

typedef struct {
	PyTypeObject *sandbox_type;
	PyTypeObject *run_type;
	PyTypeObject *factory_type;
	PyTypeObject *executor_type;
} core_state;

static core_state *state_of(PyObject *module)
{
	return PyModule_GetState(module);
}

/* ---- errors ------------------------------------------------------------- */

/* OSError(errno, message): CPython picks the subclass (FileNotFoundError,
 * PermissionError ...); -EINVAL becomes ValueError. */
static PyObject *raise_praxis(int code, const praxis_error *err, const char *fallback)
{
	const char *msg = err && err->message[0] ? err->message : fallback;
	if (code == -EINVAL) {
		PyErr_SetString(PyExc_ValueError, msg);
		return NULL;
	}
	PyObject *args = Py_BuildValue("(is)", code < 0 ? -code : code, msg);
	if (args) {
		PyErr_SetObject(PyExc_OSError, args);
		Py_DECREF(args);
	}
	return NULL;
}

/* ---- string vectors from Python ----------------------------------------- */

struct cstrv {
	char **v;
	size_t n;
};

static void cstrv_clear(struct cstrv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* A NULL-terminated copy of a sequence of str (NUL bytes refused). */
static int cstrv_from(PyObject *seq, const char *what, struct cstrv *out)
{
	*out = (struct cstrv){0};
	PyObject *fast = PySequence_Fast(seq, what);
	if (!fast)
		return -1;
	Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
	out->v = calloc((size_t)n + 1, sizeof(char *));
	if (!out->v) {
		Py_DECREF(fast);
		PyErr_NoMemory();
		return -1;
	}
	for (Py_ssize_t i = 0; i < n; i++) {
		PyObject *item = PySequence_Fast_GET_ITEM(fast, i);
		Py_ssize_t len;
		const char *s = PyUnicode_Check(item) ? PyUnicode_AsUTF8AndSize(item, &len) : NULL;
		if (!s) {
			if (!PyErr_Occurred())
				PyErr_Format(PyExc_TypeError, "%s: item %zd is %.100s, not str",
				             what, i, Py_TYPE(item)->tp_name);
			goto fail;
		}
		if (strlen(s) != (size_t)len) {
			PyErr_Format(PyExc_ValueError, "%s: item %zd contains a NUL byte", what, i);
			goto fail;
		}
		if (!(out->v[i] = strdup(s))) {
			PyErr_NoMemory();
			goto fail;
		}
		out->n = (size_t)i + 1;
	}
	Py_DECREF(fast);
	return 0;
fail:
	Py_DECREF(fast);
	cstrv_clear(out);
	return -1;
}

/* ---- limits --------------------------------------------------------------- */

/* Apply the keys of DICT (None: nothing) to L. Unknown keys and negative or
 * non-numeric values are errors naming the key. */
static int limits_from(PyObject *dict, praxis_limits *l)
{
	if (!dict || dict == Py_None)
		return 0;
	if (!PyDict_Check(dict)) {
		PyErr_SetString(PyExc_TypeError, "limits must be a dict");
		return -1;
	}
	PyObject *key, *value;
	Py_ssize_t pos = 0;
	while (PyDict_Next(dict, &pos, &key, &value)) {
		const char *k = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : NULL;
		if (!k) {
			if (!PyErr_Occurred())
				PyErr_SetString(PyExc_TypeError, "limit names must be str");
			return -1;
		}
		double d = PyFloat_AsDouble(value);
		if (d == -1.0 && PyErr_Occurred()) {
			PyErr_Format(PyExc_TypeError, "limit %s must be a number, not %.100s", k,
			             Py_TYPE(value)->tp_name);
			return -1;
		}
		if (!(d >= 0) || d > 1.8e19) {
			PyErr_Format(PyExc_ValueError,
			             "limit %s must be >= 0 (0 = unlimited), not %R", k, value);
			return -1;
		}
		uint64_t u = (uint64_t)d;
		if (!strcmp(k, "memory_bytes"))
			l->memory_bytes = u;
		else if (!strcmp(k, "cpu_seconds"))
			l->cpu_seconds = d;
		else if (!strcmp(k, "wall_seconds"))
			l->wall_seconds = d;
		else if (!strcmp(k, "max_procs"))
			l->max_procs = u;
		else if (!strcmp(k, "max_output_bytes"))
			l->max_output_bytes = u;
		else if (!strcmp(k, "max_open_files"))
			l->max_open_files = u;
		else if (!strcmp(k, "max_file_bytes"))
			l->max_file_bytes = u;
		else {
			PyErr_Format(PyExc_ValueError,
			             "unknown limit '%s' (valid: memory_bytes, cpu_seconds, "
			             "wall_seconds, max_procs, max_output_bytes, max_open_files, "
			             "max_file_bytes)",
			             k);
			return -1;
		}
	}
	return 0;
}

static PyObject *limits_to_dict(const praxis_limits *l)
{
	return Py_BuildValue("{s:K,s:d,s:d,s:K,s:K,s:K,s:K}", "memory_bytes",
	                     (unsigned long long)l->memory_bytes, "cpu_seconds", l->cpu_seconds,
	                     "wall_seconds", l->wall_seconds, "max_procs",
	                     (unsigned long long)l->max_procs, "max_output_bytes",
	                     (unsigned long long)l->max_output_bytes, "max_open_files",
	                     (unsigned long long)l->max_open_files, "max_file_bytes",
	                     (unsigned long long)l->max_file_bytes);
}

static PyObject *usage_to_dict(const praxis_usage *u)
{
	return Py_BuildValue(
	    "{s:d,s:d,s:d,s:K,s:K,s:K}", "wall_seconds", u->wall_seconds, "user_cpu_seconds",
	    u->user_cpu_seconds, "system_cpu_seconds", u->system_cpu_seconds, "peak_memory_bytes",
	    (unsigned long long)u->peak_memory_bytes, "peak_tasks",
	    (unsigned long long)u->peak_tasks, "output_bytes", (unsigned long long)u->output_bytes);
}

/* ---- grants ------------------------------------------------------------- */

/* GRANTS: a sequence of (name, value-or-None). */
static int grants_from(PyObject *grants, struct cstrv *names, struct cstrv *values)
{
	*names = (struct cstrv){0};
	*values = (struct cstrv){0};
	if (!grants || grants == Py_None)
		return 0;
	PyObject *fast = PySequence_Fast(grants, "grants must be a sequence of (name, value)");
	if (!fast)
		return -1;
	Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
	names->v = calloc((size_t)n + 1, sizeof(char *));
	values->v = calloc((size_t)n + 1, sizeof(char *));
	if (!names->v || !values->v) {
		PyErr_NoMemory();
		goto fail;
	}
	names->n = values->n = (size_t)n;
	for (Py_ssize_t i = 0; i < n; i++) {
		PyObject *item = PySequence_Fast_GET_ITEM(fast, i);
		const char *name, *value = NULL;
		PyObject *vobj;
		if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
			PyErr_SetString(PyExc_TypeError, "a grant is a (name, value) tuple");
			goto fail;
		}
		if (!(name = PyUnicode_Check(PyTuple_GET_ITEM(item, 0))
		                 ? PyUnicode_AsUTF8(PyTuple_GET_ITEM(item, 0))
		                 : NULL)) {
			if (!PyErr_Occurred())
				PyErr_SetString(PyExc_TypeError, "a capability name must be str");
			goto fail;
		}
		vobj = PyTuple_GET_ITEM(item, 1);
		if (vobj != Py_None &&
		    !(value = PyUnicode_Check(vobj) ? PyUnicode_AsUTF8(vobj) : NULL)) {
			if (!PyErr_Occurred())
				PyErr_Format(PyExc_TypeError, "the value of %s must be str or None",
				             name);
			goto fail;
		}
		if (!(names->v[i] = strdup(name)) || (value && !(values->v[i] = strdup(value)))) {
			PyErr_NoMemory();
			goto fail;
		}
	}
	Py_DECREF(fast);
	return 0;
fail:
	Py_DECREF(fast);
	cstrv_clear(names);
	cstrv_clear(values);
	return -1;
}

/* ---- the record buffer ---------------------------------------------------- */

struct rec {
	double timestamp;
	uint64_t run_id;
	int pid;
	bool allowed;
	char *plugin, *action, *target, *reason;
};

/* Filled by the library's supervising threads, drained by Python. */
struct recbuf {
	pthread_mutex_t lock;
	struct rec *v;
	size_t n, cap, max;
	uint64_t dropped;
};

static void rec_clear(struct rec *r)
{
	free(r->plugin);
	free(r->action);
	free(r->target);
	free(r->reason);
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

/* The library's audit callback: copies, never calls Python. */
static void on_record(const praxis_audit_record *r, void *userdata)
{
	struct recbuf *b = userdata;
	struct rec c = {.timestamp = r->timestamp,
	                .run_id = r->run_id,
	                .pid = r->pid,
	                .allowed = r->allowed,
	                .plugin = dup_or_empty(r->plugin),
	                .action = dup_or_empty(r->action),
	                .target = dup_or_empty(r->target),
	                .reason = dup_or_empty(r->reason)};
	bool ok = c.plugin && c.action && c.target && c.reason;
	pthread_mutex_lock(&b->lock);
	if (ok && b->n < b->max && b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct rec *v = realloc(b->v, cap * sizeof(*v));
		if (v) {
			b->v = v;
			b->cap = cap;
		}
	}
	if (ok && b->n < b->cap && b->n < b->max) {
		b->v[b->n++] = c;
		ok = false; /* taken */
		c = (struct rec){0};
	} else {
		b->dropped++;
	}
	pthread_mutex_unlock(&b->lock);
	rec_clear(&c);
}

static PyObject *record_tuple(double ts, const char *plugin, uint64_t run_id, int pid,
                              const char *action, const char *target, bool allowed,
                              const char *reason)
{
	return Py_BuildValue("(dsKissNs)", ts, plugin ? plugin : "", (unsigned long long)run_id,
	                     pid, action ? action : "", target ? target : "",
	                     PyBool_FromLong(allowed), reason ? reason : "");
}

/* ---- Sandbox -------------------------------------------------------------- */

typedef struct {
	PyObject_HEAD praxis_sandbox *sb;
	struct recbuf *records;
	PyObject *cuts; /* list of (what, why) from a factory's ceiling */
	PyObject *limits;
} SandboxObject;

/* The factory's policy for a sandbox made in Python: the grants and limits
 * go through the same step as a manifest's (ceiling, defaults, bounds). */
static int factory_apply(praxis_factory *f, const char *name, const char *entry,
                         const struct cstrv *names, const struct cstrv *values,
                         const praxis_limits *asked, struct plugin_policy *pp, praxis_error *err)
{
	struct praxis_manifest m = {0};
	struct grant_req *req = calloc(names->n + 1, sizeof(*req));
	char loc[64];
	int r = 0;
	if (!req)
		return praxis_fail(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < names->n && r >= 0; i++) {
		snprintf(loc, sizeof(loc), "$.capabilities[%zu]", i);
		req[i].name = names->v[i];
		req[i].value = values->v[i];
		if (!(req[i].location = strdup(loc)))
			r = praxis_fail(err, -ENOMEM, "out of memory");
	}
	if (r >= 0) {
		m.name = (char *)name;
		m.version = (char *)"0";
		m.description = (char *)"";
		m.kind = PRAXIS_ENTRY_EXECUTABLE;
		m.entry = (char *)entry;
		m.dir = (char *)"/";
		m.grants = req;
		m.n_grants = names->n;
		m.limits = *asked;
		r = factory_policy(f, &m, pp, err);
	}
	for (size_t i = 0; i < names->n; i++)
		free(req[i].location);
	free(req);
	return r;
}

typedef struct {
	PyObject_HEAD praxis_factory *f;
	praxis_ceiling *ceiling;
	struct cstrv env;
	char *so_runner;
} FactoryObject;

static void sandbox_dealloc(SandboxObject *self)
{
	PyTypeObject *tp = Py_TYPE(self);
	PyObject_GC_UnTrack(self);
	praxis_sandbox_free(self->sb);
	if (self->records) {
		for (size_t i = 0; i < self->records->n; i++)
			rec_clear(&self->records->v[i]);
		free(self->records->v);
		pthread_mutex_destroy(&self->records->lock);
		free(self->records);
	}
	Py_CLEAR(self->cuts);
	Py_CLEAR(self->limits);
	tp->tp_free(self);
	Py_DECREF(tp);
}

static int sandbox_traverse(SandboxObject *self, visitproc visit, void *arg)
{
	Py_VISIT(Py_TYPE(self));
	Py_VISIT(self->cuts);
	Py_VISIT(self->limits);
	return 0;
}

static PyObject *sandbox_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
	static char *kwlist[] = {"plugin_name", "grants",      "limits",     "flags",
	                         "environment", "run_as_uid",  "run_as_gid", "audit_level",
	                         "factory",     "max_records", "entry",      "extra_grants",
	                         NULL};
	const char *plugin_name, *entry = NULL;
	PyObject *grants = Py_None, *limits = Py_None, *environment = Py_None, *factory = Py_None,
	         *extra = Py_None;
	unsigned int flags = 0;
	long long uid = -1, gid = -1;
	int audit_level = PRAXIS_AUDIT_AUTO;
	Py_ssize_t max_records = 0;
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "s|OO$IOLLiOnzO", kwlist, &plugin_name,
	                                 &grants, &limits, &flags, &environment, &uid, &gid,
	                                 &audit_level, &factory, &max_records, &entry, &extra))
		return NULL;
	if (audit_level < PRAXIS_AUDIT_AUTO || audit_level > PRAXIS_AUDIT_ALL)
		return PyErr_Format(PyExc_ValueError, "bad audit level %d", audit_level);
	PyObject *module = PyType_GetModule(type);
	if (!module)
		return NULL;
	core_state *st = state_of(module);

	struct cstrv names, values, env = {0}, xnames = {0}, xvalues = {0};
	praxis_limits lim;
	praxis_config cfg;
	praxis_config_init(&cfg);
	lim = cfg.limits;
	praxis_limits asked = {0};
	if (limits_from(limits, &asked) < 0)
		return NULL;
	if (limits && limits != Py_None && limits_from(limits, &lim) < 0)
		return NULL;
	if (grants_from(grants, &names, &values) < 0)
		return NULL;
	if ((environment != Py_None && cstrv_from(environment, "environment", &env) < 0) ||
	    grants_from(extra, &xnames, &xvalues) < 0) {
		cstrv_clear(&names);
		cstrv_clear(&values);
		cstrv_clear(&env);
		return NULL;
	}

	SandboxObject *self = (SandboxObject *)type->tp_alloc(type, 0);
	praxis_caps *caps = NULL;
	struct plugin_policy pp = {0};
	praxis_error err = {0};
	int r = 0;
	if (!self)
		goto out;
	if (!(self->cuts = PyList_New(0)))
		goto fail;
	self->records = calloc(1, sizeof(*self->records));
	if (!self->records) {
		PyErr_NoMemory();
		goto fail;
	}
	pthread_mutex_init(&self->records->lock, NULL);
	self->records->max = max_records > 0 ? (size_t)max_records : 100000;

	cfg.plugin_name = plugin_name;
	cfg.flags = flags;
	cfg.environment = env.v ? (const char *const *)env.v : NULL;
	cfg.run_as_uid = uid;
	cfg.run_as_gid = gid;
	cfg.audit_level = (praxis_audit_level)audit_level;
	cfg.audit_callback = on_record;
	cfg.audit_userdata = self->records;
	cfg.audit_max_records = (size_t)max_records;

	if (factory != Py_None) {
		FactoryObject *fo = (FactoryObject *)factory;
		if (!PyObject_TypeCheck(factory, st->factory_type) || !fo->f) {
			PyErr_SetString(PyExc_TypeError, "factory must be a _core.Factory");
			goto fail;
		}
		if (!entry) {
			PyErr_SetString(PyExc_TypeError,
			                "a factory sandbox needs its entry program");
			goto fail;
		}
		Py_BEGIN_ALLOW_THREADS r =
		    factory_apply(fo->f, plugin_name, entry, &names, &values, &asked, &pp, &err);
		Py_END_ALLOW_THREADS if (r < 0)
		{
			raise_praxis(r == -EPERM ? -EPERM : r, &err, "factory refused the sandbox");
			goto fail;
		}
		for (size_t i = 0; i < pp.cut_what.n; i++) {
			PyObject *t = Py_BuildValue("(ss)", pp.cut_what.v[i], pp.cut_why.v[i]);
			if (!t || PyList_Append(self->cuts, t) < 0) {
				Py_XDECREF(t);
				goto fail;
			}
			Py_DECREF(t);
		}
		const praxis_factory_config *fc = &fo->f->cfg;
		cfg.caps = pp.caps;
		cfg.limits = pp.limits;
		cfg.flags |= fc->sandbox_flags;
		if (!env.v)
			cfg.environment = fc->environment;
		if (uid == -1) {
			cfg.run_as_uid = fc->run_as_uid;
			cfg.run_as_gid = fc->run_as_gid;
		}
	} else {
		if ((r = praxis_caps_new(&caps)) < 0) {
			PyErr_NoMemory();
			goto fail;
		}
		for (size_t i = 0; i < names.n; i++)
			if ((r = praxis_caps_add(caps, names.v[i], values.v[i], &err)) < 0) {
				raise_praxis(-EINVAL, &err, "bad capability");
				goto fail;
			}
		cfg.caps = caps;
		cfg.limits = lim;
	}
	/* What the interpreter needs, outside any ceiling (like a plugin's own
	 * entry file). */
	for (size_t i = 0; i < xnames.n; i++)
		if ((r = praxis_caps_add((praxis_caps *)cfg.caps, xnames.v[i], xvalues.v[i],
		                         &err)) < 0) {
			raise_praxis(-EINVAL, &err, "bad capability");
			goto fail;
		}
	if (!(self->limits = limits_to_dict(&cfg.limits)))
		goto fail;
	Py_BEGIN_ALLOW_THREADS r = praxis_sandbox_new(&cfg, &self->sb, &err);
	Py_END_ALLOW_THREADS if (r < 0)
	{
		raise_praxis(r == -EINVAL ? -EINVAL : r, &err, "cannot create the sandbox");
		goto fail;
	}
	goto out;
fail:
	Py_CLEAR(self);
out:
	plugin_policy_clear(&pp);
	praxis_caps_free(caps);
	cstrv_clear(&names);
	cstrv_clear(&values);
	cstrv_clear(&xnames);
	cstrv_clear(&xvalues);
	cstrv_clear(&env);
	return (PyObject *)self;
}

static PyObject *sandbox_take_records(SandboxObject *self, PyObject *unused)
{
	(void)unused;
	struct recbuf *b = self->records;
	pthread_mutex_lock(&b->lock);
	struct rec *v = b->v;
	size_t n = b->n;
	uint64_t dropped = b->dropped;
	b->v = NULL;
	b->n = b->cap = 0;
	b->dropped = 0;
	pthread_mutex_unlock(&b->lock);
	PyObject *list = PyList_New(0);
	for (size_t i = 0; i < n; i++) {
		PyObject *t =
		    list ? record_tuple(v[i].timestamp, v[i].plugin, v[i].run_id, v[i].pid,
		                        v[i].action, v[i].target, v[i].allowed, v[i].reason)
		         : NULL;
		if (list && (!t || PyList_Append(list, t) < 0))
			Py_CLEAR(list);
		Py_XDECREF(t);
		rec_clear(&v[i]);
	}
	free(v);
	if (!list)
		return NULL;
	PyObject *ret = Py_BuildValue("(NK)", list, (unsigned long long)dropped);
	return ret;
}

static PyObject *sandbox_describe(SandboxObject *self, PyObject *unused)
{
	(void)unused;
	char *s = praxis_sandbox_describe(self->sb);
	if (!s)
		return PyErr_NoMemory();
	PyObject *o = PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "replace");
	free(s);
	return o;
}

static PyObject *strv_to_tuple(const char *const *v)
{
	Py_ssize_t n = 0;
	while (v && v[n])
		n++;
	PyObject *t = PyTuple_New(n);
	for (Py_ssize_t i = 0; t && i < n; i++) {
		PyObject *s = PyUnicode_DecodeUTF8(v[i], (Py_ssize_t)strlen(v[i]), "replace");
		if (!s) {
			Py_CLEAR(t);
			break;
		}
		PyTuple_SET_ITEM(t, i, s);
	}
	return t;
}

static PyObject *sandbox_degradations(SandboxObject *self, PyObject *unused)
{
	(void)unused;
	return strv_to_tuple(praxis_sandbox_degradations(self->sb));
}

static PyObject *sandbox_environment(SandboxObject *self, PyObject *unused)
{
	(void)unused;
	return strv_to_tuple(praxis_sandbox_environment(self->sb));
}

static PyObject *result_to_dict(const praxis_result *res)
{
	PyObject *usage = usage_to_dict(&res->usage);
	PyObject *out = res->stdout_data ? PyBytes_FromStringAndSize(res->stdout_data,
	                                                             (Py_ssize_t)res->stdout_size)
	                                 : (Py_INCREF(Py_None), Py_None);
	PyObject *errb = res->stderr_data ? PyBytes_FromStringAndSize(res->stderr_data,
	                                                              (Py_ssize_t)res->stderr_size)
	                                  : (Py_INCREF(Py_None), Py_None);
	if (!usage || !out || !errb) {
		Py_XDECREF(usage);
		Py_XDECREF(out);
		Py_XDECREF(errb);
		return NULL;
	}
	return Py_BuildValue("{s:s,s:i,s:i,s:z,s:N,s:K,s:N,s:N,s:N,s:N,s:N}", "status",
	                     praxis_status_name(res->status), "exit_code", res->exit_code, "signal",
	                     res->signal, "limit",
	                     res->limit == PRAXIS_LIMIT_NONE ? NULL : praxis_limit_name(res->limit),
	                     "usage", usage, "run_id", (unsigned long long)res->run_id, "cancelled",
	                     PyBool_FromLong(res->cancelled), "stdout", out, "stderr", errb,
	                     "stdout_truncated", PyBool_FromLong(res->stdout_truncated),
	                     "stderr_truncated", PyBool_FromLong(res->stderr_truncated));
}

static int parse_run_opts(PyObject *argv_obj, PyObject *stdio_obj, const char *cwd,
                          struct cstrv *argv, praxis_run_opts *opts)
{
	praxis_run_opts_init(opts);
	if (cstrv_from(argv_obj, "argv", argv) < 0)
		return -1;
	if (!argv->n) {
		cstrv_clear(argv);
		PyErr_SetString(PyExc_ValueError, "argv is empty: name the program to run");
		return -1;
	}
	if (stdio_obj && stdio_obj != Py_None &&
	    !PyArg_ParseTuple(stdio_obj, "iii;stdio must be three fds (-1: /dev/null)",
	                      &opts->stdio[0], &opts->stdio[1], &opts->stdio[2])) {
		cstrv_clear(argv);
		return -1;
	}
	opts->argv = (const char *const *)argv->v;
	opts->cwd = cwd;
	return 0;
}

typedef struct {
	PyObject_HEAD praxis_async *a;
	PyObject *owner; /* the sandbox or executor it runs under */
	bool busy;       /* a thread is in a blocking call on it */
	bool collected;
	bool exec; /* an executor run */
} RunObject;

/* sandbox.start(argv, stdio, cwd=None) -> Run */
static PyObject *sandbox_start(SandboxObject *self, PyObject *args, PyObject *kwds)
{
	static char *kwlist[] = {"argv", "stdio", "cwd", NULL};
	PyObject *argv_obj, *stdio_obj = Py_None;
	const char *cwd = NULL;
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|Oz", kwlist, &argv_obj, &stdio_obj, &cwd))
		return NULL;
	PyObject *module = PyType_GetModule(Py_TYPE(self));
	if (!module)
		return NULL;
	core_state *st = state_of(module);
	struct cstrv argv;
	praxis_run_opts opts;
	if (parse_run_opts(argv_obj, stdio_obj, cwd, &argv, &opts) < 0)
		return NULL;
	RunObject *run = (RunObject *)st->run_type->tp_alloc(st->run_type, 0);
	if (!run) {
		cstrv_clear(&argv);
		return NULL;
	}
	praxis_error err = {0};
	int r = praxis_sandbox_start(self->sb, &opts, &run->a, &err); /* copies argv, cwd */
	cstrv_clear(&argv);
	if (r < 0) {
		Py_DECREF(run);
		return raise_praxis(r == -EINVAL ? -EINVAL : r, &err, "cannot start the run");
	}
	Py_INCREF(self);
	run->owner = (PyObject *)self;
	return (PyObject *)run;
}

/* sandbox.run(argv, stdin=-1, cwd=None, capture=True) -> dict: a whole run,
 * GIL released. */
static PyObject *sandbox_run(SandboxObject *self, PyObject *args, PyObject *kwds)
{
	static char *kwlist[] = {"argv", "stdin", "cwd", "capture", NULL};
	PyObject *argv_obj;
	int stdin_fd = -1, capture = 1;
	const char *cwd = NULL;
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|izp", kwlist, &argv_obj, &stdin_fd, &cwd,
	                                 &capture))
		return NULL;
	struct cstrv argv;
	praxis_run_opts opts;
	if (parse_run_opts(argv_obj, Py_None, cwd, &argv, &opts) < 0)
		return NULL;
	opts.stdio[0] = stdin_fd;
	opts.output = capture ? PRAXIS_OUTPUT_CAPTURE : PRAXIS_OUTPUT_DIRECT;
	praxis_result res;
	praxis_error err = {0};
	int r;
	Py_BEGIN_ALLOW_THREADS r = praxis_sandbox_run(self->sb, &opts, &res, &err);
	Py_END_ALLOW_THREADS cstrv_clear(&argv);
	if (r < 0)
		return raise_praxis(r == -EINVAL ? -EINVAL : r, &err, "cannot run the program");
	PyObject *d = result_to_dict(&res);
	praxis_result_release(&res);
	return d;
}

static PyObject *sandbox_get_cuts(SandboxObject *self, void *closure)
{
	(void)closure;
	return PyList_AsTuple(self->cuts);
}

static PyObject *sandbox_get_limits(SandboxObject *self, void *closure)
{
	(void)closure;
	return PyDict_Copy(self->limits);
}

static PyMethodDef sandbox_methods[] = {
    {"take_records", (PyCFunction)sandbox_take_records, METH_NOARGS,
     "take_records() -> (records, dropped): the audit records so far, oldest first"},
    {"describe", (PyCFunction)sandbox_describe, METH_NOARGS, "the compiled policy, as text"},
    {"degradations", (PyCFunction)sandbox_degradations, METH_NOARGS,
     "what this kernel cannot enforce of the policy (only with PRAXIS_ALLOW_DEGRADED)"},
    {"environment", (PyCFunction)sandbox_environment, METH_NOARGS,
     "the plugin's environment after filtering"},
    {"start", (PyCFunction)(void (*)(void))sandbox_start, METH_VARARGS | METH_KEYWORDS,
     "start(argv, stdio=None, cwd=None) -> Run: an asynchronous run"},
    {"run", (PyCFunction)(void (*)(void))sandbox_run, METH_VARARGS | METH_KEYWORDS,
     "run(argv, stdin=-1, cwd=None, capture=True) -> dict: a run to its end"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef sandbox_getset[] = {
    {"cuts", (getter)sandbox_get_cuts, NULL, "(what, why) of each cut by a factory's ceiling",
     NULL},
    {"limits", (getter)sandbox_get_limits, NULL, "the limits the sandbox enforces", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot sandbox_slots[] = {
    {Py_tp_new, sandbox_new},
    {Py_tp_dealloc, sandbox_dealloc},
    {Py_tp_traverse, sandbox_traverse},
    {Py_tp_methods, sandbox_methods},
    {Py_tp_getset, sandbox_getset},
    {Py_tp_doc, "Sandbox(plugin_name, grants=None, limits=None, *, ...): a compiled sandbox"},
    {0, NULL},
};

static PyType_Spec sandbox_spec = {
    .name = "praxis._core.Sandbox",
    .basicsize = sizeof(SandboxObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = sandbox_slots,
};

/* ---- Run (an asynchronous run or executor call) ------------------------------- */

static void run_dealloc(RunObject *self)
{
	PyTypeObject *tp = Py_TYPE(self);
	PyObject_GC_UnTrack(self);
	if (self->a) {
		praxis_async *a = self->a;
		self->a = NULL;
		Py_BEGIN_ALLOW_THREADS praxis_async_free(a); /* kills and reaps what is left */
		Py_END_ALLOW_THREADS
	}
	Py_CLEAR(self->owner);
	tp->tp_free(self);
	Py_DECREF(tp);
}

static int run_traverse(RunObject *self, visitproc visit, void *arg)
{
	Py_VISIT(Py_TYPE(self));
	Py_VISIT(self->owner);
	return 0;
}

static int run_usable(RunObject *self)
{
	if (!self->a) {
		PyErr_SetString(PyExc_ValueError, "the run is closed");
		return -1;
	}
	if (self->busy) {
		PyErr_SetString(PyExc_RuntimeError, "another thread is waiting on this run");
		return -1;
	}
	return 0;
}

static PyObject *run_get_fd(RunObject *self, void *closure)
{
	(void)closure;
	if (!self->a)
		return PyErr_Format(PyExc_ValueError, "the run is closed");
	return PyLong_FromLong(praxis_async_fd(self->a));
}

static PyObject *run_done(RunObject *self, PyObject *unused)
{
	(void)unused;
	if (!self->a)
		return PyErr_Format(PyExc_ValueError, "the run is closed");
	return PyBool_FromLong(praxis_async_done(self->a));
}

static PyObject *run_wait(RunObject *self, PyObject *args)
{
	double timeout = -1;
	if (!PyArg_ParseTuple(args, "|d", &timeout) || run_usable(self) < 0)
		return NULL;
	int ms = timeout < 0 ? -1 : timeout > 2e6 ? 2000000000 : (int)(timeout * 1000);
	int r;
	self->busy = true;
	Py_BEGIN_ALLOW_THREADS r = praxis_async_wait(self->a, ms);
	Py_END_ALLOW_THREADS self->busy = false;
	return PyBool_FromLong(r == 0);
}

static PyObject *run_cancel(RunObject *self, PyObject *unused)
{
	(void)unused;
	if (run_usable(self) < 0)
		return NULL;
	int r;
	self->busy = true;
	Py_BEGIN_ALLOW_THREADS r = praxis_async_cancel(self->a);
	Py_END_ALLOW_THREADS self->busy = false;
	return PyBool_FromLong(r == 0);
}

static PyObject *exec_result_to_dict(const praxis_exec_result *res);

static PyObject *run_collect(RunObject *self, PyObject *unused)
{
	(void)unused;
	if (run_usable(self) < 0)
		return NULL;
	if (self->collected)
		return PyErr_Format(PyExc_ValueError, "the run was already collected");
	praxis_error err = {0};
	int r;
	self->busy = true;
	PyObject *d = NULL;
	if (self->exec) {
		praxis_exec_result res;
		Py_BEGIN_ALLOW_THREADS r = praxis_async_collect_exec(self->a, &res, &err);
		Py_END_ALLOW_THREADS self->busy = false;
		self->collected = true;
		if (r < 0)
			return raise_praxis(r, &err, "the plugin could not be run");
		d = exec_result_to_dict(&res);
		praxis_exec_result_release(&res);
	} else {
		praxis_result res;
		Py_BEGIN_ALLOW_THREADS r = praxis_async_collect_run(self->a, &res, &err);
		Py_END_ALLOW_THREADS self->busy = false;
		self->collected = true;
		if (r < 0)
			return raise_praxis(r == -EINVAL ? -EINVAL : r, &err,
			                    "the run could not be set up");
		d = result_to_dict(&res);
		praxis_result_release(&res);
	}
	return d;
}

static PyObject *run_close(RunObject *self, PyObject *unused)
{
	(void)unused;
	if (self->busy)
		return PyErr_Format(PyExc_RuntimeError, "another thread is waiting on this run");
	if (self->a) {
		praxis_async *a = self->a;
		self->a = NULL;
		Py_BEGIN_ALLOW_THREADS praxis_async_free(a);
		Py_END_ALLOW_THREADS
	}
	Py_RETURN_NONE;
}

static PyMethodDef run_methods[] = {
    {"done", (PyCFunction)run_done, METH_NOARGS, "whether the run has ended and is reaped"},
    {"wait", (PyCFunction)run_wait, METH_VARARGS,
     "wait(timeout=-1) -> bool: wait for the end (seconds; negative: forever)"},
    {"cancel", (PyCFunction)run_cancel, METH_NOARGS,
     "kill every process of the run and wait until they are reaped; False if it had ended"},
    {"collect", (PyCFunction)run_collect, METH_NOARGS, "wait for the end and take the result"},
    {"close", (PyCFunction)run_close, METH_NOARGS,
     "cancel if running, wait, free the handle (idempotent)"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef run_getset[] = {
    {"fd", (getter)run_get_fd, NULL, "readable once the run has ended (do not read or close)",
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot run_slots[] = {
    {Py_tp_dealloc, run_dealloc},
    {Py_tp_traverse, run_traverse},
    {Py_tp_methods, run_methods},
    {Py_tp_getset, run_getset},
    {Py_tp_doc, "an asynchronous run (Sandbox.start / Executor.start)"},
    {0, NULL},
};

static PyType_Spec run_spec = {
    .name = "praxis._core.Run",
    .basicsize = sizeof(RunObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE |
             Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = run_slots,
};

/* ---- Factory ---------------------------------------------------------------- */

static void factory_dealloc(FactoryObject *self)
{
	PyTypeObject *tp = Py_TYPE(self);
	praxis_factory_free(self->f);
	praxis_ceiling_free(self->ceiling);
	cstrv_clear(&self->env);
	free(self->so_runner);
	tp->tp_free(self);
	Py_DECREF(tp);
}

static int ceiling_rules(praxis_ceiling *c, PyObject *rules, bool allow)
{
	struct cstrv names, values;
	if (grants_from(rules, &names, &values) < 0)
		return -1;
	int r = 0;
	praxis_error err = {0};
	for (size_t i = 0; i < names.n && r >= 0; i++)
		r = allow ? praxis_ceiling_allow(c, names.v[i], values.v[i], &err)
		          : praxis_ceiling_deny(c, names.v[i], values.v[i], &err);
	cstrv_clear(&names);
	cstrv_clear(&values);
	if (r < 0) {
		raise_praxis(r, &err, "bad ceiling rule");
		return -1;
	}
	return 0;
}

static PyObject *factory_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
	static char *kwlist[] = {
	    "default_limits", "max_limits", "allow",      "deny",      "cut", "flags",
	    "environment",    "run_as_uid", "run_as_gid", "so_runner", NULL};
	PyObject *defaults = Py_None, *maxl = Py_None, *allow = Py_None, *deny = Py_None,
	         *environment = Py_None;
	int cut = 0;
	unsigned int flags = 0;
	long long uid = -1, gid = -1;
	const char *so_runner = NULL;
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "|$OOOOpIOLLz", kwlist, &defaults, &maxl,
	                                 &allow, &deny, &cut, &flags, &environment, &uid, &gid,
	                                 &so_runner))
		return NULL;
	FactoryObject *self = (FactoryObject *)type->tp_alloc(type, 0);
	if (!self)
		return NULL;
	praxis_factory_config cfg;
	praxis_factory_config_init(&cfg);
	praxis_error err = {0};
	int r;
	if (limits_from(defaults, &cfg.default_limits) < 0 ||
	    limits_from(maxl, &cfg.max_limits) < 0)
		goto fail;
	if ((allow != Py_None || deny != Py_None)) {
		if (praxis_ceiling_new(&self->ceiling) < 0) {
			PyErr_NoMemory();
			goto fail;
		}
		if (ceiling_rules(self->ceiling, allow, true) < 0 ||
		    ceiling_rules(self->ceiling, deny, false) < 0)
			goto fail;
	}
	if (environment != Py_None && cstrv_from(environment, "environment", &self->env) < 0)
		goto fail;
	if (so_runner && !(self->so_runner = strdup(so_runner))) {
		PyErr_NoMemory();
		goto fail;
	}
	cfg.ceiling = self->ceiling;
	cfg.over_ceiling = cut ? PRAXIS_CEILING_CUT : PRAXIS_CEILING_REFUSE;
	cfg.sandbox_flags = flags;
	cfg.environment = self->env.v ? (const char *const *)self->env.v : NULL;
	cfg.run_as_uid = uid;
	cfg.run_as_gid = gid;
	cfg.so_runner = self->so_runner;
	if ((r = praxis_factory_new(&cfg, &self->f, &err)) < 0) {
		raise_praxis(r, &err, "cannot create the factory");
		goto fail;
	}
	return (PyObject *)self;
fail:
	Py_DECREF(self);
	return NULL;
}

static PyType_Slot factory_slots[] = {
    {Py_tp_new, factory_new},
    {Py_tp_dealloc, factory_dealloc},
    {Py_tp_doc, "Factory(*, default_limits, max_limits, allow, deny, cut, ...): praxis_factory"},
    {0, NULL},
};

static PyType_Spec factory_spec = {
    .name = "praxis._core.Factory",
    .basicsize = sizeof(FactoryObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = factory_slots,
};

/* ---- Executor --------------------------------------------------------------- */

typedef struct {
	PyObject_HEAD praxis_executor *ex;
	PyObject *factory; /* must outlive the executor */
} ExecutorObject;

static void executor_dealloc(ExecutorObject *self)
{
	PyTypeObject *tp = Py_TYPE(self);
	PyObject_GC_UnTrack(self);
	if (self->ex) {
		praxis_executor *ex = self->ex;
		self->ex = NULL;
		Py_BEGIN_ALLOW_THREADS praxis_executor_free(ex); /* stops its zygotes */
		Py_END_ALLOW_THREADS
	}
	Py_CLEAR(self->factory);
	tp->tp_free(self);
	Py_DECREF(tp);
}

static int executor_traverse(ExecutorObject *self, visitproc visit, void *arg)
{
	Py_VISIT(Py_TYPE(self));
	Py_VISIT(self->factory);
	return 0;
}

static PyObject *executor_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
	static char *kwlist[] = {"factory",          "plugin_dirs", "max_result_bytes",
	                         "max_stderr_bytes", "use_zygote",  NULL};
	PyObject *factory, *dirs;
	Py_ssize_t max_result = 0, max_stderr = 0;
	int use_zygote = 1;
	if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|nnp", kwlist, &factory, &dirs, &max_result,
	                                 &max_stderr, &use_zygote))
		return NULL;
	PyObject *module = PyType_GetModule(type);
	if (!module)
		return NULL;
	core_state *st = state_of(module);
	if (!PyObject_TypeCheck(factory, st->factory_type))
		return PyErr_Format(PyExc_TypeError, "factory must be a _core.Factory");
	if (max_result < 0 || max_stderr < 0)
		return PyErr_Format(PyExc_ValueError, "byte bounds must be >= 0");
	struct cstrv dirv;
	if (cstrv_from(dirs, "plugin_dirs", &dirv) < 0)
		return NULL;
	ExecutorObject *self = (ExecutorObject *)type->tp_alloc(type, 0);
	if (!self) {
		cstrv_clear(&dirv);
		return NULL;
	}
	praxis_executor_config cfg;
	praxis_executor_config_init(&cfg);
	cfg.factory = ((FactoryObject *)factory)->f;
	cfg.plugin_dirs = (const char *const *)dirv.v;
	cfg.max_result_bytes = (size_t)max_result;
	cfg.max_stderr_bytes = (size_t)max_stderr;
	cfg.collect_audit = true;
	cfg.use_zygote = use_zygote;
	praxis_error err = {0};
	int r = praxis_executor_new(&cfg, &self->ex, &err); /* copies the dirs */
	cstrv_clear(&dirv);
	if (r < 0) {
		Py_DECREF(self);
		return raise_praxis(r, &err, "cannot create the executor");
	}
	Py_INCREF(factory);
	self->factory = factory;
	return (PyObject *)self;
}

static PyObject *exec_result_to_dict(const praxis_exec_result *res)
{
	PyObject *audit = PyList_New(0);
	for (size_t i = 0; audit && i < res->n_audit; i++) {
		const praxis_audit_record *a = &res->audit[i];
		PyObject *t = record_tuple(a->timestamp, a->plugin, a->run_id, a->pid, a->action,
		                           a->target, a->allowed, a->reason);
		if (!t || PyList_Append(audit, t) < 0)
			Py_CLEAR(audit);
		Py_XDECREF(t);
	}
	PyObject *usage = usage_to_dict(&res->usage);
	PyObject *errb =
	    PyBytes_FromStringAndSize(res->stderr_data ? res->stderr_data : "",
	                              res->stderr_data ? (Py_ssize_t)res->stderr_size : 0);
	if (!audit || !usage || !errb) {
		Py_XDECREF(audit);
		Py_XDECREF(usage);
		Py_XDECREF(errb);
		return NULL;
	}
	return Py_BuildValue("{s:s,s:s,s:z,s:N,s:N,s:i,s:i,s:z,s:N,s:K,s:N}", "status",
	                     praxis_exec_status_name(res->status), "message", res->message,
	                     "result_json", res->result_json, "stderr", errb, "stderr_truncated",
	                     PyBool_FromLong(res->stderr_truncated), "exit_code", res->exit_code,
	                     "signal", res->signal, "limit",
	                     res->limit == PRAXIS_LIMIT_NONE ? NULL : praxis_limit_name(res->limit),
	                     "usage", usage, "run_id", (unsigned long long)res->run_id, "audit",
	                     audit);
}

static PyObject *executor_execute(ExecutorObject *self, PyObject *args)
{
	const char *name, *params = NULL;
	if (!PyArg_ParseTuple(args, "s|z", &name, &params))
		return NULL;
	praxis_exec_result res;
	praxis_error err = {0};
	int r;
	Py_BEGIN_ALLOW_THREADS r = praxis_executor_execute(self->ex, name, params, &res, &err);
	Py_END_ALLOW_THREADS if (r < 0) return raise_praxis(r, &err, "the plugin could not be run");
	PyObject *d = exec_result_to_dict(&res);
	praxis_exec_result_release(&res);
	return d;
}

static PyObject *executor_start(ExecutorObject *self, PyObject *args)
{
	const char *name, *params = NULL;
	if (!PyArg_ParseTuple(args, "s|z", &name, &params))
		return NULL;
	PyObject *module = PyType_GetModule(Py_TYPE(self));
	if (!module)
		return NULL;
	core_state *st = state_of(module);
	RunObject *run = (RunObject *)st->run_type->tp_alloc(st->run_type, 0);
	if (!run)
		return NULL;
	praxis_error err = {0};
	int r;
	Py_BEGIN_ALLOW_THREADS r = praxis_executor_start(self->ex, name, params, &run->a, &err);
	Py_END_ALLOW_THREADS if (r < 0)
	{
		Py_DECREF(run);
		return raise_praxis(r, &err, "the plugin could not be started");
	}
	run->exec = true;
	Py_INCREF(self);
	run->owner = (PyObject *)self;
	return (PyObject *)run;
}

static PyMethodDef executor_methods[] = {
    {"execute", (PyCFunction)executor_execute, METH_VARARGS,
     "execute(name, params_json=None) -> dict: run a plugin to its end"},
    {"start", (PyCFunction)executor_start, METH_VARARGS,
     "start(name, params_json=None) -> Run: the same, asynchronously"},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot executor_slots[] = {
    {Py_tp_new, executor_new},
    {Py_tp_dealloc, executor_dealloc},
    {Py_tp_traverse, executor_traverse},
    {Py_tp_methods, executor_methods},
    {Py_tp_doc, "Executor(factory, plugin_dirs, ...): praxis_executor"},
    {0, NULL},
};

static PyType_Spec executor_spec = {
    .name = "praxis._core.Executor",
    .basicsize = sizeof(ExecutorObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = executor_slots,
};

/* ---- module ----------------------------------------------------------------- */

static PyObject *core_capability_names(PyObject *module, PyObject *unused)
{
	(void)module;
	(void)unused;
	return strv_to_tuple(praxis_capability_names());
}

static PyObject *core_check_grant(PyObject *module, PyObject *args)
{
	(void)module;
	const char *name, *value = NULL;
	if (!PyArg_ParseTuple(args, "sz", &name, &value))
		return NULL;
	praxis_caps *caps;
	if (praxis_caps_new(&caps) < 0)
		return PyErr_NoMemory();
	praxis_error err = {0};
	int r = praxis_caps_add(caps, name, value, &err);
	praxis_caps_free(caps);
	if (r < 0)
		return raise_praxis(-EINVAL, &err, "bad capability");
	Py_RETURN_NONE;
}

static PyObject *core_kernel_support(PyObject *module, PyObject *unused)
{
	(void)module;
	(void)unused;
	praxis_kernel_support ks;
	praxis_kernel_probe(&ks);
	return Py_BuildValue("{s:i,s:i,s:N,s:N,s:N,s:N,s:N,s:N,s:N}", "landlock_abi",
	                     ks.landlock_abi, "landlock_errno", ks.landlock_errno, "seccomp_filter",
	                     PyBool_FromLong(ks.seccomp_filter), "seccomp_user_notif",
	                     PyBool_FromLong(ks.seccomp_user_notif), "pidfd",
	                     PyBool_FromLong(ks.pidfd), "user_namespaces",
	                     PyBool_FromLong(ks.user_namespaces), "pid_namespace",
	                     PyBool_FromLong(ks.pid_namespace), "cgroup_v2_delegated",
	                     PyBool_FromLong(ks.cgroup_v2_delegated), "running_as_root",
	                     PyBool_FromLong(ks.running_as_root));
}

static PyMethodDef core_methods[] = {
    {"capability_names", core_capability_names, METH_NOARGS, "the valid capability names"},
    {"check_grant", core_check_grant, METH_VARARGS,
     "check_grant(name, value): ValueError naming the problem if the grant is invalid"},
    {"kernel_support", core_kernel_support, METH_NOARGS, "what this kernel can enforce"},
    {NULL, NULL, 0, NULL},
};

static int core_exec(PyObject *module)
{
	core_state *st = state_of(module);
	struct {
		PyType_Spec *spec;
		PyTypeObject **slot;
		const char *name;
	} types[] = {
	    {&sandbox_spec, &st->sandbox_type, "Sandbox"},
	    {&run_spec, &st->run_type, "Run"},
	    {&factory_spec, &st->factory_type, "Factory"},
	    {&executor_spec, &st->executor_type, "Executor"},
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++) {
		PyObject *t = PyType_FromModuleAndSpec(module, types[i].spec, NULL);
		if (!t)
			return -1;
		*types[i].slot = (PyTypeObject *)t;
		if (PyModule_AddObjectRef(module, types[i].name, t) < 0)
			return -1;
	}
	if (PyModule_AddStringConstant(module, "library_version", praxis_version()) < 0 ||
	    PyModule_AddIntConstant(module, "ALLOW_DEGRADED", PRAXIS_ALLOW_DEGRADED) < 0 ||
	    PyModule_AddIntConstant(module, "NO_PID_NAMESPACE", PRAXIS_NO_PID_NAMESPACE) < 0 ||
	    PyModule_AddIntConstant(module, "NET_NAMESPACE", PRAXIS_NET_NAMESPACE) < 0 ||
	    PyModule_AddIntConstant(module, "AUDIT_AUTO", PRAXIS_AUDIT_AUTO) < 0 ||
	    PyModule_AddIntConstant(module, "AUDIT_OFF", PRAXIS_AUDIT_OFF) < 0 ||
	    PyModule_AddIntConstant(module, "AUDIT_DENIED", PRAXIS_AUDIT_DENIED) < 0 ||
	    PyModule_AddIntConstant(module, "AUDIT_ALL", PRAXIS_AUDIT_ALL) < 0 ||
	    PyModule_AddIntConstant(module, "MIN_MEMORY_BYTES", (long)PRAXIS_MIN_MEMORY_BYTES) < 0)
		return -1;
	return 0;
}

static int core_traverse(PyObject *module, visitproc visit, void *arg)
{
	core_state *st = state_of(module);
	Py_VISIT(st->sandbox_type);
	Py_VISIT(st->run_type);
	Py_VISIT(st->factory_type);
	Py_VISIT(st->executor_type);
	return 0;
}

static int core_clear(PyObject *module)
{
	core_state *st = state_of(module);
	Py_CLEAR(st->sandbox_type);
	Py_CLEAR(st->run_type);
	Py_CLEAR(st->factory_type);
	Py_CLEAR(st->executor_type);
	return 0;
}

static void core_free(void *module)
{
	core_clear(module);
}

static PyModuleDef_Slot core_slots[] = {
    {Py_mod_exec, core_exec},
    {0, NULL},
};

static struct PyModuleDef core_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "praxis._core",
    .m_doc = "The binding of libpraxis (use the praxis package, not this module).",
    .m_size = sizeof(core_state),
    .m_methods = core_methods,
    .m_slots = core_slots,
    .m_traverse = core_traverse,
    .m_clear = core_clear,
    .m_free = core_free,
};

PyMODINIT_FUNC PyInit__core(void)
{
	return PyModuleDef_Init(&core_module);
}
