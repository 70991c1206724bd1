/* Shared test helpers; see helpers.h. */
#include "helpers.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---- per-process cleanup ---- */

#define MAX_REGISTERED 256

static char *dirs[MAX_REGISTERED];
static size_t n_dirs;
static char *strings[MAX_REGISTERED * 4];
static size_t n_strings;
static pid_t owner_pid;

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void cleanup(void)
{
	/* Only the test process itself cleans up, never a forked child. */
	if (getpid() != owner_pid)
		return;
	for (size_t i = 0; i < n_dirs; i++) {
		nftw(dirs[i], remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		free(dirs[i]);
	}
	n_dirs = 0;
	for (size_t i = 0; i < n_strings; i++)
		free(strings[i]);
	n_strings = 0;
}

static void register_cleanup(void)
{
	if (owner_pid == getpid())
		return;
	owner_pid = getpid();
	atexit(cleanup);
}

static void keep_dir(char *dir)
{
	register_cleanup();
	cr_assert_lt(n_dirs, MAX_REGISTERED, "too many temp dirs");
	dirs[n_dirs++] = dir;
}

const char *tpath(const char *fmt, ...)
{
	register_cleanup();
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	cr_assert_geq(r, 0, "out of memory");
	cr_assert_lt(n_strings, sizeof(strings) / sizeof(*strings), "too many strings");
	strings[n_strings++] = s;
	return s;
}

const char *tmpdir_new(bool for_nobody)
{
	char *dir = strdup("/tmp/praxis-test-XXXXXX");
	cr_assert_not_null(dir);
	cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	keep_dir(dir);
	cr_assert_eq(chmod(dir, 0755), 0);
	if (for_nobody)
		cr_assert_eq(chown(dir, NOBODY, NOBODY), 0, "chown %s: %s", dir, strerror(errno));
	return dir;
}

void file_put(const char *path, const char *content, bool for_nobody)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0, "create %s: %s", path, strerror(errno));
	size_t len = strlen(content);
	cr_assert_eq(write(fd, content, len), (ssize_t)len);
	if (for_nobody)
		cr_assert_eq(fchown(fd, NOBODY, NOBODY), 0);
	cr_assert_eq(fchmod(fd, 0644), 0);
	close(fd);
}

/* The whole file, however long: an audit log grows with the host's environment (one
 * record per withheld variable), so a fixed buffer made tests depend on the machine.
 * A small ring keeps a few results valid at once (two calls in one assertion). */
const char *file_get(const char *path)
{
	static char *ring[4];
	static unsigned next;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			char *grown = realloc(buf, cap);
			cr_assert_not_null(grown);
			buf = grown;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			if (n < 0) {
				free(buf);
				return NULL;
			}
			break;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	free(ring[next % 4]);
	ring[next++ % 4] = buf;
	return buf;
}

bool path_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* ---- built programs ---- */

static const char *env_path(const char *name)
{
	const char *p = getenv(name);
	cr_assert(p && *p, "%s is not set (run the tests with meson test)", name);
	return p;
}

const char *praxis_bin(void)
{
	return env_path("PRAXIS_BIN");
}

const char *no_landlock_bin(void)
{
	return env_path("NO_LANDLOCK");
}

const char *copy_executable(const char *src)
{
	const char *dir = tmpdir_new(false);
	const char *base = strrchr(src, '/');
	const char *path = tpath("%s/%s", dir, base ? base + 1 : src);
	int in = open(src, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(in, 0, "open %s: %s", src, strerror(errno));
	int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	cr_assert_geq(out, 0, "create %s: %s", path, strerror(errno));
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		cr_assert_eq(write(out, buf, (size_t)n), n);
	cr_assert_eq(n, 0);
	cr_assert_eq(fchmod(out, 0755), 0);
	close(in);
	close(out);
	return path;
}

const char *probe_path(void)
{
	static const char *path;
	static pid_t for_pid;
	if (!path || for_pid != getpid()) {
		path = copy_executable(env_path("PROBE"));
		for_pid = getpid();
	}
	return path;
}

/* ---- runs ---- */

void spec_init(struct spec *s)
{
	memset(s, 0, sizeof(*s));
	s->run_as_uid = -1;
	s->stdin_fd = -1;
}

void spec_allow(struct spec *s, const char *cap, const char *value)
{
	cr_assert_lt(s->n_caps, (size_t)MAX_CAPS);
	s->caps[s->n_caps][0] = cap;
	s->caps[s->n_caps][1] = value;
	s->n_caps++;
}

const char *describe(const struct run_out *o)
{
	static char buf[3 * OUT_MAX];
	snprintf(buf, sizeof(buf),
	         "rc=%d status=%s exit=%d signal=%d stdout=\"%s\" stderr=\"%s\" error=\"%s\"",
	         o->rc, praxis_status_name(o->res.status), o->res.exit_code, o->res.signal, o->out,
	         o->err, o->errmsg);
	return buf;
}

static int capture_fd(const char *name)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0)
		abort();
	return fd;
}

