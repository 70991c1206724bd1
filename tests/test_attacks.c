/* Escape attempts. Each has a control: the same probe operation without the
 * sandbox works (so the test would notice a sandbox that lets it through). */
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "helpers.h"

TestSuite(attacks, .timeout = 30);

/* DIR/in: granted read+write; DIR/out: not granted, with a secret. */
struct tree {
	const char *dir, *in, *out, *secret;
};

static struct tree make_tree(bool nobody)
{
	struct tree t;
	t.dir = tmpdir_new(nobody);
	t.in = tpath("%s/in", t.dir);
	t.out = tpath("%s/out", t.dir);
	t.secret = tpath("%s/secret", t.out);
	cr_assert_eq(mkdir(t.in, 0755), 0);
	cr_assert_eq(mkdir(t.out, 0755), 0);
	cr_assert_eq(mkdir(tpath("%s/sub", t.in), 0755), 0);
	if (nobody) {
		cr_assert_eq(chown(t.in, NOBODY, NOBODY), 0);
		cr_assert_eq(chown(t.out, NOBODY, NOBODY), 0);
		cr_assert_eq(chown(tpath("%s/sub", t.in), NOBODY, NOBODY), 0);
	}
	file_put(t.secret, "secret\n", nobody);
	file_put(tpath("%s/f", t.in), "inside\n", nobody);
	return t;
}

static struct spec tree_spec(const struct tree *t, bool nobody)
{
	struct spec s;
	spec_init(&s);
	s.as_nobody = nobody;
	spec_allow(&s, "filesystem.read", t->in);
	spec_allow(&s, "filesystem.write", t->in);
	return s;
}

static struct spec plain_spec(bool nobody)
{
	struct spec s;
	spec_init(&s);
	s.as_nobody = nobody;
	return s;
}

/* ---- filesystem escapes ---- */

BOTH(attacks, symlink_inside_pointing_outside)
{
	struct tree t = make_tree(nobody);
	struct spec s = tree_spec(&t, nobody);
	struct run_out o;
	/* Control: through a symlink anyone can write the target. */
	const char *ctl = tpath("%s/ctl-link", t.dir);
	PLAIN_PROBE(&s, &o, "symlink", tpath("%s/ctl-target", t.out), ctl);
	assert_ok(&o);
	PLAIN_PROBE(&s, &o, "write", ctl);
	assert_ok(&o);
	cr_assert(path_exists(tpath("%s/ctl-target", t.out)));

	/* Making the link is a write inside the tree: allowed. */
	const char *link = tpath("%s/link", t.in);
	SBX_PROBE(&s, &o, "symlink", tpath("%s/target", t.out), link);
	assert_ok(&o);
	SBX_PROBE(&s, &o, "write", link);
	assert_err(&o, "EACCES");
	cr_assert_not(path_exists(tpath("%s/target", t.out)));
	/* A link to the secret, made by the plugin or found in the tree. */
	const char *slink = tpath("%s/secret-link", t.in);
	SBX_PROBE(&s, &o, "symlink", t.secret, slink);
	assert_ok(&o);
	SBX_PROBE(&s, &o, "read", slink);
	assert_err(&o, "EACCES");
	SBX_PROBE(&s, &o, "append", slink);
	assert_err(&o, "EACCES");
	cr_assert_str_eq(file_get(t.secret), "secret\n");
	/* A directory symlink. */
	const char *dlink = tpath("%s/outdir", t.in);
	SBX_PROBE(&s, &o, "symlink", t.out, dlink);
	assert_ok(&o);
	SBX_PROBE(&s, &o, "write", tpath("%s/planted", dlink));
	assert_err(&o, "EACCES");
	cr_assert_not(path_exists(tpath("%s/planted", t.out)));
}

BOTH(attacks, dotdot_traversal)
{
	struct tree t = make_tree(nobody);
	struct spec s = tree_spec(&t, nobody);
	struct run_out o;
	const char *via = tpath("%s/sub/../../out/secret", t.in);
	PLAIN_PROBE(&s, &o, "read", via);
	assert_ok(&o);
	SBX_PROBE(&s, &o, "read", via);
	assert_err(&o, "EACCES");
	SBX_PROBE(&s, &o, "write", tpath("%s/../out/new", t.in));
	assert_err(&o, "EACCES");
	cr_assert_not(path_exists(tpath("%s/new", t.out)));
	/* Relative, from a working directory inside the tree. */
	s.cwd = t.in;
	SBX_PROBE(&s, &o, "read", "../out/secret");
	assert_err(&o, "EACCES");
	SBX_PROBE(&s, &o, "read", "f");
	assert_ok(&o);
}

