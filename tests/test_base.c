/* The base policy: no capability granted. A system program runs and reads
 * the system's own files; nothing else is readable, nothing is writable,
 * there is no network. Each denial has a control: the same probe without a
 * sandbox succeeds. Tests marked _nobody run the same checks from a host
 * process running as uid 65534. */
#include <stdio.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(base, .timeout = 30);

static struct spec base_spec(bool nobody)
{
	struct spec s;
	spec_init(&s);
	s.as_nobody = nobody;
	return s;
}

BOTH(base, runs_bin_true)
{
	struct spec s = base_spec(nobody);
	struct run_out o;
	SBX_RUN(&s, &o, "/bin/true");
	assert_result(&o, 0, "");
	SBX_RUN(&s, &o, "/bin/false");
	assert_result(&o, 1, "");
}

BOTH(base, runs_dynamically_linked_program)
{
	/* dash and the probe are dynamically linked: the loader and libc
	 * must be readable and mappable. */
	struct spec s = base_spec(nobody);
	struct run_out o;
	SBX_RUN(&s, &o, "/bin/sh", "-c", "echo hello from sh");
	assert_result(&o, 0, "hello from sh\n");
	SBX_PROBE(&s, &o, "thread");
	assert_ok(&o);
}

BOTH(base, reads_system_files)
{
	struct spec s = base_spec(nobody);
	struct run_out o;
	SBX_PROBE(&s, &o, "read", "/usr/lib/os-release");
	assert_ok(&o);
	SBX_PROBE(&s, &o, "readdir", "/usr/bin");
	assert_ok(&o);
	SBX_PROBE(&s, &o, "read", "/proc/self/status");
	assert_ok(&o);
}

BOTH(base, uses_standard_devices)
{
	struct spec s = base_spec(nobody);
	struct run_out o;
	SBX_PROBE(&s, &o, "write", "/dev/null");
	assert_ok(&o);
	SBX_PROBE(&s, &o, "read", "/dev/urandom");
	assert_ok(&o);
	SBX_PROBE(&s, &o, "read", "/dev/zero");
	assert_ok(&o);
}

PTEST(base, cannot_read_etc_shadow)
{
	struct spec s = base_spec(false);
	struct run_out o;
	PLAIN_PROBE(&s, &o, "read", "/etc/shadow");
	assert_ok(&o);
	SBX_PROBE(&s, &o, "read", "/etc/shadow");
	assert_err(&o, "EACCES");
}

PTEST(base, cannot_list_root_home)
{
	struct spec s = base_spec(false);
	struct run_out o;
	PLAIN_PROBE(&s, &o, "readdir", "/root");
	assert_ok(&o);
	SBX_PROBE(&s, &o, "readdir", "/root");
	assert_err(&o, "EACCES");
}

BOTH(base, cannot_list_home)
{
	struct spec s = base_spec(nobody);
	struct run_out o;
	PLAIN_PROBE(&s, &o, "readdir", "/home");
	assert_ok(&o);
	SBX_PROBE(&s, &o, "readdir", "/home");
	assert_err(&o, "EACCES");
}

BOTH(base, cannot_read_etc)
{
	struct spec s = base_spec(nobody);
	struct run_out o;
	PLAIN_PROBE(&s, &o, "read", "/etc/passwd");
	assert_ok(&o);
	SBX_PROBE(&s, &o, "read", "/etc/passwd");
	assert_err(&o, "EACCES");
}

BOTH(base, cannot_read_a_world_readable_secret)
{
	const char *dir = tmpdir_new(nobody);
	const char *secret = tpath("%s/secret.txt", dir);
	file_put(secret, "hunter2\n", nobody);
	struct spec s = base_spec(nobody);
	struct run_out o;
	PLAIN_PROBE(&s, &o, "read", secret);
	assert_ok(&o);
	SBX_PROBE(&s, &o, "read", secret);
	assert_err(&o, "EACCES");
	SBX_PROBE(&s, &o, "readdir", dir);
	assert_err(&o, "EACCES");
}

