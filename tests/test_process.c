/* system.subprocess and the process hardening (capabilities, no_new_privs,
 * uid switch). Without the capability no process can be created and no
 * other program executed, but threads work; with it, children stay in the
 * same sandbox; with a list, only those programs run. */
#include "helpers.h"

TestSuite(process, .timeout = 30);

static struct spec proc_spec(bool nobody, const char *subprocess)
{
	struct spec s;
	spec_init(&s);
	s.as_nobody = nobody;
	if (subprocess)
		spec_allow(&s, "system.subprocess", strcmp(subprocess, "*") ? subprocess : NULL);
	return s;
}

BOTH(process, controls_without_sandbox)
{
	struct spec s = proc_spec(nobody, NULL);
	struct run_out o;
	PLAIN_PROBE(&s, &o, "fork");
	assert_ok(&o);
	PLAIN_PROBE(&s, &o, "vfork");
	assert_ok(&o);
	PLAIN_PROBE(&s, &o, "clone3");
	assert_ok(&o);
	PLAIN_PROBE(&s, &o, "exec", "/bin/true");
	assert_result(&o, 0, "");
}

BOTH(process, no_subprocess_denies_fork_vfork_exec)
{
	struct spec s = proc_spec(nobody, NULL);
	struct run_out o;
	SBX_PROBE(&s, &o, "fork");
	assert_err(&o, "EPERM");
	SBX_PROBE(&s, &o, "vfork");
	assert_err(&o, "EPERM");
	/* clone3's flags are out of a filter's reach: ENOSYS, so libc falls
	 * back to clone(), which the filter checks. */
	SBX_PROBE(&s, &o, "clone3");
	assert_err(&o, "ENOSYS");
	SBX_PROBE(&s, &o, "exec", "/bin/true");
	assert_err(&o, "EACCES");
	SBX_PROBE(&s, &o, "exec", "/bin/sh", "-c", "echo escaped");
	assert_err(&o, "EACCES");
}

BOTH(process, no_subprocess_threads_work)
{
	struct spec s = proc_spec(nobody, NULL);
	struct run_out o;
	SBX_PROBE(&s, &o, "thread");
	assert_ok(&o);
}

BOTH(process, subprocess_allows_fork_and_exec)
{
	struct spec s = proc_spec(nobody, "*");
	struct run_out o;
	SBX_PROBE(&s, &o, "fork");
	assert_ok(&o);
	SBX_PROBE(&s, &o, "vfork");
	assert_ok(&o);
	SBX_PROBE(&s, &o, "thread");
	assert_ok(&o);
	SBX_PROBE(&s, &o, "exec", "/bin/true");
	assert_result(&o, 0, "");
	SBX_RUN(&s, &o, "/bin/sh", "-c", "/bin/echo one; /bin/echo two | /bin/cat");
	assert_result(&o, 0, "one\ntwo\n");
	/* Still ENOSYS: the fallback path is what libc uses. */
	SBX_PROBE(&s, &o, "clone3");
	assert_err(&o, "ENOSYS");
}

BOTH(process, subprocesses_stay_in_the_sandbox)
{
	const char *dir = tmpdir_new(nobody);
	const char *secret = tpath("%s/secret", dir);
	file_put(secret, "s\n", nobody);
	struct spec s = proc_spec(nobody, "*");
	struct run_out o;
	PLAIN_PROBE(&s, &o, "exec", probe_path(), "read", secret);
	assert_ok(&o);
	SBX_PROBE(&s, &o, "exec", probe_path(), "read", secret);
	assert_err(&o, "EACCES");
	SBX_PROBE(&s, &o, "exec", probe_path(), "socket", "inet", "stream");
	assert_err(&o, "EPERM");
	SBX_PROBE(&s, &o, "exec", probe_path(), "write", tpath("%s/new", dir));
	assert_err(&o, "EACCES");
	SBX_RUN(&s, &o, "/bin/sh", "-c", tpath("/bin/cat %s", secret));
	assert_ran(&o);
	cr_assert_neq(o.res.exit_code, 0, "cat of the secret in a subprocess: %s", describe(&o));
	cr_assert_null(strstr(o.out, "s\n"));
}

BOTH(process, subprocess_list_allows_only_listed_programs)
{
	struct spec s = proc_spec(nobody, "/bin/true");
	struct run_out o;
	SBX_PROBE(&s, &o, "exec", "/bin/true");
	assert_result(&o, 0, "");
	SBX_PROBE(&s, &o, "fork");
	assert_ok(&o);
	PLAIN_PROBE(&s, &o, "exec", "/bin/echo", "hi");
	assert_result(&o, 0, "hi\n");
	SBX_PROBE(&s, &o, "exec", "/bin/echo", "hi");
	assert_err(&o, "EACCES");
	SBX_PROBE(&s, &o, "exec", "/bin/sh", "-c", "true");
	assert_err(&o, "EACCES");
}

BOTH(process, subprocess_list_by_name_uses_path)
{
	static const char *const env[] = {"PATH=/usr/bin:/bin", NULL};
	struct spec s = proc_spec(nobody, "true,sh");
	s.env = env;
	struct run_out o;
	SBX_PROBE(&s, &o, "exec", "/usr/bin/true");
	assert_result(&o, 0, "");
	SBX_PROBE(&s, &o, "exec", "/bin/sh", "-c", "exit 7");
	assert_result(&o, 7, "");
	SBX_PROBE(&s, &o, "exec", "/usr/bin/id");
	assert_err(&o, "EACCES");
}

PTEST(process, capabilities_dropped_as_root)
{
	struct spec s = proc_spec(false, NULL);
	struct run_out o;
	PLAIN_PROBE(&s, &o, "capeff");
	assert_ran(&o);
	cr_assert_str_neq(o.out, "0000000000000000\n", "control: root should have capabilities");
	SBX_PROBE(&s, &o, "capeff");
	assert_result(&o, 0, "0000000000000000\n");
	spec_allow(&s, "system.subprocess", NULL);
	SBX_PROBE(&s, &o, "exec", probe_path(), "capeff");
	assert_result(&o, 0, "0000000000000000\n");
}

BOTH(process, no_new_privs_set)
{
	struct spec s = proc_spec(nobody, NULL);
	struct run_out o;
	PLAIN_PROBE(&s, &o, "nnp");
	assert_result(&o, 0, "0\n");
	SBX_PROBE(&s, &o, "nnp");
	assert_result(&o, 0, "1\n");
}

PTEST(process, run_as_uid_from_root)
{
	struct spec s = proc_spec(false, NULL);
	s.run_as_uid = NOBODY;
	struct run_out o;
	SBX_PROBE(&s, &o, "id");
	assert_result(&o, 0, "65534 65534 65534 65534\n");
	SBX_PROBE(&s, &o, "read", "/etc/shadow");
	assert_err(&o, "EACCES");
}

PTEST(process, run_as_uid_needs_root)
{
	struct spec s = proc_spec(true, NULL);
	s.run_as_uid = 1234;
	struct run_out o;
	SBX_RUN(&s, &o, "/bin/true");
	cr_assert_eq(o.rc, -EPERM, "%s", describe(&o));
	cr_assert_neq(o.errmsg[0], '\0');
}

PTEST(process, keeps_uid_of_unprivileged_host)
{
	struct spec s = proc_spec(true, NULL);
	struct run_out o;
	SBX_PROBE(&s, &o, "id");
	assert_result(&o, 0, "65534 65534 65534 65534\n");
}
