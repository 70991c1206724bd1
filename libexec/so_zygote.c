/* The zygote of a shared-object plugin (praxis-so-runner --zygote).
 *
 * It is exec'd once under the plugin's sandbox, whose seccomp filter here
 * allows process creation (and nothing else more). It loads the object
 * once, then for each call received from the host forks a child that
 * takes the call's own fds, enters a Landlock domain of its own (so it
 * cannot signal the zygote or other calls), loads the call filter the
 * host sent (no process creation, no exec), and calls the plugin.
 *
 * Plugin code never runs in the zygote after loading: children come from
 * _Fork() (no atfork handlers), signals stay blocked here, the zygote ends
 * with _exit() (no destructors), and a load that left threads or
 * processes behind is refused (the zygote is their subreaper, so a
 * double-forked process is its child too). */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "so_call.h"
#include "zygote_protocol.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_restrict_self  446
#endif

/* Landlock ABI 6 ruleset attributes (newer than Debian 12's headers). */
struct ll_scope_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LL_SCOPE_SIGNAL               (1ULL << 1)

struct call_slot {
	pid_t pid;
	int pidfd;
	int reply;
};

struct zygote {
	int control;
	uint32_t flags;
	struct sock_fprog filter;
	praxis_plugin_fn fn;
	sigset_t call_mask; /* the signal mask calls start with */
	struct call_slot slots[ZYGOTE_MAX_CALLS];
	unsigned n_slots;
};

static void send_text(int fd, uint32_t type, const char *text)
{
	char buf[1024];
	struct zmsg_hdr hdr = {ZYGOTE_MAGIC, type};
	size_t n = strlen(text);
	if (n > sizeof(buf) - sizeof(hdr))
		n = sizeof(buf) - sizeof(hdr);
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), text, n);
	ssize_t ignored = send(fd, buf, sizeof(hdr) + n, MSG_NOSIGNAL);
	(void)ignored;
}

static int receive_init(struct zygote *z)
{
	static char buf[ZYGOTE_MAX_MSG];
	ssize_t n = recv(z->control, buf, sizeof(buf), 0);
	struct zmsg_init init;
	if (n < (ssize_t)sizeof(init))
		return -1;
	memcpy(&init, buf, sizeof(init));
	if (init.hdr.magic != ZYGOTE_MAGIC || init.hdr.type != ZMSG_INIT || init.n_insns == 0 ||
	    init.n_insns > BPF_MAXINSNS ||
	    (size_t)n != sizeof(init) + init.n_insns * sizeof(struct sock_filter))
		return -1;
	struct sock_filter *insns = malloc(init.n_insns * sizeof(*insns));
	if (!insns)
		return -1;
	memcpy(insns, buf + sizeof(init), init.n_insns * sizeof(*insns));
	z->filter = (struct sock_fprog){.len = (unsigned short)init.n_insns, .filter = insns};
	z->flags = init.flags;
	return 0;
}

/* Did loading leave threads or processes behind? Both would run plugin
 * code outside any call. */
static bool load_left_tasks(char *why, size_t size)
{
	char buf[256];
	int threads = -1;
	FILE *f = fopen("/proc/self/status", "re");
	while (f && fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "Threads: %d", &threads) == 1)
			break;
	if (f)
		fclose(f);
	if (threads != 1) {
		snprintf(why, size,
		         "the plugin started threads while loading (%d threads): it "
		         "cannot be served by a zygote",
		         threads);
		return true;
	}
	/* thread-self: the pid namespace of /proc is the host's, not ours */
	f = fopen("/proc/thread-self/children", "re");
	if (!f) {
		snprintf(why, size, "cannot check the zygote's children: %s", strerror(errno));
		return true;
	}
	int c = fgetc(f);
	fclose(f);
	if (c != EOF) {
		snprintf(why, size,
		         "the plugin started processes while loading: it cannot be "
		         "served by a zygote");
		return true;
	}
	return false;
}

/* Put FD (above 9) at TARGET, open across nothing: there is no exec. */
static int place(int fd, int target)
{
	return dup2(fd, target) < 0 ? -1 : 0;
}

