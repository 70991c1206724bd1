/* More test helpers; see helpers2.h. */
#include "helpers2.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

/* ---- records ---- */

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	cr_assert_not_null(d);
	return d;
}

static void rec_copy(struct xrec *d, const praxis_audit_record *r)
{
	d->timestamp = r->timestamp;
	d->plugin = xstrdup(r->plugin);
	d->run_id = r->run_id;
	d->pid = r->pid;
	d->action = xstrdup(r->action);
	d->target = xstrdup(r->target);
	d->allowed = r->allowed;
	d->reason = xstrdup(r->reason);
}

static void rec_free(struct xrec *r)
{
	free(r->plugin);
	free(r->action);
	free(r->target);
	free(r->reason);
}

/* Record arrays stay reachable from here until xrun_free(): a test that
 * fails an assertion skips its xrun_free(), and LeakSanitizer should then
 * report the library's leaks, not ours. */
#define MAX_LIVE 64
static struct xrec *live[MAX_LIVE];

static void live_replace(struct xrec *old, struct xrec *new)
{
	for (size_t i = 0; i < MAX_LIVE; i++)
		if (live[i] == old) {
			live[i] = new;
			return;
		}
	cr_assert_fail("more than %d record arrays alive", MAX_LIVE);
}

static void recs_push(struct xrec **v, size_t *n, const praxis_audit_record *r)
{
	/* capacity: the next power of two */
	if (*n == 0 || (*n & (*n - 1)) == 0) {
		size_t cap = *n ? *n * 2 : 1;
		struct xrec *g = realloc(*v, cap * sizeof(**v));
		cr_assert_not_null(g);
		live_replace(*v, g);
		*v = g;
	}
	rec_copy(&(*v)[(*n)++], r);
}

void xrun_free(struct xrun *o)
{
	for (size_t i = 0; i < o->n_log; i++)
		rec_free(&o->log[i]);
	if (o->log)
		live_replace(o->log, NULL);
	free(o->log);
	for (size_t i = 0; i < o->n_cb; i++)
		rec_free(&o->cb[i]);
	if (o->cb)
		live_replace(o->cb, NULL);
	free(o->cb);
	o->log = o->cb = NULL;
	o->n_log = o->n_cb = 0;
}

/* Does praxis_audit_record_to_json() give a JSON object that parses? */
static void check_json(struct xrun *o, const praxis_audit_record *r)
{
	char *text = praxis_audit_record_to_json(r);
	json_error_t e;
	json_t *j = text ? json_loads(text, 0, &e) : NULL;
	if (!j) {
		if (o->json_bad++ == 0)
			snprintf(o->json_bad_example, sizeof(o->json_bad_example),
			         "%s: action=%s target=%s",
			         text ? "does not parse" : "to_json gave NULL", r->action,
			         r->target);
	}
	json_decref(j);
	free(text);
}

/* ---- running ---- */

void xspec_init(struct xspec *x, bool nobody)
{
	memset(x, 0, sizeof(*x));
	spec_init(&x->s);
	x->s.as_nobody = nobody;
	praxis_config cfg;
	praxis_config_init(&cfg);
	x->limits = cfg.limits;
	x->output = PRAXIS_OUTPUT_DIRECT;
	x->audit_level = PRAXIS_AUDIT_AUTO;
	x->stdout_fd = -1;
	x->stderr_fd = -1;
}

struct cb_state {
	const struct xspec *x;
	struct xrun *o;
};

static void on_record(const praxis_audit_record *r, void *userdata)
{
	struct cb_state *st = userdata;
	st->o->cb_count++;
	if (st->x->callback)
		recs_push(&st->o->cb, &st->o->n_cb, r);
	if (st->x->on_record)
		st->x->on_record(r, st->x->on_record_data);
}

long self_status_kb(const char *field)
{
	FILE *f = fopen("/proc/self/status", "re");
	cr_assert_not_null(f);
	char line[256];
	size_t len = strlen(field);
	long v = -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, len) == 0 && line[len] == ':')
			v = atol(line + len + 1);
	fclose(f);
	return v;
}

static void reset_hwm(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "5", 1) != 1) {
			/* the growth figure is then an upper bound */
		}
		close(fd);
	}
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int memfd(const char *name)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	cr_assert_geq(fd, 0);
	return fd;
}

