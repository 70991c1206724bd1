/* The audit log (issue 4): for each capability the allowed and the denied
 * operation produce the right record; levels; the callback; JSON; counts
 * compared with strace; a plugin that swaps a path under the supervisor
 * (TOCTOU) still cannot read what Landlock denies; multithreaded plugins,
 * floods, and plugins killed mid-syscall. Tests marked _nobody call the
 * library from a process running as uid 65534. */
#include <fcntl.h>
#include <jansson.h>
#include <regex.h>
#include <sys/stat.h>
#include <time.h>

#include "helpers2.h"

TestSuite(audit, .timeout = 30);

static struct xspec audited(bool nobody)
{
	struct xspec x;
	xspec_init(&x, nobody);
	x.collect_audit = true;
	x.limits.wall_seconds = 8;
	return x;
}

static const struct xrec *find_exact(const struct xrun *o, const char *action, const char *target)
{
	for (size_t i = 0; i < o->n_log; i++)
		if (strcmp(o->log[i].action, action) == 0 && strcmp(o->log[i].target, target) == 0)
			return &o->log[i];
	return NULL;
}

/* The record of ACTION on TARGET (exact) exists, with ALLOWED, a reason,
 * and the plugin's pid. */
#define assert_record(o, action, target, allowed_)                                                 \
	do {                                                                                       \
		const struct xrun *ao_ = (o);                                                      \
		const struct xrec *r_ = find_exact(ao_, (action), (target));                       \
		cr_assert_not_null(r_, "no %s record for \"%s\"; the log:%s", (action), (target),  \
		                   xlog_dump(ao_));                                                \
		cr_assert_eq(r_->allowed, (allowed_), "%s \"%s\" is %s, expected %s: %s",          \
		             (action), (target), r_->allowed ? "allowed" : "denied",               \
		             (allowed_) ? "allowed" : "denied", r_->reason);                       \
		cr_assert_neq(r_->reason[0], '\0', "%s \"%s\" has no reason", (action), (target)); \
		cr_assert_eq(r_->pid, xplugin_pid(ao_), "%s \"%s\" has pid %d, the plugin %d",     \
		             (action), (target), r_->pid, xplugin_pid(ao_));                       \
	} while (0)

struct fs_fixture {
	const char *dir, *other;
	const char *granted, *denied;
};

static struct fs_fixture fs_files(bool nobody)
{
	struct fs_fixture f;
	f.dir = tmpdir_new(nobody);
	f.other = tmpdir_new(nobody);
	f.granted = tpath("%s/granted", f.dir);
	f.denied = tpath("%s/denied", f.other);
	file_put(f.granted, "granted\n", nobody);
	file_put(f.denied, "denied\n", nobody);
	return f;
}

/* ---- filesystem.read ---- */

BOTH(audit, filesystem_read_allowed_and_denied)
{
	struct fs_fixture f = fs_files(nobody);
	struct xspec x = audited(nobody);
	spec_allow(&x.s, "filesystem.read", f.dir);
	struct xrun o;
	XPROBE(&x, &o, "read-many", f.granted, f.denied);
	xassert_exit(&o, 1, "ERR EACCES\n");
	assert_record(&o, "filesystem.read", f.granted, true);
	assert_record(&o, "filesystem.read", f.denied, false);
	cr_assert_eq(o.json_bad, 0, "%s", o.json_bad_example);
	xrun_free(&o);
}

BOTH(audit, relative_paths_resolve_against_the_plugins_cwd)
{
	struct fs_fixture f = fs_files(nobody);
	struct xspec x = audited(nobody);
	spec_allow(&x.s, "filesystem.read", f.dir);
	x.s.cwd = f.dir;
	struct xrun o;
	XPROBE(&x, &o, "read-many", "granted", tpath("../%s/denied", strrchr(f.other, '/') + 1));
	xassert_exit(&o, 1, "ERR EACCES\n");
	assert_record(&o, "filesystem.read", f.granted, true);
	assert_record(&o, "filesystem.read", f.denied, false);
	xrun_free(&o);
}

BOTH(audit, symlinks_are_resolved_in_targets)
{
	/* The record names what the kernel opens: the symlink's target, with
	 * the decision Landlock takes on it. */
	struct fs_fixture f = fs_files(nobody);
	const char *out_link = tpath("%s/to-denied", f.dir);   /* granted dir -> outside */
	const char *in_link = tpath("%s/to-granted", f.other); /* outside -> granted file */
	cr_assert_eq(symlink(f.denied, out_link), 0);
	cr_assert_eq(symlink(f.granted, in_link), 0);
	struct xspec x = audited(nobody);
	spec_allow(&x.s, "filesystem.read", f.dir);
	struct xrun o;
	XPROBE(&x, &o, "read", out_link);
	xassert_exit(&o, 1, "ERR EACCES\n");
	assert_record(&o, "filesystem.read", f.denied, false);
	xrun_free(&o);
	XPROBE(&x, &o, "read", in_link);
	xassert_exit(&o, 0, "OK\n");
	assert_record(&o, "filesystem.read", f.granted, true);
	xrun_free(&o);
	/* a symlinked directory in the middle of the path */
	const char *dir_link = tpath("%s/dirlink", f.dir);
	cr_assert_eq(symlink(f.other, dir_link), 0);
	XPROBE(&x, &o, "read", tpath("%s/denied", dir_link));
	xassert_exit(&o, 1, "ERR EACCES\n");
	assert_record(&o, "filesystem.read", f.denied, false);
	xrun_free(&o);
	/* dot-dot out of the granted tree */
	XPROBE(&x, &o, "read", tpath("%s/../%s/denied", f.dir, strrchr(f.other, '/') + 1));
	xassert_exit(&o, 1, "ERR EACCES\n");
	assert_record(&o, "filesystem.read", f.denied, false);
	xrun_free(&o);
}

