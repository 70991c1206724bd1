/* Issue 10, parts 4 and 5: exec once without system.subprocess (with audit
 * all, denied and off), records for paths the supervisor cannot read whole,
 * and reversible escaping of targets. Each attack has an unsandboxed
 * control. Tests marked _nobody run the library as uid 65534. */
#include <fcntl.h>
#include <sys/stat.h>

#include "helpers2.h"

TestSuite(paths, .timeout = 60);

static struct xspec base(bool nobody, praxis_audit_level level)
{
	struct xspec x;
	xspec_init(&x, nobody);
	x.collect_audit = level != PRAXIS_AUDIT_OFF;
	x.audit_level = level;
	x.limits.wall_seconds = 8;
	return x;
}

static const char *const exec_modes[] = {"execve", "execveat", "execveat-fd"};
static const praxis_audit_level levels[] = {PRAXIS_AUDIT_ALL, PRAXIS_AUDIT_DENIED,
                                            PRAXIS_AUDIT_OFF};

BOTH(paths, exec_of_itself_is_refused_without_subprocess)
{
	for (size_t m = 0; m < 3; m++) {
		/* control: unsandboxed, the re-exec works (exit 42) */
		struct xspec x = base(nobody, PRAXIS_AUDIT_OFF);
		struct run_out plain;
		plain_probev(&x.s, (const char *const[]){"exec-self", exec_modes[m], NULL}, &plain);
		cr_assert_eq(plain.res.exit_code, 42, "control %s: %s", exec_modes[m],
		             describe(&plain));
		for (size_t l = 0; l < 3; l++) {
			x = base(nobody, levels[l]);
			struct xrun o;
			XPROBE(&x, &o, "exec-self", exec_modes[m]);
			xassert_exit(&o, 1, "ERR EACCES\n");
			if (levels[l] == PRAXIS_AUDIT_OFF) {
				xrun_free(&o);
				continue;
			}
			const struct xrec *r = xfind(&o, "system.subprocess", NULL, 0);
			cr_assert_not_null(r, "%s, level %zu: no record of the refused exec:%s",
			                   exec_modes[m], l, xlog_dump(&o));
			cr_assert_eq(xcount(&o, "run.exec", NULL, -1), 1, "%s", xlog_dump(&o));
			xrun_free(&o);
		}
	}
}

BOTH(paths, exec_of_itself_works_with_subprocess)
{
	for (size_t m = 0; m < 3; m++)
		for (size_t l = 0; l < 3; l++) {
			struct xspec x = base(nobody, levels[l]);
			spec_allow(&x.s, "system.subprocess", NULL);
			struct xrun o;
			XPROBE(&x, &o, "exec-self", exec_modes[m]);
			xassert_exit(&o, 42, "");
			xrun_free(&o);
		}
}

/* Every open produces a record, also when the supervisor cannot read the
 * path whole: 4095 bytes (the kernel opens it), 4096 and more
 * (ENAMETOOLONG), an unmapped pointer (EFAULT). */
BOTH(paths, unreadable_paths_are_recorded)
{
	const char *dir = tmpdir_new(nobody);
	const char *file = tpath("%s/granted", dir);
	file_put(file, "granted\n", nobody);
	static const struct {
		const char *len, *expect, *reason;
	} cases[] = {{"4095", "OK\n", NULL},
	             {"4096", "ERR ENAMETOOLONG\n", "too long"},
	             {"8000", "ERR ENAMETOOLONG\n", "too long"}};
	for (size_t i = 0; i < 3; i++) {
		struct xspec x = base(nobody, PRAXIS_AUDIT_ALL);
		struct run_out plain;
		plain_probev(&x.s, (const char *const[]){"open-long", file, cases[i].len, NULL},
		             &plain);
		cr_assert_str_eq(plain.out, cases[i].expect, "control %s: %s", cases[i].len,
		                 describe(&plain));
		spec_allow(&x.s, "filesystem.read", dir);
		struct xrun o;
		XPROBE(&x, &o, "open-long", file, cases[i].len);
		xassert_exit(&o, cases[i].reason ? 1 : 0, cases[i].expect);
		if (!cases[i].reason) {
			const struct xrec *r = xfind(&o, "filesystem.read", file, 1);
			cr_assert_not_null(r, "4095 bytes: no record of the open:%s",
			                   xlog_dump(&o));
		} else {
			const struct xrec *r = xfind(&o, "filesystem.read", NULL, 0);
			cr_assert_not_null(r, "%s bytes: no record:%s", cases[i].len,
			                   xlog_dump(&o));
			cr_assert(strstr(r->reason, cases[i].reason), "%s", r->reason);
		}
		xrun_free(&o);
	}
	struct xspec x = base(nobody, PRAXIS_AUDIT_ALL);
	struct xrun o;
	XPROBE(&x, &o, "open-long", "badptr", "0");
	xassert_exit(&o, 1, "ERR EFAULT\n");
	const struct xrec *r = xfind(&o, "filesystem.read", NULL, 0);
	cr_assert_not_null(r, "a bad pointer left no record:%s", xlog_dump(&o));
	cr_assert(strstr(r->reason, "unreadable"), "%s", r->reason);
	xrun_free(&o);
}