BOTH(attacks, proc_self_root)
{
	struct tree t = make_tree(nobody);
	struct spec s = tree_spec(&t, nobody);
	struct run_out o;
	PLAIN_PROBE(&s, &o, "open-proc-self-root", t.secret);
	assert_ok(&o);
	SBX_PROBE(&s, &o, "open-proc-self-root", t.secret);
	assert_err(&o, "EACCES");
	PLAIN_PROBE(&s, &o, "open-proc-self-root", tpath("%s/ctl", t.out), "w");
	assert_ok(&o);
	SBX_PROBE(&s, &o, "open-proc-self-root", tpath("%s/new", t.out), "w");
	assert_err(&o, "EACCES");
	cr_assert_not(path_exists(tpath("%s/new", t.out)));
	/* The granted tree through the same path still works. */
	SBX_PROBE(&s, &o, "open-proc-self-root", tpath("%s/f", t.in));
	assert_ok(&o);
}

BOTH(attacks, proc_self_fd_reopen_with_more_rights)
{
	struct tree t = make_tree(nobody);
	const char *f = tpath("%s/f", t.in);
	struct spec s;
	spec_init(&s);
	s.as_nobody = nobody;
	spec_allow(&s, "filesystem.read", t.in); /* read only */
	struct run_out o;
	PLAIN_PROBE(&s, &o, "open-proc-fd-reopen", f);
	assert_ok(&o);
	file_put(f, "inside\n", nobody);
	SBX_PROBE(&s, &o, "read", f);
	assert_ok(&o);
	SBX_PROBE(&s, &o, "open-proc-fd-reopen", f);
	assert_err(&o, "EACCES");
	cr_assert_str_eq(file_get(f), "inside\n");
}

BOTH(attacks, hard_link_of_a_secret_into_the_tree)
{
	struct tree t = make_tree(nobody);
	struct spec s = tree_spec(&t, nobody);
	struct run_out o;
	const char *ctl = tpath("%s/ctl-stolen", t.dir);
	PLAIN_PROBE(&s, &o, "link", t.secret, ctl);
	assert_ok(&o);
	const char *stolen = tpath("%s/stolen", t.in);
	/* Landlock answers a link from outside the tree with EXDEV (no
	 * "refer" right on the source), the kernel's errno for this case. */
	SBX_PROBE(&s, &o, "link", t.secret, stolen);
	assert_err(&o, "EXDEV");
	cr_assert_not(path_exists(stolen));
	SBX_PROBE(&s, &o, "read", stolen);
	assert_err(&o, "ENOENT");
}

BOTH(attacks, rename_out_of_and_into_the_tree)
{
	struct tree t = make_tree(nobody);
	struct spec s = tree_spec(&t, nobody);
	struct run_out o;
	file_put(tpath("%s/ctl", t.in), "c\n", nobody);
	PLAIN_PROBE(&s, &o, "rename", tpath("%s/ctl", t.in), tpath("%s/ctl", t.out));
	assert_ok(&o);
	/* Out: a file, and a directory. */
	SBX_PROBE(&s, &o, "rename", tpath("%s/f", t.in), tpath("%s/f", t.out));
	assert_err(&o, "EACCES");
	SBX_PROBE(&s, &o, "rename", tpath("%s/sub", t.in), tpath("%s/sub", t.out));
	assert_err(&o, "EACCES");
	cr_assert(path_exists(tpath("%s/f", t.in)));
	cr_assert(path_exists(tpath("%s/sub", t.in)));
	/* In: pulling the secret into the readable tree. */
	SBX_PROBE(&s, &o, "rename", t.secret, tpath("%s/pulled", t.in));
	assert_err(&o, "EACCES");
	cr_assert(path_exists(t.secret));
	/* Replacing the tree's own parent entry. */
	SBX_PROBE(&s, &o, "rename", t.in, tpath("%s/moved", t.dir));
	assert_err(&o, "EACCES");
	cr_assert(path_exists(t.in));
}