_Noreturn static void child_fail(const char *what)
{
	dprintf(2, "praxis-so-runner: zygote call: %s: %s\n", what, strerror(errno));
	_exit(125);
}

_Noreturn static void run_call(struct zygote *z, int fds[ZFD_COUNT], uint64_t cpu_seconds)
{
	/* Nothing of the zygote's or of other calls stays open here. */
	close(z->control);
	for (unsigned i = 0; i < z->n_slots; i++) {
		close(z->slots[i].pidfd);
		close(z->slots[i].reply);
	}
	/* Move the call's fds above 4 first, so that placing them cannot
	 * overwrite one another. */
	for (int i = 0; i < ZFD_COUNT; i++) {
		int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
		if (moved < 0)
			child_fail("fds");
		close(fds[i]);
		fds[i] = moved;
	}
	if (place(fds[ZFD_PARAMS], 0) < 0 || place(fds[ZFD_STDERR], 1) < 0 ||
	    place(fds[ZFD_STDERR], 2) < 0 || place(fds[ZFD_RESULT], 3) < 0 ||
	    place(fds[ZFD_REPLY], 4) < 0)
		child_fail("fds");
	for (int i = 0; i < ZFD_COUNT; i++)
		close(fds[i]);
	if (cpu_seconds) {
		struct rlimit rl = {cpu_seconds, cpu_seconds + 1};
		if (setrlimit(RLIMIT_CPU, &rl) < 0)
			child_fail("RLIMIT_CPU");
	}
	if (z->flags & ZINIT_SCOPE_CALLS) {
		struct ll_scope_attr attr = {.scoped =
		                                 LL_SCOPE_SIGNAL | LL_SCOPE_ABSTRACT_UNIX_SOCKET};
		int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
		if (rs < 0 || syscall(SYS_landlock_restrict_self, rs, 0) < 0)
			child_fail("Landlock call domain");
		close(rs);
	}
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &z->filter) < 0)
		child_fail("call seccomp filter");
	if (z->flags & ZINIT_WAIT_GO) {
		char go;
		if (read(4, &go, 1) != 1)
			_exit(125); /* the host gave the call up */
	}
	close(4);
	sigprocmask(SIG_SETMASK, &z->call_mask, NULL);
	int rc = so_call(z->fn, 0, 3);
	fflush(NULL);
	_exit(rc);
}

