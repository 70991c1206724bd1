/* probe: attempt ONE operation named on the command line and report it.
 *
 * Prints exactly "OK" or "ERR <ERRNO_NAME>" (e.g. "ERR EACCES") on stdout and
 * exits 0 for OK, 1 for an errno failure, 2 for a usage error. A few
 * operations print a value instead (env, count-fds, id, capeff, nnp); exec
 * prints only when it fails; wait-stdin says READY on stderr, then waits for
 * EOF on stdin. Modelled on bubblewrap's tests/try-syscall.c.
 *
 * Built without sanitizers: it runs inside the sandbox, where a sanitizer
 * runtime would need files and syscalls the policy (rightly) does not give. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef KEYCTL_GET_KEYRING_ID
#define KEYCTL_GET_KEYRING_ID 0
#endif
#ifndef KEY_SPEC_SESSION_KEYRING
#define KEY_SPEC_SESSION_KEYRING -3
#endif
#define X32_SYSCALL_BIT 0x40000000

static int ok(void)
{
	fputs("OK\n", stdout);
	fflush(stdout);
	return 0;
}

static int fail_errno(int e)
{
	const char *name = strerrorname_np(e);
	if (name)
		printf("ERR %s\n", name);
	else
		printf("ERR %d\n", e);
	fflush(stdout);
	return 1;
}

/* OK when R >= 0, else ERR errno. */
static int check(long r)
{
	return r < 0 ? fail_errno(errno) : ok();
}

_Noreturn static void usage(const char *msg)
{
	fprintf(stderr, "probe: %s\n", msg);
	exit(2);
}

static long number(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 0);
	if (errno || end == s || *end)
		usage("bad number");
	return v;
}

/* Wait for a child; OK if it exited 0. */
static int reap(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, __WALL) < 0)
		if (errno != EINTR)
			return fail_errno(errno);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "probe: child ended with status 0x%x\n", status);
		return fail_errno(ECHILD);
	}
	return ok();
}

/* ---- filesystem ---- */

static int op_read(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail_errno(errno);
	char buf[256];
	ssize_t n = read(fd, buf, sizeof(buf));
	int e = errno;
	close(fd);
	return n < 0 ? fail_errno(e) : ok();
}

static int op_write(const char *path, int flags)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0644);
	if (fd < 0)
		return fail_errno(errno);
	ssize_t n = write(fd, "x\n", 2);
	int e = errno;
	close(fd);
	return n < 0 ? fail_errno(e) : ok();
}

static int op_readdir(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return fail_errno(errno);
	errno = 0;
	while (readdir(d))
		;
	int e = errno;
	closedir(d);
	return e ? fail_errno(e) : ok();
}

static int op_proc_self_root(const char *path, const char *mode)
{
	char full[4096];
	snprintf(full, sizeof(full), "/proc/self/root%s%s", path[0] == '/' ? "" : "/", path);
	if (mode && strcmp(mode, "w") == 0)
		return op_write(full, O_CREAT | O_TRUNC);
	return op_read(full);
}

static int op_proc_fd_reopen(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "probe: first open of %s failed\n", path);
		return fail_errno(errno);
	}
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	int fd2 = open(link, O_RDWR | O_CLOEXEC);
	if (fd2 < 0)
		return fail_errno(errno);
	ssize_t n = write(fd2, "y\n", 2);
	int e = errno;
	close(fd2);
	close(fd);
	return n < 0 ? fail_errno(e) : ok();
}

/* ---- processes ---- */

static void *thread_main(void *arg)
{
	return arg;
}

static int op_thread(void)
{
	pthread_t t;
	int r = pthread_create(&t, NULL, thread_main, NULL);
	if (r != 0)
		return fail_errno(r);
	pthread_join(t, NULL);
	return ok();
}

static int op_fork(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return fail_errno(errno);
	if (pid == 0)
		_exit(0);
	return reap(pid);
}

static int op_vfork(void)
{
	pid_t pid = vfork();
	if (pid < 0)
		return fail_errno(errno);
	if (pid == 0)
		_exit(0);
	return reap(pid);
}

static int op_clone3(void)
{
	struct clone_args args;
	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	long pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		return fail_errno(errno);
	if (pid == 0)
		_exit(0);
	return reap((pid_t)pid);
}

/* clone() asking for a new user namespace (the non-unshare way in). */
static int op_clone_newuser(void)
{
	long pid =
	    syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), NULL, NULL, NULL, NULL);
	if (pid < 0)
		return fail_errno(errno);
	if (pid == 0)
		_exit(0);
	return reap((pid_t)pid);
}

static int op_exec(int argc, char **argv)
{
	if (argc < 1)
		usage("exec PATH [ARGS]");
	execv(argv[0], argv);
	return fail_errno(errno);
}

static void sleep_seconds(double s)
{
	struct timespec ts = {.tv_sec = (time_t)s,
	                      .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Double fork + setsid. The grandchild reports its pid (to PIDFILE if it
 * can, and on stdout), tells the top process it is up, then sleeps. The top
 * process prints OK only once the daemon is running. MARKER only has to be
 * in argv so the test can find the daemon in /proc. */
static int op_daemon(const char *marker, const char *pidfile)
{
	(void)marker;
	int ready[2];
	if (pipe(ready) < 0)
		return fail_errno(errno);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return fail_errno(errno);
	if (pid == 0) {
		close(ready[0]);
		if (setsid() < 0)
			dprintf(2, "probe: setsid: %s\n", strerrorname_np(errno));
		pid_t gc = fork();
		if (gc < 0)
			_exit(3);
		if (gc > 0)
			_exit(0);
		char line[64];
		int len = snprintf(line, sizeof(line), "%d\n", (int)getpid());
		if (pidfile) {
			int fd = open(pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (fd >= 0) {
				if (write(fd, line, (size_t)len) < 0)
					dprintf(2, "probe: writing the pid file failed\n");
				close(fd);
			}
		}
		dprintf(1, "DAEMON %d\n", (int)getpid());
		if (write(ready[1], "r", 1) != 1)
			_exit(4);
		close(ready[1]);
		sleep_seconds(60);
		_exit(0);
	}
	close(ready[1]);
	int status;
	waitpid(pid, &status, 0);
	char c;
	ssize_t n;
	while ((n = read(ready[0], &c, 1)) < 0 && errno == EINTR)
		;
	if (n != 1)
		return fail_errno(ESRCH);
	return ok();
}

static int op_kill(const char *pid, const char *sig)
{
	return check(kill((pid_t)number(pid), (int)number(sig)));
}

static int op_raise(const char *sig)
{
	fflush(stdout);
	raise((int)number(sig));
	return fail_errno(EINTR);
}

/* ---- sockets ---- */

static int socket_family(const char *s)
{
	static const struct {
		const char *name;
		int value;
	} t[] = {{"inet", AF_INET},       {"inet6", AF_INET6},        {"unix", AF_UNIX},
	         {"netlink", AF_NETLINK}, {"packet", AF_PACKET},      {"vsock", AF_VSOCK},
	         {"alg", AF_ALG},         {"bluetooth", AF_BLUETOOTH}};
	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++)
		if (strcmp(s, t[i].name) == 0)
			return t[i].value;
	return (int)number(s);
}

static int socket_type(const char *s)
{
	static const struct {
		const char *name;
		int value;
	} t[] = {{"stream", SOCK_STREAM},
	         {"dgram", SOCK_DGRAM},
	         {"raw", SOCK_RAW},
	         {"seqpacket", SOCK_SEQPACKET},
	         {"rdm", SOCK_RDM}};
	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++)
		if (strcmp(s, t[i].name) == 0)
			return t[i].value;
	return (int)number(s);
}

static int socket_proto(const char *s)
{
	static const struct {
		const char *name;
		int value;
	} t[] = {{"tcp", IPPROTO_TCP},         {"udp", IPPROTO_UDP},   {"mptcp", IPPROTO_MPTCP},
	         {"sctp", IPPROTO_SCTP},       {"icmp", IPPROTO_ICMP}, {"icmpv6", IPPROTO_ICMPV6},
	         {"udplite", IPPROTO_UDPLITE}, {"raw", IPPROTO_RAW}};
	if (!s)
		return 0;
	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++)
		if (strcmp(s, t[i].name) == 0)
			return t[i].value;
	return (int)number(s);
}

/* HIGH: set bit 32 of the family, type and protocol arguments, which the
 * kernel ignores (they are ints), to check that a filter masks its
 * comparisons. */
static int op_socket(int argc, char **argv, bool high)
{
	if (argc < 2)
		usage("socket FAMILY TYPE [PROTO]");
	unsigned long family = (unsigned)socket_family(argv[0]);
	if (high)
		family |= 1UL << 32;
	long fd = syscall(SYS_socket, family, (unsigned long)socket_type(argv[1]),
	                  (unsigned long)socket_proto(argc > 2 ? argv[2] : NULL));
	if (fd >= 0)
		close((int)fd);
	return check(fd);
}

static int op_socketpair(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return fail_errno(errno);
	char c = 0;
	if (write(sv[0], "p", 1) != 1 || read(sv[1], &c, 1) != 1 || c != 'p')
		return fail_errno(EIO);
	close(sv[0]);
	close(sv[1]);
	return ok();
}