BOTH(audit, dirfd_relative_paths_and_openat2)
{
	struct fs_fixture f = fs_files(nobody);
	struct xspec x = audited(nobody);
	spec_allow(&x.s, "filesystem.read", f.dir);
	struct xrun o;
	XPROBE(&x, &o, "openat-dir", f.dir, "granted");
	xassert_exit(&o, 0, "OK\n");
	assert_record(&o, "filesystem.read", f.granted, true);
	xrun_free(&o);
	XPROBE(&x, &o, "openat-dir", f.other, "denied");
	xassert_exit(&o, 1, "ERR EACCES\n");
	assert_record(&o, "filesystem.read", f.denied, false);
	xrun_free(&o);
	XPROBE(&x, &o, "openat2-read", f.granted);
	xassert_exit(&o, 0, "OK\n");
	assert_record(&o, "filesystem.read", f.granted, true);
	xrun_free(&o);
	XPROBE(&x, &o, "openat2-read", f.denied);
	xassert_exit(&o, 1, "ERR EACCES\n");
	assert_record(&o, "filesystem.read", f.denied, false);
	xrun_free(&o);
}

BOTH(audit, proc_self_is_resolved_to_the_plugin)
{
	struct xspec x = audited(nobody);
	struct xrun o;
	XPROBE(&x, &o, "read", "/proc/self/status");
	xassert_exit(&o, 0, "OK\n");
	int pid = xplugin_pid(&o);
	cr_assert_gt(pid, 0, "no run.exec record:%s", xlog_dump(&o));
	assert_record(&o, "filesystem.read", tpath("/proc/%d/status", pid), true);
	xrun_free(&o);
}

/* ---- filesystem.write ---- */

BOTH(audit, filesystem_write_operations)
{
	struct fs_fixture f = fs_files(nobody);
	struct xspec x = audited(nobody);
	spec_allow(&x.s, "filesystem.read", f.dir);
	spec_allow(&x.s, "filesystem.write", f.dir);
	const char *created = tpath("%s/created", f.dir), *renamed = tpath("%s/renamed", f.dir),
	           *sub = tpath("%s/sub", f.dir), *link = tpath("%s/link", f.dir);
	struct xrun o;

	XPROBE(&x, &o, "write", created);
	xassert_exit(&o, 0, "OK\n");
	assert_record(&o, "filesystem.write", created, true);
	xrun_free(&o);

	XPROBE(&x, &o, "mkdir", sub);
	xassert_exit(&o, 0, "OK\n");
	assert_record(&o, "filesystem.write", sub, true);
	xrun_free(&o);

	XPROBE(&x, &o, "symlink", "granted", link);
	xassert_exit(&o, 0, "OK\n");
	assert_record(&o, "filesystem.write", link, true);
	xrun_free(&o);

	XPROBE(&x, &o, "rename", created, renamed);
	xassert_exit(&o, 0, "OK\n");
	assert_record(&o, "filesystem.write", tpath("%s -> %s", created, renamed), true);
	xrun_free(&o);

	XPROBE(&x, &o, "unlink", renamed);
	xassert_exit(&o, 0, "OK\n");
	assert_record(&o, "filesystem.write", renamed, true);
	xrun_free(&o);

	/* outside the granted tree */
	const char *outside = tpath("%s/new", f.other);
	XPROBE(&x, &o, "write", outside);
	xassert_exit(&o, 1, "ERR EACCES\n");
	assert_record(&o, "filesystem.write", outside, false);
	xrun_free(&o);

	XPROBE(&x, &o, "mkdir", tpath("%s/d", f.other));
	xassert_exit(&o, 1, "ERR EACCES\n");
	assert_record(&o, "filesystem.write", tpath("%s/d", f.other), false);
	xrun_free(&o);

	XPROBE(&x, &o, "unlink", f.denied);
	xassert_exit(&o, 1, "ERR EACCES\n");
	assert_record(&o, "filesystem.write", f.denied, false);
	cr_assert(path_exists(f.denied));
	xrun_free(&o);

	XPROBE(&x, &o, "rename", f.granted, tpath("%s/moved", f.other));
	cr_assert_neq(o.exit_code, 0, "%s", xdescribe(&o));
	assert_record(&o, "filesystem.write", tpath("%s -> %s/moved", f.granted, f.other), false);
	xrun_free(&o);
}

/* ---- system.subprocess ---- */

BOTH(audit, subprocess_denied_and_allowed)
{
	struct xspec x = audited(nobody);
	struct xrun o;
	XPROBE(&x, &o, "fork");
	xassert_exit(&o, 1, "ERR EPERM\n");
	const struct xrec *r = xfind(&o, "system.subprocess", NULL, false);
	cr_assert_not_null(r, "no denied system.subprocess record:%s", xlog_dump(&o));
	cr_assert(strncmp(r->target, "fork", 4) == 0 || strncmp(r->target, "clone", 5) == 0,
	          "target \"%s\"", r->target);
	cr_assert_neq(r->reason[0], '\0');
	/* exec of another program, without the capability */
	xrun_free(&o);
	XPROBE(&x, &o, "exec", "/bin/echo", "hello", "world");
	xassert_exit(&o, 1, "ERR EACCES\n");
	r = xfind(&o, "system.subprocess", "echo", false);
	cr_assert_not_null(r, "no denied exec record:%s", xlog_dump(&o));
	xrun_free(&o);

	spec_allow(&x.s, "system.subprocess", NULL);
	XPROBE(&x, &o, "fork");
	xassert_exit(&o, 0, "OK\n");
	r = xfind(&o, "system.subprocess", NULL, true);
	cr_assert_not_null(r, "no allowed process creation record:%s", xlog_dump(&o));
	cr_assert(strncmp(r->target, "fork", 4) == 0 || strncmp(r->target, "clone", 5) == 0,
	          "target \"%s\"", r->target);
	xrun_free(&o);

	XPROBE(&x, &o, "exec", "/bin/echo", "hello", "world");
	xassert_exit(&o, 0, "hello world\n");
	r = xfind(&o, "system.subprocess", "[/bin/echo hello world]", true);
	cr_assert_not_null(r, "no exec record with the argv:%s", xlog_dump(&o));
	cr_assert(strstr(r->target, "/echo ["), "the target names the program: \"%s\"", r->target);
	cr_assert_eq(r->pid, xplugin_pid(&o));
	xrun_free(&o);
}

/* ---- network ---- */

