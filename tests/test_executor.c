/* The plugin executor: the params/result protocol and its failure modes,
 * shared-object plugins loaded inside the sandbox, the factory's ceiling
 * (refusal and intersection), async runs (poll, wait, cancel) and many
 * host threads at once without leaks. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "exec_rig.h"
#include "helpers.h"
#include "praxis/executor.h"

TestSuite(executor, .timeout = 60);

/* ---- the protocol ---- */

Test(executor, happy_path)
{
	const char *dir = tmpdir_new(false);
	make_plugin(dir, "echo", NULL, NULL, NULL);
	struct rig rig;
	rig_open(&rig, dir, NULL, NULL);
	praxis_exec_result res;
	praxis_error err;
	cr_assert_eq(exec(&rig, "echo", "{\"mode\": \"echo\", \"token\": \"t-1\"}", &res, &err), 0,
	             "%s", err.message);
	assert_status(&res, PRAXIS_EXEC_OK);
	cr_assert_str_eq(res.result_json, "{\"token\":\"t-1\"}");
	cr_assert_eq(res.exit_code, 0);
	cr_assert_str_eq(res.stderr_data, "");
	cr_assert_gt(res.usage.wall_seconds, 0);
	cr_assert_neq(res.run_id, 0);
	/* the run's own records, from start to the executor's verdict */
	cr_assert_gt(res.n_audit, 2);
	cr_assert_str_eq(res.audit[0].action, "run.start");
	cr_assert_str_eq(res.audit[res.n_audit - 1].action, "run.result");
	cr_assert_str_eq(res.audit[res.n_audit - 1].target, "ok");
	cr_assert_not_null(find_record(&res, "run.end", "exited 0"));
	for (size_t i = 0; i < res.n_audit; i++) {
		cr_assert_eq(res.audit[i].run_id, res.run_id);
		cr_assert_str_eq(res.audit[i].plugin, "echo");
	}
	praxis_exec_result_release(&res);

	/* NULL params are {} */
	cr_assert_eq(exec(&rig, "echo", NULL, &res, &err), 0, "%s", err.message);
	assert_status(&res, PRAXIS_EXEC_OK);
	cr_assert_str_eq(res.result_json, "{\"token\":\"\"}");
	praxis_exec_result_release(&res);
	rig_close(&rig);
}

Test(executor, cannot_run_errors)
{
	const char *dir = tmpdir_new(false);
	make_plugin(dir, "echo", NULL, NULL, NULL);
	make_plugin(dir, "named", NULL, NULL, NULL);
	file_put(tpath("%s/named/manifest.json", dir),
	         "{\"name\": \"other\", \"version\": \"1\", \"entry\": \"plugin\"}", false);
	make_plugin(dir, "broken", NULL, "[\"filesystem.raed\"]", NULL);
	struct rig rig;
	rig_open(&rig, dir, NULL, NULL);
	praxis_exec_result res;
	praxis_error err;
	cr_assert_eq(exec(&rig, "nope", "{}", &res, &err), -ENOENT);
	cr_assert(strstr(err.message, "no plugin 'nope'"), "%s", err.message);
	cr_assert_eq(exec(&rig, "echo", "{not json", &res, &err), -EINVAL);
	cr_assert(strstr(err.message, "params: invalid JSON"), "%s", err.message);
	cr_assert_eq(exec(&rig, "../etc", "{}", &res, &err), -EINVAL);
	cr_assert_eq(exec(&rig, "named", "{}", &res, &err), -EINVAL);
	cr_assert(strstr(err.message, "declares plugin 'other'"), "%s", err.message);
	cr_assert_eq(exec(&rig, "broken", "{}", &res, &err), -EINVAL);
	cr_assert(strstr(err.message, "$.capabilities[0]: unknown capability 'filesystem.raed'"),
	          "%s", err.message);
	rig_close(&rig);
}

static void expect_status(struct rig *rig, const char *params, praxis_exec_status status,
                          const char *message_part)
{
	praxis_exec_result res;
	praxis_error err;
	cr_assert_eq(exec(rig, "p", params, &res, &err), 0, "%s", err.message);
	assert_status(&res, status);
	cr_assert(strstr(res.message, message_part), "message '%s' lacks '%s'", res.message,
	          message_part);
	if (status != PRAXIS_EXEC_OK && status != PRAXIS_EXEC_PLUGIN_ERROR)
		cr_assert_null(res.result_json);
	cr_assert_not_null(find_record(&res, "run.result", praxis_exec_status_name(status)));
	praxis_exec_result_release(&res);
}

Test(executor, malformed_output_is_a_clear_status)
{
	const char *dir = tmpdir_new(false);
	make_plugin(dir, "p", NULL, NULL, NULL);
	struct rig rig;
	rig_open(&rig, dir, NULL, NULL);
	expect_status(&rig, "{\"mode\": \"garbage\"}", PRAXIS_EXEC_BAD_OUTPUT,
	              "stdout is not one JSON value: line 1");
	expect_status(&rig, "{\"mode\": \"trailing\"}", PRAXIS_EXEC_BAD_OUTPUT,
	              "stdout is not one JSON value");
	expect_status(&rig, "{\"mode\": \"empty\"}", PRAXIS_EXEC_BAD_OUTPUT, "no result on stdout");
	rig_close(&rig);
}

