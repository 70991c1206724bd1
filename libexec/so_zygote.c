/* The zygote of a shared-object plugin (praxis-so-runner --zygote).
 *
 * It is exec'd once under the plugin's sandbox, whose seccomp filter here
 * allows process creation (and nothing else more). It loads the object
 * once, then keeps one "spare" child forked ahead: the spare enters a
 * Landlock domain of its own (so it cannot signal the zygote or other
 * calls), loads the call filter the host sent (no process creation, no
 * exec), sets the call's RLIMIT_CPU and waits. A call from the host is
 * handed to the spare with its fds, and the next spare is forked while it
 * runs: fork and setup stay off a call's path.
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

#include "missing.h"
#include "fd_passing.h"
#include "so_call.h"
#include "zygote_protocol.h"


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

/* The process the next call will run in, forked ahead of it. */
struct spare {
	pid_t pid;
	int pidfd;
	int sock; /* -1: none */
};

struct zygote {
	int control;
	uint32_t flags;
	uint64_t cpu_seconds; /* RLIMIT_CPU of each call, 0 = none */
	struct spare spare;
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
	z->cpu_seconds = init.cpu_seconds;
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

/* A call from the host (or from the zygote, in a spare): exactly LEN bytes
 * with exactly ZFD_COUNT fds. Returns 1 when so, 0 at EOF, -2 to try
 * again, -1 for anything else (its fds closed). */
static int recv_call(int fd, void *msg, size_t len, int fds[ZFD_COUNT])
{
	int n_fds, truncated;
	ssize_t n = recv_with_fds(fd, msg, len, fds, ZFD_COUNT, &n_fds, 0, &truncated);
	if (n == -EINTR || n == -EAGAIN)
		return -2;
	if (n == 0 && n_fds == 0)
		return 0;
	struct zmsg_hdr hdr = {0};
	if (n >= (ssize_t)sizeof(hdr))
		memcpy(&hdr, msg, sizeof(hdr));
	if (n == (ssize_t)len && !truncated && n_fds == ZFD_COUNT && hdr.magic == ZYGOTE_MAGIC &&
	    hdr.type == ZMSG_CALL)
		return 1;
	close_fds(fds, n_fds);
	return -1;
}

/* A spare: forked ahead of its call, it does all that does not need the
 * call (limits, its Landlock domain, the call filter) and waits for the
 * call's fds from the zygote on SOCK. Runs no plugin code until then. */
_Noreturn static void spare_main(struct zygote *z, int sock)
{
	/* Nothing of the zygote's or of other calls stays open here: the host
	 * checked that the object keeps no fd of its own. */
	if (dup2(sock, 3) < 0 || close_range(4, ~0U, 0) < 0)
		child_fail("fds");
	sock = 3;
	close(0); /* the zygote's control socket */
	if (z->cpu_seconds) {
		struct rlimit rl = {z->cpu_seconds, z->cpu_seconds + 1};
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
	struct zmsg_call call;
	int fds[ZFD_COUNT];
	int got;
	while ((got = recv_call(sock, &call, sizeof(call), fds)) == -2)
		;
	if (got != 1)
		_exit(0); /* retired: the zygote is ending */
	close(sock);
	/* Move the call's fds above 9 first, so that placing them cannot
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

/* Fork the next spare. _Fork: no atfork handler of the plugin runs, here
 * or in the child. */
static int prepare_spare(struct zygote *z)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid_t pid = _Fork();
	if (pid == 0) {
		close(sv[0]);
		spare_main(z, sv[1]);
	}
	int e = errno;
	close(sv[1]);
	int pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	if (pid > 0 && pidfd < 0) {
		e = errno;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (pidfd < 0) {
		close(sv[0]);
		return -e;
	}
	z->spare = (struct spare){pid, pidfd, sv[0]};
	return 0;
}

static void drop_spare(struct zygote *z)
{
	if (z->spare.sock < 0)
		return;
	close(z->spare.sock); /* EOF: an idle spare exits */
	syscall(SYS_pidfd_send_signal, z->spare.pidfd, SIGKILL, NULL, 0);
	waitpid(z->spare.pid, NULL, 0);
	close(z->spare.pidfd);
	z->spare = (struct spare){.sock = -1};
}

static void reply(int fd, const void *msg, size_t len, int pass_fd)
{
	if (send_with_fds(fd, msg, len, &pass_fd, pass_fd >= 0 ? 1 : 0, 0) < 0) {
		/* the host gave up on the call: nothing to tell */
	}
}

/* One message from the host. Returns false at EOF (the host is done). */
static bool take_call(struct zygote *z)
{
	struct zmsg_call call;
	int fds[ZFD_COUNT];
	int got = recv_call(z->control, &call, sizeof(call), fds);
	if (got == 0)
		return false;
	if (got < 0)
		return true; /* not a call: ignored */
	/* Hand the call to the spare; a spare that died idle is replaced once. */
	int r = 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (z->spare.sock < 0 && (r = prepare_spare(z)) < 0)
			break;
		if ((r = send_with_fds(z->spare.sock, &call, sizeof(call), fds, ZFD_COUNT, 0)) == 0)
			break;
		drop_spare(z);
	}
	if (r < 0) {
		struct zmsg_failed f = {{ZYGOTE_MAGIC, ZMSG_FAILED}, -r, 0};
		reply(fds[ZFD_REPLY], &f, sizeof(f), -1);
		for (int i = 0; i < ZFD_COUNT; i++)
			close(fds[i]);
		return true;
	}
	struct zmsg_hdr started = {ZYGOTE_MAGIC, ZMSG_STARTED};
	reply(fds[ZFD_REPLY], &started, sizeof(started), z->spare.pidfd);
	for (int i = 0; i < ZFD_COUNT; i++)
		if (i != ZFD_REPLY)
			close(fds[i]);
	close(z->spare.sock);
	z->slots[z->n_slots++] = (struct call_slot){z->spare.pid, z->spare.pidfd, fds[ZFD_REPLY]};
	z->spare = (struct spare){.sock = -1};
	/* The next call's process, made while this one runs. */
	prepare_spare(z);
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
	/* a go the call never read: taken, so closing does not reset the
	 * connection before the host has read the end */
	char unread[8];
	while (recv(s->reply, unread, sizeof(unread), MSG_DONTWAIT) > 0)
		;
	close(s->reply);
	close(s->pidfd);
	*s = z->slots[--z->n_slots];
}

static int serve(struct zygote *z)
{
	struct pollfd pfd[ZYGOTE_MAX_CALLS + 2];
	for (;;) {
		/* Calls beyond the bound wait in the socket until one ends. */
		bool take = z->n_slots < ZYGOTE_MAX_CALLS;
		pfd[0] = (struct pollfd){.fd = take ? z->control : -1, .events = POLLIN};
		pfd[1] = (struct pollfd){.fd = z->spare.sock >= 0 ? z->spare.pidfd : -1,
		                         .events = POLLIN};
		for (unsigned i = 0; i < z->n_slots; i++)
			pfd[i + 2] = (struct pollfd){.fd = z->slots[i].pidfd, .events = POLLIN};
		unsigned n = z->n_slots;
		if (poll(pfd, n + 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		/* Reap from the end: reap() moves the last slot into a freed one. */
		for (unsigned i = n; i-- > 0;)
			if (pfd[i + 2].revents)
				reap(z, i);
		if (pfd[1].revents)
			drop_spare(z); /* died idle (killed from outside): made again on need */
		if (pfd[0].revents && !take_call(z))
			return 0;
	}
}

int zygote_main(int control_fd, const char *path, const char *symbol)
{
	struct zygote z = {.control = control_fd, .spare = {.sock = -1}};
	if (receive_init(&z) < 0) {
		fprintf(stderr, "praxis-so-runner: --zygote: no valid init message on fd %d\n",
		        control_fd);
		return PRAXIS_RUNNER_EXIT_LOAD;
	}
	/* Our own CPU: what forking and forwarding need, whatever the object
	 * does to us (it cannot raise the hard limit); the host replaces a
	 * zygote that reached it. Calls get their own limit in the spare. */
	if (z.cpu_seconds) {
		rlim_t own = z.cpu_seconds > ZYGOTE_OWN_CPU ? z.cpu_seconds : ZYGOTE_OWN_CPU;
		struct rlimit rl = {own, own + 1};
		if (setrlimit(RLIMIT_CPU, &rl) < 0) {
			send_text(z.control, ZMSG_LOAD_ERROR, "cannot set the zygote's RLIMIT_CPU");
			_exit(PRAXIS_RUNNER_EXIT_LOAD);
		}
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
	/* Ready, with a pidfd of ourselves: the host checks from /proc that
	 * loading left nothing behind before we fork anything. */
	struct zmsg_hdr ready = {ZYGOTE_MAGIC, ZMSG_READY};
	int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (self < 0 || send_with_fds(z.control, &ready, sizeof(ready), &self, 1, 0) < 0)
		_exit(0);
	close(self);
	struct zmsg_hdr ack;
	ssize_t got;
	while ((got = recv(z.control, &ack, sizeof(ack), 0)) < 0 && errno == EINTR)
		;
	if (got != (ssize_t)sizeof(ack) || ack.magic != ZYGOTE_MAGIC || ack.type != ZMSG_READY_ACK)
		_exit(0);  /* refused, or the host is gone */
	prepare_spare(&z); /* the first call's process */
	int rc = serve(&z);
	/* The host is done (or gone): end calls still running, then ourselves,
	 * without running the plugin's destructors. */
	for (unsigned i = 0; i < z.n_slots; i++)
		syscall(SYS_pidfd_send_signal, z.slots[i].pidfd, SIGKILL, NULL, 0);
	if (z.spare.sock >= 0)
		syscall(SYS_pidfd_send_signal, z.spare.pidfd, SIGKILL, NULL, 0);
	_exit(rc);
}