BOTH(audit, network_denied_and_allowed)
{
	uint16_t port;
	int l = tcp_listener(&port);
	struct xspec x = audited(nobody);
	struct xrun o;
	XPROBE(&x, &o, "socket", "inet", "stream");
	xassert_exit(&o, 1, "ERR EPERM\n");
	const struct xrec *r = xfind(&o, NULL, "socket inet/stream", false);
	cr_assert_not_null(r, "no denied socket record:%s", xlog_dump(&o));
	cr_assert(strncmp(r->action, "network.", 8) == 0 && r->reason[0], "%s %s", r->action,
	          r->reason);
	xrun_free(&o);

	spec_allow(&x.s, "network.socket", NULL);
	XPROBE(&x, &o, "connect-tcp", "127.0.0.1", tpath("%u", port));
	xassert_exit(&o, 0, "OK\n");
	assert_record(&o, "network.socket", tpath("connect 127.0.0.1:%u", port), true);
	r = xfind(&o, "network.socket", "socket inet/stream", true);
	cr_assert_not_null(r, "no allowed socket record:%s", xlog_dump(&o));
	xrun_free(&o);
	close(l);
}

/* ---- environment ---- */

#define TOKEN_VALUE    "tok-VALUE-5b1e7c"
#define PASSWORD_VALUE "pw-VALUE-93d2aa"

static bool contains_value(const struct xrec *r, const char *v)
{
	return strstr(r->target, v) || strstr(r->reason, v) || strstr(r->action, v) ||
	       strstr(r->plugin, v);
}

BOTH(audit, environment_read_withheld_names_never_values)
{
	static const char *const env[] = {"API_TOKEN=" TOKEN_VALUE, "DB_PASSWORD=" PASSWORD_VALUE,
	                                  "PLAIN=plain", NULL};
	struct xspec x = audited(nobody);
	x.s.env = env;
	x.callback = true;
	spec_allow(&x.s, "environment.read", "DB_PASSWORD");
	struct xrun o;
	XPROBE(&x, &o, "env", "API_TOKEN");
	xassert_exit(&o, 0, "UNSET\n");
	const struct xrec *r = find_exact(&o, "environment.read", "API_TOKEN");
	cr_assert_not_null(r, "no record of the withheld API_TOKEN:%s", xlog_dump(&o));
	cr_assert(!r->allowed && r->reason[0] && r->pid == 0, "%s", r->reason);
	cr_assert_null(find_exact(&o, "environment.read", "DB_PASSWORD"),
	               "a granted variable was reported withheld");
	for (size_t i = 0; i < o.n_log; i++)
		cr_assert(!contains_value(&o.log[i], TOKEN_VALUE) &&
		              !contains_value(&o.log[i], PASSWORD_VALUE),
		          "a value is in the log: %s \"%s\" (%s)", o.log[i].action, o.log[i].target,
		          o.log[i].reason);
	for (size_t i = 0; i < o.n_cb; i++)
		cr_assert(!contains_value(&o.cb[i], TOKEN_VALUE) &&
		              !contains_value(&o.cb[i], PASSWORD_VALUE),
		          "a value reached the callback: %s \"%s\"", o.cb[i].action,
		          o.cb[i].target);
	xrun_free(&o);
	/* the granted one is there */
	XPROBE(&x, &o, "env", "DB_PASSWORD");
	xassert_exit(&o, 0, PASSWORD_VALUE "\n");
	xrun_free(&o);
}

BOTH(audit, environment_write_granted_and_denied)
{
	struct xspec x = audited(nobody);
	spec_allow(&x.s, "environment.write", "FOO");
	struct xrun o;
	XPROBE(&x, &o, "env-write", "FOO=1", "BAR=2", "FOO");
	xassert_exit(&o, 0, "OK\n");
	cr_assert_str_eq(o.env_changes, "FOO=1\nFOO\n");
	const struct xrec *foo = find_exact(&o, "environment.write", "FOO");
	const struct xrec *bar = find_exact(&o, "environment.write", "BAR");
	cr_assert(foo && foo->allowed && foo->reason[0], "FOO:%s", xlog_dump(&o));
	cr_assert(bar && !bar->allowed && bar->reason[0], "BAR:%s", xlog_dump(&o));
	cr_assert_eq(xcount(&o, "environment.write", NULL, -1), 3, "%s", xlog_dump(&o));
	xrun_free(&o);
}

/* ---- lifecycle ---- */

BOTH(audit, lifecycle_start_first_end_last)
{
	struct xspec x = audited(nobody);
	x.plugin_name = "lifecycle-plugin";
	struct timespec t0, t1;
	clock_gettime(CLOCK_REALTIME, &t0);
	struct xrun o;
	XPROBE(&x, &o, "exit", "3");
	clock_gettime(CLOCK_REALTIME, &t1);
	xassert_ran(&o);
	cr_assert_eq(o.exit_code, 3, "%s", xdescribe(&o));
	cr_assert_geq(o.n_log, 3, "%s", xlog_dump(&o));
	const struct xrec *first = &o.log[0], *last = &o.log[o.n_log - 1];
	cr_assert_str_eq(first->action, "run.start", "%s", xlog_dump(&o));
	cr_assert_str_eq(first->target, probe_path());
	cr_assert_str_eq(last->action, "run.end", "%s", xlog_dump(&o));
	cr_assert_str_eq(last->target, "exited 3");
	cr_assert(strstr(last->reason, "wall") && strstr(last->reason, "peak memory"), "%s",
	          last->reason);
	const struct xrec *exec = xfind(&o, "run.exec", NULL, -1);
	cr_assert_not_null(exec, "%s", xlog_dump(&o));
	cr_assert(exec->allowed && strstr(exec->target, "[") && strstr(exec->target, "exit 3]"),
	          "run.exec \"%s\"", exec->target);
	double lo = (double)t0.tv_sec + t0.tv_nsec / 1e9 - 0.001,
	       hi = (double)t1.tv_sec + t1.tv_nsec / 1e9 + 0.001;
	for (size_t i = 0; i < o.n_log; i++) {
		const struct xrec *r = &o.log[i];
		cr_assert_eq(r->run_id, o.run_id, "record %zu has another run id", i);
		cr_assert_str_eq(r->plugin, "lifecycle-plugin");
		cr_assert(r->timestamp >= lo && r->timestamp <= hi,
		          "record %zu's timestamp %.6f is outside the run [%.6f, %.6f]", i,
		          r->timestamp, lo, hi);
		if (i)
			cr_assert_geq(r->timestamp, o.log[i - 1].timestamp, "record %zu", i);
		cr_assert_neq(r->action[0], '\0');
	}
	xrun_free(&o);
}