static int op_connect_tcp(const char *host, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)number(port));
		len = sizeof(*in4);
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)number(port));
		len = sizeof(*in6);
	} else {
		usage("connect-tcp: HOST must be a numeric address");
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail_errno(errno);
	int r = connect(fd, (struct sockaddr *)&ss, len);
	int e = errno;
	close(fd);
	return r < 0 ? fail_errno(e) : ok();
}

/* route-option NAME: set one socket option that would change where the
 * socket's packets go (issue 10: the supervisor connects on the plugin's
 * socket under network.http), with a value the kernel accepts. */
static int op_route_option(const char *name)
{
	unsigned char srh[8 + 2 * 16] = {0}; /* IPv6 segment routing header, two segments */
	srh[1] = 4;                          /* hdrlen: 32 bytes of segments / 8 */
	srh[2] = 4;                          /* type 4: SRH */
	srh[3] = 1;                          /* segments left */
	srh[4] = 1;                          /* first segment */
	inet_pton(AF_INET6, "::1", srh + 8);
	inet_pton(AF_INET6, "fd00::99", srh + 24);
	unsigned char padn[8] = {0, 0, 1, 4, 0, 0, 0, 0};     /* an empty options header */
	unsigned char lsrr[8] = {1, 131, 7, 4, 127, 0, 0, 2}; /* NOP + loose source route */
	/* RFC 2292 sticky options: the socket's whole option set in one call
	 * (routing headers too, where the kernel has a type for them); here a
	 * hop limit, which needs no privilege */
	int hops = 64;
	char pkt[CMSG_SPACE(sizeof(hops))] = {0};
	struct cmsghdr *cm = (struct cmsghdr *)pkt;
	cm->cmsg_len = CMSG_LEN(sizeof(hops));
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = 52; /* IPV6_HOPLIMIT */
	memcpy(CMSG_DATA(cm), &hops, sizeof(hops));
	int lo = 1, lo_be = (int)htonl(1);                /* ifindex of lo */
	struct in6_pktinfo pktinfo = {.ipi6_ifindex = 1}; /* sticky: out of lo */
	struct {
		const char *name;
		int family, level, opt;
		const void *val;
		socklen_t len;
	} opts[] = {
	    {"rthdr", AF_INET6, IPPROTO_IPV6, 57, srh, sizeof(srh)},
	    {"2292rthdr", AF_INET6, IPPROTO_IPV6, 5, srh, sizeof(srh)},
	    {"2292pktoptions", AF_INET6, IPPROTO_IPV6, 6, pkt, sizeof(pkt)},
	    {"hopopts", AF_INET6, IPPROTO_IPV6, 54, padn, sizeof(padn)},
	    {"dstopts", AF_INET6, IPPROTO_IPV6, 59, padn, sizeof(padn)},
	    {"ip-options", AF_INET, IPPROTO_IP, 4, lsrr, sizeof(lsrr)},
	    {"bindtodevice", AF_INET, SOL_SOCKET, 25, "lo", 3},
	    {"bindtoifindex", AF_INET, SOL_SOCKET, 62, &lo, sizeof(lo)},
	    {"unicast-if6", AF_INET6, IPPROTO_IPV6, 76, &lo_be, sizeof(lo_be)},
	    {"pktinfo6", AF_INET6, IPPROTO_IPV6, 50, &pktinfo, sizeof(pktinfo)},
	    {"multicast-if6", AF_INET6, IPPROTO_IPV6, 17, &lo, sizeof(lo)},
	    {"dontroute", AF_INET, SOL_SOCKET, 5, &lo, sizeof(lo)},
	    {"tclass6", AF_INET6, IPPROTO_IPV6, 67, &lo, sizeof(lo)},
	    {"tos", AF_INET, IPPROTO_IP, 1, &lo, sizeof(lo)},
	    {"nodelay", AF_INET, IPPROTO_TCP, 1, &lo, sizeof(lo)}, /* an ordinary one */
	    {"v6only", AF_INET6, IPPROTO_IPV6, 26, &lo, sizeof(lo)},
	};
	for (size_t i = 0; i < sizeof(opts) / sizeof(*opts); i++) {
		if (strcmp(opts[i].name, name) != 0)
			continue;
		int fd = socket(opts[i].family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return fail_errno(errno);
		int r = setsockopt(fd, opts[i].level, opts[i].opt, opts[i].val, opts[i].len);
		int e = errno;
		close(fd);
		return r < 0 ? fail_errno(e) : ok();
	}
	usage("route-option: unknown option name");
}

/* sendto-connected HOST PORT FAKE_HOST FAKE_PORT: connect a TCP socket to
 * HOST:PORT, then sendto() on it naming FAKE_HOST:FAKE_PORT, which a
 * stream ignores: the bytes go to HOST:PORT (issue 10, second review). */
static int op_sendto_connected(const char *host, const char *port, const char *fake,
                               const char *fake_port)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)number(port))};
	struct sockaddr_in lie = {.sin_family = AF_INET,
	                          .sin_port = htons((uint16_t)number(fake_port))};
	if (inet_pton(AF_INET, host, &to.sin_addr) != 1 ||
	    inet_pton(AF_INET, fake, &lie.sin_addr) != 1)
		usage("sendto-connected: numeric IPv4 addresses");
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0)
		return fail_errno(errno);
	const char msg[] = "GET / HTTP/1.0\r\n\r\n";
	ssize_t n = sendto(fd, msg, sizeof(msg) - 1, 0, (struct sockaddr *)&lie, sizeof(lie));
	int e = errno;
	close(fd);
	return n < 0 ? fail_errno(e) : ok();
}

static int op_bind_tcp(const char *port)
{
	struct sockaddr_in in4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)number(port))};
	in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail_errno(errno);
	int r = bind(fd, (struct sockaddr *)&in4, sizeof(in4));
	int e = errno;
	close(fd);
	return r < 0 ? fail_errno(e) : ok();
}

static int op_connect_unix(const char *name, bool abstract)
{
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	if (n + 2 > sizeof(un.sun_path))
		usage("name too long");
	socklen_t len;
	if (abstract) {
		memcpy(un.sun_path + 1, name, n);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	} else {
		memcpy(un.sun_path, name, n + 1);
		len = sizeof(un);
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail_errno(errno);
	int r = connect(fd, (struct sockaddr *)&un, len);
	int e = errno;
	close(fd);
	return r < 0 ? fail_errno(e) : ok();
}

/* ---- other processes ---- */

static int op_ptrace_attach(const char *pid_s)
{
	pid_t pid = (pid_t)number(pid_s);
	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0)
		return fail_errno(errno);
	int status;
	waitpid(pid, &status, __WALL);
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return ok();
}

static int op_process_vm_readv(const char *pid_s, const char *addr_s)
{
	char buf[8];
	struct iovec local = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)strtoull(addr_s, NULL, 0),
	                       .iov_len = sizeof(buf)};
	return check(process_vm_readv((pid_t)number(pid_s), &local, 1, &remote, 1, 0));
}

/* ---- kernel interfaces a plugin does not need ---- */

static int close_result(long fd)
{
	if (fd >= 0)
		close((int)fd);
	return check(fd);
}

static int op_io_uring(void)
{
	unsigned char params[120]; /* struct io_uring_params */
	memset(params, 0, sizeof(params));
	return close_result(syscall(SYS_io_uring_setup, 4, params));
}

static int op_mount_tmpfs(const char *target)
{
	if (mount("none", target, "tmpfs", 0, "size=64k") < 0)
		return fail_errno(errno);
	umount2(target, MNT_DETACH);
	return ok();
}

static int op_bpf(void)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	return close_result(syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr)));
}

