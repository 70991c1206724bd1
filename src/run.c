/* praxis_sandbox_run(): resolve the program, clone, supervise, clean up. */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "program.h"
#include "sandbox_internal.h"

void praxis_run_opts_init(praxis_run_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->stdio[0] = 0;
	opts->stdio[1] = 1;
	opts->stdio[2] = 2;
}

struct exec_rules {
	struct ll_path_rule *rules;
	size_t n;
};

static void exec_rules_free(struct exec_rules *er)
{
	for (size_t i = 0; i < er->n; i++)
		close(er->rules[i].fd);
	free(er->rules);
	*er = (struct exec_rules){0};
}

/* The program named for this run (and its interpreters) may always be read
 * and executed, whatever system.subprocess says. */
static int plan_exec_rules(const praxis_sandbox *sb, const char *exec_path,
			   struct exec_rules *er, praxis_error *err)
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
			.fd = fd, .access = LL_FS_READ_FILE | LL_FS_EXECUTE, .path = NULL};
	}
	strv_free(&files);
	return r;
}

static int setup_error(const struct run_state *rs, const char *exec_path, praxis_error *err)
{
	int e = rs->setup_errno ? rs->setup_errno : EIO;
	if (rs->setup_step == STEP_EXEC)
		return praxis_fail(err, -e, "%s: %s%s", exec_path, strerror(e),
				   e == EACCES ? " (execution denied by the sandbox?)" : "");
	return praxis_fail(err, -e, "sandbox setup failed while %s: %s",
			   child_step_name((enum child_step)rs->setup_step), strerror(e));
}

int praxis_sandbox_run(praxis_sandbox *sb, const praxis_run_opts *opts, praxis_result *result,
		       praxis_error *err)
{
	if (!sb || !opts || !result || !opts->argv || !opts->argv[0])
		return praxis_fail(err, -EINVAL, "praxis_sandbox_run: missing sandbox, argv or result");
	memset(result, 0, sizeof(*result));
	char *exec_path = NULL;
	struct exec_rules er = {0};
	int sync[2] = {-1, -1};
	struct run_state rs = {.pidfd = -1, .sync_fd = -1, .notify_fd = -1};
	int r = program_resolve(opts->argv[0], sb->search_path, &exec_path, err);
	if (r < 0)
		return r;
	if ((r = plan_exec_rules(sb, exec_path, &er, err)) < 0)
		goto out;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0) {
		r = praxis_fail(err, -errno, "socketpair: %s", strerror(errno));
		goto out;
	}
	struct child_plan plan = {
		.stdio = {opts->stdio[0], opts->stdio[1], opts->stdio[2]},
		.sync_fd = sync[1],
		.id_maps = {sb->id_maps[0], sb->id_maps[1], sb->id_maps[2]},
		.cwd = opts->cwd,
		.rlimits = sb->rlimits,
		.n_rlimits = sb->n_rlimits,
		.set_ids = sb->set_ids,
		.uid = sb->uid,
		.gid = sb->gid,
		.drop_privileged_caps = sb->drop_privileged_caps,
		.cap_last_cap = sb->cap_last_cap,
		.landlock = sb->use_landlock ? &sb->landlock : NULL,
		.extra_rules = er.rules,
		.n_extra_rules = er.n,
		.bpf = &sb->bpf,
		.seccomp_flags = 0,
		.exec_path = exec_path,
		.argv = (char *const *)opts->argv,
		.envp = sb->env.v ? sb->env.v : (char *[]){NULL},
	};
	clock_gettime(CLOCK_MONOTONIC, &rs.start);
	r = spawn_child(sb->clone_flags, &plan, &rs.pidfd, &rs.pid);
	close(sync[1]);
	sync[1] = -1;
	if (r < 0) {
		r = praxis_fail(err, r, "cannot start the plugin process (clone3%s): %s",
				sb->clone_flags & CLONE_NEWPID ? " with a new pid namespace" : "",
				strerror(-r));
		goto out;
	}
	rs.sync_fd = sync[0];
	sync[0] = -1;
	rs.group_kill = !(sb->clone_flags & CLONE_NEWPID);
	rs.wall_limit = sb->limits.wall_seconds;
	r = supervise(&rs, result, err);
	if (r >= 0 && rs.setup_step)
		r = setup_error(&rs, exec_path, err);
out:
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