static void read_back(int fd, char *buf, uint64_t *size)
{
	struct stat st;
	cr_assert_eq(fstat(fd, &st), 0);
	*size = (uint64_t)st.st_size;
	ssize_t n = pread(fd, buf, OUT_MAX - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
}

static void copy_bounded(char *dst, const char *src, size_t len)
{
	if (!src)
		len = 0;
	if (len > OUT_MAX - 1)
		len = OUT_MAX - 1;
	if (len)
		memcpy(dst, src, len);
	dst[len] = '\0';
}

/* In this process: build the sandbox from X and run ARGV into O. */
void xrun_in_process(const struct xspec *x, const char *const *argv, struct xrun *o)
{
	praxis_error err = {0};
	praxis_caps *caps = NULL;
	praxis_sandbox *sb = NULL;
	int out = x->stdout_fd >= 0 ? x->stdout_fd : memfd("stdout");
	int errfd = x->stderr_fd >= 0 ? x->stderr_fd : memfd("stderr");
	struct cb_state st = {.x = x, .o = o};
	praxis_result res;
	memset(&res, 0, sizeof(res));
	int r = praxis_caps_new(&caps);
	for (size_t i = 0; r >= 0 && i < x->s.n_caps; i++)
		r = praxis_caps_add(caps, x->s.caps[i][0], x->s.caps[i][1], &err);
	if (r >= 0) {
		praxis_config cfg;
		praxis_config_init(&cfg);
		cfg.plugin_name = x->plugin_name ? x->plugin_name : "test";
		cfg.caps = caps;
		cfg.flags = x->s.flags;
		cfg.environment = x->s.env;
		cfg.run_as_uid = x->s.run_as_uid;
		cfg.run_as_gid = x->s.run_as_uid;
		cfg.limits = x->limits;
		cfg.audit_level = x->audit_level;
		cfg.audit_max_records = x->audit_max_records;
		if (x->callback || x->callback_count || x->on_record) {
			cfg.audit_callback = on_record;
			cfg.audit_userdata = &st;
		}
		r = praxis_sandbox_new(&cfg, &sb, &err);
	}
	if (r >= 0) {
		praxis_run_opts opts;
		praxis_run_opts_init(&opts);
		opts.argv = argv;
		opts.stdio[0] = x->s.stdin_fd;
		opts.stdio[1] = out;
		opts.stdio[2] = errfd;
		opts.cwd = x->s.cwd;
		opts.output = x->output;
		opts.collect_audit = x->collect_audit;
		reset_hwm();
		long hwm0 = self_status_kb("VmHWM");
		double t0 = now_seconds();
		r = praxis_sandbox_run(sb, &opts, &res, &err);
		o->seconds = now_seconds() - t0;
		o->hwm_growth_kb = self_status_kb("VmHWM") - hwm0;
	}
	o->rc = r < 0 ? r : 0;
	snprintf(o->errmsg, sizeof(o->errmsg), "%s", err.message);
	snprintf(o->env_changes, sizeof(o->env_changes), "(none)");
	if (r >= 0) {
		o->status = res.status;
		o->exit_code = res.exit_code;
		o->signal = res.signal;
		o->limit = res.limit;
		o->usage = res.usage;
		o->run_id = res.run_id;
		if (res.audit) {
			o->have_log = true;
			o->dropped = praxis_audit_log_dropped(res.audit);
			size_t n = praxis_audit_log_count(res.audit);
			for (size_t i = 0; i < n; i++) {
				const praxis_audit_record *rec =
				    praxis_audit_log_record(res.audit, i);
				cr_assert_not_null(rec, "record %zu of %zu is NULL", i, n);
				recs_push(&o->log, &o->n_log, rec);
				check_json(o, rec);
			}
		}
		if (res.env_changes) {
			size_t len = 0;
			o->env_changes[0] = '\0';
			for (char **c = res.env_changes; *c && len < sizeof(o->env_changes); c++)
				len += (size_t)snprintf(o->env_changes + len,
				                        sizeof(o->env_changes) - len, "%s\n", *c);
		}
		if (x->output == PRAXIS_OUTPUT_CAPTURE) {
			o->out_size = res.stdout_size;
			o->err_size = res.stderr_size;
			copy_bounded(o->out, res.stdout_data, res.stdout_size);
			copy_bounded(o->err, res.stderr_data, res.stderr_size);
		}
		praxis_result_release(&res);
	}
	praxis_sandbox_free(sb);
	praxis_caps_free(caps);
	if (x->output != PRAXIS_OUTPUT_CAPTURE || r < 0) {
		if (x->stdout_fd < 0)
			read_back(out, o->out, &o->out_size);
		if (x->stderr_fd < 0)
			read_back(errfd, o->err, &o->err_size);
	}
	if (x->stdout_fd < 0)
		close(out);
	if (x->stderr_fd < 0)
		close(errfd);
}

/* ---- a run from uid 65534, carried back as JSON ---- */

/* Strings travel hex-encoded: records may hold any bytes. */
static char *hex(const char *s)
{
	size_t len = strlen(s);
	char *h = malloc(2 * len + 1);
	cr_assert_not_null(h);
	for (size_t i = 0; i < len; i++)
		snprintf(h + 2 * i, 3, "%02x", (unsigned char)s[i]);
	h[2 * len] = '\0';
	return h;
}

static char *unhex(json_t *o, const char *key)
{
	const char *h = json_string_value(json_object_get(o, key));
	size_t len = h ? strlen(h) / 2 : 0;
	char *d = malloc(len + 1);
	cr_assert_not_null(d);
	for (size_t i = 0; i < len; i++) {
		unsigned v;
		sscanf(h + 2 * i, "%2x", &v);
		d[i] = (char)v;
	}
	d[len] = '\0';
	return d;
}

static json_t *recs_to_json(const struct xrec *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		char *p = hex(v[i].plugin), *ac = hex(v[i].action), *t = hex(v[i].target),
		     *r = hex(v[i].reason);
		json_t *o =
		    json_pack("{s:f, s:s, s:I, s:i, s:s, s:s, s:b, s:s}", "ts", v[i].timestamp,
		              "plugin", p, "run", (json_int_t)v[i].run_id, "pid", v[i].pid,
		              "action", ac, "target", t, "allowed", v[i].allowed, "reason", r);
		cr_assert_not_null(o);
		json_array_append_new(a, o);
		free(p);
		free(ac);
		free(t);
		free(r);
	}
	return a;
}