/* ---- deny-listed syscalls ---- */

BOTH(audit, denylisted_syscalls)
{
	static const struct {
		const char *op, *arg, *syscall;
	} cases[] = {{"ptrace-attach", "1", "ptrace"},
	             {"io-uring", NULL, "io_uring_setup"},
	             {"unshare-user", NULL, "unshare"}};
	struct xspec x = audited(nobody);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct xrun o;
		if (cases[i].arg)
			XPROBE(&x, &o, cases[i].op, cases[i].arg);
		else
			XPROBE(&x, &o, cases[i].op);
		xassert_exit(&o, 1, "ERR EPERM\n");
		assert_record(&o, "system.syscall", cases[i].syscall, false);
		xrun_free(&o);
	}
}

/* ---- levels and sinks ---- */

static bool lifecycle(const char *action)
{
	return strncmp(action, "run.", 4) == 0 || strncmp(action, "limit.", 6) == 0 ||
	       strncmp(action, "audit.", 6) == 0;
}

BOTH(audit, level_denied_keeps_denials_and_lifecycle)
{
	struct fs_fixture f = fs_files(nobody);
	struct xspec x = audited(nobody);
	x.audit_level = PRAXIS_AUDIT_DENIED;
	spec_allow(&x.s, "filesystem.read", f.dir);
	struct xrun o;
	XPROBE(&x, &o, "read-many", f.granted, f.denied);
	xassert_exit(&o, 1, "ERR EACCES\n");
	assert_record(&o, "filesystem.read", f.denied, false);
	cr_assert_null(find_exact(&o, "filesystem.read", f.granted), "an allowed open was kept:%s",
	               xlog_dump(&o));
	for (size_t i = 0; i < o.n_log; i++)
		cr_assert(!o.log[i].allowed || lifecycle(o.log[i].action),
		          "allowed %s \"%s\" kept at level denied", o.log[i].action,
		          o.log[i].target);
	cr_assert_str_eq(o.log[0].action, "run.start");
	cr_assert_str_eq(o.log[o.n_log - 1].action, "run.end");
	xrun_free(&o);
}

BOTH(audit, level_off_collects_nothing)
{
	struct fs_fixture f = fs_files(nobody);
	struct xspec x = audited(nobody);
	x.audit_level = PRAXIS_AUDIT_OFF;
	x.callback = true;
	spec_allow(&x.s, "filesystem.read", f.dir);
	struct xrun o;
	XPROBE(&x, &o, "read-many", f.granted, f.denied);
	xassert_exit(&o, 1, "ERR EACCES\n"); /* enforcement is the same */
	cr_assert_eq(o.n_log, 0, "level off kept records:%s", xlog_dump(&o));
	cr_assert_eq(o.n_cb, 0, "level off called the callback %zu times", o.n_cb);
	xrun_free(&o);
}

static bool same_record(const struct xrec *a, const struct xrec *b)
{
	return a->timestamp == b->timestamp && a->run_id == b->run_id && a->pid == b->pid &&
	       a->allowed == b->allowed && strcmp(a->plugin, b->plugin) == 0 &&
	       strcmp(a->action, b->action) == 0 && strcmp(a->target, b->target) == 0 &&
	       strcmp(a->reason, b->reason) == 0;
}

BOTH(audit, callback_gets_the_same_records_as_the_log)
{
	struct fs_fixture f = fs_files(nobody);
	struct xspec x = audited(nobody);
	x.callback = true;
	spec_allow(&x.s, "filesystem.read", f.dir);
	spec_allow(&x.s, "system.subprocess", NULL);
	struct xrun o;
	XPROBE(&x, &o, "exec", "/bin/cat", f.granted, f.denied);
	xassert_ran(&o);
	cr_assert_gt(o.n_log, 5, "%s", xlog_dump(&o));
	cr_assert_eq(o.n_cb, o.n_log, "the callback saw %zu records, the log has %zu", o.n_cb,
	             o.n_log);
	for (size_t i = 0; i < o.n_log; i++)
		cr_assert(same_record(&o.log[i], &o.cb[i]),
		          "record %zu differs: log %s \"%s\", callback %s \"%s\"", i,
		          o.log[i].action, o.log[i].target, o.cb[i].action, o.cb[i].target);
	/* the callback alone (no collected log) gets them too */
	x.collect_audit = false;
	struct xrun c;
	XPROBE(&x, &c, "exec", "/bin/cat", f.granted, f.denied);
	xassert_ran(&c);
	cr_assert_eq(c.n_cb, o.n_cb, "callback only: %zu records, with the log: %zu", c.n_cb,
	             o.n_cb);
	xrun_free(&c);
	xrun_free(&o);
}

/* ---- real programs ---- */

BOTH(audit, python_plugin_lists_the_files_it_opened)
{
	struct fs_fixture f = fs_files(nobody);
	const char *second = tpath("%s/second.txt", f.dir);
	file_put(second, "second\n", nobody);
	struct xspec x = audited(nobody);
	spec_allow(&x.s, "filesystem.read", f.dir);
	struct xrun o;
	XRUN(&x, &o, "/usr/bin/python3", "-c",
	     tpath("import sys; a = open('%s').read(); b = open('%s').read(); "
	           "sys.stdout.write(a + b)",
	           f.granted, second));
	xassert_exit(&o, 0, "granted\nsecond\n");
	assert_record(&o, "filesystem.read", f.granted, true);
	assert_record(&o, "filesystem.read", second, true);
	xrun_free(&o);
}

/* Opens (filesystem.read/write records) of PID after the run.exec record. */
static size_t plugin_opens(const struct xrun *o, int pid)
{
	size_t n = 0;
	bool after_exec = false;
	for (size_t i = 0; i < o->n_log; i++) {
		const struct xrec *r = &o->log[i];
		if (strcmp(r->action, "run.exec") == 0)
			after_exec = true;
		else if (after_exec && r->pid == pid &&
		         (strcmp(r->action, "filesystem.read") == 0 ||
		          strcmp(r->action, "filesystem.write") == 0))
			n++;
	}
	return n;
}