static int op_perf_event_open(void)
{
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_SOFTWARE;
	attr.size = sizeof(attr);
	attr.config = PERF_COUNT_SW_TASK_CLOCK;
	attr.disabled = 1;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	return close_result(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
}

static int op_memfd_exec(void)
{
	int mfd = (int)syscall(SYS_memfd_create, "probe-exec", 0U);
	if (mfd < 0)
		return fail_errno(errno);
	int src = open("/bin/echo", O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return fail_errno(errno);
	char buf[65536];
	ssize_t n;
	while ((n = read(src, buf, sizeof(buf))) > 0)
		if (write(mfd, buf, (size_t)n) != n)
			return fail_errno(errno);
	close(src);
	/* echo prints OK itself when the exec works. */
	char *const argv[] = {"echo", "OK", NULL};
	char *const envp[] = {NULL};
	fflush(stdout);
	fexecve(mfd, argv, envp);
	return fail_errno(errno);
}

/* TIOCSTI on stdin. With CTTY, first make stdin our controlling terminal
 * (new session + TIOCSCTTY), after which the kernel lets anyone inject
 * into their own terminal: then only a filter stops it. */
static int op_tiocsti(bool high, bool ctty)
{
	if (ctty) {
		if (setsid() < 0 && errno != EPERM)
			return fail_errno(errno);
		if (ioctl(0, TIOCSCTTY, 0) < 0) {
			fprintf(stderr, "probe: TIOCSCTTY failed\n");
			return fail_errno(errno);
		}
	}
	char c = 'x';
	unsigned long req = TIOCSTI;
	if (high)
		req |= 1UL << 32;
	return check(syscall(SYS_ioctl, 0, req, &c));
}

static int op_int80_getpid(void)
{
	long ret;
	/* i386 getpid is 20. The kernel clobbers r8-r11 on int 0x80. */
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory", "r8", "r9", "r10", "r11");
	if (ret < 0) {
		errno = (int)-ret;
		return fail_errno(errno);
	}
	return ok();
}

static int op_x32_getpid(void)
{
	return check(syscall(X32_SYSCALL_BIT | SYS_getpid));
}

/* ---- the process itself ---- */

static int op_env(const char *name)
{
	const char *v = getenv(name);
	printf("%s\n", v ? v : "UNSET");
	return 0;
}

/* environment.write: hand NAME=VALUE (or NAME) lines back to the host on
 * $PRAXIS_ENV_FD (3 when unset). */
static int op_env_write(int argc, char **argv)
{
	const char *fd_s = getenv("PRAXIS_ENV_FD");
	int fd = fd_s ? (int)number(fd_s) : 3;
	for (int i = 0; i < argc; i++)
		if (dprintf(fd, "%s\n", argv[i]) < 0)
			return fail_errno(errno);
	return ok();
}

/* Writes each argument to the hand-back fd with \\0, \\n and \\xHH decoded
 * (bytes an argv cannot carry). */
static int op_env_write_raw(int argc, char **argv)
{
	const char *fd_s = getenv("PRAXIS_ENV_FD");
	int fd = fd_s ? (int)number(fd_s) : 3;
	for (int i = 0; i < argc; i++) {
		char buf[1 << 17];
		size_t n = 0;
		for (const char *p = argv[i]; *p && n < sizeof(buf); p++) {
			if (p[0] == '\\' && p[1] == '0') {
				buf[n++] = '\0';
				p++;
			} else if (p[0] == '\\' && p[1] == 'n') {
				buf[n++] = '\n';
				p++;
			} else if (p[0] == '\\' && p[1] == 'x' && p[2] && p[3]) {
				char hex[3] = {p[2], p[3], 0};
				buf[n++] = (char)strtol(hex, NULL, 16);
				p += 3;
			} else {
				buf[n++] = *p;
			}
		}
		if (write(fd, buf, n) != (ssize_t)n)
			return fail_errno(errno);
	}
	return ok();
}

static int op_count_fds(void)
{
	int n = 0;
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (int fd = 0; fd < max; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	printf("%d\n", n);
	return 0;
}

/* The parent as procfs names it (PPid in /proc/self/status is in the
 * namespace of the /proc mount, i.e. the host's). */
static long parent_pid_in_proc(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return -1;
	char line[256];
	long ppid = -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "PPid: %ld", &ppid) == 1)
			break;
	fclose(f);
	return ppid;
}

/* /proc/<parent>/FILE: "mem" and "environ" of the parent (in a sandbox run:
 * the supervisor's reaper, a copy of the host's memory). */
static int op_read_parent(const char *file)
{
	long ppid = parent_pid_in_proc();
	if (ppid <= 0)
		return fail_errno(ESRCH);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/%s", ppid, file);
	if (strcmp(file, "mem") == 0) { /* offset 0 is unmapped: opening is the test */
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
		return check(fd);
	}
	return op_read(path);
}

static int op_status_field(const char *field)
{
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return fail_errno(errno);
	char line[512];
	size_t len = strlen(field);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, field, len) == 0 && line[len] == ':') {
			char *v = line + len + 1;
			v += strspn(v, " \t");
			fputs(v, stdout);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return fail_errno(ENOENT);
}

/* ---- limits, audit and network.http operations (issues 3-5) ----
 * Every loop here is bounded by its arguments, so a probe that escapes its
 * limits still ends by itself. */

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Allocate TOTAL_MB in STEP_MB chunks, touching every page. */
static int alloc_touch(long total_mb, long step_mb)
{
	if (step_mb <= 0)
		step_mb = 16;
	for (long done = 0; done < total_mb; done += step_mb) {
		long mb = total_mb - done < step_mb ? total_mb - done : step_mb;
		char *p = mmap(NULL, (size_t)mb << 20, PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -errno;
		for (size_t off = 0; off < ((size_t)mb << 20); off += 4096)
			p[off] = (char)(off >> 12 | 1);
	}
	return 0;
}

/* alloc MB [STEP_MB [HOLD_SECONDS]] */
static int op_alloc(int n, char **a)
{
	int r = alloc_touch(number(a[0]), n > 1 ? number(a[1]) : 16);
	if (r < 0)
		return fail_errno(-r);
	if (n > 2)
		sleep_seconds((double)number(a[2]) / 1000.0);
	return ok();
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Use SECONDS of CPU time (bounded: at most 3 x SECONDS + 2 of wall time). */
static void spin_for(double seconds)
{
	double cpu_end = cpu_now() + seconds, wall_end = mono_now() + 3 * seconds + 2;
	volatile unsigned long x = 0;
	while (cpu_now() < cpu_end && mono_now() < wall_end)
		for (int i = 0; i < 100000; i++)
			x += (unsigned long)i;
}

/* Fork N children running FN(ARG); wait for all; OK if all exited 0. */
static int fork_children(int n, void (*fn)(long, long), long arg1, long arg2)
{
	pid_t pids[64];
	if (n > 64)
		n = 64;
	fflush(stdout);
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return fail_errno(errno);
		if (pids[i] == 0) {
			fn(arg1, arg2);
			_exit(0);
		}
	}
	int bad = 0;
	for (int i = 0; i < n; i++) {
		int st;
		if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad++;
	}
	return bad ? fail_errno(ECHILD) : ok();
}

static void child_spin(long ms, long unused)
{
	(void)unused;
	spin_for((double)ms / 1000.0);
}

/* fork-spin-log N MS FILE: like fork-spin, and each child keeps its own CPU
 * time written at offset 32*i of FILE (so what the children really used is
 * known even when they are killed). */
static int spin_log_fd = -1;
static int spin_log_index;

static void child_spin_log(long ms, long unused)
{
	(void)unused;
	double end = (double)ms / 1000.0;
	double wall_end = mono_now() + 3 * end + 2;
	volatile unsigned long x = 0;
	for (;;) {
		double cpu = cpu_now();
		char line[33];
		snprintf(line, sizeof(line), "%31.6f\n", cpu);
		if (pwrite(spin_log_fd, line, 32, (off_t)spin_log_index * 32) != 32)
			_exit(4);
		if (cpu >= end || mono_now() >= wall_end)
			break;
		for (int i = 0; i < 200000; i++)
			x += (unsigned long)i;
	}
}

static int op_fork_spin_log(int n, long ms, const char *path)
{
	spin_log_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (spin_log_fd < 0)
		return fail_errno(errno);
	pid_t pids[64];
	if (n > 64)
		n = 64;
	fflush(stdout);
	for (int i = 0; i < n; i++) {
		spin_log_index = i;
		pids[i] = fork();
		if (pids[i] < 0)
			return fail_errno(errno);
		if (pids[i] == 0) {
			child_spin_log(ms, 0);
			_exit(0);
		}
	}
	for (int i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);
	return ok();
}

/* leader-exit-alloc MB HOLD_MS: main() calls pthread_exit; a second thread
 * keeps the address space, allocates MB, holds it HOLD_MS and exits. The
 * leader's /proc/PID/stat then reads rss 0 (issue 10). */
static long leader_mb, leader_hold_ms;

static void *leader_exit_thread(void *unused)
{
	(void)unused;
	usleep(50000); /* let the leader exit first */
	int r = alloc_touch(leader_mb, 16);
	if (r < 0)
		exit(fail_errno(-r));
	sleep_seconds((double)leader_hold_ms / 1000.0);
	exit(ok());
}

static int op_leader_exit_alloc(long mb, long hold_ms)
{
	leader_mb = mb;
	leader_hold_ms = hold_ms;
	pthread_t t;
	int r = pthread_create(&t, NULL, leader_exit_thread, NULL);
	if (r)
		return fail_errno(r);
	pthread_exit(NULL);
}

static double leader_spin_seconds;

static void *leader_spin_thread(void *arg)
{
	(void)arg;
	spin_for(leader_spin_seconds);
	exit(0);
}

/* leader-exit-spin SECONDS: main() calls pthread_exit; a second thread
 * spins SECONDS of CPU, SIGXCPU ignored. /proc/PID/stat then reads Z for a
 * process that is running (issue 10, second review). */
static int op_leader_exit_spin(double seconds)
{
	signal(SIGXCPU, SIG_IGN);
	leader_spin_seconds = seconds;
	pthread_t t;
	int r = pthread_create(&t, NULL, leader_spin_thread, NULL);
	if (r)
		return fail_errno(r);
	pthread_exit(NULL);
}

/* autoreap-spin N MS: SIGCHLD ignored, so the kernel reaps the children
 * and their CPU goes into no one's cutime; N children one after the other,
 * each spinning MS ms of CPU (issue 10). */
static int op_autoreap_spin(long n, long ms)
{
	signal(SIGCHLD, SIG_IGN);
	fflush(stdout);
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return fail_errno(errno);
		if (pid == 0) {
			spin_for((double)ms / 1000.0);
			_exit(0);
		}
		/* SIGCHLD ignored: waits until the child is gone, then ECHILD */
		while (waitpid(pid, NULL, 0) >= 0 || errno == EINTR)
			;
	}
	return ok();
}