Test(executor, oversized_output_is_a_clear_status)
{
	const char *dir = tmpdir_new(false);
	make_plugin(dir, "p", NULL, NULL, "{\"max_output_bytes\": 200000}");
	praxis_executor_config ecfg;
	praxis_executor_config_init(&ecfg);
	ecfg.max_result_bytes = 1000;
	ecfg.max_stderr_bytes = 100;
	struct rig rig;
	rig_open(&rig, dir, NULL, &ecfg);
	expect_status(&rig, "{\"mode\": \"big\", \"n\": 900}", PRAXIS_EXEC_OK, "ok");
	expect_status(&rig, "{\"mode\": \"big\", \"n\": 5000}", PRAXIS_EXEC_OUTPUT_TOO_LARGE,
	              "larger than 1000 bytes");
	/* past the run's output limit: stopped while writing */
	expect_status(&rig, "{\"mode\": \"big\", \"n\": 10000000}", PRAXIS_EXEC_OUTPUT_TOO_LARGE,
	              "more than 200000 bytes");
	/* stderr is bounded in the result, not an error */
	praxis_exec_result res;
	praxis_error err;
	cr_assert_eq(
	    exec(&rig, "p", "{\"mode\": \"stderr\", \"n\": 5000, \"token\": \"s\"}", &res, &err), 0,
	    "%s", err.message);
	assert_status(&res, PRAXIS_EXEC_OK);
	cr_assert_eq(res.stderr_size, 100);
	cr_assert_eq(strlen(res.stderr_data), 100);
	cr_assert(res.stderr_truncated);
	praxis_exec_result_release(&res);
	rig_close(&rig);
}

Test(executor, plugin_failure_crash_and_limits)
{
	const char *dir = tmpdir_new(false);
	make_plugin(dir, "p", NULL, NULL, "{\"wall_seconds\": 0.5}");
	struct rig rig;
	rig_open(&rig, dir, NULL, NULL);
	praxis_exec_result res;
	praxis_error err;
	cr_assert_eq(exec(&rig, "p", "{\"mode\": \"fail\"}", &res, &err), 0, "%s", err.message);
	assert_status(&res, PRAXIS_EXEC_PLUGIN_ERROR);
	cr_assert_eq(res.exit_code, 3);
	cr_assert_str_eq(res.result_json, "{\"error\": \"it failed\"}");
	cr_assert(strstr(res.message, "exited with status 3: exec_plugin: failing on purpose"),
	          "%s", res.message);
	praxis_exec_result_release(&res);

	cr_assert_eq(exec(&rig, "p", "{\"mode\": \"crash\"}", &res, &err), 0, "%s", err.message);
	assert_status(&res, PRAXIS_EXEC_CRASHED);
	cr_assert_eq(res.signal, SIGSEGV);
	cr_assert(strstr(res.message, "SIGSEGV"), "%s", res.message);
	praxis_exec_result_release(&res);

	double start = now_seconds();
	cr_assert_eq(exec(&rig, "p", "{\"mode\": \"sleep\", \"seconds\": 10}", &res, &err), 0, "%s",
	             err.message);
	assert_status(&res, PRAXIS_EXEC_LIMIT);
	cr_assert_eq(res.limit, PRAXIS_LIMIT_WALL);
	cr_assert_lt(now_seconds() - start, 5);
	praxis_exec_result_release(&res);
	rig_close(&rig);
}

Test(executor, manifest_changes_are_picked_up)
{
	const char *dir = tmpdir_new(false);
	make_plugin(dir, "p", NULL, NULL, NULL);
	struct rig rig;
	rig_open(&rig, dir, NULL, NULL);
	const char *secret_dir = tmpdir_new(false);
	file_put(tpath("%s/f", secret_dir), "data", false);
	const char *params = tpath("{\"mode\": \"read\", \"path\": \"%s/f\"}", secret_dir);
	praxis_exec_result res;
	praxis_error err;
	cr_assert_eq(exec(&rig, "p", params, &res, &err), 0, "%s", err.message);
	cr_assert(strstr(res.result_json, "\"ok\":false"), "%s", res.result_json);
	praxis_exec_result_release(&res);

	/* granted now: the next call sees the new manifest */
	const char *manifest = tpath("%s/p/manifest.json", dir);
	file_put(
	    manifest,
	    tpath("{\"name\": \"p\", \"version\": \"2\", \"entry\": \"plugin\", \"capabilities\": "
	          "[{\"name\": \"filesystem.read\", \"options\": {\"path\": \"%s\"}}]}",
	          secret_dir),
	    false);
	cr_assert_eq(exec(&rig, "p", params, &res, &err), 0, "%s", err.message);
	cr_assert(strstr(res.result_json, "\"ok\":true"), "%s", res.result_json);
	praxis_exec_result_release(&res);

	/* broken now: refused, the old version is not run */
	file_put(manifest, "{\"name\": \"p\", \"version\": 2}", false);
	cr_assert_eq(exec(&rig, "p", params, &res, &err), -EINVAL);
	cr_assert(strstr(err.message, "$.version"), "%s", err.message);
	rig_close(&rig);
}

/* ---- shared-object plugins ---- */

Test(executor, shared_object_plugin_runs_sandboxed_from_its_constructor_on)
{
	/* the control: this (root) test process can read /etc/shadow */
	int fd = open("/etc/shadow", O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0, "the control cannot open /etc/shadow: %s", strerror(errno));
	close(fd);
	const char *dir = tmpdir_new(false);
	make_plugin(dir, "so", "praxis_plugin_main", NULL, NULL);
	/* a fresh run per call (test_zygote.c has the zygote's side: there the
	 * constructor's records are the zygote run's) */
	praxis_executor_config ecfg;
	praxis_executor_config_init(&ecfg);
	ecfg.use_zygote = false;
	struct rig rig;
	rig_open(&rig, dir, NULL, &ecfg);
	praxis_exec_result res;
	praxis_error err;
	cr_assert_eq(exec(&rig, "so", "{\"x\": [1, 2]}", &res, &err), 0, "%s", err.message);
	assert_status(&res, PRAXIS_EXEC_OK);
	cr_assert_str_eq(
	    res.result_json,
	    "{\"ctor_errno\": 13, \"ctor_opened\": false, \"params\": {\"x\": [1, 2]}}");
	/* the denial is in the run's audit log, from the runner's process */
	const praxis_audit_record *rec = find_record(&res, "filesystem.read", "/etc/shadow");
	cr_assert_not_null(rec);
	cr_assert_not(rec->allowed);
	cr_assert_gt(rec->pid, 0);
	praxis_exec_result_release(&res);
	rig_close(&rig);
}

