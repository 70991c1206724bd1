/* A C host embedding libpraxis: a factory with default limits, an audit
 * callback and an administrator's ceiling; an executor over a plugin
 * directory; one synchronous call per plugin, then two calls at once
 * through the asynchronous API and poll(2).
 *
 *   praxis-example-host PLUGIN_DIR
 *
 * Build against an installed libpraxis:
 *   cc -o host host.c $(pkg-config --cflags --libs praxis)  */
#include <poll.h>
#include <praxis/executor.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The seed's audit_callback: here, print denials and lifecycle records. */
static void on_audit(const praxis_audit_record *rec, void *userdata)
{
	unsigned *count = userdata;
	__atomic_add_fetch(count, 1, __ATOMIC_RELAXED); /* runs may be on many threads */
	if (rec->allowed && strncmp(rec->action, "run.", 4) != 0)
		return;
	fprintf(stderr, "  audit %016llx %-20s %-6s %s (%s)\n", (unsigned long long)rec->run_id,
	        rec->action, rec->allowed ? "ok" : "DENIED", rec->target, rec->reason);
}

static void show(const char *name, const praxis_exec_result *res)
{
	printf("%-12s %-12s %s  (%.1f ms, %zu audit records)\n", name,
	       praxis_exec_status_name(res->status),
	       res->result_json ? res->result_json : res->message, res->usage.wall_seconds * 1e3,
	       res->n_audit);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s PLUGIN_DIR\n", argv[0]);
		return 2;
	}
	praxis_error err = {0};
	unsigned records = 0;

	/* The administrator's ceiling: plugins never write anywhere and never
	 * see these variables, whatever their manifests ask for. */
	praxis_ceiling *ceiling = NULL;
	praxis_ceiling_new(&ceiling);
	if (praxis_ceiling_deny(ceiling, PRAXIS_CAP_FS_WRITE, NULL, &err) < 0 ||
	    praxis_ceiling_deny(ceiling, PRAXIS_CAP_ENV_READ, "AWS_SECRET_ACCESS_KEY", &err) < 0) {
		fprintf(stderr, "ceiling: %s\n", err.message);
		return 1;
	}

	praxis_factory_config fcfg;
	praxis_factory_config_init(&fcfg);
	fcfg.default_limits.memory_bytes = 128ULL << 20;
	fcfg.default_limits.wall_seconds = 10;
	fcfg.max_limits.memory_bytes = 512ULL << 20; /* no plugin gets more */
	fcfg.ceiling = ceiling;
	fcfg.over_ceiling = PRAXIS_CEILING_CUT; /* run with what is allowed, audited */
	fcfg.audit_level = PRAXIS_AUDIT_DENIED;
	fcfg.audit_callback = on_audit;
	fcfg.audit_userdata = &records;
	fcfg.so_runner = getenv("PRAXIS_SO_RUNNER"); /* NULL: the installed one */
	praxis_factory *factory = NULL;
	if (praxis_factory_new(&fcfg, &factory, &err) < 0) {
		fprintf(stderr, "factory: %s\n", err.message);
		return 1;
	}
	praxis_ceiling_free(ceiling); /* the factory keeps a copy */

	praxis_executor_config ecfg;
	praxis_executor_config_init(&ecfg);
	ecfg.factory = factory;
	ecfg.plugin_dirs = (const char *const[]){argv[1], NULL};
	praxis_executor *ex = NULL;
	if (praxis_executor_new(&ecfg, &ex, &err) < 0) {
		fprintf(stderr, "executor: %s\n", err.message);
		return 1;
	}

	static const char *const calls[][2] = {
	    {"wordcount-c", "{\"text\": \"the quick brown fox\\njumps\"}"},
	    {"checksum-so", "{\"text\": \"hello\"}"},
	    {"sysinfo-sh", "{}"},
	    {"stats-py", "{\"numbers\": [1, 2, 3, 4, 10]}"},
	};
	int status = 0;
	for (size_t i = 0; i < sizeof(calls) / sizeof(*calls); i++) {
		praxis_exec_result res;
		if (praxis_executor_execute(ex, calls[i][0], calls[i][1], &res, &err) < 0) {
			printf("%-12s could not run: %s\n", calls[i][0], err.message);
			status = 1;
			continue;
		}
		show(calls[i][0], &res);
		status |= res.status != PRAXIS_EXEC_OK;
		praxis_exec_result_release(&res);
	}

	/* Two runs at once, without blocking: wait on their fds with poll(). */
	praxis_async *a[2] = {NULL, NULL};
	if (praxis_executor_start(ex, "wordcount-c", "{\"text\": \"async one\"}", &a[0], &err) <
	        0 ||
	    praxis_executor_start(ex, "checksum-so", "{\"text\": \"async two\"}", &a[1], &err) <
	        0) {
		fprintf(stderr, "start: %s\n", err.message);
		return 1;
	}
	for (int left = 2; left > 0;) {
		struct pollfd p[2] = {{.fd = a[0] ? praxis_async_fd(a[0]) : -1, .events = POLLIN},
		                      {.fd = a[1] ? praxis_async_fd(a[1]) : -1, .events = POLLIN}};
		poll(p, 2, -1);
		for (int i = 0; i < 2; i++) {
			if (!a[i] || !(p[i].revents & POLLIN))
				continue;
			praxis_exec_result res;
			if (praxis_async_collect_exec(a[i], &res, &err) == 0) {
				show(i == 0 ? "async 1" : "async 2", &res);
				praxis_exec_result_release(&res);
			}
			praxis_async_free(a[i]);
			a[i] = NULL;
			left--;
		}
	}
	printf("%u audit records went through the callback\n", records);
	praxis_executor_free(ex);
	praxis_factory_free(factory);
	return status;
}
