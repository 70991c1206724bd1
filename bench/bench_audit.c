/* bench_audit: the cost of the audit log (seccomp user notification), per
 * audited syscall and for a real program, against no sandbox, in one process
 * and interleaved (A,B,C,A,B,C,...) so machine noise hits every case alike.
 *
 *   bench_audit [-n RUNS] [-w WARMUP] [-c OPENS] [-P PY_RUNS] [-K] [-L]
 *               [-o OPEN_LOOP] [-y PYTHON]
 *
 * Part 1, a syscall-heavy plugin: OPEN_LOOP (default: open_loop next to this
 * binary) opens and closes one file OPENS times (default 100000). The file is
 * in a fresh directory under /tmp; every sandbox grants filesystem.read on
 * that directory, so every open is allowed. Cases (RUNS each, default 7):
 *   no sandbox           fork, /dev/null on 0-2, execve, waitpid
 *   audit off            praxis_sandbox_run, PRAXIS_AUDIT_OFF (no notification)
 *   audit denied         PRAXIS_AUDIT_DENIED: every audited syscall is still
 *                        notified, only denials are recorded (none here)
 *   audit all            PRAXIS_AUDIT_ALL, a callback that only counts records
 *   audit all+collect    the same with praxis_run_opts.collect_audit (the
 *                        log's bound is raised so that nothing is dropped)
 * and, to split "audit off" into the kernel mechanisms it pays for (-K skips
 * them), two plain fork+exec runs that apply one mechanism in the child:
 *   kernel: landlock     a Landlock ruleset handling every filesystem right,
 *                        one rule granting read+execute beneath /
 *   kernel: seccomp      a one-instruction "allow everything" seccomp filter
 *   kernel: notify       a bare seccomp listener on openat/open/openat2 that
 *                        only answers CONTINUE (poll, RECV, SEND, with the
 *                        sync wake-up flag Praxis sets): the floor of any
 *                        audit by seccomp notification on this machine
 * us/syscall is (median(case) - median(audit off)) / OPENS.
 *
 * Part 2: PYTHON -c pass (default /usr/bin/python3) plain and under each
 * level, PY_RUNS each (default 31); 0 skips it. It makes only a few dozen
 * audited syscalls, so its delta_ms is mostly the per-run cost of the
 * listener; no per-syscall figure is derived from it.
 *
 * The sandboxes have praxis_config_init()'s default limits, as a host gets
 * them (which starts the 10 ms process-tree sampler); -L sets every limit to
 * 0 (unlimited) instead.
 *
 * Times are CLOCK_MONOTONIC around one run. host_cpu is the user+system CPU
 * of this process during the run (the supervisor), plugin_cpu that of the
 * plugin (from the run's usage, or wait4 for the plain case).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "praxis/praxis.h"

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static double tv_us(struct timeval tv)
{
	return (double)tv.tv_sec * 1e6 + (double)tv.tv_usec;
}

static double self_cpu_us(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return tv_us(ru.ru_utime) + tv_us(ru.ru_stime);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Sorts V in place. */
static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_audit: %s: %s\n", what, why);
	exit(1);
}

static int parse_int(const char *s, const char *opt, int min)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end || v < min || v > 100000000)
		die(opt, "expects a non-negative integer");
	return (int)v;
}

/* ---- the cases ------------------------------------------------------------ */

static int devnull = -1;
static unsigned long long n_records; /* counted by the callback */

static void count_record(const praxis_audit_record *rec, void *userdata)
{
	(void)rec, (void)userdata;
	n_records++;
}

enum kernel_only { K_NONE, K_LANDLOCK, K_SECCOMP, K_NOTIFY };

struct bcase {
	const char *name;
	praxis_sandbox *sb; /* NULL: plain fork+exec */
	enum kernel_only kernel; /* plain fork+exec: apply this in the child */
	bool collect;
	const char *const *argv;
	double *wall, *host_cpu, *plugin_cpu;
	unsigned long long records, collected, dropped; /* of the last run */
};

static int landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	return abi < 0 ? 0 : (int)abi;
}