static void *write_stdout_forever(void *arg)
{
	(void)arg;
	static char chunk[65536];
	memset(chunk, 'o', sizeof(chunk));
	for (;;)
		if (write(1, chunk, sizeof(chunk)) < 0 && errno != EINTR)
			return NULL;
}

/* stdout-stall MB: one thread writes to stdout for ever (a reader that does
 * not keep up makes it wait), the main thread then takes MB MiB and spins
 * (issue 10: the relay must not hold the limits up). */
static int op_stdout_stall(long mb)
{
	pthread_t t;
	if (pthread_create(&t, NULL, write_stdout_forever, NULL) != 0)
		return fail_errno(EAGAIN);
	struct timespec settle = {0, 200 * 1000 * 1000}; /* the pipes fill */
	nanosleep(&settle, NULL);
	if (mb > 0 && alloc_touch(mb, 16) < 0)
		return fail_errno(errno);
	spin_for(3600);
	return ok();
}

static long long fill_nonblocking(int fd, size_t chunk)
{
	static char buf[65536];
	long long total = 0;
	ssize_t k;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while ((k = write(fd, buf, chunk)) > 0)
		total += k;
	return total;
}

/* pin-kernel unix|pipe|tcp N RAISE: N socketpairs, pipes or loopback TCP
 * connections (to a listener of our own), their queues filled, with RAISE
 * the buffers asked up first (SO_SNDBUF/SO_RCVBUF 4 MiB, F_SETPIPE_SZ
 * 1 MiB). Kernel memory no RSS shows (issue 10). Prints "QUEUED BYTES",
 * then holds it for a second. */
static int op_pin_kernel(const char *kind, long n, long raise)
{
	long long queued = 0;
	int big = 4 << 20, listener = -1;
	struct sockaddr_in in = {.sin_family = AF_INET};
	socklen_t len = sizeof(in);
	if (strcmp(kind, "tcp") == 0) {
		in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (listener < 0 || bind(listener, (struct sockaddr *)&in, sizeof(in)) < 0 ||
		    listen(listener, 4096) < 0 ||
		    getsockname(listener, (struct sockaddr *)&in, &len) < 0)
			return fail_errno(errno);
	}
	for (long i = 0; i < n; i++) {
		int fd[2];
		if (strcmp(kind, "pipe") == 0) {
			if (pipe2(fd, O_CLOEXEC) < 0)
				break;
			if (raise)
				fcntl(fd[1], F_SETPIPE_SZ, 1 << 20);
			queued += fill_nonblocking(fd[1], 65536);
			continue;
		}
		if (strcmp(kind, "unix") == 0) {
			if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd) < 0)
				break;
		} else {
			fd[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (fd[0] < 0 || connect(fd[0], (struct sockaddr *)&in, sizeof(in)) < 0)
				break;
			fd[1] = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
			if (fd[1] < 0)
				break;
		}
		for (int j = 0; j < 2; j++) {
			if (raise) {
				setsockopt(fd[j], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
				setsockopt(fd[j], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
			}
			queued += fill_nonblocking(fd[j], 65536);
		}
	}
	printf("QUEUED %lld\n", queued);
	fflush(stdout);
	sleep_seconds(1.0);
	return 0;
}

static int exit_thread(void *arg)
{
	(void)arg;
	syscall(SYS_exit, 0);
	return 0;
}

/* thread-own-fds: a thread (CLONE_THREAD) with an fd table of its own (no
 * CLONE_FILES), whose fds no /proc/PID/fd shows. */
static int op_thread_own_fds(void)
{
	static char stack[65536];
	int r = clone(exit_thread, stack + sizeof(stack),
	              CLONE_VM | CLONE_FS | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM, NULL);
	if (r < 0)
		return fail_errno(errno);
	struct timespec t = {0, 10 * 1000 * 1000};
	nanosleep(&t, NULL);
	return ok();
}

/* epoll-many N M: N epoll instances, each watching M dups of one eventfd
 * (N x M watches of kernel memory), held 1 s. */
static int op_epoll_many(long n, long m)
{
	int ev = (int)syscall(SYS_eventfd2, 0, O_CLOEXEC);
	if (ev < 0)
		return fail_errno(errno);
	int *dups = calloc((size_t)m, sizeof(int));
	for (long i = 0; i < m; i++)
		if ((dups[i] = fcntl(ev, F_DUPFD_CLOEXEC, 0)) < 0)
			return fail_errno(errno);
	for (long i = 0; i < n; i++) {
		int ep = (int)syscall(SYS_epoll_create1, O_CLOEXEC);
		if (ep < 0)
			return fail_errno(errno);
		for (long j = 0; j < m; j++) {
			struct {
				uint32_t events;
				uint64_t data;
			} __attribute__((packed)) e = {1, 0};
			if (syscall(SYS_epoll_ctl, ep, 1 /* EPOLL_CTL_ADD */, dups[j], &e) < 0)
				return fail_errno(errno);
		}
	}
	sleep_seconds(1.0);
	return ok();
}

/* epoll-keys N E F: N epoll instances, each watching E eventfds under each
 * of F fd numbers (a watch is a (file, fd) pair: dup2 a file onto a number,
 * add it, close the number, and the watch stays while the file is open):
 * N x E x F watches with E + F + N fds. Held 1 s. */
static int op_epoll_keys(long n, long files, long numbers)
{
	int *ev = calloc((size_t)files, sizeof(int));
	for (long i = 0; i < files; i++)
		if ((ev[i] = (int)syscall(SYS_eventfd2, 0, O_CLOEXEC)) < 0)
			return fail_errno(errno);
	int base = 900; /* F numbers above what is open */
	for (long k = 0; k < n; k++) {
		int ep = (int)syscall(SYS_epoll_create1, O_CLOEXEC);
		if (ep < 0)
			return fail_errno(errno);
		for (long i = 0; i < files; i++)
			for (long j = 0; j < numbers; j++) {
				int num = base - (int)j;
				struct {
					uint32_t events;
					uint64_t data;
				} __attribute__((packed)) e = {1, 0};
				if (dup2(ev[i], num) < 0 ||
				    syscall(SYS_epoll_ctl, ep, 1 /* EPOLL_CTL_ADD */, num, &e) < 0)
					return fail_errno(errno);
				close(num);
			}
	}
	sleep_seconds(3.0); /* time for a census or two, also in slow builds */
	return ok();
}

static int count_fds_now(void)
{
	int n = 0;
	for (int fd = 0; fd < 4096; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

/* socketpair-badptr: socketpair() with an unwritable sv must fail EFAULT
 * and leave no fd behind, as the kernel's does. Prints "EFAULT FDS=+N". */
static int op_socketpair_badptr(void)
{
	int before = count_fds_now();
	int r = (int)syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (uintptr_t)8);
	int e = errno;
	printf("%s FDS=+%d\n", r < 0 ? strerrorname_np(e) : "OK", count_fds_now() - before);
	fflush(stdout);
	return 0;
}

/* vmsplice: one byte of our memory spliced into a pipe. */
static int op_vmsplice(void)
{
	int p[2];
	static char byte = 'x';
	if (pipe(p) < 0)
		return fail_errno(errno);
	struct iovec iov = {&byte, 1};
	return check(syscall(SYS_vmsplice, p[1], &iov, 1UL, 0U) == 1 ? 0 : -1);
}

/* inotify-many N DIR: N inotify instances, each watching DIR, held 1 s
 * (each can queue max_queued_events events of kernel memory). */
static int op_inotify_many(long n, const char *dir)
{
	for (long i = 0; i < n; i++) {
		int fd = (int)syscall(SYS_inotify_init1, IN_CLOEXEC);
		if (fd < 0 || syscall(SYS_inotify_add_watch, fd, dir, IN_ACCESS | IN_OPEN) < 0)
			return fail_errno(errno);
	}
	sleep_seconds(1.0);
	return ok();
}

static void child_alloc(long mb, long hold_ms)
{
	if (alloc_touch(mb, 16) < 0)
		_exit(3);
	sleep_seconds((double)hold_ms / 1000.0);
}

/* A fork bomb bounded by MAX processes in all (a shared counter); every
 * process then sleeps HOLD_MS. Prints the number of forks that failed. */
static int op_forkbomb(long max, long hold_ms)
{
	int *counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counter == MAP_FAILED)
		return fail_errno(errno);
	bool top = true;
	int failures = 0;
	fflush(stdout);
	while (__atomic_add_fetch(counter, 1, __ATOMIC_SEQ_CST) < max) {
		pid_t pid = fork();
		if (pid < 0) {
			failures++;
			if (failures > 3)
				break;
			sleep_seconds(0.01);
			continue;
		}
		if (pid == 0)
			top = false;
	}
	sleep_seconds((double)hold_ms / 1000.0);
	if (top) {
		printf("FORKBOMB failures=%d\n", failures);
		fflush(stdout);
		while (wait(NULL) > 0)
			;
	}
	_exit(0);
}

/* fork-flat N HOLD_MS: one process forks N children that each sleep
 * HOLD_MS (a flat tree); prints how many forks failed. */
static int op_fork_flat(long n, long hold_ms)
{
	long failed = 0;
	fflush(stdout);
	for (long i = 0; i < n && i < 5000; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			failed++;
			continue;
		}
		if (pid == 0) {
			sleep_seconds((double)hold_ms / 1000.0);
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
	printf("FLAT failed=%ld\n", failed);
	return 0;
}

/* memfd-hold N MB HOLD_MS: N memfds (not executable) holding MB each,
 * written with write() and never mapped; then sleep HOLD_MS. */
static int op_memfd_hold(long n, long mb, long hold_ms)
{
	static char buf[65536];
	memset(buf, 'm', sizeof(buf));
	for (long i = 0; i < n && i < 64; i++) {
		int fd = (int)syscall(SYS_memfd_create, "hold", MFD_NOEXEC_SEAL | MFD_CLOEXEC);
		if (fd < 0)
			return fail_errno(errno);
		for (long done = 0; done < (mb << 20); done += (long)sizeof(buf))
			if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
				return fail_errno(errno);
	}
	sleep_seconds((double)hold_ms / 1000.0);
	return ok();
}

/* openat-dir DIR NAME: open NAME relative to a descriptor of DIR. */
static int op_openat_dir(const char *dir, const char *name)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return fail_errno(errno);
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	int e = errno;
	close(dfd);
	if (fd < 0)
		return fail_errno(e);
	close(fd);
	return ok();
}

/* openat2-read PATH: open with openat2(2). */
static int op_openat2_read(const char *path)
{
	struct {
		uint64_t flags, mode, resolve;
	} how = {.flags = O_RDONLY | O_CLOEXEC};
	long fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	if (fd < 0)
		return fail_errno(errno);
	close((int)fd);
	return ok();
}

/* Run this program again as "probe exit 42" (exit 42 means the exec
 * worked): MODE execve (its own path), execveat (/proc/self/exe) or
 * execveat-fd (an O_PATH fd on it and AT_EMPTY_PATH). */
static int op_exec_self(const char *mode)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return fail_errno(errno);
	self[n] = '\0';
	char *const argv[] = {"probe", "exit", "42", NULL};
	char *const envp[] = {NULL};
	fflush(stdout);
	if (strcmp(mode, "execve") == 0) {
		execve(self, argv, envp);
	} else if (strcmp(mode, "execveat") == 0) {
		syscall(SYS_execveat, AT_FDCWD, "/proc/self/exe", argv, envp, 0);
	} else {
		int fd = open("/proc/self/exe", O_PATH | O_CLOEXEC);
		if (fd < 0)
			return fail_errno(errno);
		syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
	}
	return fail_errno(errno);
}

