/* praxis_sandbox_run(): resolve the program, clone, supervise, clean up. */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "abi.h"
#include "error.h"
#include "program.h"
#include "sandbox_internal.h"

void praxis_run_opts_init(praxis_run_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->stdio[0] = 0;
	opts->stdio[1] = 1;
	opts->stdio[2] = 2;
	opts->cancel_fd = -1;
}

struct exec_rules {
	struct ll_path_rule *rules;
	size_t n;
};

static void exec_rules_free(struct exec_rules *er)
{
	for (size_t i = 0; i < er->n; i++) {
		close(er->rules[i].fd);
		free(er->rules[i].path);
	}
	free(er->rules);
	*er = (struct exec_rules){0};
}

/* The program named for this run (and its interpreters) may always be read
 * and executed, whatever system.subprocess says. */
static int plan_exec_rules(const praxis_sandbox *sb, const char *exec_path, struct exec_rules *er,
                           praxis_error *err)
{
	if (!sb->use_landlock)
		return 0;
	struct strv files = {0};
	int r = program_exec_chain(exec_path, sb->search_path, &files, err);
	if (r >= 0 && !(er->rules = calloc(files.n ? files.n : 1, sizeof(*er->rules))))
		r = -ENOMEM;
	for (size_t i = 0; r >= 0 && i < files.n; i++) {
		int fd = open(files.v[i], O_PATH | O_CLOEXEC);
		if (fd < 0) {
			r = praxis_fail(err, -errno, "%s: %s", files.v[i], strerror(errno));
			break;
		}
		er->rules[er->n++] = (struct ll_path_rule){
		    .fd = fd, .access = LL_FS_READ_FILE | LL_FS_EXECUTE, .path = fd_path(fd)};
	}
	strv_free(&files);
	return r;
}

struct rlimit_name {
	int resource;
	const char *name, *setting;
};

static const struct rlimit_name rlimit_names[] = {
    {RLIMIT_NOFILE, "RLIMIT_NOFILE", "limits.max_open_files, --max-open-files"},
    {RLIMIT_NPROC, "RLIMIT_NPROC", "limits.max_procs, --max-procs"},
    {RLIMIT_FSIZE, "RLIMIT_FSIZE", "limits.max_file_bytes, --max-file-size"},
    {RLIMIT_CPU, "RLIMIT_CPU", "limits.cpu_seconds, --cpu"},
    {RLIMIT_AS, "RLIMIT_AS", "limits.memory_bytes, --memory"},
    {RLIMIT_DATA, "RLIMIT_DATA", "limits.memory_bytes, --memory"},
    {RLIMIT_CORE, "RLIMIT_CORE", "none"},
};

/* The child only says "setting resource limits" failed: it inherited our
 * hard limits, so the first one asked above ours is the culprit (raising a
 * hard limit needs CAP_SYS_RESOURCE). */
static int rlimit_error(const praxis_sandbox *sb, int e, praxis_error *err)
{
	for (size_t i = 0; i < sb->n_rlimits; i++) {
		const struct child_rlimit *l = &sb->rlimits[i];
		struct rlimit hard;
		if (getrlimit(l->resource, &hard) < 0 || hard.rlim_max == RLIM_INFINITY ||
		    (l->limit.rlim_max != RLIM_INFINITY && l->limit.rlim_max <= hard.rlim_max))
			continue;
		const struct rlimit_name *n = NULL;
		for (size_t j = 0; j < sizeof(rlimit_names) / sizeof(*rlimit_names); j++)
			if (rlimit_names[j].resource == l->resource)
				n = &rlimit_names[j];
		return praxis_fail(
		    err, -e,
		    "sandbox setup failed while setting resource limits: %s to %llu: "
		    "%s: the host's hard limit is %llu and raising it needs "
		    "CAP_SYS_RESOURCE (lower %s, or raise the host's hard limit)",
		    n ? n->name : "a limit", (unsigned long long)l->limit.rlim_max, strerror(e),
		    (unsigned long long)hard.rlim_max, n ? n->setting : "the limit");
	}
	return praxis_fail(err, -e, "sandbox setup failed while setting resource limits: %s",
	                   strerror(e));
}

static int setup_error(const praxis_sandbox *sb, const struct run_state *rs, const char *exec_path,
                       praxis_error *err)
{
	int e = rs->setup_errno ? rs->setup_errno : EIO;
	if (rs->setup_step == STEP_RLIMITS)
		return rlimit_error(sb, e, err);
	if (rs->setup_step == STEP_EXEC)
		return praxis_fail(err, -e, "%s: %s%s", exec_path, strerror(e),
		                   e == EACCES ? " (execution denied by the sandbox?)" : "");
	return praxis_fail(err, -e, "sandbox setup failed while %s: %s",
	                   child_step_name((enum child_step)rs->setup_step), strerror(e));
}

