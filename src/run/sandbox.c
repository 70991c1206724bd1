/* praxis_sandbox_new(): all policy work happens here, once per sandbox. */
#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "abi.h"
#include "environment.h"
#include "error.h"
#include "program.h"
#include "sandbox_internal.h"

/* Read-only system locations every dynamically linked program needs. */
static const char *const system_dirs[] = {"/usr",   "/bin",   "/sbin",  "/lib",
                                          "/lib32", "/lib64", "/libx32"};
static const char *const system_files[] = {"/etc/ld.so.cache",
                                           "/etc/ld.so.preload",
                                           "/etc/localtime",
                                           "/etc/ssl/openssl.cnf",
                                           "/proc/cpuinfo",
                                           "/proc/meminfo",
                                           "/proc/sys/vm/overcommit_memory",
                                           "/sys/devices/system/cpu"};
/* What name resolution and TLS read (network.http). */
static const char *const resolver_files[] = {
    "/etc/resolv.conf",
    "/etc/hosts",
    "/etc/nsswitch.conf",
    "/etc/gai.conf",
    "/etc/host.conf",
    "/etc/services",
    "/etc/protocols",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/ca-certificates.conf",
    "/etc/pki",
};
static const char *const read_devices[] = {"/dev/zero", "/dev/urandom", "/dev/random"};

void praxis_config_init(praxis_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->limits = (praxis_limits){
	    .memory_bytes = PRAXIS_DEFAULT_MEMORY_BYTES,
	    .cpu_seconds = PRAXIS_DEFAULT_CPU_SECONDS,
	    .wall_seconds = PRAXIS_DEFAULT_WALL_SECONDS,
	    .max_procs = PRAXIS_DEFAULT_MAX_PROCS,
	    .max_output_bytes = PRAXIS_DEFAULT_MAX_OUTPUT_BYTES,
	    .max_open_files = PRAXIS_DEFAULT_MAX_OPEN_FILES,
	    .max_file_bytes = PRAXIS_DEFAULT_MAX_FILE_BYTES,
	};
	cfg->run_as_uid = -1;
	cfg->run_as_gid = -1;
}

static uint64_t fs_rights_for_abi(int abi)
{
	uint64_t all = LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_READ_DIR |
	               LL_FS_REMOVE_DIR | LL_FS_REMOVE_FILE | LL_FS_MAKE_CHAR | LL_FS_MAKE_DIR |
	               LL_FS_MAKE_REG | LL_FS_MAKE_SOCK | LL_FS_MAKE_FIFO | LL_FS_MAKE_BLOCK |
	               LL_FS_MAKE_SYM;
	if (abi >= 2)
		all |= LL_FS_REFER;
	if (abi >= 3)
		all |= LL_FS_TRUNCATE;
	if (abi >= 5)
		all |= LL_FS_IOCTL_DEV;
	return all;
}

/* A missing kernel feature: refuse, or (degraded mode) note it. */
static int missing(praxis_sandbox *sb, praxis_error *err, const char *what)
{
	if (!(sb->flags & PRAXIS_ALLOW_DEGRADED))
		return praxis_fail(
		    err, -EOPNOTSUPP,
		    "cannot enforce the policy: %s (run with degraded mode allowed to "
		    "accept this)",
		    what);
	return strv_push(&sb->degradations, what);
}

