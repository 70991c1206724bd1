/* The plugin's side of a run, from clone to exec. Only async-signal-safe
 * work here: the host may be multithreaded, so no malloc, no stdio, no locks;
 * every value was prepared by the host. */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/securebits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

const char *child_step_name(enum child_step step)
{
	switch (step) {
	case STEP_ID_MAPS: return "writing user namespace id maps";
	case STEP_SESSION: return "starting a new session";
	case STEP_STDIO: return "setting up stdin/stdout/stderr";
	case STEP_FDS: return "closing inherited file descriptors";
	case STEP_CWD: return "changing to the working directory";
	case STEP_RLIMITS: return "setting resource limits";
	case STEP_IDS: return "switching uid/gid";
	case STEP_PDEATHSIG: return "setting the parent-death signal";
	case STEP_NO_NEW_PRIVS: return "setting no_new_privs";
	case STEP_CAPABILITIES: return "dropping capabilities";
	case STEP_LANDLOCK: return "applying the Landlock ruleset";
	case STEP_SECCOMP: return "loading the seccomp filter";
	case STEP_LISTENER: return "handing over the seccomp listener";
	case STEP_EXEC: return "executing the program";
	case STEP_SPAWN: return "starting the plugin process";
	}
	return "setting up the sandbox";
}

_Noreturn static void fail_on(int sync_fd, enum child_step step, int error);

_Noreturn static void fail(const struct child_plan *plan, enum child_step step, int error)
{
	fail_on(plan->sync_fd, step, error);
}

_Noreturn static void fail_on(int sync_fd, enum child_step step, int error)
{
	struct child_msg msg = {.kind = CHILD_MSG_ERROR, .step = step, .error = error};
	/* write(), not send(): the audit filter may watch send*, and nobody
	 * would be listening yet. */
	ssize_t ignored = write(sync_fd, &msg, sizeof(msg));
	(void)ignored;
	_exit(125);
}

static int write_file(const char *path, const char *content)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = strlen(content);
	ssize_t n = write(fd, content, len);
	int e = n < 0 ? errno : 0;
	close(fd);
	if (n < 0)
		return -e;
	return (size_t)n == len ? 0 : -EIO;
}

static int setup_stdio(const struct child_plan *plan)
{
	int src[3];
	for (int i = 0; i < 3; i++) {
		src[i] = plan->stdio[i];
		if (src[i] < 0) {
			src[i] = open("/dev/null", i == 0 ? O_RDONLY : O_WRONLY);
			if (src[i] < 0)
				return -errno;
		}
		/* Move sources out of 0..2 so dup2 cannot clobber a later one. */
		if (src[i] < 3 && src[i] != i) {
			src[i] = fcntl(src[i], F_DUPFD, 3);
			if (src[i] < 0)
				return -errno;
		}
	}
	for (int i = 0; i < 3; i++) {
		if (src[i] == i) {
			if (fcntl(i, F_SETFD, 0) < 0)
				return -errno;
		} else if (dup2(src[i], i) < 0) {
			return -errno;
		}
	}
	return 0;
}

static int drop_capabilities(const struct child_plan *plan)
{
	if (plan->drop_privileged_caps) {
		/* Root keeps no way back to privilege: exec as uid 0 must not
		 * refill the capability sets. */
		unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
		                     SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
		                     SECBIT_NO_CAP_AMBIENT_RAISE |
		                     SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
		/* With NOROOT locked and no_new_privs, nothing can refill the
		 * sets, so the bounding set (41 prctls, ~60 us) is left alone. */
		if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) < 0)
			return -errno;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}

static void hand_over_listener(const struct child_plan *plan, int listener)
{
	struct child_msg msg = {.kind = CHILD_MSG_LISTENER, .fd = listener};
	if (write(plan->sync_fd, &msg, sizeof(msg)) != (ssize_t)sizeof(msg))
		fail(plan, STEP_LISTENER, errno);
	/* Keep our copy until the host holds its own: the listener dies with
	 * its last fd. The ack is one byte; anything else is a refusal. */
	char ack = 0;
	if (read(plan->sync_fd, &ack, 1) != 1 || ack != 1)
		fail(plan, STEP_LISTENER, EPIPE);
	close(listener);
}

/* The plugin process: sandbox itself, then exec. Runs on its own stack in
 * the reaper's memory and fd table (CLONE_VM | CLONE_VFORK | CLONE_FILES)
 * while the reaper waits, until exec gives it its own. */