Test(executor, shared_object_protocol)
{
	const char *dir = tmpdir_new(false);
	make_plugin(dir, "noisy", "noisy_main", NULL, NULL);
	make_plugin(dir, "failing", "failing_main", NULL, NULL);
	make_plugin(dir, "nosym", "no_such_function", NULL, NULL);
	struct rig rig;
	rig_open(&rig, dir, NULL, NULL);
	praxis_exec_result res;
	praxis_error err;
	/* what the plugin prints itself goes to stderr, not into the result */
	cr_assert_eq(exec(&rig, "noisy", "{}", &res, &err), 0, "%s", err.message);
	assert_status(&res, PRAXIS_EXEC_OK);
	cr_assert_str_eq(res.result_json, "{\"noisy\": true}");
	cr_assert(strstr(res.stderr_data, "this is not the result"), "%s", res.stderr_data);
	praxis_exec_result_release(&res);

	cr_assert_eq(exec(&rig, "failing", "{}", &res, &err), 0, "%s", err.message);
	assert_status(&res, PRAXIS_EXEC_PLUGIN_ERROR);
	cr_assert_eq(res.exit_code, 7);
	cr_assert_str_eq(res.result_json, "{\"error\": \"failing\"}");
	praxis_exec_result_release(&res);

	cr_assert_eq(exec(&rig, "nosym", "{}", &res, &err), 0, "%s", err.message);
	assert_status(&res, PRAXIS_EXEC_LOAD_ERROR);
	cr_assert(strstr(res.message, "no symbol 'no_such_function'"), "%s", res.message);
	praxis_exec_result_release(&res);
	rig_close(&rig);

	/* no runner: a clear error, nothing run */
	praxis_factory_config fcfg;
	praxis_factory_config_init(&fcfg);
	fcfg.so_runner = "/nonexistent/praxis-so-runner";
	praxis_factory *f = NULL;
	praxis_executor *ex = NULL;
	cr_assert_eq(praxis_factory_new(&fcfg, &f, &err), 0);
	praxis_executor_config ecfg;
	praxis_executor_config_init(&ecfg);
	ecfg.factory = f;
	ecfg.plugin_dirs = (const char *const[]){dir, NULL};
	cr_assert_eq(praxis_executor_new(&ecfg, &ex, &err), 0);
	cr_assert_eq(praxis_executor_execute(ex, "noisy", "{}", &res, &err), -ENOENT);
	cr_assert(strstr(err.message, "/nonexistent/praxis-so-runner"), "%s", err.message);
	praxis_executor_free(ex);
	praxis_factory_free(f);
}

/* ---- the administrator's ceiling ---- */

/* A plugin asking to read A and B, write W, and use network.socket. */
static const char *greedy_caps(const char *a, const char *b, const char *w)
{
	return tpath("[{\"name\": \"filesystem.read\", \"options\": {\"paths\": [\"%s\", \"%s\"]}},"
	             " {\"name\": \"filesystem.write\", \"options\": {\"path\": \"%s\"}},"
	             " \"network.socket\"]",
	             a, b, w);
}

Test(executor, over_the_ceiling_is_refused_naming_what)
{
	const char *dir = tmpdir_new(false);
	const char *data = tmpdir_new(false);
	const char *out = tmpdir_new(false);
	make_plugin(dir, "greedy", NULL, greedy_caps(data, "/etc", out), "{\"memory_mb\": 4096}");
	praxis_ceiling *c;
	praxis_error err = {0};
	cr_assert_eq(praxis_ceiling_new(&c), 0);
	cr_assert_eq(praxis_ceiling_allow(c, "filesystem.read", data, &err), 0, "%s", err.message);
	cr_assert_eq(praxis_ceiling_allow(c, "filesystem.write", out, &err), 0, "%s", err.message);
	cr_assert_eq(praxis_ceiling_deny(c, "filesystem.read", "/etc", &err), 0, "%s", err.message);
	cr_assert_eq(praxis_ceiling_allow(c, "nonsense", NULL, &err), -EINVAL);
	praxis_factory_config fcfg;
	praxis_factory_config_init(&fcfg);
	fcfg.ceiling = c;
	fcfg.max_limits.memory_bytes = 256ULL << 20;
	struct rig rig;
	rig_open(&rig, dir, &fcfg, NULL);
	praxis_ceiling_free(c); /* copied */
	praxis_exec_result res;
	cr_assert_eq(exec(&rig, "greedy", "{}", &res, &err), -EPERM);
	cr_assert(
	    strstr(err.message, "plugin 'greedy' asks for more than the administrator's ceiling"),
	    "%s", err.message);
	cr_assert(
	    strstr(err.message, "filesystem.read=/etc (denied by the administrator's ceiling"),
	    "%s", err.message);
	cr_assert(strstr(err.message, "network.socket (not within the administrator's ceiling)"),
	          "%s", err.message);
	cr_assert(strstr(err.message, "limits.memory_mb=4096"), "%s", err.message);
	cr_assert_null(strstr(err.message, data), "what is allowed is not named: %s", err.message);

	/* the same through the factory alone (the seed's create_sandbox) */
	praxis_manifest *m = NULL;
	cr_assert_eq(praxis_manifest_load(tpath("%s/greedy/manifest.json", dir), &m, NULL, &err),
	             0);
	praxis_sandbox *sb = NULL;
	cr_assert_eq(praxis_factory_create_sandbox(rig.factory, m, &sb, &err), -EPERM);
	cr_assert_null(sb);
	praxis_manifest_free(m);
	rig_close(&rig);
}