static void recs_from_json(json_t *a, struct xrec **v, size_t *n)
{
	size_t count = json_array_size(a);
	*n = count;
	*v = count ? calloc(count, sizeof(**v)) : NULL;
	if (*v)
		live_replace(NULL, *v);
	for (size_t i = 0; i < count; i++) {
		json_t *o = json_array_get(a, i);
		struct xrec *r = &(*v)[i];
		r->timestamp = json_real_value(json_object_get(o, "ts"));
		r->plugin = unhex(o, "plugin");
		r->run_id = (uint64_t)json_integer_value(json_object_get(o, "run"));
		r->pid = (int)json_integer_value(json_object_get(o, "pid"));
		r->action = unhex(o, "action");
		r->target = unhex(o, "target");
		r->allowed = json_is_true(json_object_get(o, "allowed"));
		r->reason = unhex(o, "reason");
	}
}

/* ---- runs from uid 65534: a fresh helper process ----
 *
 * The Criterion worker is multi-threaded (its IPC thread allocates), and a
 * child forked from it may inherit a held allocator lock (GCC 12's ASan
 * takes none at fork): the child therefore only drops its ids and execs
 * tests/xrun_helper, which runs the spec read from a memfd and writes the
 * xrun back. */

static json_t *jhex(const char *s)
{
	if (!s)
		return json_null();
	char *h = hex(s);
	json_t *j = json_string(h);
	free(h);
	return j;
}

static char *junhex(json_t *j)
{
	if (!j || json_is_null(j))
		return NULL;
	json_t *o = json_pack("{s:O}", "v", j);
	char *s = unhex(o, "v");
	json_decref(o);
	return s;
}

static json_t *strv_json(const char *const *v)
{
	if (!v)
		return json_null();
	json_t *a = json_array();
	for (; *v; v++)
		json_array_append_new(a, jhex(*v));
	return a;
}

static char **strv_unjson(json_t *a)
{
	if (!json_is_array(a))
		return NULL;
	size_t n = json_array_size(a);
	char **v = calloc(n + 1, sizeof(*v));
	cr_assert_not_null(v);
	for (size_t i = 0; i < n; i++)
		v[i] = junhex(json_array_get(a, i));
	return v;
}