static int plan_landlock(praxis_sandbox *sb, praxis_error *err)
{
	int abi = landlock_abi();
	int r;
	if (abi < 0) {
		sb->use_landlock = false;
		return missing(sb, err,
		               abi == -EOPNOTSUPP
		                   ? "Landlock is disabled at boot (add landlock to the lsm= "
		                     "kernel parameter): filesystem rules are not enforced"
		                   : "Landlock is not built into this kernel: filesystem rules are "
		                     "not enforced");
	}
	if (abi < 3 && (r = missing(sb, err, "Landlock ABI < 3: truncate() is not restricted")) < 0)
		return r;
	if (abi < 4 && sb->caps.net_http && !sb->caps.net_socket &&
	    (r = missing(sb, err, "Landlock ABI < 4: network.http TCP ports are not restricted")) <
	        0)
		return r;

	struct landlock_plan *p = &sb->landlock;
	sb->use_landlock = true;
	p->abi = abi;
	p->attr.handled_access_fs = fs_rights_for_abi(abi);
	p->attr_size = 8;
	if (abi >= 4) {
		p->attr_size = 16;
		if (!sb->caps.net_socket)
			p->attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
	}
	if (abi >= 6) {
		p->attr_size = 24;
		p->attr.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
	}
	p->proc_self_access = LL_READ;

	const struct praxis_caps *c = &sb->caps;
	uint64_t system = LL_READ;
	if (c->subprocess.granted && c->subprocess.whole)
		system |= LL_FS_EXECUTE;
	for (size_t i = 0; i < sizeof(system_dirs) / sizeof(*system_dirs); i++)
		if ((r = landlock_plan_add_path(p, system_dirs[i], system, true, err)) < 0)
			return r;
	for (size_t i = 0; i < sizeof(system_files) / sizeof(*system_files); i++)
		if ((r = landlock_plan_add_path(p, system_files[i], LL_READ, true, err)) < 0)
			return r;
	for (size_t i = 0; i < sizeof(read_devices) / sizeof(*read_devices); i++)
		if ((r = landlock_plan_add_path(p, read_devices[i], LL_FS_READ_FILE, true, err)) <
		    0)
			return r;
	if ((r = landlock_plan_add_path(p, "/dev/null",
	                                LL_FS_READ_FILE | LL_FS_WRITE_FILE | LL_FS_TRUNCATE, true,
	                                err)) < 0)
		return r;

	if (sb->http_enforced) {
		for (size_t i = 0; i < sizeof(resolver_files) / sizeof(*resolver_files); i++)
			if ((r = landlock_plan_add_path(p, resolver_files[i], LL_READ, true, err)) <
			    0)
				return r;
		for (size_t i = 0; i < sb->http.n_ports; i++)
			if ((r = landlock_plan_add_port(p, sb->http.ports[i])) < 0)
				return r;
	}
	if (c->fs_read.granted) {
		if (c->fs_read.whole || c->fs_read.items.n == 0)
			r = landlock_plan_add_path(p, "/", LL_READ, false, err);
		for (size_t i = 0; r >= 0 && i < c->fs_read.items.n && !c->fs_read.whole; i++)
			r = landlock_plan_add_path(p, c->fs_read.items.v[i], LL_READ, false, err);
		if (r < 0)
			return r;
	}
	if (c->fs_write.granted) {
		if (c->fs_write.whole || c->fs_write.items.n == 0)
			r = landlock_plan_add_path(p, "/", LL_WRITE, false, err);
		for (size_t i = 0; r >= 0 && i < c->fs_write.items.n && !c->fs_write.whole; i++)
			r = landlock_plan_add_path(p, c->fs_write.items.v[i], LL_WRITE, false, err);
		if (r < 0)
			return r;
	}
	/* system.subprocess with a list: only those programs (and what the
	 * kernel needs to start them) may be executed. */
	if (c->subprocess.granted && !c->subprocess.whole && c->subprocess.items.n > 0) {
		struct strv files = {0};
		for (size_t i = 0; r >= 0 && i < c->subprocess.items.n; i++) {
			char *path = NULL;
			r = program_resolve(c->subprocess.items.v[i], sb->search_path, &path, err);
			if (r >= 0)
				r = program_exec_chain(path, sb->search_path, &files, err);
			free(path);
		}
		for (size_t i = 0; r >= 0 && i < files.n; i++)
			r = landlock_plan_add_path(p, files.v[i], LL_FS_READ_FILE | LL_FS_EXECUTE,
			                           false, err);
		strv_free(&files);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Kernel backstops behind the supervisor's tree-wide accounting. */
/* Processes that ignore SIGCHLD have their children reaped by the kernel,
 * and their CPU goes into nobody's rusage; a short-lived one is between two
 * samples. Where the host may create cgroups, each run that needs it (a
 * CPU limit and system.subprocess) gets its own: its cpu.stat counts them
 * all. A cgroup costs ~0.1 ms a run: the other runs go without. */
static void plan_cgroup(praxis_sandbox *sb)
{
	if (!(sb->limits.cpu_seconds > 0 && sb->caps.subprocess.granted)) {
		snprintf(sb->cgroup_why, sizeof(sb->cgroup_why),
		         "not needed (no CPU limit, or no system.subprocess)");
		return;
	}
	char parent[4096];
	if (cgroup_place_for_runs(parent, sizeof(parent), sb->cgroup_why, sizeof(sb->cgroup_why)) ==
	    0) {
		sb->cgroup_parent = strdup(parent);
		if (sb->cgroup_parent)
			run_cgroup_pool_init(&sb->cgroups);
		run_cgroup_reclaim(parent); /* what killed hosts left behind */
	}
}

/* Sockets' and pipes' queues are kernel memory no RSS shows. With a memory
 * limit the supervisor creates every socket with SO_SNDBUF = SO_RCVBUF =
 * sock_buf (the kernel doubles it: each queue holds at most 2 x sock_buf),
 * pipes stay at 64 KiB, and every socket and pipe the tree holds is charged
 * what it can then pin: a socket's send and receive queues (4 x sock_buf,
 * plus an skb's slack), a full pipe's pages and their bookkeeping
 * (measured: ~100 KiB). sock_buf scales with the limit: 1 GiB gives 128 KiB
 * (256 KiB windows), 64 MiB gives 8 KiB. */
static void plan_kernel_buffers(praxis_sandbox *sb)
{
	uint64_t m = sb->limits.memory_bytes;
	if (!m)
		return;
	uint64_t buf = m / 8192;
	if (buf < 8192)
		buf = 8192;
	if (buf > 262144)
		buf = 262144;
	sb->sock_buf = (int)(buf & ~1023ULL);
	sb->sock_charge = 4 * (uint64_t)sb->sock_buf + 8192;
	sb->pipe_charge = 104 * 1024;
	/* an inotify instance queues up to max_queued_events events, each up
	 * to 512 bytes of slab with its name (measured: 340 MiB in 128 queues
	 * of short names) */
	uint64_t queued = 16384;
	FILE *f = fopen("/proc/sys/fs/inotify/max_queued_events", "re");
	if (f) {
		unsigned long long v;
		if (fscanf(f, "%llu", &v) == 1 && v > 0)
			queued = v;
		fclose(f);
	}
	sb->inotify_charge = queued * 512;
	/* an epoll instance: its own few KiB here, and each watch it holds
	 * (~160 bytes, counted from its fdinfo: a watch is a (file, fd) pair,
	 * so an instance can hold more watches than its process has fds; the
	 * reviews held 400 MiB of slab in watches) */
	sb->epoll_charge = 4096;
}

static void plan_rlimits(praxis_sandbox *sb)
{
	const praxis_limits *l = &sb->limits;
	sb->rlimits[sb->n_rlimits++] = (struct child_rlimit){RLIMIT_CORE, {0, 0}};
	if (l->cpu_seconds > 0) {
		/* per process: SIGXCPU a second after the tree's budget, SIGKILL after two */
		rlim_t soft = (rlim_t)l->cpu_seconds + 1;
		sb->rlimits[sb->n_rlimits++] = (struct child_rlimit){RLIMIT_CPU, {soft, soft + 1}};
	}
	/* Binds within the run's own user namespace (unprivileged hosts);
	 * uid 0 is exempt, so root hosts rely on the supervisor. */
	if (l->max_procs > 0)
		sb->rlimits[sb->n_rlimits++] =
		    (struct child_rlimit){RLIMIT_NPROC, {l->max_procs, l->max_procs}};
	if (l->max_open_files > 0)
		sb->rlimits[sb->n_rlimits++] =
		    (struct child_rlimit){RLIMIT_NOFILE, {l->max_open_files, l->max_open_files}};
	if (l->max_file_bytes > 0)
		sb->rlimits[sb->n_rlimits++] =
		    (struct child_rlimit){RLIMIT_FSIZE, {l->max_file_bytes, l->max_file_bytes}};
}

static bool has_capabilities(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2] = {{0}};
	if (syscall(SYS_capget, &hdr, data) < 0)
		return true; /* assume the worst: try to drop */
	return data[0].effective || data[1].effective || data[0].permitted || data[1].permitted;
}

static int plan_identity(praxis_sandbox *sb, const praxis_config *cfg, praxis_error *err)
{
	bool root = geteuid() == 0;
	if (cfg->run_as_uid >= 0 || cfg->run_as_gid >= 0) {
		if (!root)
			return praxis_fail(err, -EPERM,
			                   "run_as_uid/gid needs a root host (running as uid %u)",
			                   (unsigned)geteuid());
		sb->set_ids = true;
		sb->uid = (uid_t)(cfg->run_as_uid >= 0 ? cfg->run_as_uid : 65534);
		sb->gid = (gid_t)(cfg->run_as_gid >= 0 ? cfg->run_as_gid : (int64_t)sb->uid);
	}
	if (sb->flags & PRAXIS_NET_NAMESPACE) {
		if (sb->caps.net_socket || sb->caps.net_http)
			return praxis_fail(err, -EINVAL,
			                   "an empty network namespace and a network capability "
			                   "exclude each other");
		sb->clone_flags |= CLONE_NEWNET | (root ? 0 : CLONE_NEWUSER);
	}
	if (!(sb->flags & PRAXIS_NO_PID_NAMESPACE)) {
		sb->clone_flags |= CLONE_NEWPID;
		if (!root) {
			/* An unprivileged pid namespace needs a user namespace;
			 * map our own ids so nothing looks different inside. */
			sb->clone_flags |= CLONE_NEWUSER;
			if (asprintf(&sb->id_maps[0], "%u %u 1\n", getuid(), getuid()) < 0 ||
			    !(sb->id_maps[1] = strdup("deny")) ||
			    asprintf(&sb->id_maps[2], "%u %u 1\n", getgid(), getgid()) < 0)
				return -ENOMEM;
		}
	}
	if ((sb->clone_flags & CLONE_NEWUSER) && !sb->id_maps[0]) {
		if (asprintf(&sb->id_maps[0], "%u %u 1\n", getuid(), getuid()) < 0 ||
		    !(sb->id_maps[1] = strdup("deny")) ||
		    asprintf(&sb->id_maps[2], "%u %u 1\n", getgid(), getgid()) < 0)
			return -ENOMEM;
	}
	/* Switching from root to another uid already empties every capability
	 * set (and SECBIT_NOROOT would then need a capability we lost). */
	/* A "root" inside another sandbox has no capabilities (and its
	 * securebits are locked already): nothing to drop, no CAP_SETPCAP. */
	sb->drop_privileged_caps = (root && has_capabilities() && !(sb->set_ids && sb->uid != 0)) ||
	                           (sb->clone_flags & CLONE_NEWUSER);
	plan_rlimits(sb);
	plan_cgroup(sb);
	plan_kernel_buffers(sb);
	return 0;
}

int praxis_sandbox_new(const praxis_config *cfg, praxis_sandbox **ret, praxis_error *err)
{
	return sandbox_new(cfg, false, ret, err);
}

int sandbox_new(const praxis_config *cfg, bool gated_processes, praxis_sandbox **ret,
                praxis_error *err)
{
	if (!cfg || !ret)
		return praxis_fail(err, -EINVAL, "praxis_sandbox_new: missing argument");
	if (!RESERVED_IS_ZERO(cfg))
		return abi_refuse_reserved(err, "praxis_config");
	if (!RESERVED_IS_ZERO(&cfg->limits))
		return abi_refuse_reserved(err, "praxis_config.limits");
	if (cfg->limits.memory_bytes && cfg->limits.memory_bytes < PRAXIS_MIN_MEMORY_BYTES)
		return praxis_fail(err, -EINVAL,
		                   "memory limit of %llu bytes is below the minimum of %llu bytes "
		                   "(8 MiB) that sampling every 10 ms can enforce",
		                   (unsigned long long)cfg->limits.memory_bytes,
		                   PRAXIS_MIN_MEMORY_BYTES);
	if (cfg->limits.cpu_seconds > 0 && cfg->limits.cpu_seconds < PRAXIS_MIN_CPU_SECONDS)
		return praxis_fail(err, -EINVAL,
		                   "CPU limit of %g s is below the minimum of %g s that sampling "
		                   "every 10 ms can enforce (0 means no limit)",
		                   cfg->limits.cpu_seconds, PRAXIS_MIN_CPU_SECONDS);
	praxis_sandbox *sb = calloc(1, sizeof(*sb));
	if (!sb)
		return praxis_fail(err, -ENOMEM, "out of memory");
	int r = 0;
	sb->plugin_name = strdup(cfg->plugin_name ? cfg->plugin_name : "plugin");
	sb->flags = cfg->flags;
	sb->limits = cfg->limits;
	if (!sb->plugin_name || (cfg->caps && (r = caps_copy(&sb->caps, cfg->caps)) < 0)) {
		r = praxis_fail(err, -ENOMEM, "out of memory");
		goto fail;
	}
	if ((r = env_build(cfg->environment, &sb->caps.env_read, &sb->env, &sb->withheld)) < 0) {
		praxis_fail(err, r, "building the environment: %s", strerror(-r));
		goto fail;
	}
	/* environment.write: changes come back on fd 3 (docs/capabilities.md). */
	if (sb->caps.env_write.granted && (r = strv_push(&sb->env, "PRAXIS_ENV_FD=3")) < 0)
		goto fail;
	for (size_t i = 0; i < sb->env.n; i++)
		if (strncmp(sb->env.v[i], "PATH=", 5) == 0)
			sb->search_path = strdup(sb->env.v[i] + 5);
	if ((r = plan_identity(sb, cfg, err)) < 0)
		goto fail;
	/* Each run's reaper has its own copy-on-write copy of this memory, so
	 * one buffer serves every run, concurrent ones included. */
	if (!(sb->child_stack = malloc(CHILD_STACK_SIZE))) {
		r = praxis_fail(err, -ENOMEM, "out of memory");
		goto fail;
	}
	sb->http_enforced = sb->caps.net_http && !sb->caps.net_socket;
	if (sb->http_enforced &&
	    (r = http_policy_build(&sb->http, &sb->caps, "/etc/resolv.conf", err)) < 0) {
		if (r == -ENOMEM)
			praxis_fail(err, r, "out of memory");
		goto fail;
	}
	if ((r = plan_landlock(sb, err)) < 0)
		goto fail;
	sb->seccomp_opts = (struct seccomp_options){
	    /* A zygote forks its calls, each asked of the gate; each call
	     * then loads a filter that takes process creation away again. */
	    .subprocess = sb->caps.subprocess.granted || gated_processes,
	    .gated_processes = gated_processes,
	    .net_socket = sb->caps.net_socket,
	    .net_http = sb->caps.net_http,
	    .pid_namespace = (sb->clone_flags & CLONE_NEWPID) != 0,
	    .notify_net = sb->http_enforced,
	    /* not for a gated (zygote's) run yet: its calls are supervised
	     * by zygote_call.c, which keeps to what it knows */
	    .buffers = sb->sock_buf > 0 && !gated_processes,
	    .metadata = sb->caps.fs_write.granted &&
	                (sb->caps.fs_write.whole || sb->caps.fs_write.items.n == 0),
	};
	if ((r = seccomp_build(&sb->seccomp_opts, &sb->bpf, err)) < 0)
		goto fail;
	if (sb->seccomp_opts.buffers) {
		struct seccomp_options plain = sb->seccomp_opts;
		plain.buffers = false;
		if ((r = seccomp_build(&plain, &sb->bpf_unbuffered, err)) < 0)
			goto fail;
	}
	sb->notify_opts = sb->seccomp_opts;
	sb->notify_opts.notify = true;
	pthread_mutex_init(&sb->notify_lock, NULL);
	sb->audit_level = cfg->audit_level;
	sb->audit_callback = cfg->audit_callback;
	sb->audit_userdata = cfg->audit_userdata;
	sb->audit_max_records = cfg->audit_max_records;
	sb->caps_text = caps_describe(&sb->caps);
	/* Auditing is known to be wanted: build its filter now, not on a run. */
	if (sandbox_audit_level(sb, false) != PRAXIS_AUDIT_OFF &&
	    (r = sandbox_notify_filter(sb, NULL, err)) < 0)
		goto fail;
	*ret = sb;
	return 0;
fail:
	if (r == -ENOMEM && err && !err->message[0])
		praxis_fail(err, r, "out of memory");
	praxis_sandbox_free(sb);
	return r;
}

void praxis_sandbox_free(praxis_sandbox *sb)
{
	if (!sb)
		return;
	free(sb->plugin_name);
	caps_clear(&sb->caps);
	landlock_plan_free(&sb->landlock);
	bpf_program_free(&sb->bpf);
	bpf_program_free(&sb->bpf_unbuffered);
	bpf_program_free(&sb->bpf_notify);
	free(sb->caps_text);
	http_policy_free(&sb->http);
	if (sb->notify_opts.notify)
		pthread_mutex_destroy(&sb->notify_lock);
	strv_free(&sb->env);
	strv_free(&sb->withheld);
	strv_free(&sb->degradations);
	free(sb->search_path);
	free(sb->child_stack);
	if (sb->cgroup_parent)
		run_cgroup_pool_free(&sb->cgroups);
	free(sb->cgroup_parent);
	for (int i = 0; i < 3; i++)
		free(sb->id_maps[i]);
	free(sb);
}

praxis_audit_level sandbox_audit_level(const praxis_sandbox *sb, bool collect)
{
	if (sb->audit_level != PRAXIS_AUDIT_AUTO)
		return sb->audit_level;
	return sb->audit_callback || collect ? PRAXIS_AUDIT_ALL : PRAXIS_AUDIT_OFF;
}

int sandbox_notify_filter(praxis_sandbox *sb, const struct bpf_program **ret, praxis_error *err)
{
	int r = 0;
	pthread_mutex_lock(&sb->notify_lock);
	if (!sb->bpf_notify.insns)
		r = seccomp_build(&sb->notify_opts, &sb->bpf_notify, err);
	pthread_mutex_unlock(&sb->notify_lock);
	if (r == 0 && ret)
		*ret = &sb->bpf_notify;
	return r;
}

static const char *const empty_list[] = {NULL};

const char *const *praxis_sandbox_degradations(const praxis_sandbox *sb)
{
	return sb->degradations.v ? (const char *const *)sb->degradations.v : empty_list;
}

const char *const *praxis_sandbox_environment(const praxis_sandbox *sb)
{
	return sb->env.v ? (const char *const *)sb->env.v : empty_list;
}

char *praxis_sandbox_describe(const praxis_sandbox *sb)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	char *caps = caps_describe(&sb->caps);
	fprintf(f, "plugin: %s\ncapabilities: %s\n", sb->plugin_name, caps ? caps : "?");
	free(caps);
	if (sb->clone_flags & CLONE_NEWNET)
		fprintf(f, "network: empty network namespace\n");
	fprintf(f, "process: %s%s, capabilities dropped, no_new_privs\n",
	        sb->clone_flags & CLONE_NEWPID ? "new pid namespace"
	                                       : "process group (no pid namespace)",
	        sb->clone_flags & CLONE_NEWUSER ? " in a new user namespace" : "");
	if (sb->set_ids)
		fprintf(f, "process: runs as uid %u gid %u\n", sb->uid, sb->gid);
	for (size_t i = 0; i < sb->withheld.n; i++)
		fprintf(f, "environment: withheld %s\n", sb->withheld.v[i]);
	if (sb->use_landlock)
		landlock_plan_describe(&sb->landlock, f);
	for (size_t i = 0; i < sb->degradations.n; i++)
		fprintf(f, "NOT ENFORCED: %s\n", sb->degradations.v[i]);
	char *rules = seccomp_describe(&sb->seccomp_opts);
	fprintf(f, "seccomp (%u BPF instructions):\n%s", sb->bpf.len, rules ? rules : "?\n");
	free(rules);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

const char *praxis_limit_name(praxis_limit_kind kind)
{
	static const char *const names[] = {"none",      "memory", "cpu",      "wall",
	                                    "processes", "output", "file_size"};
	return (unsigned)kind < sizeof(names) / sizeof(*names) ? names[kind] : "unknown";
}

const char *praxis_status_name(praxis_status status)
{
	switch (status) {
	case PRAXIS_EXITED: return "exited";
	case PRAXIS_SIGNALED: return "signaled";
	case PRAXIS_LIMIT: return "limit";
	}
	return "unknown";
}