/* N refused execs, each with 64 arguments of 500 bytes (long targets). */
static int op_exec_loop(long n)
{
	static char arg[501];
	memset(arg, 'a', 500);
	char *argv[65];
	for (int i = 0; i < 64; i++)
		argv[i] = arg;
	argv[64] = NULL;
	char *const envp[] = {NULL};
	for (long i = 0; i < n; i++)
		if (syscall(SYS_execve, "/nonexistent-praxis", argv, envp) == 0)
			return 3;
	return ok();
}

/* openat2(DIR, PATH) with the resolve flags RESOLVE (a number); prints the
 * file's first line. */
static int op_openat2_in(const char *dir, const char *path, long resolve)
{
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return fail_errno(errno);
	struct {
		uint64_t flags, mode, resolve;
	} how = {.flags = O_RDONLY | O_CLOEXEC, .resolve = (uint64_t)resolve};
	long fd = syscall(SYS_openat2, dfd, path, &how, sizeof(how));
	if (fd < 0)
		return fail_errno(errno);
	char buf[256];
	ssize_t r = read((int)fd, buf, sizeof(buf) - 1);
	close((int)fd);
	buf[r > 0 ? r : 0] = '\0';
	printf("%s", buf);
	return 0;
}

/* open() FILE through a path of exactly LEN bytes ("/" repeated, then
 * FILE); "badptr" instead of a file passes an unmapped address. */
static int op_open_long(const char *file, long len)
{
	if (strcmp(file, "badptr") == 0)
		return check(syscall(SYS_openat, AT_FDCWD, (const char *)16, O_RDONLY));
	size_t fl = strlen(file);
	if (len < (long)fl || len > 65536)
		usage("bad length");
	char *p = malloc((size_t)len + 1);
	memset(p, '/', (size_t)len - fl);
	memcpy(p + len - (long)fl, file, fl + 1);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	free(p);
	if (fd < 0)
		return fail_errno(errno);
	close(fd);
	return ok();
}

/* deep-ops DIR BYTES: chdir down DIR/ddd.../ddd... until the working
 * directory's path is longer than BYTES, then, relative to it: create f,
 * open it, mkdir sub, unlink f, rmdir sub, and open a name of 300 bytes.
 * Prints one "OP OK|ERRNO" line per operation (issue 10: the supervisor
 * cannot name such a cwd in PATH_MAX bytes). */
static int op_deep_ops(const char *dir, long bytes)
{
	char comp[201];
	memset(comp, 'd', 200);
	comp[200] = '\0';
	if (chdir(dir) < 0)
		return fail_errno(errno);
	for (long depth = (long)strlen(dir); depth <= bytes; depth += 201)
		if ((mkdir(comp, 0755) < 0 && errno != EEXIST) || chdir(comp) < 0)
			return fail_errno(errno);
	char name[301];
	memset(name, 'n', 300);
	name[300] = '\0';
	struct {
		const char *op;
		int r;
	} res[6];
	int fd = open("f", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	res[0].op = "create", res[0].r = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	fd = open("f", O_RDONLY | O_CLOEXEC);
	res[1].op = "open", res[1].r = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	res[2].op = "mkdir", res[2].r = mkdir("sub", 0755) < 0 ? errno : 0;
	res[3].op = "unlink", res[3].r = unlink("f") < 0 ? errno : 0;
	res[4].op = "rmdir", res[4].r = rmdir("sub") < 0 ? errno : 0;
	fd = open(name, O_RDONLY | O_CLOEXEC);
	res[5].op = "longname", res[5].r = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < 6; i++)
		printf("%s %s\n", res[i].op, res[i].r ? strerrorname_np(res[i].r) : "OK");
	fflush(stdout);
	return 0;
}

/* Write BYTES of 'y\n' to stdout; stop at the first error. */
static int op_flood(long long bytes)
{
	static char buf[65536];
	for (size_t i = 0; i < sizeof(buf); i += 2) {
		buf[i] = 'y';
		buf[i + 1] = '\n';
	}
	long long done = 0;
	while (done < bytes) {
		size_t len =
		    bytes - done < (long long)sizeof(buf) ? (size_t)(bytes - done) : sizeof(buf);
		ssize_t w = write(1, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return 1;
		done += w;
	}
	return 0;
}

/* Open /dev/null N times; OK, or the first error (count on stderr). */
static int op_open_files(long n)
{
	for (long i = 0; i < n; i++) {
		if (open("/dev/null", O_RDONLY) < 0) {
			int e = errno;
			fprintf(stderr, "probe: %ld files opened\n", i);
			return fail_errno(e);
		}
	}
	return ok();
}

/* Write BYTES to PATH in 64 KiB chunks. */
static int op_write_size(const char *path, long long bytes)
{
	static char buf[65536];
	memset(buf, 'z', sizeof(buf));
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail_errno(errno);
	long long done = 0;
	while (done < bytes) {
		size_t len =
		    bytes - done < (long long)sizeof(buf) ? (size_t)(bytes - done) : sizeof(buf);
		ssize_t w = write(fd, buf, len);
		if (w <= 0) {
			int e = errno;
			close(fd);
			return fail_errno(w == 0 ? EIO : e);
		}
		done += w;
	}
	close(fd);
	return ok();
}

/* Open PATH read-only and close it, N times. OK when every open worked. */
static int op_open_loop(const char *path, long n)
{
	int last = 0;
	for (long i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			last = errno;
		else
			close(fd);
	}
	return last ? fail_errno(last) : ok();
}

/* Open and read each path; OK when all worked, else the first error. */
static int op_read_many(int n, char **paths)
{
	int first = 0;
	for (int i = 0; i < n; i++) {
		int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (!first)
				first = errno;
			continue;
		}
		char buf[256];
		if (read(fd, buf, sizeof(buf)) < 0 && !first)
			first = errno;
		close(fd);
	}
	return first ? fail_errno(first) : ok();
}

/* Print the content of PATH on stdout. */
static int op_cat(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail_errno(errno);
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	return 0;
}

/* ---- TOCTOU: one thread flips the path the other opens ---- */

static char toctou_path[4096];
static const char *toctou_paths[2];
static volatile int toctou_stop;