static void strv_free_all(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

static char *spec_to_json(const struct xspec *x, const char *const *argv)
{
	json_t *caps = json_array();
	for (size_t i = 0; i < x->s.n_caps; i++)
		json_array_append_new(
		    caps, json_pack("[o, o]", jhex(x->s.caps[i][0]), jhex(x->s.caps[i][1])));
	const praxis_limits *l = &x->limits;
	json_t *j = json_pack(
	    "{s:o, s:o, s:o, s:I, s:I, s:i, s:i, s:i, s:{s:I, s:f, s:f, s:I, s:I, s:I, s:I},"
	    " s:i, s:b, s:i, s:I, s:b, s:b, s:o, s:o}",
	    "caps", caps, "env", strv_json(x->s.env), "cwd", jhex(x->s.cwd), "flags",
	    (json_int_t)x->s.flags, "run_as_uid", (json_int_t)x->s.run_as_uid, "stdin",
	    x->s.stdin_fd, "stdout", x->stdout_fd, "stderr", x->stderr_fd, "limits", "memory",
	    (json_int_t)l->memory_bytes, "cpu", l->cpu_seconds, "wall", l->wall_seconds, "procs",
	    (json_int_t)l->max_procs, "output", (json_int_t)l->max_output_bytes, "files",
	    (json_int_t)l->max_open_files, "fsize", (json_int_t)l->max_file_bytes, "output",
	    (int)x->output, "collect", x->collect_audit, "level", (int)x->audit_level, "max",
	    (json_int_t)x->audit_max_records, "callback", x->callback, "callback_count",
	    x->callback_count, "plugin", jhex(x->plugin_name), "argv", strv_json(argv));
	cr_assert_not_null(j);
	char *text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	cr_assert_not_null(text);
	return text;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n <= 0)
			_exit(125);
		buf += n;
		len -= (size_t)n;
	}
}

/* Everything but the records is plain data: copied as bytes. */
static void xrun_send(int fd, const struct xrun *o)
{
	json_t *j = json_pack("{s:o, s:o}", "log", recs_to_json(o->log, o->n_log), "cb",
	                      recs_to_json(o->cb, o->n_cb));
	char *text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!text)
		_exit(124);
	struct xrun plain = *o;
	plain.log = plain.cb = NULL;
	write_all(fd, (const char *)&plain, sizeof(plain));
	write_all(fd, text, strlen(text));
	free(text);
}

static void xrun_receive(int fd, struct xrun *o)
{
	struct stat st;
	cr_assert_eq(fstat(fd, &st), 0);
	cr_assert_geq((size_t)st.st_size, sizeof(*o), "the uid 65534 helper sent nothing");
	cr_assert_eq(pread(fd, o, sizeof(*o), 0), (ssize_t)sizeof(*o));
	size_t len = (size_t)st.st_size - sizeof(*o);
	char *text = malloc(len + 1);
	cr_assert_not_null(text);
	cr_assert_eq(pread(fd, text, len, (off_t)sizeof(*o)), (ssize_t)len);
	text[len] = '\0';
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	free(text);
	cr_assert_not_null(j, "records from the uid 65534 helper: %s", e.text);
	recs_from_json(json_object_get(j, "log"), &o->log, &o->n_log);
	recs_from_json(json_object_get(j, "cb"), &o->cb, &o->n_cb);
	json_decref(j);
}

#ifndef XRUN_HELPER
#error "XRUN_HELPER (the path of tests/xrun_helper) must be defined"
#endif

static const char *helper_path(void)
{
	static const char *path;
	static pid_t for_pid;
	if (!path || for_pid != getpid()) {
		path = copy_executable(XRUN_HELPER); /* reachable by uid 65534 */
		for_pid = getpid();
	}
	return path;
}

static void keep_open_across_exec(int fd)
{
	if (fd >= 0 && fcntl(fd, F_SETFD, 0) < 0)
		_exit(121);
}