/* open/openat/openat2/creat calls strace saw (each call is one line). */
static size_t strace_opens(const char *trace, char *names, size_t size)
{
	FILE *f = fopen(trace, "re");
	cr_assert_not_null(f, "no strace output %s", trace);
	char line[4096];
	size_t n = 0, len = 0;
	names[0] = '\0';
	regex_t re;
	cr_assert_eq(regcomp(&re, "^[0-9]+ +(open|openat|openat2|creat)\\(", REG_EXTENDED), 0);
	while (fgets(line, sizeof(line), f))
		if (regexec(&re, line, 0, NULL, 0) == 0) {
			n++;
			char *q = strchr(line, '"');
			if (q && len + 200 < size)
				len += (size_t)snprintf(names + len, size - len, "\n  %.150s", q);
		}
	regfree(&re);
	fclose(f);
	return n;
}

static void compare_with_strace(const struct xspec *x, const char *const *argv, const char *trace)
{
	/* strace: unsandboxed, same environment */
	const char *sargv[32];
	size_t k = 0;
	static const char *const pre[] = {
	    "/usr/bin/strace", "-f", "-qq", "-e", "trace=open,openat,openat2,creat", "-o"};
	for (size_t i = 0; i < sizeof(pre) / sizeof(*pre); i++)
		sargv[k++] = pre[i];
	sargv[k++] = trace;
	for (size_t i = 0; argv[i] && k < 31; i++)
		sargv[k++] = argv[i];
	sargv[k] = NULL;
	struct run_out plain;
	plain_runv(&x->s, sargv, &plain);
	cr_assert_eq(plain.res.status, PRAXIS_EXITED, "strace: %s", describe(&plain));
	char names[4096];
	size_t traced = strace_opens(trace, names, sizeof(names));
	cr_assert_gt(traced, 3, "strace saw %zu opens", traced);

	struct xrun o;
	xrun_argv(x, argv, &o);
	xassert_ran(&o);
	cr_assert_eq(o.exit_code, plain.res.exit_code, "%s", xdescribe(&o));
	size_t audited_opens = plugin_opens(&o, xplugin_pid(&o));
	cr_assert_eq(audited_opens, traced,
	             "%s: strace saw %zu opens, the audit log has %zu; strace:%s\nthe log:%s",
	             argv[0], traced, audited_opens, names, xlog_dump(&o));
	xrun_free(&o);
}

/* Network and process syscalls: socket, connect, execve calls strace saw
 * against the network.* / run.exec / system.subprocess records. */
static size_t strace_count(const char *trace, const char *pattern)
{
	FILE *f = fopen(trace, "re");
	cr_assert_not_null(f, "no strace output %s", trace);
	regex_t re;
	cr_assert_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	char line[4096];
	size_t n = 0;
	while (fgets(line, sizeof(line), f))
		n += regexec(&re, line, 0, NULL, 0) == 0;
	regfree(&re);
	fclose(f);
	return n;
}

static size_t count_prefix(const struct xrun *o, const char *action, const char *prefix)
{
	size_t n = 0;
	for (size_t i = 0; i < o->n_log; i++)
		n += strncmp(o->log[i].action, action, strlen(action)) == 0 &&
		     strncmp(o->log[i].target, prefix, strlen(prefix)) == 0;
	return n;
}

PTEST(audit, network_and_process_counts_match_strace)
{
	uint16_t port;
	int l = tcp_listener(&port);
	const char *dir = tmpdir_new(false);
	const char *trace = tpath("%s/net.trace", dir);
	struct xspec x = audited(false);
	spec_allow(&x.s, "network.socket", NULL);
	spec_allow(&x.s, "system.subprocess", NULL);
	/* the probe connects, then execs itself to create a socket family it
	 * may not have */
	const char *const argv[] = {probe_path(),  "exec",      probe_path(),
	                            "connect-tcp", "127.0.0.1", tpath("%u", port),
	                            NULL};
	const char *sargv[] = {"/usr/bin/strace",
	                       "-f",
	                       "-qq",
	                       "-e",
	                       "trace=socket,connect,execve",
	                       "-o",
	                       trace,
	                       argv[0],
	                       argv[1],
	                       argv[2],
	                       argv[3],
	                       argv[4],
	                       argv[5],
	                       NULL};
	struct run_out plain;
	plain_runv(&x.s, sargv, &plain);
	cr_assert_str_eq(plain.out, "OK\n", "strace: %s", describe(&plain));
	size_t sockets = strace_count(trace, "^[0-9]+ +socket\\(");
	size_t connects = strace_count(trace, "^[0-9]+ +connect\\(");
	size_t execs = strace_count(trace, "^[0-9]+ +execve\\(");
	cr_assert(sockets >= 1 && connects >= 1 && execs == 2, "strace: %zu %zu %zu", sockets,
	          connects, execs);

	struct xrun o;
	xrun_argv(&x, argv, &o);
	xassert_exit(&o, 0, "OK\n");
	cr_assert_eq(count_prefix(&o, "network.", "socket "), sockets,
	             "strace saw %zu socket calls:%s", sockets, xlog_dump(&o));
	cr_assert_eq(count_prefix(&o, "network.", "connect "), connects,
	             "strace saw %zu connect calls:%s", connects, xlog_dump(&o));
	size_t audited_execs =
	    xcount(&o, "run.exec", NULL, -1) + count_prefix(&o, "system.subprocess", "/");
	cr_assert_eq(audited_execs, execs, "strace saw %zu execve calls:%s", execs, xlog_dump(&o));
	xrun_free(&o);
	close(l);
}

PTEST(audit, open_counts_match_strace)
{
	struct fs_fixture f = fs_files(false);
	const char *b = tpath("%s/b", f.dir), *c = tpath("%s/c", f.dir);
	file_put(b, "b\n", false);
	file_put(c, "c\n", false);
	struct xspec x = audited(false);
	spec_allow(&x.s, "filesystem.read", f.dir);
	const char *dir = tmpdir_new(false);
	compare_with_strace(&x, (const char *const[]){"/bin/cat", f.granted, b, c, NULL},
	                    tpath("%s/cat.trace", dir));
	/* the probe: allowed, denied, missing and relative paths */
	x.s.cwd = f.dir;
	compare_with_strace(&x,
	                    (const char *const[]){probe_path(), "read-many", f.granted, "b", "./c",
	                                          f.denied, tpath("%s/missing", f.dir),
	                                          "/etc/hostname", NULL},
	                    tpath("%s/probe.trace", dir));
}