BOTH(base, cannot_read_host_cwd)
{
	const char *dir = tmpdir_new(nobody);
	file_put(tpath("%s/notes.txt", dir), "private\n", nobody);
	cr_assert_eq(chdir(dir), 0);
	struct spec s = base_spec(nobody); /* cwd NULL: the plugin starts in ours */
	struct run_out o;
	PLAIN_PROBE(&s, &o, "read", "notes.txt");
	assert_ok(&o);
	PLAIN_PROBE(&s, &o, "readdir", ".");
	assert_ok(&o);
	SBX_PROBE(&s, &o, "read", "notes.txt");
	assert_err(&o, "EACCES");
	SBX_PROBE(&s, &o, "readdir", ".");
	assert_err(&o, "EACCES");
}

BOTH(base, cannot_read_other_processes_proc)
{
	/* The test process is the sandbox's parent (or grandparent). */
	const char *mine = tpath("/proc/%d/status", (int)getpid());
	struct spec s = base_spec(nobody);
	struct run_out o;
	PLAIN_PROBE(&s, &o, "read", mine);
	assert_ok(&o);
	SBX_PROBE(&s, &o, "read", mine);
	assert_err(&o, "EACCES");
	PLAIN_PROBE(&s, &o, "read", "/proc/1/cmdline");
	assert_ok(&o);
	SBX_PROBE(&s, &o, "read", "/proc/1/cmdline");
	assert_err(&o, "EACCES");
}

BOTH(base, cannot_write_anywhere)
{
	const char *dir = tmpdir_new(nobody);
	file_put(tpath("%s/existing", dir), "data\n", nobody);
	struct spec s = base_spec(nobody);
	struct run_out o;
	PLAIN_PROBE(&s, &o, "write", tpath("%s/control", dir));
	assert_ok(&o);
	SBX_PROBE(&s, &o, "write", tpath("%s/new", dir));
	assert_err(&o, "EACCES");
	cr_assert_not(path_exists(tpath("%s/new", dir)));
	SBX_PROBE(&s, &o, "append", tpath("%s/existing", dir));
	assert_err(&o, "EACCES");
	SBX_PROBE(&s, &o, "mkdir", tpath("%s/sub", dir));
	assert_err(&o, "EACCES");
	SBX_PROBE(&s, &o, "unlink", tpath("%s/existing", dir));
	assert_err(&o, "EACCES");
	cr_assert_str_eq(file_get(tpath("%s/existing", dir)), "data\n");
	/* Straight into the shared temp dirs. */
	const char *direct = tpath("/tmp/praxis-base-write-%d", (int)getpid());
	SBX_PROBE(&s, &o, "write", direct);
	assert_err(&o, "EACCES");
	cr_assert_not(path_exists(direct));
	const char *shm = tpath("/dev/shm/praxis-base-write-%d", (int)getpid());
	SBX_PROBE(&s, &o, "write", shm);
	assert_err(&o, "EACCES");
	cr_assert_not(path_exists(shm));
}

BOTH(base, has_no_network)
{
	struct spec s = base_spec(nobody);
	struct run_out o;
	PLAIN_PROBE(&s, &o, "socket", "inet", "stream");
	assert_ok(&o);
	PLAIN_PROBE(&s, &o, "socket", "unix", "stream");
	assert_ok(&o);
	static const char *const sockets[][3] = {
	    {"inet", "stream", "tcp"}, {"inet", "dgram", "udp"}, {"inet6", "stream", "tcp"},
	    {"inet6", "dgram", "udp"}, {"unix", "stream", NULL}, {"unix", "dgram", NULL},
	    {"netlink", "raw", NULL},  {"packet", "raw", NULL},  {"inet", "raw", "icmp"},
	};
	for (size_t i = 0; i < sizeof(sockets) / sizeof(*sockets); i++) {
		if (sockets[i][2])
			SBX_PROBE(&s, &o, "socket", sockets[i][0], sockets[i][1], sockets[i][2]);
		else
			SBX_PROBE(&s, &o, "socket", sockets[i][0], sockets[i][1]);
		cr_assert_str_eq(o.out, "ERR EPERM\n", "socket %s %s: %s", sockets[i][0],
		                 sockets[i][1], describe(&o));
	}
}