/* A working directory deeper than PATH_MAX: the supervisor cannot name it
 * in 4096 bytes, but the kernel opens, creates and removes relative to it.
 * Each operation's record has the kernel's verdict (granted where the
 * whole tree is writable, denied where it is only readable), and a name
 * component over 255 bytes is the kernel's ENAMETOOLONG, not a policy
 * denial. */
static void deep_cwd(bool nobody, bool writable)
{
	const char *dir = tmpdir_new(nobody);
	struct xspec x = base(nobody, PRAXIS_AUDIT_ALL);
	spec_allow(&x.s, writable ? "filesystem.write" : "filesystem.read", dir);
	if (writable)
		spec_allow(&x.s, "filesystem.read", dir);
	const char *expect =
	    writable ? "create OK\nopen OK\nmkdir OK\nunlink OK\nrmdir OK\nlongname ENAMETOOLONG\n"
	             : "create EACCES\nopen ENOENT\nmkdir EACCES\nunlink ENOENT\nrmdir ENOENT\n"
	               "longname ENAMETOOLONG\n";
	struct xrun o;
	/* the deep tree itself is made by a plain run first when read-only */
	if (!writable) {
		struct run_out plain;
		plain_probev(&x.s, (const char *const[]){"deep-ops", dir, "5000", NULL}, &plain);
		cr_assert_str_eq(plain.out,
		                 "create OK\nopen OK\nmkdir OK\nunlink OK\nrmdir OK\n"
		                 "longname ENAMETOOLONG\n",
		                 "control: %s", describe(&plain));
	}
	XPROBE(&x, &o, "deep-ops", dir, "5000");
	xassert_exit(&o, 0, expect);
	/* Every record about the deep tree has the kernel's verdict: the
	 * chain of mkdirs, then create f, open f, mkdir sub, unlink f, rmdir
	 * sub, in that order. */
	static const struct {
		const char *name;
		bool allowed_rw, allowed_ro;
		const char *reason_ro;
	} ops[] = {{"/f", true, false, "no filesystem.write grant"},
	           {"/f", true, true, "does not exist"},
	           {"/sub", true, false, "no filesystem.write grant"},
	           {"/f", true, true, "does not exist"},
	           {"/sub", true, true, "does not exist"}};
	size_t deep = 0, next = 0;
	for (size_t k = 0; k < o.n_log; k++) {
		const struct xrec *r = &o.log[k];
		if (!strstr(r->target, "beyond PATH_MAX"))
			continue;
		deep++;
		cr_assert(strncmp(r->target, "(directory beyond PATH_MAX: device ", 35) == 0, "%s",
		          r->target);
		size_t tl = strlen(r->target);
		if (next < 5 && tl > strlen(ops[next].name) &&
		    strcmp(r->target + tl - strlen(ops[next].name), ops[next].name) == 0) {
			bool want = writable ? ops[next].allowed_rw : ops[next].allowed_ro;
			cr_assert_eq(
			    r->allowed, want, "operation %zu on %s: %s (%s), the kernel: %s", next,
			    r->target, r->allowed ? "allowed" : "denied", r->reason, o.out);
			if (!writable)
				cr_assert(strstr(r->reason, ops[next].reason_ro),
				          "operation %zu: %s", next, r->reason);
			next++;
		} else {
			/* the chain of mkdirs below the tree: made here, or by the
			 * control already (the kernel's EEXIST) */
			cr_assert(r->allowed && (writable || strstr(r->reason, "already exists")),
			          "%s: %s", r->target, r->reason);
		}
	}
	cr_assert_eq(next, 5, "%zu of the 5 operations have a record:%s", next, xlog_dump(&o));
	cr_assert_geq(deep, 5, "%zu records name the deep tree:%s", deep, xlog_dump(&o));
	const struct xrec *lr = xfind(&o, NULL, "nnnnnnnnnn", -1);
	cr_assert_not_null(lr, "no record of the 300-byte name:%s", xlog_dump(&o));
	cr_assert(strstr(lr->reason, "ENAMETOOLONG"), "%s", lr->reason);
	xrun_free(&o);
}

BOTH(paths, a_cwd_deeper_than_path_max_is_recorded_as_the_kernel_acts)
{
	deep_cwd(nobody, true);
	deep_cwd(nobody, false);
}

/* A file literally named a\x41b and one named a<0x01>b must not give the
 * same target: the backslash is escaped too. */