/* ---- the path swap (TOCTOU) ---- */

BOTH(audit, path_swap_never_reads_what_landlock_denies)
{
	/* One thread flips a path between a granted file and a secret while
	 * the other opens it in a loop: the supervisor may log either path,
	 * Landlock decides on what the kernel resolves. */
	const char *dir = tmpdir_new(nobody);
	const char *good = tpath("%s/good", dir);
	file_put(good, "good content\n", nobody);
	const char *secret;
	if (nobody) {
		/* /etc/shadow is unreadable to uid 65534 anyway: a secret it
		 * could read without the sandbox */
		const char *sdir = tmpdir_new(true);
		secret = tpath("%s/secret", sdir);
		file_put(secret, "secret content\n", true);
	} else {
		secret = "/etc/shadow";
	}
	struct xspec x = audited(nobody);
	struct run_out plain;
	long g = 0, other = 0, eacces = 0, errors = 0;
	/* control: without the sandbox the swap does reach the secret (a
	 * loaded machine may not run the flipper in between: retried) */
	for (int attempt = 0; attempt < 5 && other == 0; attempt++) {
		plain_probev(&x.s, (const char *const[]){"toctou", good, secret, "2000", NULL},
		             &plain);
		cr_assert_eq(plain.res.exit_code, 0, "%s", describe(&plain));
		cr_assert_eq(sscanf(plain.out, "good=%ld other=%ld eacces=%ld errors=%ld", &g,
		                    &other, &eacces, &errors),
		             4, "%s", plain.out);
	}
	cr_assert_gt(other, 0, "control: the swap never opened the secret: %s", plain.out);

	spec_allow(&x.s, "filesystem.read", dir);
	long total_good = 0, total_eacces = 0;
	for (int attempt = 0; attempt < 5 && total_eacces == 0; attempt++) {
		struct xrun o;
		XPROBE(&x, &o, "toctou", good, secret, "2000");
		xassert_ran(&o);
		cr_assert_eq(o.exit_code, 0, "%s", xdescribe(&o));
		cr_assert_eq(sscanf(o.out, "good=%ld other=%ld eacces=%ld errors=%ld", &g, &other,
		                    &eacces, &errors),
		             4, "%s", o.out);
		cr_assert_eq(other, 0, "the secret was read through the swap: %s", o.out);
		cr_assert_gt(xcount(&o, "filesystem.read", good, -1), 0, "%s", xlog_dump(&o));
		cr_assert_eq(o.json_bad, 0, "%s", o.json_bad_example);
		total_good += g;
		total_eacces += eacces;
		xrun_free(&o);
	}
	cr_assert_gt(total_good, 0, "the granted file was never read");
	cr_assert_gt(total_eacces, 0, "the swap never reached the kernel with the secret");
}

/* ---- threads, floods, kills ---- */

BOTH(audit, multithreaded_plugin_records_every_thread)
{
	const char *dir = tmpdir_new(nobody);
	const char *files[4];
	for (int i = 0; i < 4; i++) {
		files[i] = tpath("%s/t%d", dir, i);
		file_put(files[i], "t\n", nobody);
	}
	struct xspec x = audited(nobody);
	spec_allow(&x.s, "filesystem.read", dir);
	struct xrun o;
	XPROBE(&x, &o, "threads-open", "25", files[0], files[1], files[2], files[3]);
	xassert_exit(&o, 0, "OK\n");
	int main_pid = xplugin_pid(&o);
	int tids[4];
	for (int i = 0; i < 4; i++) {
		tids[i] = 0;
		size_t n = 0;
		for (size_t k = 0; k < o.n_log; k++) {
			const struct xrec *r = &o.log[k];
			if (strcmp(r->target, files[i]) != 0)
				continue;
			cr_assert(strcmp(r->action, "filesystem.read") == 0 && r->allowed, "%s %s",
			          r->action, r->target);
			if (!tids[i])
				tids[i] = r->pid;
			cr_assert_eq(r->pid, tids[i], "thread %d's records have pids %d and %d", i,
			             tids[i], r->pid);
			n++;
		}
		cr_assert_eq(n, 25, "thread %d: %zu records of %s, expected 25", i, n, files[i]);
		cr_assert(tids[i] > 0 && tids[i] != main_pid,
		          "thread %d's records carry pid %d (the main thread is %d)", i, tids[i],
		          main_pid);
		for (int j = 0; j < i; j++)
			cr_assert_neq(tids[i], tids[j], "threads %d and %d share pid %d", i, j,
			              tids[i]);
	}
	xrun_free(&o);
}

PTEST(audit, flood_is_bounded_and_the_loss_is_recorded)
{
	const char *dir = tmpdir_new(false);
	const char *file = tpath("%s/f", dir);
	file_put(file, "f\n", false);
	struct xspec x = audited(false);
	x.audit_max_records = 1000;
	x.callback_count = true;
	spec_allow(&x.s, "filesystem.read", dir);
	struct xrun o;
	/* 100k rather than 200k opens: an audited open costs ~40 us on a
	 * loaded 2-core machine, and the test must stay under 10 s */
	x.limits.wall_seconds = 9.5;
	XPROBE(&x, &o, "open-loop", file, "100000");
	xassert_exit(&o, 0, "OK\n");
	/* 1000 records, then past the bound only lifecycle records (run.end)
	 * and, last, one audit.dropped saying how many were lost */
	cr_assert(o.n_log > 1000 && o.n_log <= 1010, "%zu records kept (bound 1000)", o.n_log);
	cr_assert_str_eq(o.log[0].action, "run.start");
	for (size_t i = 1000; i < o.n_log; i++)
		cr_assert(lifecycle(o.log[i].action), "record %zu past the bound: %s \"%s\"", i,
		          o.log[i].action, o.log[i].target);
	const struct xrec *last = &o.log[o.n_log - 1];
	cr_assert_str_eq(last->action, "audit.dropped", "the last record: %s", last->action);
	cr_assert_not_null(xfind(&o, "run.end", "exited 0", -1), "run.end was dropped");
	/* every record went to the callback (audit.dropped too): what the
	 * log does not hold is exactly what it says it dropped */
	cr_assert_geq(o.cb_count, 100001, "the callback saw %llu records",
	              (unsigned long long)o.cb_count);
	cr_assert_eq(o.dropped, o.cb_count - o.n_log,
	             "dropped %llu; the callback saw %llu records, the log kept %zu",
	             (unsigned long long)o.dropped, (unsigned long long)o.cb_count, o.n_log);
	char count[32];
	snprintf(count, sizeof(count), "%llu", (unsigned long long)o.dropped);
	cr_assert(strstr(last->reason, count), "audit.dropped says \"%s\", %s were dropped",
	          last->reason, count);
	cr_assert_eq(xcount(&o, "audit.dropped", NULL, -1), 1);
	xrun_free(&o);
}