static int plugin_main(void *arg)
{
	const struct child_plan *plan = arg;
	int r;
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL); /* the reaper's blocked set is not ours */
	if ((r = setup_stdio(plan)) < 0)
		fail(plan, STEP_STDIO, -r);
	/* Every fd but 0-2 closes at exec, including ones other host threads
	 * opened without O_CLOEXEC; the rule handles stay usable until then. */
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		fail(plan, STEP_FDS, errno);

	if (plan->cwd && chdir(plan->cwd) < 0)
		fail(plan, STEP_CWD, errno);
	if (plan->set_ids) {
		if (syscall(SYS_setgroups, 0, NULL) < 0 ||
		    syscall(SYS_setresgid, plan->gid, plan->gid, plan->gid) < 0 ||
		    syscall(SYS_setresuid, plan->uid, plan->uid, plan->uid) < 0)
			fail(plan, STEP_IDS, errno);
	}
	/* After the id change, which clears it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		fail(plan, STEP_PDEATHSIG, errno);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(plan, STEP_NO_NEW_PRIVS, errno);
	if ((r = drop_capabilities(plan)) < 0)
		fail(plan, STEP_CAPABILITIES, -r);
	if (plan->landlock &&
	    (r = landlock_apply(plan->landlock, plan->extra_rules, plan->n_extra_rules)) < 0)
		fail(plan, STEP_LANDLOCK, -r);
	r = seccomp_apply(plan->bpf, plan->seccomp_flags);
	if (r == -EPERM && plan->bpf_without_listener)
		/* inside another sandbox that keeps listeners to itself */
		r = seccomp_apply(plan->bpf_without_listener, 0);
	if (r < 0)
		fail(plan, STEP_SECCOMP, -r);
	if (r > 0)
		hand_over_listener(plan, r);
	/* environment.write: the one fd passed on purpose (PRAXIS_ENV_FD=3),
	 * placed last so no handle we still needed sat at 3. */
	int sync_fd = plan->sync_fd;
	if (plan->env_fd >= 0) {
		if (sync_fd == 3 && (sync_fd = fcntl(3, F_DUPFD_CLOEXEC, 4)) < 0)
			fail(plan, STEP_FDS, errno);
		if ((plan->env_fd == 3 ? fcntl(3, F_SETFD, 0) : dup2(plan->env_fd, 3)) < 0)
			fail_on(sync_fd, STEP_FDS, errno);
	}
	/* Last, so that RLIMIT_NOFILE cannot starve our own setup (the
	 * Landlock ruleset and the listener need fds, maybe above the limit
	 * when the host has many open; those close at exec). */
	for (size_t i = 0; i < plan->n_rlimits; i++)
		if (setrlimit(plan->rlimits[i].resource, &plan->rlimits[i].limit) < 0)
			fail_on(sync_fd, STEP_RLIMITS, errno);
	execve(plan->exec_path, plan->argv, plan->envp);
	fail_on(sync_fd, STEP_EXEC, errno);
}

/* The host thread's ignored dispositions are not the plugin's (a host
 * ignoring SIGCHLD would even stop the reaper from waiting); handlers need
 * nothing: exec resets them. The mask is set by the caller. */
static void reset_signals(void)
{
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;
		if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &sa) < 0)
			continue;
		if (sa.sa_handler == SIG_IGN) {
			struct sigaction dfl = {.sa_handler = SIG_DFL};
			sigaction(sig, &dfl, NULL);
		}
	}
}

static void add_usage(struct child_msg *m, const struct rusage *ru)
{
	m->utime_us += (long long)ru->ru_utime.tv_sec * 1000000 + ru->ru_utime.tv_usec;
	m->stime_us += (long long)ru->ru_stime.tv_sec * 1000000 + ru->ru_stime.tv_usec;
	if (ru->ru_maxrss > m->maxrss_kb)
		m->maxrss_kb = ru->ru_maxrss;
}

/* Without a pid namespace the reaper's parent-death signal is one it waits
 * for (blocked), so that it can kill the run before it goes; in a pid
 * namespace its own death ends the namespace, so SIGKILL does. */
#define REAPER_DEATH_SIGNAL SIGHUP

/* Kill every child of the reaper until none is left. As a subreaper it
 * inherits the orphans of what it kills (reparented before their parent
 * can be reaped), so re-reading the list after each reap finds them all. */
static void kill_descendants(struct child_msg *msg)
{
	for (;;) {
		int fd = open("/proc/thread-self/children", O_RDONLY | O_CLOEXEC);
		char buf[4096];
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		for (ssize_t i = 0; i < n;) {
			long pid = 0;
			while (i < n && buf[i] >= '0' && buf[i] <= '9')
				pid = pid * 10 + (buf[i++] - '0');
			if (pid > 0)
				kill((pid_t)pid, SIGKILL);
			i++;
		}
		siginfo_t si;
		struct rusage ru;
		if (syscall(SYS_waitid, P_ALL, 0, &si, WEXITED | __WALL, &ru) < 0) {
			if (errno == EINTR)
				continue;
			return; /* ECHILD */
		}
		add_usage(msg, &ru);
	}
}