struct hand_back_sink {
	struct audit_sink *sink;
	pid_t pid;
};

static void hand_back_record(void *ctx, const char *name, bool allowed, const char *why)
{
	struct hand_back_sink *h = ctx;
	audit_emit(h->sink, h->pid, PRAXIS_CAP_ENV_WRITE, name, allowed, why);
}

/* environment.write: only granted names come back; the rest are audited as
 * denied, and so is every line that cannot be applied as written. */
static int collect_env_changes(const praxis_sandbox *sb, struct audit_sink *sink, pid_t pid,
                               const struct output_buffer *buf, praxis_result *result,
                               praxis_error *err)
{
	struct hand_back_sink h = {sink, pid};
	char **changes = NULL;
	if (env_hand_back_parse(&sb->caps.env_write, buf->data, buf->len,
	                        buf->len >= ENV_HAND_BACK_MAX, hand_back_record, &h, &changes) < 0)
		return praxis_fail(err, -ENOMEM, "out of memory");
	result->env_changes = changes; /* NULL-terminated, owned by the result */
	return 0;
}

uint64_t run_new_id(void)
{
	uint64_t id = 0;
	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		id =
		    (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid();
	}
	return id;
}

static void audit_start(const praxis_sandbox *sb, struct audit_sink *sink, const char *exec_path,
                        bool notify, const char *accounting)
{
	char reason[6000];
	snprintf(reason, sizeof(reason),
	         "capabilities: %s; enforcement: %s%s, seccomp, %s%s; cpu accounting: %s%s",
	         sb->caps_text ? sb->caps_text : "?",
	         sb->use_landlock ? "landlock abi " : "no landlock",
	         sb->use_landlock ? (char[]){(char)('0' + sb->landlock.abi % 10), 0} : "",
	         sb->clone_flags & CLONE_NEWPID ? "pid namespace" : "process group",
	         notify ? ", audit via seccomp notification" : "", accounting,
	         sb->degradations.n ? "; DEGRADED" : "");
	audit_emit(sink, 0, "run.start", exec_path, true, reason);
	for (size_t i = 0; i < sb->withheld.n; i++)
		audit_emit(sink, 0, PRAXIS_CAP_ENV_READ, sb->withheld.v[i], false,
		           "sensitive variable withheld: environment.read not granted for it");
	for (size_t i = 0; i < sb->degradations.n; i++)
		audit_emit(sink, 0, "run.not_enforced", sb->degradations.v[i], false,
		           "degraded mode");
}

void run_audit_end(struct audit_sink *sink, pid_t pid, const praxis_result *res)
{
	char target[64], reason[256];
	if (res->status == PRAXIS_EXITED)
		snprintf(target, sizeof(target), "exited %d", res->exit_code);
	else if (res->status == PRAXIS_SIGNALED)
		snprintf(target, sizeof(target), "killed by signal %d", res->signal);
	else
		snprintf(target, sizeof(target), "stopped: %s limit",
		         praxis_limit_name(res->limit));
	snprintf(reason, sizeof(reason),
	         "wall %.6fs user %.6fs system %.6fs peak memory %llu bytes",
	         res->usage.wall_seconds, res->usage.user_cpu_seconds,
	         res->usage.system_cpu_seconds, (unsigned long long)res->usage.peak_memory_bytes);
	audit_emit(sink, pid, "run.end", target, res->status == PRAXIS_EXITED, reason);
	audit_finish(sink);
}