/* In the child: one kernel mechanism alone, as Praxis applies it. */
static int apply_kernel_only(enum kernel_only k)
{
	if (k == K_NONE)
		return 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (k == K_SECCOMP) {
		struct sock_filter insn[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
		struct sock_fprog prog = {.len = 1, .filter = insn};
		return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0 ? -errno : 0;
	}
	/* Every filesystem right the kernel knows is handled (ABI 1: 13 rights,
	 * 2: +refer, 3: +truncate, 5: +ioctl_dev), one rule beneath / grants
	 * read and execute: each open is checked up to the root. */
	int abi = landlock_abi();
	struct landlock_ruleset_attr attr = {
		.handled_access_fs = abi >= 5 ? (1ULL << 16) - 1 : abi >= 3 ? (1ULL << 15) - 1
				     : abi >= 2 ? (1ULL << 14) - 1 : (1ULL << 13) - 1};
	int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (rs < 0)
		return -errno;
	struct landlock_path_beneath_attr rule = {
		.allowed_access = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE |
				  LANDLOCK_ACCESS_FS_READ_DIR,
		.parent_fd = open("/", O_PATH | O_CLOEXEC)};
	if (rule.parent_fd < 0 ||
	    syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) < 0 ||
	    syscall(SYS_landlock_restrict_self, rs, 0) < 0)
		return -errno;
	return 0;
}

static void run_plain(struct bcase *c, int i)
{
	double cpu0 = self_cpu_us(), t0 = now_us();
	pid_t pid = fork();
	if (pid < 0)
		die("fork", strerror(errno));
	if (pid == 0) {
		int r = apply_kernel_only(c->kernel);
		if (r < 0) {
			fprintf(stderr, "bench_audit: %s: %s\n", c->name, strerror(-r));
			_exit(126);
		}
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execve(c->argv[0], (char *const *)c->argv, (char *[]){NULL});
		_exit(127);
	}
	int st;
	struct rusage ru;
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			die("wait4", strerror(errno));
	c->wall[i] = now_us() - t0;
	c->host_cpu[i] = self_cpu_us() - cpu0;
	c->plugin_cpu[i] = tv_us(ru.ru_utime) + tv_us(ru.ru_stime);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench_audit: %s: %s exited with status 0x%x\n", c->name, c->argv[0], st);
		exit(1);
	}
}

static void run_lib(struct bcase *c, int i)
{
	praxis_run_opts opts;
	praxis_run_opts_init(&opts);
	opts.argv = c->argv;
	opts.stdio[0] = opts.stdio[1] = opts.stdio[2] = -1;
	opts.collect_audit = c->collect;
	praxis_result res;
	praxis_error err = {0};
	n_records = 0;
	double cpu0 = self_cpu_us(), t0 = now_us();
	int r = praxis_sandbox_run(c->sb, &opts, &res, &err);
	c->wall[i] = now_us() - t0;
	c->host_cpu[i] = self_cpu_us() - cpu0;
	if (r < 0)
		die(c->name, err.message);
	c->plugin_cpu[i] = (res.usage.user_cpu_seconds + res.usage.system_cpu_seconds) * 1e6;
	c->records = n_records;
	c->collected = praxis_audit_log_count(res.audit);
	c->dropped = praxis_audit_log_dropped(res.audit);
	if (res.status != PRAXIS_EXITED || res.exit_code != 0) {
		fprintf(stderr, "bench_audit: %s: %s under the sandbox: status %s, code %d, signal %d\n",
			c->name, c->argv[0], praxis_status_name(res.status), res.exit_code, res.signal);
		exit(1);
	}
	praxis_result_release(&res);
}

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

static void send_fd(int sock, int fd)
{
	char data = 0, ctl[CMSG_SPACE(sizeof(int))];
	memset(ctl, 0, sizeof(ctl));
	struct iovec io = {&data, 1};
	struct msghdr mh = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	if (sendmsg(sock, &mh, 0) < 0)
		_exit(126);
}

static int recv_fd(int sock)
{
	char data, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec io = {&data, 1};
	struct msghdr mh = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl)};
	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) <= 0)
		return -1;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int fd = -1;
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	return fd;
}

/* The child installs a filter that notifies openat/open/openat2, hands the
 * listener over, waits for a go and execs; we answer CONTINUE to each. */