static void collect(int fd, char *buf)
{
	ssize_t n = pread(fd, buf, OUT_MAX - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

void drop_to_nobody(void)
{
	gid_t none[1] = {0};
	if (setgroups(0, none) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
	    setresuid(NOBODY, NOBODY, NOBODY) < 0) {
		dprintf(2, "cannot drop to uid %d: %s\n", NOBODY, strerror(errno));
		_exit(120);
	}
	/* Like any process a user started: changing uid cleared this flag,
	 * which would leave our /proc files owned by root. */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

/* In this process: build the sandbox from S and run ARGV. */
static void sbx_run_here(const struct spec *s, const char *const *argv, struct run_out *o)
{
	praxis_error err = {0};
	praxis_caps *caps = NULL;
	praxis_sandbox *sb = NULL;
	int out = capture_fd("stdout"), errfd = capture_fd("stderr");
	int r = praxis_caps_new(&caps);
	for (size_t i = 0; r >= 0 && i < s->n_caps; i++)
		r = praxis_caps_add(caps, s->caps[i][0], s->caps[i][1], &err);
	if (r >= 0) {
		praxis_config cfg;
		praxis_config_init(&cfg);
		cfg.plugin_name = "test";
		cfg.caps = caps;
		cfg.flags = s->flags;
		cfg.environment = s->env;
		cfg.run_as_uid = s->run_as_uid;
		cfg.run_as_gid = s->run_as_uid;
		r = praxis_sandbox_new(&cfg, &sb, &err);
	}
	if (r >= 0) {
		praxis_run_opts opts;
		praxis_run_opts_init(&opts);
		opts.argv = argv;
		opts.stdio[0] = s->stdin_fd;
		opts.stdio[1] = out;
		opts.stdio[2] = errfd;
		opts.cwd = s->cwd;
		r = praxis_sandbox_run(sb, &opts, &o->res, &err);
	}
	snprintf(o->env_changes, sizeof(o->env_changes), "(none)");
	if (r >= 0 && o->res.env_changes) {
		size_t len = 0;
		o->env_changes[0] = '\0';
		for (char **c = o->res.env_changes; *c && len < sizeof(o->env_changes); c++)
			len += (size_t)snprintf(o->env_changes + len, sizeof(o->env_changes) - len,
			                        "%s\n", *c);
	}
	if (r >= 0)
		praxis_result_release(&o->res);
	o->rc = r < 0 ? r : 0;
	snprintf(o->errmsg, sizeof(o->errmsg), "%s", err.message);
	praxis_sandbox_free(sb);
	praxis_caps_free(caps);
	collect(out, o->out);
	collect(errfd, o->err);
}

void sbx_runv(const struct spec *s, const char *const *argv, struct run_out *o)
{
	memset(o, 0, sizeof(*o));
	if (!s->as_nobody) {
		sbx_run_here(s, argv, o);
		return;
	}
	/* Call the library from a process running as uid 65534. */
	struct run_out *shared =
	    mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(shared, MAP_FAILED);
	memset(shared, 0, sizeof(*shared));
	shared->rc = -EIO;
	snprintf(shared->errmsg, sizeof(shared->errmsg), "the uid 65534 helper died");
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		drop_to_nobody();
		struct run_out local;
		memset(&local, 0, sizeof(local));
		sbx_run_here(s, argv, &local);
		memcpy(shared, &local, sizeof(local));
		_exit(0);
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	memcpy(o, shared, sizeof(*o));
	munmap(shared, sizeof(*shared));
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "the uid 65534 helper ended with status 0x%x", status);
}

static void wait_into(pid_t pid, struct run_out *o, bool shell_status)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		cr_assert_eq(errno, EINTR, "waitpid: %s", strerror(errno));
	if (WIFEXITED(status)) {
		o->res.status = PRAXIS_EXITED;
		o->res.exit_code = WEXITSTATUS(status);
	} else {
		o->res.status = PRAXIS_SIGNALED;
		o->res.signal = WTERMSIG(status);
		if (shell_status) {
			o->res.status = PRAXIS_EXITED;
			o->res.exit_code = 128 + WTERMSIG(status);
		}
	}
}

void plain_runv(const struct spec *s, const char *const *argv, struct run_out *o)
{
	memset(o, 0, sizeof(*o));
	int out = capture_fd("stdout"), errfd = capture_fd("stderr");
	static const char *const empty[] = {NULL};
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (s->as_nobody)
			drop_to_nobody();
		int in = s->stdin_fd >= 0 ? s->stdin_fd : open("/dev/null", O_RDONLY);
		if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
			_exit(121);
		if (s->cwd && chdir(s->cwd) < 0)
			_exit(122);
		if (s->pre_exec)
			s->pre_exec();
		execve(argv[0], (char *const *)argv, (char *const *)(s->env ? s->env : empty));
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	wait_into(pid, o, false);
	collect(out, o->out);
	collect(errfd, o->err);
}

static const char *const *with_probe(const char *const *args, const char **buf, size_t max)
{
	size_t i = 0;
	buf[i++] = probe_path();
	for (; args[i - 1] && i < max - 1; i++)
		buf[i] = args[i - 1];
	buf[i] = NULL;
	return buf;
}

void sbx_probev(const struct spec *s, const char *const *args, struct run_out *o)
{
	const char *argv[32];
	sbx_runv(s, with_probe(args, argv, 32), o);
}

void plain_probev(const struct spec *s, const char *const *args, struct run_out *o)
{
	const char *argv[32];
	plain_runv(s, with_probe(args, argv, 32), o);
}

void cli_runv(const char *const *env, const char *const *args, struct run_out *o)
{
	const char *argv[64];
	size_t n = 0;
	argv[n++] = praxis_bin();
	for (; *args && n < 63; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	memset(o, 0, sizeof(*o));
	int out = capture_fd("stdout"), errfd = capture_fd("stderr");
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
			_exit(121);
		execve(argv[0], (char *const *)argv, env ? (char *const *)env : environ);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	wait_into(pid, o, true);
	collect(out, o->out);
	collect(errfd, o->err);
}

/* ---- sockets ---- */

int tcp_listener(uint16_t *port)
{
	return tcp_listener_on("127.0.0.1", port);
}

int tcp_listener_on(const char *addr, uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0, "socket: %s", strerror(errno));
	struct sockaddr_in in = {.sin_family = AF_INET};
	cr_assert_eq(inet_pton(AF_INET, addr, &in.sin_addr), 1, "bad address %s", addr);
	cr_assert_eq(bind(fd, (struct sockaddr *)&in, sizeof(in)), 0, "bind: %s", strerror(errno));
	cr_assert_eq(listen(fd, 64), 0);
	socklen_t len = sizeof(in);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&in, &len), 0);
	*port = ntohs(in.sin_port);
	return fd;
}