static void run_as_nobody(const struct xspec *x, const char *const *argv, struct xrun *o)
{
	cr_assert_null(x->on_record, "on_record is not supported for uid 65534 runs");
	int in = memfd("xrun-spec"), out = memfd("xrun-result");
	char *spec = spec_to_json(x, argv);
	write_all(in, spec, strlen(spec));
	free(spec);
	char in_s[16], out_s[16];
	snprintf(in_s, sizeof(in_s), "%d", in);
	snprintf(out_s, sizeof(out_s), "%d", out);
	const char *path = helper_path();
	char *const hargv[] = {(char *)path, in_s, out_s, NULL};
	extern char **environ;
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		/* async-signal-safe only from here to exec */
		keep_open_across_exec(in);
		keep_open_across_exec(out);
		keep_open_across_exec(x->s.stdin_fd);
		keep_open_across_exec(x->stdout_fd);
		keep_open_across_exec(x->stderr_fd);
		if (syscall(SYS_setgroups, 0, NULL) < 0 ||
		    syscall(SYS_setresgid, NOBODY, NOBODY, NOBODY) < 0 ||
		    syscall(SYS_setresuid, NOBODY, NOBODY, NOBODY) < 0)
			_exit(120);
		execve(path, hargv, environ);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		cr_assert_eq(errno, EINTR);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "the uid 65534 helper ended with status 0x%x (see its stderr)", status);
	xrun_receive(out, o);
	close(in);
	close(out);
}

int xrun_helper_main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	int in = atoi(argv[1]), out = atoi(argv[2]);
	struct stat st;
	if (fstat(in, &st) < 0)
		return 3;
	char *text = calloc(1, (size_t)st.st_size + 1);
	if (!text || pread(in, text, (size_t)st.st_size, 0) != st.st_size)
		return 4;
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	free(text);
	if (!j)
		return 5;
	struct xspec x;
	xspec_init(&x, false);
	json_t *caps = json_object_get(j, "caps");
	char *cap_strings[MAX_CAPS][2];
	for (size_t i = 0; i < json_array_size(caps) && i < MAX_CAPS; i++) {
		json_t *c = json_array_get(caps, i);
		cap_strings[i][0] = junhex(json_array_get(c, 0));
		cap_strings[i][1] = junhex(json_array_get(c, 1));
		spec_allow(&x.s, cap_strings[i][0], cap_strings[i][1]);
	}
	char **env = strv_unjson(json_object_get(j, "env"));
	x.s.env = (const char *const *)env;
	char *cwd = junhex(json_object_get(j, "cwd"));
	x.s.cwd = cwd;
	x.s.flags = (unsigned)json_integer_value(json_object_get(j, "flags"));
	x.s.run_as_uid = json_integer_value(json_object_get(j, "run_as_uid"));
	x.s.stdin_fd = (int)json_integer_value(json_object_get(j, "stdin"));
	x.stdout_fd = (int)json_integer_value(json_object_get(j, "stdout"));
	x.stderr_fd = (int)json_integer_value(json_object_get(j, "stderr"));
	json_t *l = json_object_get(j, "limits");
	x.limits.memory_bytes = (uint64_t)json_integer_value(json_object_get(l, "memory"));
	x.limits.cpu_seconds = json_real_value(json_object_get(l, "cpu"));
	x.limits.wall_seconds = json_real_value(json_object_get(l, "wall"));
	x.limits.max_procs = (uint64_t)json_integer_value(json_object_get(l, "procs"));
	x.limits.max_output_bytes = (uint64_t)json_integer_value(json_object_get(l, "output"));
	x.limits.max_open_files = (uint64_t)json_integer_value(json_object_get(l, "files"));
	x.limits.max_file_bytes = (uint64_t)json_integer_value(json_object_get(l, "fsize"));
	x.output = (praxis_output_mode)json_integer_value(json_object_get(j, "output"));
	x.collect_audit = json_is_true(json_object_get(j, "collect"));
	x.audit_level = (praxis_audit_level)json_integer_value(json_object_get(j, "level"));
	x.audit_max_records = (size_t)json_integer_value(json_object_get(j, "max"));
	x.callback = json_is_true(json_object_get(j, "callback"));
	x.callback_count = json_is_true(json_object_get(j, "callback_count"));
	char *plugin = junhex(json_object_get(j, "plugin"));
	x.plugin_name = plugin;
	char **run_argv = strv_unjson(json_object_get(j, "argv"));
	json_decref(j);
	if (!run_argv || !run_argv[0])
		return 6;
	/* like any process a user started (the id change cleared it) */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	struct xrun *o = calloc(1, sizeof(*o));
	if (!o)
		return 7;
	xrun_in_process(&x, (const char *const *)run_argv, o);
	xrun_send(out, o);
	xrun_free(o);
	free(o);
	for (size_t i = 0; i < x.s.n_caps; i++) {
		free(cap_strings[i][0]);
		free(cap_strings[i][1]);
	}
	strv_free_all(env);
	strv_free_all(run_argv);
	free(cwd);
	free(plugin);
	return 0;
}