/* Reap what has ended; returns true when the plugin itself has (MSG then
 * holds its status) or nothing is left. */
static bool reap_ended(pid_t plugin, struct child_msg *msg)
{
	for (;;) {
		siginfo_t si;
		struct rusage ru;
		memset(&si, 0, sizeof(si));
		if (syscall(SYS_waitid, P_ALL, 0, &si, WEXITED | WNOHANG | __WALL, &ru) < 0)
			return errno != EINTR; /* ECHILD: nothing left to wait for */
		if (si.si_pid == 0)
			return false;
		add_usage(msg, &ru);
		if (si.si_pid == plugin) {
			msg->code = si.si_code;
			msg->status = si.si_status;
			return true;
		}
	}
}

/* After the parent-death signal is set: a host that died before cannot
 * send it any more, so look (the pidfd is readable once it is gone). */
static void exit_if_host_gone(const struct child_plan *plan)
{
	struct pollfd p = {.fd = plan->host_pidfd, .events = POLLIN};
	if (plan->host_pidfd >= 0 && poll(&p, 1, 0) > 0)
		_exit(125);
	if (plan->reap_orphans && getppid() != plan->host_pid)
		_exit(125);
}

/* The reaper never execs: its exit signal stays 0, so the host gets no
 * SIGCHLD and a host's waitpid(-1) cannot reap it; and the plugin is not
 * pid 1, so signals it sends itself behave as everywhere else. */
_Noreturn void child_main(const struct child_plan *plan)
{
	int r;
	sigset_t waited;
	sigemptyset(&waited);
	sigaddset(&waited, SIGCHLD);
	sigaddset(&waited, REAPER_DEATH_SIGNAL);
	sigprocmask(SIG_SETMASK, &waited, NULL);
	if (prctl(PR_SET_PDEATHSIG, plan->reap_orphans ? REAPER_DEATH_SIGNAL : SIGKILL, 0, 0, 0) <
	    0)
		fail(plan, STEP_PDEATHSIG, errno);
	exit_if_host_gone(plan);
	/* Orphans of the plugin (double forks, setsid) become ours, not the
	 * host's init's: they can then be killed with the run. */
	if (plan->reap_orphans && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		fail(plan, STEP_PDEATHSIG, errno);
	if (plan->id_maps[0]) {
		if ((r = write_file("/proc/self/uid_map", plan->id_maps[0])) < 0 ||
		    (r = write_file("/proc/self/setgroups", plan->id_maps[1])) < 0 ||
		    (r = write_file("/proc/self/gid_map", plan->id_maps[2])) < 0)
			fail(plan, STEP_ID_MAPS, -r);
	}
	/* A new session: no controlling terminal to inject input into. */
	if (setsid() < 0)
		fail(plan, STEP_SESSION, errno);
	reset_signals();
	char *stack_top = (char *)plan->stack + plan->stack_size;
	pid_t plugin = clone(plugin_main, stack_top, CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD,
	                     (void *)plan);
	if (plugin < 0)
		fail(plan, STEP_SPAWN, errno);
	/* The plugin exec'd (or died): keep only the sync socket. */
	int sync_fd = plan->sync_fd;
	if (sync_fd > 0)
		syscall(SYS_close_range, 0U, (unsigned)sync_fd - 1, 0U);
	syscall(SYS_close_range, (unsigned)sync_fd + 1, ~0U, 0U);
	/* It only waits from now on: no privilege either (the plugin cannot
	 * reach it anyway: init ignores its signals, ptrace is denied). */
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct none[2];
	memset(none, 0, sizeof(none));
	syscall(SYS_capset, &hdr, none);
	struct child_msg msg = {.kind = CHILD_MSG_STATUS};
	for (;;) {
		if (reap_ended(plugin, &msg))
			break;
		siginfo_t si;
		if (sigwaitinfo(&waited, &si) == REAPER_DEATH_SIGNAL) {
			kill_descendants(&msg); /* the host is gone: so is the run */
			_exit(0);
		}
	}
	/* In a pid namespace the kernel ends whatever the plugin left when we
	 * exit; without one, we do, before the host hears the status. */
	if (plan->reap_orphans)
		kill_descendants(&msg);
	if (msg.code) {
		ssize_t ignored = write(sync_fd, &msg, sizeof(msg));
		(void)ignored;
	}
	_exit(0);
}