static void run_notify_floor(struct bcase *c, int i)
{
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		die("socketpair", strerror(errno));
	double cpu0 = self_cpu_us(), t0 = now_us();
	pid_t pid = fork();
	if (pid < 0)
		die("fork", strerror(errno));
	if (pid == 0) {
		struct sock_filter insn[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 2, 0),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_open, 1, 0),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat2, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = {.len = sizeof(insn) / sizeof(insn[0]), .filter = insn};
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(126);
		int fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				      SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
		if (fd < 0)
			_exit(126);
		send_fd(sp[1], fd);
		close(fd);
		char go;
		if (read(sp[1], &go, 1) != 1)
			_exit(126);
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execve(c->argv[0], (char *const *)c->argv, (char *[]){NULL});
		_exit(127);
	}
	close(sp[1]);
	int fd = recv_fd(sp[0]);
	if (fd < 0)
		die(c->name, "no listener from the child (seccomp notification unavailable?)");
	ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	if (write(sp[0], "g", 1) != 1)
		die(c->name, strerror(errno));
	close(sp[0]);
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll", strerror(errno));
		}
		if (!(pfd.revents & POLLIN))
			break; /* POLLHUP: the child and its filter are gone */
		memset(&req, 0, sizeof(req));
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
			continue;
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
	close(fd);
	int st;
	struct rusage ru;
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			die("wait4", strerror(errno));
	c->wall[i] = now_us() - t0;
	c->host_cpu[i] = self_cpu_us() - cpu0;
	c->plugin_cpu[i] = tv_us(ru.ru_utime) + tv_us(ru.ru_stime);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench_audit: %s: %s exited with status 0x%x\n", c->name, c->argv[0], st);
		exit(1);
	}
}

static void run_case(struct bcase *c, int i)
{
	if (c->sb)
		run_lib(c, i);
	else if (c->kernel == K_NOTIFY)
		run_notify_floor(c, i);
	else
		run_plain(c, i);
}

/* ---- sandboxes -------------------------------------------------------------- */

static char tmpdir[] = "/tmp/praxis-bench-audit-XXXXXX";
static char datafile[sizeof(tmpdir) + 16];

static bool no_limits;

static praxis_sandbox *make_sandbox(praxis_audit_level level, size_t max_records)
{
	praxis_error err = {0};
	praxis_caps *caps = NULL;
	if (praxis_caps_new(&caps) < 0)
		die("praxis_caps_new", "out of memory");
	if (praxis_caps_add(caps, PRAXIS_CAP_FS_READ, tmpdir, &err) < 0)
		die("praxis_caps_add", err.message);
	praxis_config cfg;
	praxis_config_init(&cfg);
	cfg.plugin_name = "bench-audit";
	cfg.caps = caps;
	cfg.audit_level = level;
	cfg.audit_callback = count_record;
	cfg.audit_max_records = max_records;
	if (no_limits)
		memset(&cfg.limits, 0, sizeof(cfg.limits));
	praxis_sandbox *sb = NULL;
	if (praxis_sandbox_new(&cfg, &sb, &err) < 0)
		die("praxis_sandbox_new", err.message);
	praxis_caps_free(caps);
	return sb;
}

/* ---- one interleaved series and its table ----------------------------------- */

static void alloc_case(struct bcase *c, int n)
{
	c->wall = calloc((size_t)n, sizeof(double));
	c->host_cpu = calloc((size_t)n, sizeof(double));
	c->plugin_cpu = calloc((size_t)n, sizeof(double));
	if (!c->wall || !c->host_cpu || !c->plugin_cpu)
		die("calloc", strerror(errno));
}

static void free_case(struct bcase *c)
{
	free(c->wall);
	free(c->host_cpu);
	free(c->plugin_cpu);
}

/* Runs every case N times round-robin after WARMUP rounds, then prints the
 * table. PER: audited syscalls per run (0: take the "all" case's records). */