BOTH(paths, escaping_is_reversible)
{
	const char *dir = tmpdir_new(nobody);
	const char *literal = tpath("%s/a\\x01b", dir);
	const char *control = tpath("%s/a\x01"
	                            "b",
	                            dir);
	file_put(literal, "x\n", nobody);
	file_put(control, "x\n", nobody);
	struct xspec x = base(nobody, PRAXIS_AUDIT_ALL);
	spec_allow(&x.s, "filesystem.read", dir);
	struct xrun o1, o2;
	XPROBE(&x, &o1, "read", literal);
	xassert_exit(&o1, 0, "OK\n");
	XPROBE(&x, &o2, "read", control);
	xassert_exit(&o2, 0, "OK\n");
	const struct xrec *r1 = xfind(&o1, "filesystem.read", dir, 1);
	const struct xrec *r2 = xfind(&o2, "filesystem.read", dir, 1);
	cr_assert(r1 && r2, "%s%s", xlog_dump(&o1), xlog_dump(&o2));
	cr_assert_str_neq(r1->target, r2->target, "two files, one target: %s", r1->target);
	cr_assert_str_eq(r1->target, tpath("%s/a\\\\x01b", dir));
	cr_assert_str_eq(r2->target, tpath("%s/a\\x01b", dir));
	xrun_free(&o1);
	xrun_free(&o2);
}

/* openat2 with resolve flags: the record names the file the kernel opens
 * (RESOLVE_IN_ROOT: "/etc/hostname" inside the dirfd), not the host's. */
BOTH(paths, openat2_resolve_flags_name_the_opened_file)
{
	const char *root = tmpdir_new(nobody);
	cr_assert_eq(mkdir(tpath("%s/etc", root), 0755), 0);
	const char *inside = tpath("%s/etc/hostname", root);
	file_put(inside, "inside-the-root\n", nobody);
	static const struct {
		const char *path, *resolve;
	} cases[] = {{"/etc/hostname", "0x10"}, /* RESOLVE_IN_ROOT */
	             {"etc/hostname", "0x08"},  /* RESOLVE_BENEATH */
	             {"etc/hostname", "0x04"},  /* RESOLVE_NO_SYMLINKS */
	             {"etc/hostname", "0x02"},  /* RESOLVE_NO_MAGICLINKS */
	             {"etc/hostname", "0x01"}}; /* RESOLVE_NO_XDEV */
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct xspec x = base(nobody, PRAXIS_AUDIT_ALL);
		struct run_out plain;
		plain_probev(&x.s,
		             (const char *const[]){"openat2-in", root, cases[i].path,
		                                   cases[i].resolve, NULL},
		             &plain);
		cr_assert_str_eq(plain.out, "inside-the-root\n", "control %s", describe(&plain));
		spec_allow(&x.s, "filesystem.read", root);
		struct xrun o;
		XPROBE(&x, &o, "openat2-in", root, cases[i].path, cases[i].resolve);
		xassert_exit(&o, 0, "inside-the-root\n");
		const struct xrec *r = xfind(&o, "filesystem.read", "hostname", -1);
		cr_assert_not_null(r, "%s", xlog_dump(&o));
		cr_assert_str_eq(r->target, inside, "resolve %s: the record names %s (%s)",
		                 cases[i].resolve, r->target, r->allowed ? "allowed" : "denied");
		cr_assert(r->allowed, "%s", r->reason);
		xrun_free(&o);
	}
}

/* /proc/mounts is a link into self: the record names the plugin's
 * /proc/<pid>/mounts (readable), not the supervisor's. */
BOTH(paths, links_into_proc_self_name_the_plugins_entry)
{
	const char *const paths[] = {"/proc/mounts", "/proc/./self/mounts",
	                             "/proc/thread-self/mounts"};
	for (size_t i = 0; i < 3; i++) {
		struct xspec x = base(nobody, PRAXIS_AUDIT_ALL);
		struct xrun o;
		XPROBE(&x, &o, "read", paths[i]);
		xassert_exit(&o, 0, "OK\n");
		int pid = xplugin_pid(&o);
		const char *want = i == 2 ? tpath("/proc/%d/task/%d/mounts", pid, pid)
		                          : tpath("/proc/%d/mounts", pid);
		const struct xrec *r = xfind(&o, "filesystem.read", "mounts", -1);
		cr_assert_not_null(r, "%s", xlog_dump(&o));
		cr_assert_str_eq(r->target, want, "%s: the record names %s", paths[i], r->target);
		cr_assert(r->allowed, "%s: %s", paths[i], r->reason);
		xrun_free(&o);
	}
}

/* The in-memory log is bounded in bytes, not only in records: 12000
 * refused execs with ~32 KiB of argv each make ~8 KiB targets (~100 MB). */
PTEST(paths, the_log_is_bounded_in_bytes)
{
	struct xspec x = base(false, PRAXIS_AUDIT_ALL);
	x.limits.wall_seconds = 20;
	struct xrun o;
	XPROBE(&x, &o, "exec-loop", "9000");
	xassert_exit(&o, 0, "OK\n");
	size_t bytes = 0;
	for (size_t i = 0; i < o.n_log; i++)
		bytes += strlen(o.log[i].target) + strlen(o.log[i].reason);
	cr_assert_lt(bytes, (size_t)33 << 20, "%zu records hold %zu bytes", o.n_log, bytes);
	cr_assert_gt(o.dropped, 0, "%zu records, %zu bytes, none dropped", o.n_log, bytes);
	const struct xrec *d = xfind(&o, "audit.dropped", NULL, 0);
	cr_assert_not_null(d, "the loss is not recorded");
	xrun_free(&o);
}