void xrun_argv(const struct xspec *x, const char *const *argv, struct xrun *o)
{
	memset(o, 0, sizeof(*o));
	if (x->s.as_nobody)
		run_as_nobody(x, argv, o);
	else
		xrun_in_process(x, argv, o);
}

void xrun_probe(const struct xspec *x, const char *const *args, struct xrun *o)
{
	const char *argv[40];
	size_t i = 0;
	argv[i++] = probe_path();
	for (; args[i - 1] && i < 39; i++)
		argv[i] = args[i - 1];
	argv[i] = NULL;
	xrun_argv(x, argv, o);
}

/* ---- queries ---- */

static bool rec_matches(const struct xrec *r, const char *action, const char *target, int allowed)
{
	return (!action || strcmp(r->action, action) == 0) &&
	       (!target || strstr(r->target, target)) && (allowed < 0 || r->allowed == allowed);
}

const struct xrec *xfind(const struct xrun *o, const char *action, const char *target, int allowed)
{
	for (size_t i = 0; i < o->n_log; i++)
		if (rec_matches(&o->log[i], action, target, allowed))
			return &o->log[i];
	return NULL;
}

size_t xcount(const struct xrun *o, const char *action, const char *target, int allowed)
{
	size_t n = 0;
	for (size_t i = 0; i < o->n_log; i++)
		n += rec_matches(&o->log[i], action, target, allowed);
	return n;
}

int xplugin_pid(const struct xrun *o)
{
	const struct xrec *r = xfind(o, "run.exec", NULL, -1);
	return r ? r->pid : 0;
}

const char *xdescribe(const struct xrun *o)
{
	static char buf[2 * OUT_MAX];
	snprintf(buf, sizeof(buf),
	         "rc=%d status=%s limit=%s exit=%d signal=%d wall=%.3fs user=%.3fs sys=%.3fs "
	         "peak_mem=%" PRIu64 " peak_tasks=%" PRIu64 " output=%" PRIu64 " stdout(%" PRIu64
	         ")=\"%.300s\" stderr(%" PRIu64 ")=\"%.600s\" error=\"%s\"",
	         o->rc, praxis_status_name(o->status), praxis_limit_name(o->limit), o->exit_code,
	         o->signal, o->usage.wall_seconds, o->usage.user_cpu_seconds,
	         o->usage.system_cpu_seconds, o->usage.peak_memory_bytes, o->usage.peak_tasks,
	         o->usage.output_bytes, o->out_size, o->out, o->err_size, o->err, o->errmsg);
	return buf;
}

const char *xlog_dump(const struct xrun *o)
{
	static char buf[16384];
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < o->n_log && len + 400 < sizeof(buf); i++) {
		const struct xrec *r = &o->log[i];
		len += (size_t)snprintf(
		    buf + len, sizeof(buf) - len, "\n  [%zu] pid %d %s %s \"%.200s\" (%.120s)", i,
		    r->pid, r->action, r->allowed ? "ALLOWED" : "DENIED", r->target, r->reason);
	}
	if (len + 400 >= sizeof(buf))
		snprintf(buf + len, sizeof(buf) - len, "\n  ... (%zu records)", o->n_log);
	return buf;
}

/* ---- loopback servers ---- */

static int make_stop_pipe(int p[2])
{
	return pipe2(p, O_CLOEXEC);
}

static int bound_socket(const char *addr, int type, uint16_t *port)
{
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0, "socket: %s", strerror(errno));
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(*port)};
	cr_assert_eq(inet_pton(AF_INET, addr, &in.sin_addr), 1, "bad address %s", addr);
	cr_assert_eq(bind(fd, (struct sockaddr *)&in, sizeof(in)), 0, "bind %s: %s", addr,
	             strerror(errno));
	if (type == SOCK_STREAM)
		cr_assert_eq(listen(fd, 128), 0);
	socklen_t len = sizeof(in);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&in, &len), 0);
	*port = ntohs(in.sin_port);
	return fd;
}

/* Wait for FD or the stop pipe; false when stopped. */
static bool wait_readable(int fd, int stop)
{
	struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = stop, .events = POLLIN}};
	while (poll(p, 2, -1) < 0)
		if (errno != EINTR)
			return false;
	return !p[1].revents;
}