static int unix_listen(const struct sockaddr_un *un, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (const struct sockaddr *)un, len), 0, "bind: %s", strerror(errno));
	cr_assert_eq(listen(fd, 16), 0);
	return fd;
}

int unix_listener(const char *path)
{
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	cr_assert_lt(strlen(path), sizeof(un.sun_path));
	strcpy(un.sun_path, path);
	int fd = unix_listen(&un, sizeof(un));
	chmod(path, 0777);
	return fd;
}

int abstract_listener(const char *name)
{
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	cr_assert_lt(n + 1, sizeof(un.sun_path));
	memcpy(un.sun_path + 1, name, n);
	return unix_listen(&un, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n));
}

/* ---- processes ---- */

pid_t sleeper_spawn(bool as_nobody)
{
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (as_nobody)
			drop_to_nobody();
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		for (;;)
			pause();
	}
	return pid;
}

bool sleeper_alive(pid_t pid)
{
	siginfo_t si = {0};
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return false;
	return si.si_pid == 0;
}

void sleeper_kill(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static bool cmdline_has(pid_t pid, const char *marker)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (char *p = buf; p < buf + n; p += strlen(p) + 1)
		if (strcmp(p, marker) == 0)
			return true;
	return false;
}

int pids_with_marker(const char *marker, pid_t *pids, int max)
{
	DIR *d = opendir("/proc");
	cr_assert_not_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid == getpid())
			continue;
		if (cmdline_has((pid_t)pid, marker) && n < max)
			pids[n++] = (pid_t)pid;
	}
	closedir(d);
	return n;
}

const char *unique_marker(const char *what)
{
	static unsigned counter;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return tpath("praxis-marker-%s-%d-%u-%ld", what, (int)getpid(), counter++, ts.tv_nsec);
}

void kill_marked(const char *marker)
{
	pid_t pids[64];
	int n = pids_with_marker(marker, pids, 64);
	for (int i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
}

int count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	cr_assert_not_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own fd */
}

const char *list_open_fds(void)
{
	static char buf[OUT_MAX];
	size_t len = 0;
	buf[0] = '\0';
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return buf;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[300], target[256];
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		int w = snprintf(buf + len, sizeof(buf) - len, "%s->%s ", e->d_name, target);
		if (w < 0 || (size_t)w >= sizeof(buf) - len)
			break;
		len += (size_t)w;
	}
	closedir(d);
	return buf;
}