PTEST(audit, lifecycle_records_survive_a_full_log)
{
	/* The log's bound drops operations, not the records that say how the
	 * run ended: limit.exceeded and run.end are what a host reads first. */
	const char *dir = tmpdir_new(false);
	const char *file = tpath("%s/f", dir);
	file_put(file, "f\n", false);
	struct xspec x = audited(false);
	x.audit_max_records = 100;
	x.limits.wall_seconds = 1;
	spec_allow(&x.s, "filesystem.read", dir);
	struct xrun o;
	XPROBE(&x, &o, "open-loop", file, "1000000000");
	xassert_limit(&o, PRAXIS_LIMIT_WALL);
	cr_assert_gt(o.dropped, 0);
	cr_assert_not_null(xfind(&o, "audit.dropped", NULL, -1), "%s", xlog_dump(&o));
	cr_assert_not_null(xfind(&o, "limit.exceeded", "wall", false),
	                   "the limit hit was dropped from a full log (%zu records kept)", o.n_log);
	cr_assert_not_null(xfind(&o, "run.end", "stopped: wall limit", -1),
	                   "run.end was dropped from a full log (%zu records kept)", o.n_log);
	xrun_free(&o);
}

BOTH(audit, plugin_killed_mid_syscall_ends_cleanly)
{
	const char *dir = tmpdir_new(nobody);
	const char *file = tpath("%s/f", dir);
	file_put(file, "f\n", nobody);
	struct xspec x = audited(nobody);
	x.limits.wall_seconds = 1;
	spec_allow(&x.s, "filesystem.read", dir);
	int fds_before = count_open_fds();
	struct xrun o;
	XPROBE(&x, &o, "open-loop", file, "1000000000");
	xassert_limit(&o, PRAXIS_LIMIT_WALL);
	cr_assert_lt(o.seconds, 3.0, "%s", xdescribe(&o));
	cr_assert_not_null(xfind(&o, "limit.exceeded", "wall", false), "%s", xlog_dump(&o));
	cr_assert_eq(o.dropped, 0, "the default bound was too small for this test");
	const struct xrec *last = &o.log[o.n_log - 1];
	cr_assert(strcmp(last->action, "run.end") == 0 &&
	              strcmp(last->target, "stopped: wall limit") == 0,
	          "last record %s \"%s\"", last->action, last->target);
	cr_assert_eq(count_open_fds(), fds_before, "fds leaked: %s", list_open_fds());
	/* the sandbox is still usable afterwards */
	xrun_free(&o);
	x.limits.wall_seconds = 8;
	XPROBE(&x, &o, "read", file);
	xassert_exit(&o, 0, "OK\n");
	xrun_free(&o);
}

/* ---- JSON ---- */

PTEST(audit, json_has_the_documented_fields)
{
	struct fs_fixture f = fs_files(false);
	struct xspec x = audited(false);
	spec_allow(&x.s, "filesystem.read", f.dir);
	struct xrun o;
	XPROBE(&x, &o, "read-many", f.granted, f.denied);
	xassert_ran(&o);
	regex_t stamp;
	cr_assert_eq(regcomp(&stamp,
	                     "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z$",
	                     REG_EXTENDED | REG_NOSUB),
	             0);
	char run[32];
	snprintf(run, sizeof(run), "%016llx", (unsigned long long)o.run_id);
	for (size_t i = 0; i < o.n_log; i++) {
		const struct xrec *r = &o.log[i];
		praxis_audit_record rec = {.timestamp = r->timestamp,
		                           .plugin = r->plugin,
		                           .run_id = r->run_id,
		                           .pid = r->pid,
		                           .action = r->action,
		                           .target = r->target,
		                           .allowed = r->allowed,
		                           .reason = r->reason};
		char *text = praxis_audit_record_to_json(&rec);
		cr_assert_not_null(text, "record %zu (%s) has no JSON", i, r->action);
		cr_assert_null(strchr(text, '\n'), "a newline in %s", text);
		json_error_t e;
		json_t *j = json_loads(text, 0, &e);
		cr_assert_not_null(j, "%s: %s", text, e.text);
		cr_assert(json_is_object(j) && json_object_size(j) == 8, "%s", text);
		json_t *ts = json_object_get(j, "timestamp");
		cr_assert(json_is_string(ts) &&
		              regexec(&stamp, json_string_value(ts), 0, NULL, 0) == 0,
		          "timestamp in %s", text);
		/* the timestamp says the same second as the record */
		struct tm tm = {0};
		cr_assert_not_null(strptime(json_string_value(ts), "%Y-%m-%dT%H:%M:%S", &tm));
		double secs = (double)timegm(&tm) + atof(json_string_value(ts) + 19);
		cr_assert(secs - r->timestamp < 1e-5 && r->timestamp - secs < 1e-5,
		          "timestamp %s for %.6f", json_string_value(ts), r->timestamp);
		cr_assert_str_eq(json_string_value(json_object_get(j, "plugin")), "test");
		cr_assert_str_eq(json_string_value(json_object_get(j, "run")), run);
		cr_assert(json_is_integer(json_object_get(j, "pid")) &&
		              json_integer_value(json_object_get(j, "pid")) == r->pid,
		          "%s", text);
		cr_assert_str_eq(json_string_value(json_object_get(j, "action")), r->action);
		cr_assert_str_eq(json_string_value(json_object_get(j, "target")), r->target);
		cr_assert(json_is_boolean(json_object_get(j, "allowed")) &&
		              json_is_true(json_object_get(j, "allowed")) == r->allowed,
		          "%s", text);
		cr_assert_str_eq(json_string_value(json_object_get(j, "reason")), r->reason);
		json_decref(j);
		free(text);
	}
	regfree(&stamp);
	xrun_free(&o);
}