Test(executor, cut_to_the_ceiling_runs_the_intersection_and_audits_it)
{
	const char *dir = tmpdir_new(false);
	const char *top = tmpdir_new(false);
	cr_assert_eq(mkdir(tpath("%s/sub", top), 0755), 0);
	file_put(tpath("%s/top.txt", top), "top", false);
	file_put(tpath("%s/sub/sub.txt", top), "sub", false);
	file_put(tpath("%s/other.txt", dir), "other", false);
	/* asks for all of TOP and for DIR; the ceiling allows TOP/sub only */
	make_plugin(dir, "greedy", NULL, greedy_caps(top, dir, top), "{\"memory_mb\": 4096}");
	praxis_ceiling *c;
	praxis_error err = {0};
	cr_assert_eq(praxis_ceiling_new(&c), 0);
	cr_assert_eq(praxis_ceiling_allow(c, "filesystem.read", tpath("%s/sub", top), &err), 0);
	praxis_factory_config fcfg;
	praxis_factory_config_init(&fcfg);
	fcfg.ceiling = c;
	fcfg.over_ceiling = PRAXIS_CEILING_CUT;
	fcfg.max_limits.memory_bytes = 256ULL << 20;
	struct recorder rec = {.lock = PTHREAD_MUTEX_INITIALIZER};
	fcfg.audit_callback = record;
	fcfg.audit_userdata = &rec;
	struct rig rig;
	rig_open(&rig, dir, &fcfg, NULL);
	praxis_ceiling_free(c);

	praxis_exec_result res;
	const char *read_sub = tpath("{\"mode\": \"read\", \"path\": \"%s/sub/sub.txt\"}", top);
	cr_assert_eq(exec(&rig, "greedy", read_sub, &res, &err), 0, "%s", err.message);
	assert_status(&res, PRAXIS_EXEC_OK);
	cr_assert(strstr(res.result_json, "\"ok\":true,\"errno\":0,\"data\":\"sub\""), "%s",
	          res.result_json);
	/* what was cut, right after run.start, in the result and the callback */
	cr_assert_str_eq(res.audit[0].action, "run.start");
	const praxis_audit_record *cut = find_record(&res, "run.capability_cut", NULL);
	cr_assert_not_null(cut);
	cr_assert_eq(cut - res.audit, 1, "the cuts follow run.start");
	char real_top[PATH_MAX];
	cr_assert_not_null(realpath(top, real_top));
	cr_assert_not_null(
	    find_record(&res, "run.capability_cut", tpath("filesystem.read=%s", top)));
	cr_assert(strstr(
	    find_record(&res, "run.capability_cut", tpath("filesystem.read=%s", top))->reason,
	    tpath("narrowed to %s/sub", real_top)));
	cr_assert_not_null(
	    find_record(&res, "run.capability_cut", tpath("filesystem.read=%s", dir)));
	cr_assert_not_null(find_record(&res, "run.capability_cut", "filesystem.write="));
	cr_assert_not_null(find_record(&res, "run.capability_cut", "network.socket"));
	cr_assert_not_null(find_record(&res, "run.capability_cut", "limits.memory_mb=4096"));
	/* the callback got the same, right after that run's run.start */
	size_t first = 0;
	while (first < rec.n && strcmp(rec.actions[first], "run.capability_cut") != 0)
		first++;
	cr_assert(first > 0 && first + 5 <= rec.n, "no cut records through the callback");
	cr_assert_str_eq(rec.actions[first - 1], "run.start");
	for (size_t i = first; i < first + 5; i++) {
		cr_assert_str_eq(rec.actions[i], "run.capability_cut");
		cr_assert_eq(rec.runs[i], res.run_id);
	}
	praxis_exec_result_release(&res);

	/* and the cut parts are really not granted */
	const char *const denied[] = {tpath("%s/top.txt", top), tpath("%s/other.txt", dir)};
	for (size_t i = 0; i < 2; i++) {
		cr_assert_eq(exec(&rig, "greedy",
		                  tpath("{\"mode\": \"read\", \"path\": \"%s\"}", denied[i]), &res,
		                  &err),
		             0, "%s", err.message);
		cr_assert(strstr(res.result_json, "\"ok\":false,\"errno\":13"), "%s: %s", denied[i],
		          res.result_json);
		praxis_exec_result_release(&res);
	}
	rig_close(&rig);
}