int praxis_sandbox_run(praxis_sandbox *sb, const praxis_run_opts *opts, praxis_result *result,
                       praxis_error *err)
{
	if (!sb || !opts || !result || !opts->argv || !opts->argv[0])
		return praxis_fail(err, -EINVAL,
		                   "praxis_sandbox_run: missing sandbox, argv or result");
	memset(result, 0, sizeof(*result));
	if (!RESERVED_IS_ZERO(opts))
		return abi_refuse_reserved(err, "praxis_run_opts");
	char *exec_path = NULL;
	struct exec_rules er = {0};
	int sync[2] = {-1, -1};
	struct run_state rs = {.pidfd = -1,
	                       .sync_fd = -1,
	                       .notify_fd = -1,
	                       .cancel_fd = -1,
	                       .out_fd = {-1, -1, -1},
	                       .relay = {{.dest = -1, .own_fd = -1}, {.dest = -1, .own_fd = -1}}};
	int out_write[3] = {-1, -1, -1};
	struct notify_ctx nc = {.fd = -1};
	struct run_cgroup cgroup = {.dir_fd = -1, .stat_fd = -1};
	struct audit_sink sink = {.plugin = sb->plugin_name,
	                          .run_id = run_new_id(),
	                          .level = sandbox_audit_level(sb, opts->collect_audit),
	                          .callback = sb->audit_callback,
	                          .userdata = sb->audit_userdata};
	const struct bpf_program *bpf = &sb->bpf;
	bool audit = sink.level != PRAXIS_AUDIT_OFF;
	/* network.http is enforced through notifications even without audit. */
	/* So is the exec-once rule of a plugin without system.subprocess. */
	bool needs_listener = audit || sb->seccomp_opts.notify_net ||
	                      sb->seccomp_opts.gated_processes || !sb->seccomp_opts.subprocess;
	bool notify = needs_listener || sb->seccomp_opts.buffers;
	result->run_id = sink.run_id;
	int r = program_resolve(opts->argv[0], sb->search_path, &exec_path, err);
	if (r < 0)
		return r;
	if (audit && (r = sandbox_notify_filter(sb, &bpf, err)) < 0)
		goto out;
	if (opts->collect_audit && !(sink.log = audit_log_new(sb->audit_max_records))) {
		r = praxis_fail(err, -ENOMEM, "out of memory");
		goto out;
	}
	if ((r = plan_exec_rules(sb, exec_path, &er, err)) < 0)
		goto out;
	if (notify) {
		if ((r = notify_init(&nc, -1)) < 0) {
			praxis_fail(err, r, "seccomp notification sizes: %s", strerror(-r));
			goto out;
		}
		nc.policy = &sb->notify_opts;
		nc.landlock = sb->use_landlock ? &sb->landlock : NULL;
		nc.extra = er.rules;
		nc.n_extra = er.n;
		nc.http = sb->http_enforced ? &sb->http : NULL;
		nc.sink = &sink;
		nc.sock_buf = sb->sock_buf;
		nc.process_gate = sb->process_gate;
		nc.process_gate_ctx = sb->process_gate_ctx;
		rs.notify = &nc;
	}
	rs.sink = &sink;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0) {
		r = praxis_fail(err, -errno, "socketpair: %s", strerror(errno));
		goto out;
	}
	int stdio[3] = {opts->stdio[0], opts->stdio[1], opts->stdio[2]};
	rs.output_mode = opts->output;
	if (opts->output != PRAXIS_OUTPUT_DIRECT) {
		for (int i = 0; i < 2; i++) {
			int p[2];
			if (pipe2(p, O_CLOEXEC) < 0) {
				r = praxis_fail(err, -errno, "pipe: %s", strerror(errno));
				goto out;
			}
			rs.out_fd[i] = p[0];
			out_write[i] = p[1];
			relay_init(&rs.relay[i], opts->stdio[1 + i]);
			stdio[1 + i] = p[1];
		}
	}
	if (sb->caps.env_write.granted) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0) {
			r = praxis_fail(err, -errno, "pipe: %s", strerror(errno));
			goto out;
		}
		rs.out_fd[2] = p[0];
		out_write[2] = p[1];
	}
	rs.limits = sb->limits;
	rs.listener_optional = notify && !needs_listener;
	rs.sock_charge = sb->sock_charge;
	rs.pipe_charge = sb->pipe_charge;
	rs.inotify_charge = sb->inotify_charge;
	rs.epoll_charge = sb->epoll_charge;
	struct child_plan plan = {
	    .stdio = {stdio[0], stdio[1], stdio[2]},
	    .sync_fd = sync[1],
	    .env_fd = out_write[2],
	    .id_maps = {sb->id_maps[0], sb->id_maps[1], sb->id_maps[2]},
	    .cwd = opts->cwd,
	    .rlimits = sb->rlimits,
	    .n_rlimits = sb->n_rlimits,
	    .set_ids = sb->set_ids,
	    .uid = sb->uid,
	    .gid = sb->gid,
	    .drop_privileged_caps = sb->drop_privileged_caps,
	    .landlock = sb->use_landlock ? &sb->landlock : NULL,
	    .extra_rules = er.rules,
	    .n_extra_rules = er.n,
	    .bpf = bpf,
	    .bpf_without_listener = notify && !needs_listener ? &sb->bpf_unbuffered : NULL,
	    /* WAIT_KILLABLE_RECV: a signal to a plugin blocked in a
	     * notification cannot make it send the same one twice. */
	    .seccomp_flags =
	        notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
	               : 0,
	    .stack = sb->child_stack,
	    .stack_size = CHILD_STACK_SIZE,
	    .exec_path = exec_path,
	    .argv = (char *const *)opts->argv,
	    .envp = sb->env.v ? sb->env.v : (char *[]){NULL},
	    .reap_orphans = !(sb->clone_flags & CLONE_NEWPID),
	    .host_pid = getpid(),
	    .host_pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0),
	};
	char accounting[4400];
	if (sb->cgroup_parent) {
		int e = run_cgroup_take(&sb->cgroups, &cgroup, sb->cgroup_parent, sink.run_id);
		if (e == 0)
			snprintf(accounting, sizeof(accounting), "cgroup v2 (%s/cpu.stat)",
			         cgroup.path);
		else
			snprintf(accounting, sizeof(accounting),
			         "sampled (creating a cgroup under %s failed: %s)",
			         sb->cgroup_parent, strerror(-e));
	} else {
		snprintf(accounting, sizeof(accounting), "sampled (cgroup v2: %s)", sb->cgroup_why);
	}
	audit_start(sb, &sink, exec_path, audit, accounting);
	clock_gettime(CLOCK_MONOTONIC, &rs.start);
	if (cgroup.dir_fd >= 0) {
		r = spawn_child_in_cgroup(sb->clone_flags, &plan, cgroup.dir_fd, &rs.pidfd,
		                          &rs.pid);
		if (r < 0) {
			/* the kernel would not start it there: sampled, and said */
			char why[160];
			snprintf(why, sizeof(why),
			         "cloning into the run's cgroup failed (%s): CPU is sampled",
			         strerror(-r));
			audit_emit(&sink, 0, "run.accounting", cgroup.path, false, why);
			run_cgroup_remove(&cgroup);
			r = spawn_child(sb->clone_flags, &plan, &rs.pidfd, &rs.pid);
		} else {
			rs.cgroup = &cgroup;
			rs.cgroup_pool = &sb->cgroups;
		}
	} else {
		r = spawn_child(sb->clone_flags, &plan, &rs.pidfd, &rs.pid);
	}
	if (plan.host_pidfd >= 0)
		close(plan.host_pidfd);
	close(sync[1]);
	sync[1] = -1;
	for (int i = 0; i < 3; i++)
		if (out_write[i] >= 0) {
			close(out_write[i]); /* the plugin holds the only write ends now */
			out_write[i] = -1;
		}
	if (r < 0) {
		r = praxis_fail(err, r, "cannot start the plugin process (clone3%s): %s",
		                sb->clone_flags & CLONE_NEWPID ? " with a new pid namespace" : "",
		                strerror(-r));
		goto out;
	}
	nc.init_pid = 0; /* the plugin process's pid: learnt from its first exec */
	rs.sync_fd = sync[0];
	sync[0] = -1;
	rs.group_kill = !(sb->clone_flags & CLONE_NEWPID);
	rs.wall_limit = sb->limits.wall_seconds;
	rs.cancel_fd = opts->cancel_fd > 0 ? opts->cancel_fd : -1;
	rs.watch = sb->run_watch;
	rs.watch_ctx = sb->run_watch_ctx;
	rs.watch_action = sb->run_watch_action;
	rs.watch_reason = sb->run_watch_reason;
	r = supervise(&rs, result, err);
	result->cancelled = rs.cancelled;
	if (r >= 0 && rs.setup_step)
		r = setup_error(sb, &rs, exec_path, err);
	if (r >= 0 && sb->caps.env_write.granted)
		r = collect_env_changes(sb, &sink, rs.pid, &rs.captured[2], result, err);
	if (r >= 0)
		run_audit_end(&sink, rs.pid, result);