BOTH(attacks, exec_of_a_file_written_into_the_tree)
{
	struct tree t = make_tree(nobody);
	/* What a plugin with write access could have written: a copy of a
	 * program, executable. */
	const char *copy = tpath("%s/mytrue", t.in);
	const char *bytes = NULL;
	{
		int in = open("/bin/true", O_RDONLY | O_CLOEXEC);
		int out = open(copy, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
		cr_assert(in >= 0 && out >= 0);
		char buf[65536];
		ssize_t n;
		while ((n = read(in, buf, sizeof(buf))) > 0)
			cr_assert_eq(write(out, buf, (size_t)n), n);
		cr_assert_eq(fchmod(out, 0755), 0);
		close(in);
		close(out);
		bytes = copy;
	}
	struct spec s = tree_spec(&t, nobody);
	spec_allow(&s, "system.subprocess", NULL);
	struct run_out o;
	PLAIN_PROBE(&s, &o, "exec", bytes);
	assert_result(&o, 0, "");
	SBX_PROBE(&s, &o, "exec", bytes);
	assert_err(&o, "EACCES");
}

/* ---- syscalls no plugin needs ---- */

static void denied_syscall(bool nobody, const char *op, bool control, const char *expect)
{
	struct spec s = plain_spec(nobody);
	struct run_out o;
	if (control) {
		PLAIN_PROBE(&s, &o, op);
		cr_assert_str_eq(o.out, "OK\n", "control %s: %s", op, describe(&o));
	}
	SBX_PROBE(&s, &o, op);
	cr_assert_str_eq(o.out, expect, "%s in the sandbox: %s", op, describe(&o));
	/* With every capability it is still denied. */
	spec_allow(&s, "system.subprocess", NULL);
	spec_allow(&s, "network.socket", NULL);
	spec_allow(&s, "filesystem.read", NULL);
	SBX_PROBE(&s, &o, op);
	cr_assert_str_eq(o.out, expect, "%s with capabilities: %s", op, describe(&o));
}

#define DENIED(name, op, control_root, control_user, expect)                                       \
	PTEST(attacks, name)                                                                       \
	{                                                                                          \
		denied_syscall(false, op, control_root, expect);                                   \
	}                                                                                          \
	PTEST(attacks, name##_nobody)                                                              \
	{                                                                                          \
		denied_syscall(true, op, control_user, expect);                                    \
	}

DENIED(io_uring, "io-uring", true, true, "ERR EPERM\n")
DENIED(unshare_user_namespace, "unshare-user", true, true, "ERR EPERM\n")
DENIED(unshare_net_namespace, "unshare-net", true, false, "ERR EPERM\n")
DENIED(clone_into_user_namespace, "clone-newuser", true, true, "ERR EPERM\n")
DENIED(fsopen, "fsopen", true, false, "ERR EPERM\n")
DENIED(bpf, "bpf", true, false, "ERR EPERM\n")
DENIED(perf_event_open, "perf-event-open", true, true, "ERR EPERM\n")
DENIED(userfaultfd, "userfaultfd", true, true, "ERR EPERM\n")
DENIED(keyctl, "keyctl", true, true, "ERR EPERM\n")
DENIED(personality_no_aslr, "personality-noaslr", true, true, "ERR EPERM\n")
DENIED(memfd_exec, "memfd-exec", true, true, "ERR EPERM\n")
DENIED(clone3_answers_enosys, "clone3", true, true, "ERR ENOSYS\n")
/* fourth review: a thread's own fd table is out of the socket/pipe census */
DENIED(thread_with_its_own_fd_table, "thread-own-fds", true, true, "ERR EPERM\n")

BOTH(attacks, memfd_noexec_is_denied_too)
{
	/* Not only exec: memfd pages belong to no process's RSS, so they would
	 * escape the tree's memory limit (tests/test_limits.c). */
	struct spec s = plain_spec(nobody);
	struct run_out o;
	SBX_PROBE(&s, &o, "memfd-noexec");
	assert_err(&o, "EPERM");
}

BOTH(attacks, clone3_denied_but_fork_falls_back)
{
	struct spec s = plain_spec(nobody);
	spec_allow(&s, "system.subprocess", NULL);
	struct run_out o;
	SBX_PROBE(&s, &o, "clone3");
	assert_err(&o, "ENOSYS");
	SBX_PROBE(&s, &o, "fork");
	assert_ok(&o);
	SBX_PROBE(&s, &o, "thread");
	assert_ok(&o);
}

static void private_mount_namespace(void)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		_exit(124);
}

PTEST(attacks, mount_tmpfs)
{
	const char *dir = tmpdir_new(false);
	struct spec s = plain_spec(false);
	s.pre_exec = private_mount_namespace; /* the control mounts in a namespace of its own */
	struct run_out o;
	PLAIN_PROBE(&s, &o, "mount-tmpfs", dir);
	assert_ok(&o);
	s.pre_exec = NULL;
	spec_allow(&s, "filesystem.write", dir);
	SBX_PROBE(&s, &o, "mount-tmpfs", dir);
	assert_err(&o, "EPERM");
}

static volatile uint64_t canary = 0x5eca7e5eca7e;

PTEST(attacks, ptrace_and_process_vm_readv_of_a_host_process)
{
	pid_t target = sleeper_spawn(false);
	const char *pid = tpath("%d", (int)target);
	const char *addr = tpath("%p", (void *)&canary);
	struct spec s = plain_spec(false);
	struct run_out o;
	PLAIN_PROBE(&s, &o, "process-vm-readv", pid, addr);
	assert_ok(&o);
	PLAIN_PROBE(&s, &o, "ptrace-attach", pid);
	assert_ok(&o);
	cr_assert(sleeper_alive(target));
	spec_allow(&s, "system.subprocess", NULL);
	SBX_PROBE(&s, &o, "process-vm-readv", pid, addr);
	assert_err(&o, "EPERM");
	SBX_PROBE(&s, &o, "ptrace-attach", pid);
	assert_err(&o, "EPERM");
	/* The test process itself, the sandbox's parent. */
	SBX_PROBE(&s, &o, "ptrace-attach", tpath("%d", (int)getpid()));
	assert_err(&o, "EPERM");
	SBX_PROBE(&s, &o, "process-vm-readv", tpath("%d", (int)getpid()), addr);
	assert_err(&o, "EPERM");
	cr_assert(sleeper_alive(target));
	sleeper_kill(target);
}

PTEST(attacks, ptrace_nobody)
{
	pid_t target = sleeper_spawn(true);
	struct spec s = plain_spec(true);
	spec_allow(&s, "system.subprocess", NULL);
	struct run_out o;
	SBX_PROBE(&s, &o, "ptrace-attach", tpath("%d", (int)target));
	assert_err(&o, "EPERM");
	SBX_PROBE(&s, &o, "process-vm-readv", tpath("%d", (int)target),
	          tpath("%p", (void *)&canary));
	assert_err(&o, "EPERM");
	cr_assert(sleeper_alive(target));
	sleeper_kill(target);
}

static void kill_host_process(bool nobody, unsigned flags, const char *expect1, const char *expect2)
{
	pid_t target = sleeper_spawn(nobody);
	const char *pid = tpath("%d", (int)target);
	struct spec s = plain_spec(nobody);
	s.flags = flags;
	struct run_out o;
	SBX_PROBE(&s, &o, "kill", pid, "15");
	assert_ran(&o);
	cr_assert(strcmp(o.out, expect1) == 0 || (expect2 && strcmp(o.out, expect2) == 0),
	          "kill of a host process: %s", describe(&o));
	cr_assert(sleeper_alive(target), "the host process was killed from the sandbox");
	/* Control: the same kill without a sandbox works. */
	PLAIN_PROBE(&s, &o, "kill", pid, "15");
	assert_ok(&o);
	int status;
	cr_assert_eq(waitpid(target, &status, 0), target);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
}

/* In its pid namespace the host pid means nothing (ESRCH); the Landlock
 * signal scope would say EPERM. Either way the target lives. */
PTEST(attacks, kill_host_process)
{
	kill_host_process(false, 0, "ERR ESRCH\n", "ERR EPERM\n");
}

PTEST(attacks, kill_host_process_nobody)
{
	kill_host_process(true, 0, "ERR ESRCH\n", "ERR EPERM\n");
}

/* Without a pid namespace only the signal scope stands between them. */
PTEST(attacks, kill_host_process_without_pid_namespace)
{
	kill_host_process(false, PRAXIS_NO_PID_NAMESPACE, "ERR EPERM\n", NULL);
}

PTEST(attacks, kill_host_process_without_pid_namespace_nobody)
{
	kill_host_process(true, PRAXIS_NO_PID_NAMESPACE, "ERR EPERM\n", NULL);
}

/* In a run, the plugin's parent is the supervisor's reaper: a copy of the
 * host process (its memory and its environment). */
BOTH(attacks, parent_memory_and_environment)
{
	struct spec s = plain_spec(nobody);
	struct run_out o;
	if (!nobody) {
		/* Control: a child may read its (root) parent's memory and
		 * environment. */
		PLAIN_PROBE(&s, &o, "read-parent", "environ");
		assert_ok(&o);
		PLAIN_PROBE(&s, &o, "read-parent", "mem");
		assert_ok(&o);
	}
	SBX_PROBE(&s, &o, "read-parent", "environ");
	assert_err(&o, "EACCES");
	SBX_PROBE(&s, &o, "read-parent", "mem");
	assert_err(&o, "EACCES");
	/* Even with the whole filesystem readable. */
	spec_allow(&s, "filesystem.read", NULL);
	spec_allow(&s, "system.subprocess", NULL);
	SBX_PROBE(&s, &o, "read-parent", "environ");
	assert_err(&o, "EACCES");
	SBX_PROBE(&s, &o, "read-parent", "mem");
	assert_err(&o, "EACCES");
}

BOTH(attacks, killing_pid_1_of_the_run_changes_nothing)
{
	/* Pid 1 of the run's namespace is ours (the reaper); SIGKILL from the
	 * plugin must neither reach it nor cut the run short. */
	struct spec s = plain_spec(nobody);
	spec_allow(&s, "system.subprocess", NULL);
	struct run_out o;
	SBX_PROBE(&s, &o, "kill", "1", "9");
	assert_ran(&o);
	cr_assert(o.res.status == PRAXIS_EXITED &&
	              ((o.res.exit_code == 1 && strcmp(o.out, "ERR EPERM\n") == 0) ||
	               (o.res.exit_code == 0 && strcmp(o.out, "OK\n") == 0)),
	          "%s", describe(&o));
}

static int open_pty_slave(int *master)
{
	*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	cr_assert_geq(*master, 0);
	cr_assert_eq(grantpt(*master), 0);
	cr_assert_eq(unlockpt(*master), 0);
	const char *name = ptsname(*master);
	cr_assert_not_null(name);
	int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	cr_assert_geq(slave, 0);
	return slave;
}

static void tiocsti(bool nobody)
{
	int master;
	int slave = open_pty_slave(&master);
	struct spec s = plain_spec(nobody);
	s.stdin_fd = slave;
	struct run_out o;
	/* Control: once the terminal is its controlling terminal, anyone can
	 * inject; the kernel takes the request as 32 bits, so the high bits
	 * change nothing. */
	PLAIN_PROBE(&s, &o, "tiocsti", "ctty");
	assert_ok(&o);
	PLAIN_PROBE(&s, &o, "tiocsti-high", "ctty");
	assert_ok(&o);
	if (!nobody) {
		/* Root needs no controlling terminal at all. */
		PLAIN_PROBE(&s, &o, "tiocsti");
		assert_ok(&o);
	}
	SBX_PROBE(&s, &o, "tiocsti");
	assert_err(&o, "EPERM");
	SBX_PROBE(&s, &o, "tiocsti-high");
	assert_err(&o, "EPERM");
	/* The plugin may make the terminal its own (setsid + TIOCSCTTY): the
	 * filter must still refuse. */
	SBX_PROBE(&s, &o, "tiocsti", "ctty");
	assert_err(&o, "EPERM");
	SBX_PROBE(&s, &o, "tiocsti-high", "ctty");
	assert_err(&o, "EPERM");
	close(slave);
	close(master);
}

PTEST(attacks, tiocsti_terminal_injection)
{
	tiocsti(false);
}

PTEST(attacks, tiocsti_terminal_injection_nobody)
{
	tiocsti(true);
}

BOTH(attacks, int80_syscall_kills_the_plugin)
{
	struct spec s = plain_spec(nobody);
	struct run_out o;
	PLAIN_PROBE(&s, &o, "int80-getpid");
	if (o.res.status == PRAXIS_SIGNALED && o.res.signal == SIGSEGV)
		cr_skip_test("this kernel has no 32-bit ABI (int 0x80 is SIGSEGV unsandboxed)");
	assert_ok(&o);
	SBX_PROBE(&s, &o, "int80-getpid");
	assert_killed(&o, SIGSYS);
	cr_assert_str_eq(o.out, "");
}

BOTH(attacks, x32_syscall_kills_the_plugin)
{
	/* This kernel has no x32 ABI (the control gets ENOSYS), so the
	 * control cannot show the call working; the filter must still kill. */
	struct spec s = plain_spec(nobody);
	struct run_out o;
	PLAIN_PROBE(&s, &o, "x32-getpid");
	cr_assert(strcmp(o.out, "OK\n") == 0 || strcmp(o.out, "ERR ENOSYS\n") == 0, "%s",
	          describe(&o));
	SBX_PROBE(&s, &o, "x32-getpid");
	assert_killed(&o, SIGSYS);
}