static void series(const char *title, struct bcase *cs, size_t nc, int n, int warmup,
		   double per)
{
	for (size_t c = 0; c < nc; c++)
		alloc_case(&cs[c], n);
	for (int i = 0; i < warmup; i++)
		for (size_t c = 0; c < nc; c++)
			run_case(&cs[c], 0);
	for (int i = 0; i < n; i++)
		for (size_t c = 0; c < nc; c++)
			run_case(&cs[c], i);

	double med[16], host[16], plug[16], lo[16], hi[16];
	for (size_t c = 0; c < nc; c++) {
		med[c] = median(cs[c].wall, (size_t)n);
		lo[c] = cs[c].wall[0];
		hi[c] = cs[c].wall[n - 1];
		host[c] = median(cs[c].host_cpu, (size_t)n);
		plug[c] = median(cs[c].plugin_cpu, (size_t)n);
	}
	bool loop = per > 0; /* else: python, whose "per syscall" would mostly be fixed costs */
	if (!loop) /* records of the "all" run (index 3) */
		per = (double)cs[3].records;
	const size_t off = 1;

	printf("%s\n", title);
	printf("%-19s %10s %9s %9s %9s %10s %8s %8s %8s %9s %11s\n", "case", "median_ms", "min_ms",
	       "max_ms", "host_cpu", "plugin_cpu", "records", "x_plain", "x_off", "delta_ms",
	       "us/syscall");
	for (size_t c = 0; c < nc; c++) {
		char rec[32] = "-", delta[32] = "-", per_call[32] = "-";
		if (cs[c].sb && cs[c].collect)
			snprintf(rec, sizeof(rec), "%llu", cs[c].collected);
		else if (cs[c].sb)
			snprintf(rec, sizeof(rec), "%llu", cs[c].records);
		if (c > off && cs[c].sb) {
			snprintf(delta, sizeof(delta), "%+.1f", (med[c] - med[off]) / 1e3);
			if (loop)
				snprintf(per_call, sizeof(per_call), "%.2f", (med[c] - med[off]) / per);
		}
		printf("%-19s %10.1f %9.1f %9.1f %9.1f %10.1f %8s %7.3fx %7.3fx %9s %11s\n",
		       cs[c].name, med[c] / 1e3, lo[c] / 1e3, hi[c] / 1e3, host[c] / 1e3,
		       plug[c] / 1e3, rec, med[c] / med[0], med[c] / med[off], delta, per_call);
		if (cs[c].dropped)
			printf("  (%llu records dropped from the collected log)\n", cs[c].dropped);
	}
	if (!loop) {
		printf("off / plain = %.3fx; all - off = %+.2f ms for %.0f records (including the "
		       "per-run cost of the listener)\n",
		       med[off] / med[0], (med[3] - med[off]) / 1e3, per);
		for (size_t c = 0; c < nc; c++)
			free_case(&cs[c]);
		return;
	}
	printf("audited syscalls per run: %.0f; supervisor CPU per audited syscall: "
	       "denied %.2f us, all %.2f us, all+collect %.2f us\n",
	       per, (host[2] - host[off]) / per, (host[3] - host[off]) / per,
	       (host[4] - host[off]) / per);
	if (nc > 5) {
		printf("per iteration (openat+close), no sandbox %.2f us: audit off %+.2f us", med[0] / per,
		       (med[off] - med[0]) / per);
		for (size_t c = 5; c < nc; c++)
			printf(", %s alone %+.2f us", cs[c].name + strlen("kernel: "),
			       (med[c] - med[0]) / per);
		printf("\n");
	}
	printf("goals: off / no sandbox = %.3fx (<= 1.05: %s); all = %.2f us per audited syscall "
	       "(< 10: %s)\n",
	       med[off] / med[0], med[off] / med[0] <= 1.05 ? "met" : "NOT met",
	       (med[3] - med[off]) / per, (med[3] - med[off]) / per < 10 ? "met" : "NOT met");
	for (size_t c = 0; c < nc; c++)
		free_case(&cs[c]);
}