out:
	if (r >= 0) {
		result->audit = sink.log;
		result->stdout_data = rs.captured[0].data;
		result->stdout_size = rs.captured[0].len;
		result->stderr_data = rs.captured[1].data;
		result->stderr_size = rs.captured[1].len;
		result->stdout_truncated = rs.captured[0].truncated;
		result->stderr_truncated = rs.captured[1].truncated;
		if (opts->output == PRAXIS_OUTPUT_CAPTURE) {
			/* always valid strings, even when nothing was written */
			if (!result->stdout_data)
				result->stdout_data = calloc(1, 1);
			if (!result->stderr_data)
				result->stderr_data = calloc(1, 1);
		}
	} else {
		audit_log_free(sink.log);
		free(rs.captured[0].data);
		free(rs.captured[1].data);
	}
	free(rs.captured[2].data);
	relay_free(&rs.relay[0]);
	relay_free(&rs.relay[1]);
	for (int i = 0; i < 3; i++) {
		if (out_write[i] >= 0)
			close(out_write[i]);
		if (rs.out_fd[i] >= 0)
			close(rs.out_fd[i]);
	}
	if (r < 0)
		praxis_result_release(result);
	run_cgroup_remove(&cgroup); /* when supervise() did not get to it */
	notify_release(&nc);
	if (rs.sync_fd >= 0)
		close(rs.sync_fd);
	if (rs.notify_fd >= 0)
		close(rs.notify_fd);
	if (rs.pidfd >= 0)
		close(rs.pidfd);
	for (int i = 0; i < 2; i++)
		if (sync[i] >= 0)
			close(sync[i]);
	exec_rules_free(&er);
	free(exec_path);
	return r;
}