static void *toctou_flipper(void *arg)
{
	(void)arg;
	size_t len0 = strlen(toctou_paths[0]) + 1, len1 = strlen(toctou_paths[1]) + 1;
	unsigned long rnd = 88172645463325252UL;
	for (unsigned long i = 0; !toctou_stop; i++) {
		const char *src = i % 2 ? toctou_paths[1] : toctou_paths[0];
		size_t len = i % 2 ? len1 : len0;
		for (size_t k = 0; k < len; k++)
			((volatile char *)toctou_path)[k] = src[k];
		/* hold each path for a random while (0 to ~20 us), so opens
		 * see whole paths that change between two reads of them */
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		for (volatile unsigned long spin = rnd % 20000; spin; spin--)
			;
	}
	return NULL;
}

/* toctou GOOD BAD ITERATIONS: opens the flipping path; counts opens that
 * gave the content of GOOD ("good"), anything else ("other"), and EACCES. */
static int op_toctou(const char *good, const char *bad, long iters)
{
	char expect[4096];
	int fd = open(good, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail_errno(errno);
	ssize_t elen = read(fd, expect, sizeof(expect));
	close(fd);
	if (elen < 0)
		return fail_errno(errno);
	toctou_paths[0] = good;
	toctou_paths[1] = bad;
	snprintf(toctou_path, sizeof(toctou_path), "%s", good);
	pthread_t t;
	int r = pthread_create(&t, NULL, toctou_flipper, NULL);
	if (r)
		return fail_errno(r);
	long n_good = 0, n_other = 0, n_eacces = 0, n_errors = 0;
	for (long i = 0; i < iters; i++) {
		fd = open(toctou_path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == EACCES)
				n_eacces++;
			else
				n_errors++;
			continue;
		}
		char buf[4096];
		ssize_t n = read(fd, buf, sizeof(buf));
		close(fd);
		if (n == elen && memcmp(buf, expect, (size_t)n) == 0)
			n_good++;
		else
			n_other++;
	}
	toctou_stop = 1;
	pthread_join(t, NULL);
	printf("good=%ld other=%ld eacces=%ld errors=%ld\n", n_good, n_other, n_eacces, n_errors);
	return 0;
}

/* ---- threads opening files ---- */

struct opener {
	const char *path;
	long iters;
	int failures;
};

static void *opener_main(void *arg)
{
	struct opener *o = arg;
	for (long i = 0; i < o->iters; i++) {
		int fd = open(o->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			o->failures++;
		else
			close(fd);
	}
	return NULL;
}

/* threads-open ITERS FILE...: one thread per FILE opens it ITERS times. */
static int op_threads_open(long iters, int n, char **paths)
{
	pthread_t t[16];
	struct opener o[16];
	if (n > 16)
		n = 16;
	for (int i = 0; i < n; i++) {
		o[i] = (struct opener){.path = paths[i], .iters = iters};
		int r = pthread_create(&t[i], NULL, opener_main, &o[i]);
		if (r)
			return fail_errno(r);
	}
	int failures = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		failures += o[i].failures;
	}
	return failures ? fail_errno(EACCES) : ok();
}

/* ---- network ---- */

static struct sockaddr_in race_addr;
static volatile int race_stop;
static uint16_t race_ports[2];

static void *race_flipper(void *arg)
{
	(void)arg;
	for (unsigned long i = 0; !race_stop; i++)
		((volatile struct sockaddr_in *)&race_addr)->sin_port = htons(race_ports[i % 2]);
	return NULL;
}

/* connect-race ALLOWED FORBIDDEN ITERATIONS: 127.0.0.1; a thread flips the
 * port of the sockaddr the main thread connects with (a new socket each
 * time). Prints how many connects worked and failed. */
static int op_connect_race(long allowed, long forbidden, long iters)
{
	race_ports[0] = (uint16_t)allowed;
	race_ports[1] = (uint16_t)forbidden;
	race_addr.sin_family = AF_INET;
	race_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	race_addr.sin_port = htons((uint16_t)allowed);
	pthread_t t;
	int r = pthread_create(&t, NULL, race_flipper, NULL);
	if (r)
		return fail_errno(r);
	long n_ok = 0, n_fail = 0;
	for (long i = 0; i < iters; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			n_fail++;
			continue;
		}
		if (connect(fd, (struct sockaddr *)&race_addr, sizeof(race_addr)) == 0)
			n_ok++;
		else
			n_fail++;
		close(fd);
	}
	race_stop = 1;
	pthread_join(t, NULL);
	printf("connected=%ld failed=%ld\n", n_ok, n_fail);
	return 0;
}

/* A TCP socket that listens without bind (the kernel picks a port). */
static int op_listen_tcp(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail_errno(errno);
	int r = listen(fd, 4);
	int e = errno;
	close(fd);
	return r < 0 ? fail_errno(e) : ok();
}

/* udp-echo HOST PORT: send a datagram, expect it back within 2 s. */
static int op_udp_echo(const char *host, const char *port)
{
	struct sockaddr_in in4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)number(port))};
	if (inet_pton(AF_INET, host, &in4.sin_addr) != 1)
		usage("udp-echo: HOST must be an IPv4 address");
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail_errno(errno);
	struct timeval tv = {.tv_sec = 2};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	const char msg[] = "praxis-udp-ping";
	if (sendto(fd, msg, sizeof(msg), 0, (struct sockaddr *)&in4, sizeof(in4)) < 0) {
		int e = errno;
		close(fd);
		return fail_errno(e);
	}
	char buf[64];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	int e = errno;
	close(fd);
	if (n < 0)
		return fail_errno(e);
	return n == (ssize_t)sizeof(msg) && memcmp(buf, msg, sizeof(msg)) == 0
	           ? ok()
	           : fail_errno(EBADMSG);
}

/* Connect to 127.0.0.1:PORT N times (blocking, a new socket each time). */
static int op_connect_loop(long port, long n)
{
	struct sockaddr_in in4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int last = 0;
	for (long i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return fail_errno(errno);
		if (connect(fd, (struct sockaddr *)&in4, sizeof(in4)) < 0)
			last = errno;
		close(fd);
	}
	return last ? fail_errno(last) : ok();
}

/* ---- races on what the supervisor inspected (issue 10) ---- */

#define SWAP_FD 100
static volatile int swap_stop;
static int swap_decoy; /* a pipe end or a socketpair end, or -1: fresh TCP */
static int swap_type;  /* the type of the real socket put at SWAP_FD */

/* Put a fresh socket and the decoy at SWAP_FD by turns. */
static void *fd_swapper(void *arg)
{
	(void)arg;
	while (!swap_stop) {
		int s = socket(AF_INET, swap_type | SOCK_CLOEXEC, 0);
		if (s >= 0) {
			dup2(s, SWAP_FD);
			close(s);
		}
		for (volatile int i = 0; i < 3000; i++)
			;
		dup2(swap_decoy, SWAP_FD);
		for (volatile int i = 0; i < 3000; i++)
			;
	}
	return NULL;
}

static int make_decoy(const char *kind)
{
	int p[2];
	if (strcmp(kind, "pipe") == 0 && pipe2(p, O_CLOEXEC) == 0)
		return p[0];
	if (strcmp(kind, "unix") == 0 && socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, p) == 0)
		return p[0];
	if (strcmp(kind, "tcp") == 0)
		return socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	usage("decoy: pipe, unix or tcp");
}

/* One send of a datagram to ADDR on FD with CALL (sendto/sendmsg/sendmmsg). */
static int send_with(const char *call, int fd, const struct sockaddr_in *addr)
{
	char msg[] = "praxis-race";
	struct iovec iov = {msg, sizeof(msg)};
	struct msghdr mh = {.msg_name = (void *)addr,
	                    .msg_namelen = sizeof(*addr),
	                    .msg_iov = &iov,
	                    .msg_iovlen = 1};
	if (strcmp(call, "sendto") == 0)
		return sendto(fd, msg, sizeof(msg), MSG_DONTWAIT | MSG_NOSIGNAL,
		              (const struct sockaddr *)addr, sizeof(*addr)) < 0
		           ? -1
		           : 0;
	if (strcmp(call, "sendmsg") == 0)
		return sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -1 : 0;
	struct mmsghdr m = {.msg_hdr = mh};
	return sendmmsg(fd, &m, 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* fd-race CALL DECOY PORT ITERS [HOST]: CALL (connect, or a UDP send) to
 * HOST (127.0.0.1):PORT on fd SWAP_FD while a thread swaps a fresh socket and the
 * DECOY in and out of that fd number. */
static int op_fd_race(const char *call, const char *decoy, long port, long iters, const char *host)
{
	bool tcp = strcmp(call, "connect") == 0;
	swap_type = tcp ? SOCK_STREAM : SOCK_DGRAM;
	swap_decoy = make_decoy(decoy);
	if (swap_decoy < 0)
		return fail_errno(errno);
	dup2(swap_decoy, SWAP_FD);
	struct sockaddr_in in4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, host, &in4.sin_addr) != 1)
		usage("fd-race: HOST must be an IPv4 address");
	pthread_t t;
	int r = pthread_create(&t, NULL, fd_swapper, NULL);
	if (r)
		return fail_errno(r);
	long n_ok = 0;
	for (long i = 0; i < iters; i++) {
		int rr = tcp ? connect(SWAP_FD, (struct sockaddr *)&in4, sizeof(in4))
		             : send_with(call, SWAP_FD, &in4);
		n_ok += rr == 0;
	}
	swap_stop = 1;
	pthread_join(t, NULL);
	printf("ok=%ld\n", n_ok);
	return 0;
}