/* ---- main ------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	int n = 7, warmup = 1, opens = 100000, py_n = 31, opt;
	bool kernel_rows = true;
	const char *loop = NULL, *python = "/usr/bin/python3";
	while ((opt = getopt(argc, argv, "n:w:c:P:KLo:y:h")) != -1) {
		switch (opt) {
		case 'n': n = parse_int(optarg, "-n", 1); break;
		case 'w': warmup = parse_int(optarg, "-w", 0); break;
		case 'c': opens = parse_int(optarg, "-c", 1); break;
		case 'P': py_n = parse_int(optarg, "-P", 0); break;
		case 'o': loop = optarg; break;
		case 'y': python = optarg; break;
		case 'K': kernel_rows = false; break;
		case 'L': no_limits = true; break;
		default:
			fprintf(stderr, "usage: bench_audit [-n RUNS] [-w WARMUP] [-c OPENS] "
					"[-P PY_RUNS] [-K] [-L] [-o OPEN_LOOP] [-y PYTHON]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	static char loop_buf[PATH_MAX];
	if (!loop) {
		ssize_t len = readlink("/proc/self/exe", loop_buf, sizeof(loop_buf) - 16);
		if (len < 0)
			die("/proc/self/exe", strerror(errno));
		loop_buf[len] = '\0';
		char *slash = strrchr(loop_buf, '/');
		strcpy(slash ? slash + 1 : loop_buf, "open_loop");
		loop = loop_buf;
	}
	if (loop[0] != '/') {
		if (!realpath(loop, loop_buf))
			die(loop, strerror(errno));
		loop = loop_buf;
	}
	if (access(loop, X_OK) < 0)
		die(loop, strerror(errno));
	if (py_n && access(python, X_OK) < 0) {
		fprintf(stderr, "bench_audit: %s: %s; skipping the python series\n", python,
			strerror(errno));
		py_n = 0;
	}

	if (!mkdtemp(tmpdir))
		die("mkdtemp", strerror(errno));
	snprintf(datafile, sizeof(datafile), "%s/data", tmpdir);
	int fd = open(datafile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "praxis\n", 7) != 7)
		die(datafile, strerror(errno));
	close(fd);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		die("/dev/null", strerror(errno));

	/* The collected log must hold every record: OPENS opens plus the
	 * loader's, the exec and the lifecycle records. */
	size_t bound = (size_t)opens + 10000;
	praxis_sandbox *sb_off = make_sandbox(PRAXIS_AUDIT_OFF, bound);
	praxis_sandbox *sb_denied = make_sandbox(PRAXIS_AUDIT_DENIED, bound);
	praxis_sandbox *sb_all = make_sandbox(PRAXIS_AUDIT_ALL, bound);

	char count[24];
	snprintf(count, sizeof(count), "%d", opens);
	const char *loop_argv[] = {loop, datafile, count, NULL};
	struct bcase loop_cases[] = {
		{.name = "no sandbox", .argv = loop_argv},
		{.name = "audit off", .sb = sb_off, .argv = loop_argv},
		{.name = "audit denied", .sb = sb_denied, .argv = loop_argv},
		{.name = "audit all", .sb = sb_all, .argv = loop_argv},
		{.name = "audit all+collect", .sb = sb_all, .collect = true, .argv = loop_argv},
		{.name = "kernel: landlock", .kernel = K_LANDLOCK, .argv = loop_argv},
		{.name = "kernel: seccomp", .kernel = K_SECCOMP, .argv = loop_argv},
		{.name = "kernel: notify", .kernel = K_NOTIFY, .argv = loop_argv},
	};
	size_t n_loop = sizeof(loop_cases) / sizeof(loop_cases[0]);
	if (!kernel_rows) {
		n_loop = 5;
	} else if (landlock_abi() == 0) { /* drop the landlock row */
		memmove(&loop_cases[5], &loop_cases[6], 2 * sizeof(loop_cases[0]));
		n_loop--;
	}
	char title[PATH_MAX + 256];
	snprintf(title, sizeof(title),
		 "bench_audit: open_loop, %d x openat+close of one granted file; %d runs per case, "
		 "interleaved, after %d warm-up round%s",
		 opens, n, warmup, warmup == 1 ? "" : "s");
	if (no_limits)
		strcat(title, "; no limits (-L)");
	series(title, loop_cases, n_loop, n, warmup, opens);

	if (py_n) {
		const char *py_argv[] = {python, "-c", "pass", NULL};
		struct bcase py_cases[] = {
			{.name = "python plain", .argv = py_argv},
			{.name = "python off", .sb = sb_off, .argv = py_argv},
			{.name = "python denied", .sb = sb_denied, .argv = py_argv},
			{.name = "python all", .sb = sb_all, .argv = py_argv},
			{.name = "python all+collect", .sb = sb_all, .collect = true, .argv = py_argv},
		};
		snprintf(title, sizeof(title),
			 "\nbench_audit: %s -c pass; %d runs per case, interleaved, after %d warm-up "
			 "rounds",
			 python, py_n, warmup + 2);
		series(title, py_cases, sizeof(py_cases) / sizeof(py_cases[0]), py_n, warmup + 2, 0);
	}

	praxis_sandbox_free(sb_off);
	praxis_sandbox_free(sb_denied);
	praxis_sandbox_free(sb_all);
	close(devnull);
	unlink(datafile);
	rmdir(tmpdir);
	return 0;
}