static void serve_http(int c, const char *body)
{
	/* Read the request head (bounded, 2 s), then answer. */
	char req[4096];
	size_t len = 0;
	struct pollfd p = {.fd = c, .events = POLLIN};
	while (len < sizeof(req) - 1 && poll(&p, 1, 2000) > 0) {
		ssize_t n = read(c, req + len, sizeof(req) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	char head[256];
	int hl = snprintf(head, sizeof(head),
	                  "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
	                  "Connection: close\r\n\r\n",
	                  strlen(body));
	if (write(c, head, (size_t)hl) == hl && write(c, body, strlen(body)) < 0) {
		/* the client went away */
	}
	shutdown(c, SHUT_WR);
}

static void *http_main(void *arg)
{
	struct http_server *h = arg;
	while (wait_readable(h->fd, h->stop[0])) {
		int c = accept4(h->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		atomic_fetch_add((_Atomic int *)&h->accepted, 1);
		serve_http(c, h->body);
		close(c);
	}
	return NULL;
}

void http_server_start(struct http_server *h, const char *addr, uint16_t port, const char *body)
{
	memset(h, 0, sizeof(*h));
	h->body = body;
	h->port = port;
	h->fd = bound_socket(addr, SOCK_STREAM, &h->port);
	cr_assert_eq(make_stop_pipe(h->stop), 0);
	cr_assert_eq(pthread_create(&h->thread, NULL, http_main, h), 0);
}

int http_server_accepted(struct http_server *h)
{
	return atomic_load((_Atomic int *)&h->accepted);
}

void http_server_stop(struct http_server *h)
{
	if (write(h->stop[1], "x", 1) != 1)
		cr_assert_fail("stopping the server");
	pthread_join(h->thread, NULL);
	close(h->fd);
	close(h->stop[0]);
	close(h->stop[1]);
}

static void *udp_main(void *arg)
{
	struct udp_echo *u = arg;
	while (wait_readable(u->fd, u->stop[0])) {
		char buf[2048];
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(u->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			continue;
		if (sendto(u->fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl) == n)
			atomic_fetch_add((_Atomic int *)&u->echoed, 1);
	}
	return NULL;
}

void udp_echo_start(struct udp_echo *u)
{
	memset(u, 0, sizeof(*u));
	u->port = 0;
	u->fd = bound_socket("127.0.0.1", SOCK_DGRAM, &u->port);
	cr_assert_eq(make_stop_pipe(u->stop), 0);
	cr_assert_eq(pthread_create(&u->thread, NULL, udp_main, u), 0);
}

void udp_echo_stop(struct udp_echo *u)
{
	if (write(u->stop[1], "x", 1) != 1)
		cr_assert_fail("stopping the server");
	pthread_join(u->thread, NULL);
	close(u->fd);
	close(u->stop[0]);
	close(u->stop[1]);
}

static void *counting_main(void *arg)
{
	struct counting_listener *c = arg;
	while (wait_readable(c->fd, c->stop[0])) {
		int s = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
		if (s < 0)
			continue;
		atomic_fetch_add((_Atomic int *)&c->accepted, 1);
		close(s);
	}
	return NULL;
}

void counting_listener_start(struct counting_listener *c, const char *addr)
{
	memset(c, 0, sizeof(*c));
	c->port = 0;
	c->fd = bound_socket(addr, SOCK_STREAM, &c->port);
	cr_assert_eq(make_stop_pipe(c->stop), 0);
	cr_assert_eq(pthread_create(&c->thread, NULL, counting_main, c), 0);
}

int counting_listener_accepted(struct counting_listener *c)
{
	return atomic_load((_Atomic int *)&c->accepted);
}

void counting_listener_stop(struct counting_listener *c)
{
	if (write(c->stop[1], "x", 1) != 1)
		cr_assert_fail("stopping the listener");
	pthread_join(c->thread, NULL);
	/* connections still queued were accepted by the kernel: count them */
	fcntl(c->fd, F_SETFL, O_NONBLOCK);
	for (;;) {
		int s = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (s < 0)
			break;
		atomic_fetch_add((_Atomic int *)&c->accepted, 1);
		close(s);
	}
	close(c->fd);
	close(c->stop[0]);
	close(c->stop[1]);
}