static volatile int remap_stop;
static struct sockaddr_in *remap_page;

/* Unmap the address's page and map it again with the forbidden address. */
static in_addr_t remap_host;

static void *page_remapper(void *arg)
{
	uint16_t port = (uint16_t)(uintptr_t)arg;
	while (!remap_stop) {
		munmap(remap_page, 4096);
		for (volatile int i = 0; i < 200; i++)
			;
		void *p = mmap(remap_page, 4096, PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (p == MAP_FAILED)
			break;
		remap_page->sin_family = AF_INET;
		remap_page->sin_port = htons(port);
		remap_page->sin_addr.s_addr = remap_host;
		for (volatile int i = 0; i < 200; i++)
			;
	}
	return NULL;
}

/* page-race CALL PORT ITERS [HOST]: CALL to HOST (127.0.0.1):PORT with the address on a
 * page another thread keeps unmapping and mapping again. */
static int op_page_race(const char *call, long port, long iters, const char *host)
{
	if (inet_pton(AF_INET, host, &remap_host) != 1)
		usage("page-race: HOST must be an IPv4 address");
	bool tcp = strcmp(call, "connect") == 0;
	remap_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (remap_page == MAP_FAILED)
		return fail_errno(errno);
	pthread_t t;
	int r = pthread_create(&t, NULL, page_remapper, (void *)(uintptr_t)port);
	if (r)
		return fail_errno(r);
	long n_ok = 0, n_fault = 0;
	int udp = tcp ? -1 : socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (long i = 0; i < iters; i++) {
		int rr;
		if (tcp) {
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			rr = connect(fd, (struct sockaddr *)remap_page, sizeof(*remap_page));
			close(fd);
		} else {
			rr = sendto(udp, "x", 1, MSG_DONTWAIT, (struct sockaddr *)remap_page,
			            sizeof(*remap_page)) < 0
			         ? -1
			         : 0;
		}
		n_ok += rr == 0;
		n_fault += rr < 0 && errno == EFAULT;
	}
	remap_stop = 1;
	pthread_join(t, NULL);
	printf("ok=%ld efault=%ld\n", n_ok, n_fault);
	return 0;
}

static volatile int flip_stop;
static volatile int flip_fd = -1;

static void *nonblock_flipper(void *arg)
{
	(void)arg;
	while (!flip_stop) {
		int fd = flip_fd;
		if (fd >= 0) {
			int fl = fcntl(fd, F_GETFL);
			if (fl >= 0)
				fcntl(fd, F_SETFL, fl ^ O_NONBLOCK);
		}
	}
	return NULL;
}

static void *slow_alloc(void *arg)
{
	long mib = (long)(intptr_t)arg;
	usleep(300000);
	for (long i = 0; i < mib; i++) {
		char *p = malloc(1 << 20);
		if (p)
			memset(p, 1, 1 << 20);
		usleep(2000);
	}
	return NULL;
}

/* stall-connect PORT MIB SECONDS TIMEOUT: connect (O_NONBLOCK flipped by
 * another thread; SO_SNDTIMEO TIMEOUT s) to 127.0.0.1:PORT, whose backlog is
 * full, until one blocks, while a thread allocates MIB MiB; then sleep
 * SECONDS. Prints how long the connect that blocked took. */
static int op_stall_connect(long port, long mib, long seconds, long timeout)
{
	struct sockaddr_in in4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	pthread_t t, a;
	int r = pthread_create(&t, NULL, nonblock_flipper, NULL);
	if (r || (mib && (r = pthread_create(&a, NULL, slow_alloc, (void *)(intptr_t)mib))))
		return fail_errno(r);
	long blocked_ms = 0;
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (now = start; !blocked_ms && now.tv_sec - start.tv_sec < 3;
	     clock_gettime(CLOCK_MONOTONIC, &now)) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		struct timeval tv = {.tv_sec = timeout};
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		flip_fd = fd;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		connect(fd, (struct sockaddr *)&in4, sizeof(in4));
		clock_gettime(CLOCK_MONOTONIC, &t1);
		flip_fd = -1;
		close(fd);
		long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms >= 500)
			blocked_ms = ms; /* this one blocked */
	}
	flip_stop = 1;
	pthread_join(t, NULL);
	if (mib)
		pthread_join(a, NULL);
	printf("blocked_ms=%ld\n", blocked_ms);
	fflush(stdout);
	sleep((unsigned)seconds);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage("usage: probe OPERATION [ARGS]");
	const char *op = argv[1];
	int n = argc - 2;
	char **a = argv + 2;