static void reply(int fd, const void *msg, size_t len, int pass_fd)
{
	struct iovec iov = {.iov_base = (void *)msg, .iov_len = len};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (pass_fd >= 0) {
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	ssize_t ignored = sendmsg(fd, &mh, MSG_NOSIGNAL);
	(void)ignored;
}

/* One message from the host. Returns false at EOF (the host is done). */
static bool take_call(struct zygote *z)
{
	struct zmsg_call call;
	struct iovec iov = {.iov_base = &call, .iov_len = sizeof(call)};
	union {
		char buf[CMSG_SPACE(sizeof(int) * ZFD_COUNT)];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov,
	                    .msg_iovlen = 1,
	                    .msg_control = u.buf,
	                    .msg_controllen = sizeof(u.buf)};
	ssize_t n = recvmsg(z->control, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	int fds[ZFD_COUNT], n_fds = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (int i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (n_fds < ZFD_COUNT)
				fds[n_fds++] = fd;
			else
				close(fd);
		}
	}
	bool valid = n == (ssize_t)sizeof(call) && !(mh.msg_flags & MSG_CTRUNC) &&
	             call.hdr.magic == ZYGOTE_MAGIC && call.hdr.type == ZMSG_CALL &&
	             n_fds == ZFD_COUNT;
	if (!valid) {
		for (int i = 0; i < n_fds; i++)
			close(fds[i]);
		return true;
	}
	/* _Fork: no atfork handler of the plugin runs, here or in the child. */
	pid_t pid = _Fork();
	if (pid == 0)
		run_call(z, fds, call.cpu_seconds);
	int pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	if (pid > 0 && pidfd < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (pidfd < 0) {
		struct zmsg_failed f = {{ZYGOTE_MAGIC, ZMSG_FAILED}, errno, 0};
		reply(fds[ZFD_REPLY], &f, sizeof(f), -1);
		for (int i = 0; i < ZFD_COUNT; i++)
			close(fds[i]);
		return true;
	}
	struct zmsg_hdr started = {ZYGOTE_MAGIC, ZMSG_STARTED};
	reply(fds[ZFD_REPLY], &started, sizeof(started), pidfd);
	for (int i = 0; i < ZFD_COUNT; i++)
		if (i != ZFD_REPLY)
			close(fds[i]);
	z->slots[z->n_slots++] = (struct call_slot){pid, pidfd, fds[ZFD_REPLY]};
	return true;
}

static void reap(struct zygote *z, unsigned i)
{
	struct call_slot *s = &z->slots[i];
	int status;
	struct rusage ru;
	if (wait4(s->pid, &status, WNOHANG, &ru) <= 0)
		return;
	struct zmsg_ended e = {
	    .hdr = {ZYGOTE_MAGIC, ZMSG_ENDED},
	    .wait_status = status,
	    .user_usec = (uint64_t)ru.ru_utime.tv_sec * 1000000u + (uint64_t)ru.ru_utime.tv_usec,
	    .system_usec = (uint64_t)ru.ru_stime.tv_sec * 1000000u + (uint64_t)ru.ru_stime.tv_usec,
	    .maxrss_kib = (uint64_t)ru.ru_maxrss,
	};
	reply(s->reply, &e, sizeof(e), -1);
	close(s->reply);
	close(s->pidfd);
	*s = z->slots[--z->n_slots];
}

static int serve(struct zygote *z)
{
	struct pollfd pfd[ZYGOTE_MAX_CALLS + 1];
	for (;;) {
		/* Calls beyond the bound wait in the socket until one ends. */
		bool take = z->n_slots < ZYGOTE_MAX_CALLS;
		pfd[0] = (struct pollfd){.fd = take ? z->control : -1, .events = POLLIN};
		for (unsigned i = 0; i < z->n_slots; i++)
			pfd[i + 1] = (struct pollfd){.fd = z->slots[i].pidfd, .events = POLLIN};
		unsigned n = z->n_slots;
		if (poll(pfd, n + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		/* Reap from the end: reap() moves the last slot into a freed one. */
		for (unsigned i = n; i-- > 0;)
			if (pfd[i + 1].revents)
				reap(z, i);
		if (pfd[0].revents && !take_call(z))
			return 0;
	}
}

int zygote_main(int control_fd, const char *path, const char *symbol)
{
	struct zygote z = {.control = control_fd};
	if (receive_init(&z) < 0) {
		fprintf(stderr, "praxis-so-runner: --zygote: no valid init message on fd %d\n",
		        control_fd);
		return PRAXIS_RUNNER_EXIT_LOAD;
	}
	/* Whatever the plugin forks while loading stays our child. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		send_text(z.control, ZMSG_LOAD_ERROR, "cannot become a subreaper");
		_exit(PRAXIS_RUNNER_EXIT_LOAD);
	}
	char why[512];
	z.fn = so_load(path, symbol, why, sizeof(why));
	if (z.fn && load_left_tasks(why, sizeof(why)))
		z.fn = NULL;
	if (!z.fn) {
		send_text(z.control, ZMSG_LOAD_ERROR, why);
		_exit(PRAXIS_RUNNER_EXIT_LOAD);
	}
	/* The plugin's signal handlers may stay installed for its calls, but
	 * never run here. */
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &z.call_mask);
	fflush(NULL);
	struct zmsg_hdr ready = {ZYGOTE_MAGIC, ZMSG_READY};
	if (send(z.control, &ready, sizeof(ready), MSG_NOSIGNAL) < 0)
		_exit(0);
	int rc = serve(&z);
	/* The host is done (or gone): end calls still running, then ourselves,
	 * without running the plugin's destructors. */
	for (unsigned i = 0; i < z.n_slots; i++)
		syscall(SYS_pidfd_send_signal, z.slots[i].pidfd, SIGKILL, NULL, 0);
	_exit(rc);
}