PTEST(audit, non_utf8_path_is_escaped)
{
	const char *dir = tmpdir_new(false);
	const char *name = tpath("%s/caf\xe9-\x01-\xff", dir);
	file_put(name, "x\n", false);
	struct xspec x = audited(false);
	spec_allow(&x.s, "filesystem.read", dir);
	struct xrun o;
	XPROBE(&x, &o, "read", name);
	xassert_exit(&o, 0, "OK\n");
	const char *escaped = tpath("%s/caf\\xe9-\\x01-\\xff", dir);
	assert_record(&o, "filesystem.read", escaped, true);
	cr_assert_eq(o.json_bad, 0, "%zu records without valid JSON, e.g. %s", o.json_bad,
	             o.json_bad_example);
	xrun_free(&o);
}

PTEST(audit, non_utf8_program_path_keeps_every_record_valid_json)
{
	/* run.start and run.exec name the program: its path is the host's
	 * choice, but a JSON Lines sink must not lose the record */
	const char *dir = tmpdir_new(false);
	const char *prog = tpath("%s/pro\xffprobe", dir);
	const char *src = probe_path();
	char buf[65536];
	int in = open(src, O_RDONLY | O_CLOEXEC),
	    out = open(prog, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
	cr_assert(in >= 0 && out >= 0);
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		cr_assert_eq(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
	struct xspec x = audited(false);
	struct xrun o;
	XRUN(&x, &o, prog, "exit", "0");
	xassert_exit(&o, 0, "");
	cr_assert_eq(o.json_bad, 0, "%zu of %zu records have no valid JSON, e.g. %s", o.json_bad,
	             o.n_log, o.json_bad_example);
	xrun_free(&o);
}

PTEST(audit, non_utf8_variable_name_keeps_every_record_valid_json)
{
	static const char *const env[] = {"X\xff_TOKEN=value", "PLAIN=1", NULL};
	struct xspec x = audited(false);
	x.s.env = env;
	struct xrun o;
	XPROBE(&x, &o, "exit", "0");
	xassert_exit(&o, 0, "");
	cr_assert_not_null(xfind(&o, "environment.read", "_TOKEN", false), "%s", xlog_dump(&o));
	cr_assert_eq(o.json_bad, 0, "%zu of %zu records have no valid JSON, e.g. %s", o.json_bad,
	             o.n_log, o.json_bad_example);
	xrun_free(&o);
}

/* ---- the CLI's JSON Lines sink ---- */

/* Every line of TEXT that starts with '{' must parse; returns how many did,
 * and the first and last actions. */
static size_t json_lines(const char *text, char *first, char *last, size_t size)
{
	size_t n = 0;
	first[0] = last[0] = '\0';
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len && *p == '{') {
			json_error_t e;
			json_t *j = json_loadb(p, len, 0, &e);
			cr_assert_not_null(j, "not JSON: %.*s (%s)", (int)len, p, e.text);
			const char *a = json_string_value(json_object_get(j, "action"));
			cr_assert_not_null(a, "no action: %.*s", (int)len, p);
			if (!n)
				snprintf(first, size, "%s", a);
			snprintf(last, size, "%s", a);
			json_decref(j);
			n++;
		}
		p += len + (nl ? 1 : 0);
	}
	return n;
}

PTEST(audit, cli_audit_file_and_stderr)
{
	static const char *const env[] = {"PATH=/usr/bin:/bin", "MY_API_TOKEN=cli-secret-4d2f9",
	                                  NULL};
	const char *dir = tmpdir_new(false);
	const char *file = tpath("%s/audit.jsonl", dir);
	struct run_out o;
	cli_runv(env,
	         (const char *const[]){"run", "--audit", file, "--allow",
	                               "filesystem.read=/etc/hostname", "--", "/bin/cat",
	                               "/etc/hostname", NULL},
	         &o);
	cr_assert_eq(o.res.exit_code, 0, "%s", describe(&o));
	const char *text = file_get(file);
	cr_assert_not_null(text, "no audit file");
	char first[64], last[64];
	size_t n = json_lines(text, first, last, sizeof(first));
	cr_assert_geq(n, 4, "%zu records: %s", n, text);
	cr_assert_str_eq(first, "run.start");
	cr_assert_str_eq(last, "run.end");
	cr_assert(strstr(text, "\"/etc/hostname\""), "the open of /etc/hostname: %s", text);
	cr_assert(strstr(text, "\"MY_API_TOKEN\""), "the withheld variable: %s", text);
	cr_assert_null(strstr(text, "cli-secret-4d2f9"), "a value is in the audit file: %s", text);
	size_t lines = 0;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	cr_assert_eq(lines, n, "lines that are not records in %s", text);

	cli_runv(env,
	         (const char *const[]){"run", "--audit", "-", "--allow",
	                               "filesystem.read=/etc/hostname", "--", "/bin/cat",
	                               "/etc/hostname", NULL},
	         &o);
	cr_assert_lt(strlen(o.err), OUT_MAX - 1, "stderr was cut at %d bytes", OUT_MAX - 1);
	cr_assert_eq(o.res.exit_code, 0, "%s", describe(&o));
	n = json_lines(o.err, first, last, sizeof(first));
	cr_assert_geq(n, 4, "%zu records on stderr: %s", n, o.err);
	cr_assert_str_eq(first, "run.start");
	cr_assert_str_eq(last, "run.end");
	cr_assert(strstr(o.err, "\"/etc/hostname\""), "%s", o.err);
	cr_assert_null(strstr(o.out, "run.start"), "records on stdout: %s", o.out);
}