#define NEED(k)                                                                                    \
	do {                                                                                       \
		if (n < (k))                                                                       \
			usage("missing argument");                                                 \
	} while (0)

	if (strcmp(op, "read") == 0) {
		NEED(1);
		return op_read(a[0]);
	} else if (strcmp(op, "write") == 0) {
		NEED(1);
		return op_write(a[0], O_CREAT | O_TRUNC);
	} else if (strcmp(op, "append") == 0) {
		NEED(1);
		return op_write(a[0], O_APPEND);
	} else if (strcmp(op, "mkdir") == 0) {
		NEED(1);
		return check(mkdir(a[0], 0755));
	} else if (strcmp(op, "rmdir") == 0) {
		NEED(1);
		return check(rmdir(a[0]));
	} else if (strcmp(op, "unlink") == 0) {
		NEED(1);
		return check(unlink(a[0]));
	} else if (strcmp(op, "rename") == 0) {
		NEED(2);
		return check(rename(a[0], a[1]));
	} else if (strcmp(op, "link") == 0) {
		NEED(2);
		return check(link(a[0], a[1]));
	} else if (strcmp(op, "symlink") == 0) {
		NEED(2);
		return check(symlink(a[0], a[1]));
	} else if (strcmp(op, "truncate") == 0) {
		NEED(1);
		return check(truncate(a[0], 0));
	} else if (strcmp(op, "readdir") == 0) {
		NEED(1);
		return op_readdir(a[0]);
	} else if (strcmp(op, "exec") == 0) {
		return op_exec(n, a);
	} else if (strcmp(op, "fork") == 0) {
		return op_fork();
	} else if (strcmp(op, "vfork") == 0) {
		return op_vfork();
	} else if (strcmp(op, "thread") == 0) {
		return op_thread();
	} else if (strcmp(op, "clone3") == 0) {
		return op_clone3();
	} else if (strcmp(op, "clone-newuser") == 0) {
		return op_clone_newuser();
	} else if (strcmp(op, "socket") == 0) {
		return op_socket(n, a, false);
	} else if (strcmp(op, "socket-high") == 0) {
		return op_socket(n, a, true);
	} else if (strcmp(op, "socketpair") == 0) {
		return op_socketpair();
	} else if (strcmp(op, "connect-tcp") == 0) {
		NEED(2);
		return op_connect_tcp(a[0], a[1]);
	} else if (strcmp(op, "sendto-connected") == 0) {
		NEED(4);
		return op_sendto_connected(a[0], a[1], a[2], a[3]);
	} else if (strcmp(op, "route-option") == 0) {
		NEED(1);
		return op_route_option(a[0]);
	} else if (strcmp(op, "bind-tcp") == 0) {
		NEED(1);
		return op_bind_tcp(a[0]);
	} else if (strcmp(op, "connect-unix") == 0) {
		NEED(1);
		return op_connect_unix(a[0], false);
	} else if (strcmp(op, "connect-abstract") == 0) {
		NEED(1);
		return op_connect_unix(a[0], true);
	} else if (strcmp(op, "ptrace-attach") == 0) {
		NEED(1);
		return op_ptrace_attach(a[0]);
	} else if (strcmp(op, "process-vm-readv") == 0) {
		NEED(2);
		return op_process_vm_readv(a[0], a[1]);
	} else if (strcmp(op, "io-uring") == 0) {
		return op_io_uring();
	} else if (strcmp(op, "unshare-user") == 0) {
		return check(unshare(CLONE_NEWUSER));
	} else if (strcmp(op, "unshare-net") == 0) {
		return check(unshare(CLONE_NEWNET));
	} else if (strcmp(op, "mount-tmpfs") == 0) {
		NEED(1);
		return op_mount_tmpfs(a[0]);
	} else if (strcmp(op, "fsopen") == 0) {
		return close_result(syscall(SYS_fsopen, "tmpfs", 0));
	} else if (strcmp(op, "bpf") == 0) {
		return op_bpf();
	} else if (strcmp(op, "perf-event-open") == 0) {
		return op_perf_event_open();
	} else if (strcmp(op, "userfaultfd") == 0) {
		return close_result(syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY));
	} else if (strcmp(op, "keyctl") == 0) {
		return check(
		    syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
	} else if (strcmp(op, "personality-noaslr") == 0) {
		long r = syscall(SYS_personality, (unsigned long)ADDR_NO_RANDOMIZE);
		return check(r);
	} else if (strcmp(op, "memfd-exec") == 0) {
		return op_memfd_exec();
	} else if (strcmp(op, "memfd-noexec") == 0) {
		return close_result(
		    syscall(SYS_memfd_create, "probe", MFD_NOEXEC_SEAL | MFD_CLOEXEC));
	} else if (strcmp(op, "tiocsti") == 0) {
		return op_tiocsti(false, n > 0 && strcmp(a[0], "ctty") == 0);
	} else if (strcmp(op, "tiocsti-high") == 0) {
		return op_tiocsti(true, n > 0 && strcmp(a[0], "ctty") == 0);
	} else if (strcmp(op, "int80-getpid") == 0) {
		return op_int80_getpid();
	} else if (strcmp(op, "x32-getpid") == 0) {
		return op_x32_getpid();
	} else if (strcmp(op, "kill") == 0) {
		NEED(2);
		return op_kill(a[0], a[1]);
	} else if (strcmp(op, "raise") == 0) {
		NEED(1);
		return op_raise(a[0]);
	} else if (strcmp(op, "abort") == 0) {
		fflush(stdout);
		abort();
	} else if (strcmp(op, "exit") == 0) {
		NEED(1);
		fflush(stdout);
		_exit((int)number(a[0]));
	} else if (strcmp(op, "env") == 0) {
		NEED(1);
		return op_env(a[0]);
	} else if (strcmp(op, "env-write") == 0) {
		return op_env_write(n, a);
	} else if (strcmp(op, "env-write-raw") == 0) {
		return op_env_write_raw(n, a);
	} else if (strcmp(op, "count-fds") == 0) {
		return op_count_fds();
	} else if (strcmp(op, "id") == 0) {
		printf("%u %u %u %u\n", (unsigned)getuid(), (unsigned)geteuid(), (unsigned)getgid(),
		       (unsigned)getegid());
		return 0;
	} else if (strcmp(op, "capeff") == 0) {
		return op_status_field("CapEff");
	} else if (strcmp(op, "nnp") == 0) {
		printf("%d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
		return 0;
	} else if (strcmp(op, "daemon") == 0) {
		NEED(1);
		return op_daemon(a[0], n > 1 ? a[1] : NULL);
	} else if (strcmp(op, "open-proc-self-root") == 0) {
		NEED(1);
		return op_proc_self_root(a[0], n > 1 ? a[1] : NULL);
	} else if (strcmp(op, "read-parent") == 0) {
		NEED(1);
		return op_read_parent(a[0]);
	} else if (strcmp(op, "open-proc-fd-reopen") == 0) {
		NEED(1);
		return op_proc_fd_reopen(a[0]);
	} else if (strcmp(op, "wait-stdin") == 0) {
		/* Tell the host we run (on stderr), then wait for EOF on stdin. */
		dprintf(2, "READY\n");
		char buf[256];
		ssize_t r;
		while ((r = read(0, buf, sizeof(buf))) != 0)
			if (r < 0 && errno != EINTR)
				return fail_errno(errno);
		return ok();
	} else if (strcmp(op, "sleep") == 0) {
		NEED(1);
		sleep_seconds((double)number(a[0]));
		return ok();
	}
	/* ---- limits, audit and network.http operations (issues 3-5) ---- */
	if (strcmp(op, "alloc") == 0) {
		NEED(1);
		return op_alloc(n, a);
	} else if (strcmp(op, "spin") == 0) {
		NEED(1);
		spin_for((double)number(a[0]) / 1000.0);
		return ok();
	} else if (strcmp(op, "fork-spin") == 0) {
		NEED(2);
		return fork_children((int)number(a[0]), child_spin, number(a[1]), 0);
	} else if (strcmp(op, "leader-exit-spin") == 0) {
		NEED(1);
		return op_leader_exit_spin((double)number(a[0]));
	} else if (strcmp(op, "leader-exit-alloc") == 0) {
		NEED(2);
		return op_leader_exit_alloc(number(a[0]), number(a[1]));
	} else if (strcmp(op, "autoreap-spin") == 0) {
		NEED(2);
		return op_autoreap_spin(number(a[0]), number(a[1]));
	} else if (strcmp(op, "fork-spin-log") == 0) {
		NEED(3);
		return op_fork_spin_log((int)number(a[0]), number(a[1]), a[2]);
	} else if (strcmp(op, "fork-alloc") == 0) {
		NEED(3);
		return fork_children((int)number(a[0]), child_alloc, number(a[1]), number(a[2]));
	} else if (strcmp(op, "epoll-keys") == 0) {
		NEED(3);
		return op_epoll_keys(number(a[0]), number(a[1]), number(a[2]));
	} else if (strcmp(op, "epoll-many") == 0) {
		NEED(2);
		return op_epoll_many(number(a[0]), number(a[1]));
	} else if (strcmp(op, "thread-own-fds") == 0) {
		return op_thread_own_fds();
	} else if (strcmp(op, "socketpair-badptr") == 0) {
		return op_socketpair_badptr();
	} else if (strcmp(op, "vmsplice") == 0) {
		return op_vmsplice();
	} else if (strcmp(op, "inotify-many") == 0) {
		NEED(2);
		return op_inotify_many(number(a[0]), a[1]);
	} else if (strcmp(op, "pin-kernel") == 0) {
		NEED(3);
		return op_pin_kernel(a[0], number(a[1]), number(a[2]));
	} else if (strcmp(op, "stdout-stall") == 0) {
		NEED(1);
		return op_stdout_stall(number(a[0]));
	} else if (strcmp(op, "forkbomb") == 0) {
		NEED(2);
		return op_forkbomb(number(a[0]), number(a[1]));
	} else if (strcmp(op, "fork-flat") == 0) {
		NEED(2);
		return op_fork_flat(number(a[0]), number(a[1]));
	} else if (strcmp(op, "memfd-hold") == 0) {
		NEED(3);
		return op_memfd_hold(number(a[0]), number(a[1]), number(a[2]));
	} else if (strcmp(op, "openat-dir") == 0) {
		NEED(2);
		return op_openat_dir(a[0], a[1]);
	} else if (strcmp(op, "openat2-read") == 0) {
		NEED(1);
		return op_openat2_read(a[0]);
	} else if (strcmp(op, "exec-self") == 0) {
		NEED(1);
		return op_exec_self(a[0]);
	} else if (strcmp(op, "exec-loop") == 0) {
		NEED(1);
		return op_exec_loop(number(a[0]));
	} else if (strcmp(op, "openat2-in") == 0) {
		NEED(3);
		return op_openat2_in(a[0], a[1], number(a[2]));
	} else if (strcmp(op, "deep-ops") == 0) {
		NEED(2);
		return op_deep_ops(a[0], number(a[1]));
	} else if (strcmp(op, "open-long") == 0) {
		NEED(2);
		return op_open_long(a[0], number(a[1]));
	} else if (strcmp(op, "flood") == 0) {
		NEED(1);
		return op_flood(strtoll(a[0], NULL, 0));
	} else if (strcmp(op, "open-files") == 0) {
		NEED(1);
		return op_open_files(number(a[0]));
	} else if (strcmp(op, "write-size") == 0) {
		NEED(2);
		return op_write_size(a[0], strtoll(a[1], NULL, 0));
	} else if (strcmp(op, "open-loop") == 0) {
		NEED(2);
		return op_open_loop(a[0], number(a[1]));
	} else if (strcmp(op, "read-many") == 0) {
		return op_read_many(n, a);
	} else if (strcmp(op, "cat") == 0) {
		NEED(1);
		return op_cat(a[0]);
	} else if (strcmp(op, "toctou") == 0) {
		NEED(3);
		return op_toctou(a[0], a[1], number(a[2]));
	} else if (strcmp(op, "threads-open") == 0) {
		NEED(2);
		return op_threads_open(number(a[0]), n - 1, a + 1);
	} else if (strcmp(op, "connect-race") == 0) {
		NEED(3);
		return op_connect_race(number(a[0]), number(a[1]), number(a[2]));
	} else if (strcmp(op, "listen-tcp") == 0) {
		return op_listen_tcp();
	} else if (strcmp(op, "udp-echo") == 0) {
		NEED(2);
		return op_udp_echo(a[0], a[1]);
	} else if (strcmp(op, "connect-loop") == 0) {
		NEED(2);
		return op_connect_loop(number(a[0]), number(a[1]));
	} else if (strcmp(op, "fd-race") == 0) {
		NEED(4);
		return op_fd_race(a[0], a[1], number(a[2]), number(a[3]),
		                  n > 4 ? a[4] : "127.0.0.1");
	} else if (strcmp(op, "page-race") == 0) {
		NEED(3);
		return op_page_race(a[0], number(a[1]), number(a[2]), n > 3 ? a[3] : "127.0.0.1");
	} else if (strcmp(op, "stall-connect") == 0) {
		NEED(4);
		return op_stall_connect(number(a[0]), number(a[1]), number(a[2]), number(a[3]));
	}
	usage("unknown operation");
}