Test(executor, ceiling_rules)
{
	/* through praxis_factory_create_sandbox: refusals name the request */
	const char *dir = tmpdir_new(false);
	struct {
		const char *caps;
		const char *allow[2][2];
		const char *deny[2];
		const char *refused; /* NULL: granted */
	} cases[] = {
	    {"[\"environment.read\"]",
	     {{"environment.read", "HOME,LANG"}},
	     {NULL},
	     "environment.read (narrowed to HOME, LANG"},
	    {"[{\"name\": \"environment.read\", \"options\": {\"names\": [\"HOME\"]}}]",
	     {{"environment.read", "HOME,LANG"}},
	     {NULL},
	     NULL},
	    {"[{\"name\": \"environment.read\", \"options\": {\"names\": [\"TOKEN\"]}}]",
	     {{"environment.read", "HOME"}},
	     {NULL},
	     "environment.read=TOKEN (not within"},
	    {"[{\"name\": \"network.http\", \"options\": {\"endpoints\": "
	     "[\"api.example.com:443\"]}}]",
	     {{"network.http", "api.example.com"}},
	     {NULL},
	     NULL},
	    {"[{\"name\": \"network.http\", \"options\": {\"endpoints\": "
	     "[\"evil.example.com:443\"]}}]",
	     {{"network.http", "api.example.com"}},
	     {NULL},
	     "network.http=evil.example.com:443"},
	    {"[{\"name\": \"network.http\", \"options\": {\"endpoints\": [\"api.example.com\"]}}]",
	     {{NULL}},
	     {"network.http"},
	     "the administrator's ceiling denies network.http"},
	    {"[{\"name\": \"filesystem.read\", \"options\": {\"path\": \"/usr\"}}]",
	     {{NULL}},
	     {"/usr/share"},
	     "would include filesystem.read=/usr/share"},
	    {"[{\"name\": \"filesystem.read\", \"options\": {\"path\": \"/usr/share\"}}]",
	     {{NULL}},
	     {"/usr/lib"},
	     NULL},
	    {"[{\"name\": \"system.subprocess\", \"options\": {\"executables\": [\"/bin/sh\"]}}]",
	     {{"system.subprocess", "sh"}},
	     {NULL},
	     NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *name = tpath("case%zu", i);
		make_plugin(dir, name, NULL, cases[i].caps, NULL);
		praxis_ceiling *c;
		praxis_error err = {0};
		cr_assert_eq(praxis_ceiling_new(&c), 0);
		for (int a = 0; a < 2 && cases[i].allow[a][0]; a++)
			cr_assert_eq(praxis_ceiling_allow(c, cases[i].allow[a][0],
			                                  cases[i].allow[a][1], &err),
			             0, "%s", err.message);
		if (cases[i].deny[0]) {
			bool path = cases[i].deny[0][0] == '/';
			cr_assert_eq(
			    praxis_ceiling_deny(c, path ? "filesystem.read" : cases[i].deny[0],
			                        path ? cases[i].deny[0] : NULL, &err),
			    0, "%s", err.message);
		}
		praxis_factory_config fcfg;
		praxis_factory_config_init(&fcfg);
		fcfg.ceiling = c;
		praxis_factory *f;
		cr_assert_eq(praxis_factory_new(&fcfg, &f, &err), 0);
		praxis_ceiling_free(c);
		praxis_manifest *m;
		cr_assert_eq(
		    praxis_manifest_load(tpath("%s/%s/manifest.json", dir, name), &m, NULL, &err),
		    0, "%s", err.message);
		praxis_sandbox *sb = NULL;
		int r = praxis_factory_create_sandbox(f, m, &sb, &err);
		if (cases[i].refused) {
			cr_assert_eq(r, -EPERM, "case %zu granted", i);
			cr_assert(strstr(err.message, cases[i].refused), "case %zu: %s", i,
			          err.message);
		} else {
			cr_assert_eq(r, 0, "case %zu: %s", i, err.message);
		}
		praxis_sandbox_free(sb);
		praxis_manifest_free(m);
		praxis_factory_free(f);
	}
}

/* ---- async ---- */

Test(executor, async_start_poll_collect)
{
	const char *dir = tmpdir_new(false);
	make_plugin(dir, "p", NULL, NULL, NULL);
	struct rig rig;
	rig_open(&rig, dir, NULL, NULL);
	praxis_async *a = NULL;
	praxis_error err = {0};
	cr_assert_eq(
	    praxis_executor_start(
	        rig.ex, "p", "{\"mode\": \"sleep\", \"seconds\": 0.3, \"token\": \"a\"}", &a, &err),
	    0, "%s", err.message);
	cr_assert_not(praxis_async_done(a));
	struct pollfd p = {.fd = praxis_async_fd(a), .events = POLLIN};
	cr_assert_eq(poll(&p, 1, 0), 0, "readable before the end");
	cr_assert_eq(poll(&p, 1, 10000), 1, "not readable after the end");
	cr_assert(praxis_async_done(a));
	cr_assert_eq(praxis_async_wait(a, 0), 0);
	praxis_exec_result res;
	cr_assert_eq(praxis_async_collect_exec(a, &res, &err), 0, "%s", err.message);
	assert_status(&res, PRAXIS_EXEC_OK);
	cr_assert_str_eq(res.result_json, "{\"token\":\"a\"}");
	cr_assert_not(praxis_async_cancelled(a));
	cr_assert_eq(praxis_async_cancel(a), -EALREADY, "cancel after the end");
	praxis_exec_result res2;
	cr_assert_eq(praxis_async_collect_exec(a, &res2, &err), -EALREADY);
	praxis_result wrong;
	cr_assert_eq(praxis_async_collect_run(a, &wrong, &err), -EINVAL);
	praxis_exec_result_release(&res);
	praxis_async_free(a);

	/* a setup error comes back through collect */
	cr_assert_eq(praxis_executor_start(rig.ex, "missing", "{}", &a, &err), 0);
	cr_assert_eq(praxis_async_collect_exec(a, &res, &err), -ENOENT);
	cr_assert(strstr(err.message, "no plugin 'missing'"), "%s", err.message);
	praxis_async_free(a);
	rig_close(&rig);
}

Test(executor, async_wait_timeout_and_cancel)
{
	const char *dir = tmpdir_new(false);
	make_plugin(dir, "p", NULL, NULL, NULL);
	struct rig rig;
	rig_open(&rig, dir, NULL, NULL);
	praxis_async *a = NULL;
	praxis_error err = {0};
	double start = now_seconds();
	cr_assert_eq(
	    praxis_executor_start(rig.ex, "p", "{\"mode\": \"sleep\", \"seconds\": 30}", &a, &err),
	    0, "%s", err.message);
	cr_assert_eq(praxis_async_wait(a, 200), -ETIMEDOUT);
	cr_assert_eq(praxis_async_cancel(a), 0);
	cr_assert(praxis_async_done(a), "cancel returns once the run is reaped");
	cr_assert(praxis_async_cancelled(a));
	praxis_exec_result res;
	cr_assert_eq(praxis_async_collect_exec(a, &res, &err), 0, "%s", err.message);
	assert_status(&res, PRAXIS_EXEC_CANCELLED);
	cr_assert_lt(now_seconds() - start, 5);
	cr_assert_not_null(find_record(&res, "run.end", NULL));
	praxis_exec_result_release(&res);
	praxis_async_free(a);
	rig_close(&rig);
}

Test(executor, async_cancel_kills_and_reaps_the_whole_tree)
{
	const char *dir = tmpdir_new(false);
	const char *entry = make_plugin(dir, "tree", NULL, NULL, NULL);
	char real[PATH_MAX];
	cr_assert_not_null(realpath(entry, real));
	/* it may start itself (and only itself) */
	file_put(
	    tpath("%s/tree/manifest.json", dir),
	    tpath(
	        "{\"name\": \"tree\", \"version\": \"1\", \"entry\": \"plugin\", \"capabilities\": "
	        "[{\"name\": \"system.subprocess\", \"options\": {\"executables\": [\"%s\"]}}]}",
	        real),
	    false);
	struct rig rig;
	rig_open(&rig, dir, NULL, NULL);
	const char *marker = unique_marker("tree");
	praxis_async *a = NULL;
	praxis_error err = {0};
	cr_assert_eq(praxis_executor_start(rig.ex, "tree",
	                                   tpath("{\"mode\": \"tree\", \"path\": \"%s\"}", marker),
	                                   &a, &err),
	             0, "%s", err.message);
	pid_t pids[8];
	int n = 0;
	for (int i = 0; i < 500 && (n = pids_with_marker(marker, pids, 8)) < 3; i++)
		usleep(10000);
	cr_assert_eq(n, 3, "the plugin did not start its 3 children");
	cr_assert_eq(praxis_async_cancel(a), 0);
	cr_assert_eq(pids_with_marker(marker, pids, 8), 0, "children left after cancel");
	praxis_exec_result res;
	cr_assert_eq(praxis_async_collect_exec(a, &res, &err), 0, "%s", err.message);
	assert_status(&res, PRAXIS_EXEC_CANCELLED);
	praxis_exec_result_release(&res);
	praxis_async_free(a);
	rig_close(&rig);
}

Test(executor, async_cancel_races_and_free_while_running)
{
	const char *dir = tmpdir_new(false);
	make_plugin(dir, "p", NULL, NULL, NULL);
	int fds = count_open_fds();
	struct rig rig;
	rig_open(&rig, dir, NULL, NULL);
	/* cancel at once, at every point of the setup: never a hang or a leak */
	for (int i = 0; i < 30; i++) {
		praxis_async *a = NULL;
		praxis_error err = {0};
		cr_assert_eq(praxis_executor_start(
		                 rig.ex, "p", "{\"mode\": \"sleep\", \"seconds\": 30}", &a, &err),
		             0);
		if (i % 3)
			usleep((useconds_t)(i * 100));
		cr_assert_eq(praxis_async_cancel(a), 0, "iteration %d", i);
		praxis_exec_result res;
		int r = praxis_async_collect_exec(a, &res, &err);
		cr_assert(r == -ECANCELED || (r == 0 && res.status == PRAXIS_EXEC_CANCELLED),
		          "iteration %d: %d %s", i, r,
		          r == 0 ? praxis_exec_status_name(res.status) : err.message);
		if (r == 0)
			praxis_exec_result_release(&res);
		praxis_async_free(a);
	}
	/* freed while running, never collected */
	praxis_async *a = NULL;
	cr_assert_eq(
	    praxis_executor_start(rig.ex, "p", "{\"mode\": \"sleep\", \"seconds\": 30}", &a, NULL),
	    0);
	usleep(50000);
	double start = now_seconds();
	praxis_async_free(a);
	cr_assert_lt(now_seconds() - start, 5);
	rig_close(&rig);
	cr_assert_eq(count_open_fds(), fds, "fds leaked");
}

Test(executor, async_sandbox_run)
{
	praxis_config cfg;
	praxis_config_init(&cfg);
	praxis_sandbox *sb;
	praxis_error err = {0};
	cr_assert_eq(praxis_sandbox_new(&cfg, &sb, &err), 0, "%s", err.message);
	praxis_run_opts opts;
	praxis_run_opts_init(&opts);
	/* waits on a pipe that never gets data */
	int in[2];
	cr_assert_eq(pipe2(in, O_CLOEXEC), 0);
	opts.argv = (const char *const[]){"/bin/sh", "-c", "echo hi; read x", NULL};
	opts.output = PRAXIS_OUTPUT_CAPTURE;
	opts.stdio[0] = in[0];
	praxis_async *a = NULL;
	cr_assert_eq(praxis_sandbox_start(sb, &opts, &a, &err), 0, "%s", err.message);
	cr_assert_eq(praxis_async_wait(a, 300), -ETIMEDOUT);
	cr_assert_eq(praxis_async_cancel(a), 0);
	praxis_result res;
	cr_assert_eq(praxis_async_collect_run(a, &res, &err), 0, "%s", err.message);
	cr_assert_eq(res.status, PRAXIS_SIGNALED);
	cr_assert_eq(res.signal, SIGKILL);
	cr_assert_str_eq(res.stdout_data, "hi\n");
	praxis_result_release(&res);
	praxis_async_free(a);
	close(in[0]);
	close(in[1]);
	opts.stdio[0] = -1;

	/* many at once, collected as their fds become readable */
	enum { N = 12 };
	praxis_async *as[N];
	for (int i = 0; i < N; i++) {
		opts.argv = (const char *const[]){"/bin/sh", "-c", tpath("echo %d", i), NULL};
		cr_assert_eq(praxis_sandbox_start(sb, &opts, &as[i], &err), 0, "%s", err.message);
	}
	for (int left = N; left > 0;) {
		struct pollfd p[N];
		for (int i = 0; i < N; i++)
			p[i] = (struct pollfd){.fd = as[i] ? praxis_async_fd(as[i]) : -1,
			                       .events = POLLIN};
		cr_assert_gt(poll(p, N, 10000), 0);
		for (int i = 0; i < N; i++) {
			if (!as[i] || !(p[i].revents & POLLIN))
				continue;
			cr_assert_eq(praxis_async_collect_run(as[i], &res, &err), 0, "%s",
			             err.message);
			cr_assert_str_eq(res.stdout_data, tpath("%d\n", i));
			praxis_result_release(&res);
			praxis_async_free(as[i]);
			as[i] = NULL;
			left--;
		}
	}
	praxis_sandbox_free(sb);
}

/* ---- many host threads ---- */

#define THREADS 8
/* 8 x 200 takes about 6 s here; under AddressSanitizer every spawn copies a
 * much larger address space (about 10x slower), so that build does 8 x 50
 * and leaves the memory check to LeakSanitizer. */
#ifdef __SANITIZE_ADDRESS__
#define RUNS_PER_THREAD 50
#define CHECK_RSS       0
#else
#define RUNS_PER_THREAD 200
#define CHECK_RSS       1
#endif

struct worker {
	praxis_executor *ex;
	const char *allowed_dir, *denied_dir;
	int id;
	int failures;
	char first_failure[512];
	int denied_seen;
};

static void fail_run(struct worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail_run(struct worker *w, const char *fmt, ...)
{
	if (w->failures++ == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(w->first_failure, sizeof(w->first_failure), fmt, ap);
		va_end(ap);
	}
}

/* Every record is this run's, and the only token in it is this run's. */
static void check_audit(struct worker *w, const praxis_exec_result *res, const char *token,
                        const char *path, bool allowed)
{
	bool saw_open = false;
	for (size_t i = 0; i < res->n_audit; i++) {
		const praxis_audit_record *r = &res->audit[i];
		if (r->run_id != res->run_id || strcmp(r->plugin, "conc") != 0)
			return fail_run(w, "%s: a record of run %016llx in run %016llx", token,
			                (unsigned long long)r->run_id,
			                (unsigned long long)res->run_id);
		const char *t = strstr(r->target, "tok-");
		if (t && strncmp(t, token, strlen(token)) != 0)
			return fail_run(w, "%s: another run's target in its log: %s", token,
			                r->target);
		if (strcmp(r->action, "filesystem.read") == 0 && strcmp(r->target, path) == 0) {
			saw_open = true;
			if (r->allowed != allowed)
				return fail_run(w, "%s: open of %s audited as %s", token, path,
				                r->allowed ? "allowed" : "denied");
		}
	}
	if (!saw_open)
		fail_run(w, "%s: the open of %s is not in its audit log", token, path);
	if (strcmp(res->audit[0].action, "run.start") != 0 ||
	    strcmp(res->audit[res->n_audit - 1].action, "run.result") != 0)
		fail_run(w, "%s: log does not run from run.start to run.result", token);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	for (int j = 0; j < RUNS_PER_THREAD; j++) {
		char token[32], path[PATH_MAX], params[PATH_MAX + 128], expect[160];
		bool allowed = j % 2 == 0;
		snprintf(token, sizeof(token), "tok-%d-%d", w->id, j);
		snprintf(path, sizeof(path), "%s/%s", allowed ? w->allowed_dir : w->denied_dir,
		         token);
		snprintf(params, sizeof(params),
		         "{\"mode\": \"read\", \"token\": \"%s\", \"path\": \"%s\"}", token, path);
		praxis_exec_result res;
		praxis_error err = {0};
		if (praxis_executor_execute(w->ex, "conc", params, &res, &err) < 0) {
			fail_run(w, "%s: %s", token, err.message);
			continue;
		}
		if (allowed)
			snprintf(expect, sizeof(expect),
			         "{\"token\":\"%s\",\"ok\":true,\"errno\":0,\"data\":\"%s\"}",
			         token, token);
		else
			snprintf(expect, sizeof(expect),
			         "{\"token\":\"%s\",\"ok\":false,\"errno\":13,\"data\":\"\"}",
			         token);
		if (res.status != PRAXIS_EXEC_OK || !res.result_json ||
		    strcmp(res.result_json, expect) != 0)
			fail_run(w, "%s: %s %s: %s", token, praxis_exec_status_name(res.status),
			         res.message, res.result_json ? res.result_json : "(no result)");
		else
			check_audit(w, &res, token, path, allowed);
		w->denied_seen += !allowed;
		praxis_exec_result_release(&res);
	}
	return NULL;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/* Children of every thread of this process. */
static int count_children(void)
{
	DIR *d = opendir("/proc/self/task");
	cr_assert_not_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		const char *c = file_get(tpath("/proc/self/task/%s/children", e->d_name));
		for (; c && *c; c++)
			n += *c == ' ';
	}
	closedir(d);
	return n;
}

static void run_workers(praxis_executor *ex, const char *allowed_dir, const char *denied_dir,
                        struct worker *w)
{
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){
		    .ex = ex, .allowed_dir = allowed_dir, .denied_dir = denied_dir, .id = i};
		cr_assert_eq(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
}

Test(executor, eight_threads_each_run_its_own_plugin_calls)
{
	const char *dir = tmpdir_new(false);
	const char *allowed_dir = tmpdir_new(false);
	const char *denied_dir = tmpdir_new(false);
	char real_allowed[PATH_MAX], real_denied[PATH_MAX];
	cr_assert_not_null(realpath(allowed_dir, real_allowed));
	cr_assert_not_null(realpath(denied_dir, real_denied));
	for (int i = 0; i < THREADS; i++)
		for (int j = 0; j < RUNS_PER_THREAD; j++) {
			char name[32], path[PATH_MAX + 32];
			snprintf(name, sizeof(name), "tok-%d-%d", i, j);
			snprintf(path, sizeof(path), "%s/%s", j % 2 ? real_denied : real_allowed,
			         name);
			file_put(path, name, false);
		}
	make_plugin(dir, "conc", NULL,
	            tpath("[{\"name\": \"filesystem.read\", \"options\": {\"path\": \"%s\"}}]",
	                  real_allowed),
	            NULL);
	int fds_at_start = count_open_fds();
	struct rig rig;
	rig_open(&rig, dir, NULL, NULL);
	/* one call first: the plugin's compiled sandbox holds its rule fds */
	praxis_exec_result res;
	praxis_error err = {0};
	cr_assert_eq(praxis_executor_execute(rig.ex, "conc", "{\"mode\": \"echo\"}", &res, &err), 0,
	             "%s", err.message);
	praxis_exec_result_release(&res);
	struct worker w[THREADS];
	int fds = count_open_fds();
	long rss_before = rss_kb();
	double start = now_seconds();
	run_workers(rig.ex, real_allowed, real_denied, w);
	double spent = now_seconds() - start;
	int denied = 0;
	for (int i = 0; i < THREADS; i++) {
		cr_assert_eq(w[i].failures, 0, "thread %d: %d failures, first: %s", i,
		             w[i].failures, w[i].first_failure);
		denied += w[i].denied_seen;
	}
	cr_assert_eq(denied, THREADS * RUNS_PER_THREAD / 2);
	cr_assert_eq(count_open_fds(), fds, "file descriptors leaked");
	cr_assert_eq(count_children(), 0, "processes left behind");
	long rss_after = rss_kb();
	fprintf(stderr, "# %d threads x %d runs in %.2f s (%.0f runs/s); RSS %ld -> %ld kB\n",
	        THREADS, RUNS_PER_THREAD, spent, THREADS * RUNS_PER_THREAD / spent, rss_before,
	        rss_after);
	/* loose: per-thread malloc arenas may grow once */
	if (CHECK_RSS)
		cr_assert_lt(rss_after - rss_before, 32 * 1024, "RSS grew by %ld kB",
		             rss_after - rss_before);
	rig_close(&rig);
	cr_assert_eq(count_open_fds(), fds_at_start, "file descriptors kept after the executor");
}

/* ---- the CLI ---- */

Test(executor, exec_cli)
{
	const char *dir = tmpdir_new(false);
	make_plugin(dir, "p", NULL, NULL, NULL);
	make_plugin(dir, "so", "praxis_plugin_main", NULL, NULL);
	const char *data = tmpdir_new(false);
	file_put(tpath("%s/f", data), "secret", false);
	make_plugin(
	    dir, "reader", NULL,
	    tpath("[{\"name\": \"filesystem.read\", \"options\": {\"path\": \"%s\"}}]", data),
	    NULL);
	struct run_out o;
	CLI_RUN(&o, "exec", "p", "--plugins", dir, "--params", "{\"token\": \"cli\"}");
	cr_assert_eq(o.res.exit_code, 0, "%s", describe(&o));
	cr_assert_str_eq(o.out, "{\"token\":\"cli\"}\n");

	const char *report = tpath("%s/report.json", dir), *audit = tpath("%s/audit.jsonl", dir);
	CLI_RUN(&o, "exec", "so", "--plugins", dir, "--report", report, "--audit", audit);
	cr_assert_eq(o.res.exit_code, 0, "%s", describe(&o));
	cr_assert(strstr(o.out, "\"ctor_errno\": 13"), "%s", o.out);
	cr_assert(strstr(file_get(report), "\"plugin\":\"so\",\"run\":"), "%s", file_get(report));
	cr_assert(strstr(file_get(report), "\"status\":\"ok\""), "%s", file_get(report));
	const char *log = file_get(audit);
	cr_assert(log && strstr(log, "\"action\":\"run.start\"") &&
	              strstr(log, "\"action\":\"run.result\""),
	          "%s", log ? log : "(no audit file)");

	CLI_RUN(&o, "exec", "p", "--plugins", dir, "--params", "{\"mode\": \"fail\"}");
	cr_assert_eq(o.res.exit_code, 1, "%s", describe(&o));
	cr_assert_str_eq(o.out, "{\"error\": \"it failed\"}\n");
	cr_assert(strstr(o.err, "p: plugin_error: exited with status 3"), "%s", o.err);
	CLI_RUN(&o, "exec", "p", "--plugins", dir, "--params", "{\"mode\": \"garbage\"}");
	cr_assert_eq(o.res.exit_code, 1, "%s", describe(&o));
	cr_assert(strstr(o.err, "bad_output"), "%s", o.err);
	CLI_RUN(&o, "exec", "p", "--plugins", dir, "--params", "{\"mode\": \"crash\"}");
	cr_assert_eq(o.res.exit_code, 128 + SIGSEGV, "%s", describe(&o));
	CLI_RUN(&o, "exec", "missing", "--plugins", dir);
	cr_assert_eq(o.res.exit_code, 125, "%s", describe(&o));
	cr_assert(strstr(o.err, "no plugin 'missing'"), "%s", o.err);
	CLI_RUN(&o, "exec", "p", "--plugins", dir, "--params", "{bad");
	cr_assert_eq(o.res.exit_code, 125, "%s", describe(&o));

	/* the ceiling from the command line: refused, or cut */
	const char *read_f = tpath("{\"mode\": \"read\", \"path\": \"%s/f\"}", data);
	CLI_RUN(&o, "exec", "reader", "--plugins", dir, "--deny", tpath("filesystem.read=%s", data),
	        "--params", read_f);
	cr_assert_eq(o.res.exit_code, 125, "%s", describe(&o));
	cr_assert(strstr(o.err, "asks for more than the administrator's ceiling allows: "
	                        "filesystem.read="),
	          "%s", o.err);
	CLI_RUN(&o, "exec", "reader", "--plugins", dir, "--deny", tpath("filesystem.read=%s", data),
	        "--cut", "--audit", audit, "--params", read_f);
	cr_assert_eq(o.res.exit_code, 0, "%s", describe(&o));
	cr_assert(strstr(o.out, "\"ok\":false,\"errno\":13"), "%s", o.out);
	cr_assert(strstr(file_get(audit), "\"action\":\"run.capability_cut\""), "%s",
	          file_get(audit));

	/* plugin directories from the environment */
	const char *env[] = {tpath("PRAXIS_PLUGIN_PATH=/nonexistent:%s", dir),
	                     tpath("PRAXIS_SO_RUNNER=%s", env_path("PRAXIS_SO_RUNNER")), NULL};
	cli_runv(env, (const char *const[]){"exec", "p", NULL}, &o);
	cr_assert_eq(o.res.exit_code, 0, "%s", describe(&o));
	cr_assert_str_eq(o.out, "{\"token\":\"\"}\n");
}