PTEST(base, raw_and_packet_sockets_work_for_root_without_sandbox)
{
	/* The control for has_no_network's privileged families. */
	struct spec s = base_spec(false);
	struct run_out o;
	PLAIN_PROBE(&s, &o, "socket", "packet", "raw");
	assert_ok(&o);
	PLAIN_PROBE(&s, &o, "socket", "inet", "raw", "icmp");
	assert_ok(&o);
	PLAIN_PROBE(&s, &o, "socket", "netlink", "raw");
	assert_ok(&o);
}

BOTH(base, socketpair_works)
{
	struct spec s = base_spec(nobody);
	struct run_out o;
	SBX_PROBE(&s, &o, "socketpair");
	assert_ok(&o);
}

BOTH(base, cannot_connect_to_host_unix_sockets)
{
	const char *dir = tmpdir_new(nobody);
	const char *path = tpath("%s/host.sock", dir);
	int l1 = unix_listener(path);
	const char *name = unique_marker("abstract");
	int l2 = abstract_listener(name);
	struct spec s = base_spec(nobody);
	struct run_out o;
	PLAIN_PROBE(&s, &o, "connect-unix", path);
	assert_ok(&o);
	PLAIN_PROBE(&s, &o, "connect-abstract", name);
	assert_ok(&o);
	SBX_PROBE(&s, &o, "connect-unix", path);
	assert_err(&o, "EPERM");
	SBX_PROBE(&s, &o, "connect-abstract", name);
	assert_err(&o, "EPERM");
	close(l1);
	close(l2);
}

/* ABI (praxis.h): the version the headers name is the library's, and a
 * struct whose reserved space is not zero is refused, not misread. */
Test(base, version_and_reserved_space)
{
	char want[32];
	snprintf(want, sizeof(want), "%d.%d.%d", PRAXIS_VERSION_MAJOR, PRAXIS_VERSION_MINOR,
	         PRAXIS_VERSION_PATCH);
	cr_assert_str_eq(praxis_version(), want);
	cr_assert_str_eq(praxis_version(), PRAXIS_VERSION_STRING);

	praxis_config cfg;
	praxis_config_init(&cfg);
	praxis_sandbox *sb = NULL;
	praxis_error err = {0};
	cfg.reserved[3] = 1;
	cr_assert_eq(praxis_sandbox_new(&cfg, &sb, &err), -EINVAL);
	cr_assert(strstr(err.message, "praxis_config: its reserved fields are not zero"), "%s",
	          err.message);
	cfg.reserved[3] = 0;
	cfg.limits.reserved[1] = 7;
	cr_assert_eq(praxis_sandbox_new(&cfg, &sb, &err), -EINVAL);
	cr_assert(strstr(err.message, "praxis_config.limits"), "%s", err.message);
	cfg.limits.reserved[1] = 0;
	cr_assert_eq(praxis_sandbox_new(&cfg, &sb, &err), 0, "%s", err.message);

	const char *argv[] = {"/bin/true", NULL};
	praxis_run_opts opts;
	praxis_run_opts_init(&opts);
	opts.argv = argv;
	opts.reserved[0] = 1;
	praxis_result res;
	cr_assert_eq(praxis_sandbox_run(sb, &opts, &res, &err), -EINVAL);
	cr_assert(strstr(err.message, "praxis_run_opts"), "%s", err.message);
	opts.reserved[0] = 0;
	cr_assert_eq(praxis_sandbox_run(sb, &opts, &res, &err), 0, "%s", err.message);
	cr_assert_eq(res.status, PRAXIS_EXITED);
	praxis_result_release(&res);
	praxis_sandbox_free(sb);
}
