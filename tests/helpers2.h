/* More test helpers (limits, audit, network.http): a run with limits, an
 * output mode and audit sinks, whose records, usage and output are copied
 * into a struct xrun -- also when the library was called from a process
 * running as uid 65534 (the records then travel back as JSON).
 *
 * Builds on helpers.h (struct spec, probe_path, temp dirs, listeners). */
#ifndef PRAXIS_TEST_HELPERS2_H
#define PRAXIS_TEST_HELPERS2_H

#include "helpers.h"

#include <pthread.h>

/* One audit record, owned by the xrun. */
struct xrec {
	double timestamp;
	char *plugin;
	uint64_t run_id;
	int pid;
	char *action;
	char *target;
	bool allowed;
	char *reason;
};

struct xspec {
	struct spec s;        /* caps, env, cwd, flags, as_nobody, run_as_uid, stdin */
	praxis_limits limits; /* starts as praxis_config_init()'s defaults */
	praxis_output_mode output;
	bool collect_audit;
	praxis_audit_level audit_level;
	size_t audit_max_records;
	bool callback;            /* set an audit callback that keeps every record */
	bool callback_count;      /* set an audit callback that only counts */
	const char *plugin_name;  /* NULL = "test" */
	int stdout_fd, stderr_fd; /* -1 = a memfd of the helper's (read back into out/err) */
	/* Called on the supervising thread for every record (with callback). */
	void (*on_record)(const praxis_audit_record *r, void *userdata);
	void *on_record_data;
};

struct xrun {
	int rc; /* 0: ran; else the negative errno of sandbox_new/run */
	char errmsg[512];
	praxis_status status;
	int exit_code, signal;
	praxis_limit_kind limit;
	praxis_usage usage;
	uint64_t run_id;
	/* result->audit (collect_audit) */
	bool have_log;
	struct xrec *log;
	size_t n_log;
	uint64_t dropped;
	/* records that praxis_audit_record_to_json() refused or that did not
	 * parse back, with an example */
	size_t json_bad;
	char json_bad_example[600];
	/* records the callback saw (callback), or only their count */
	struct xrec *cb;
	size_t n_cb;
	uint64_t cb_count;
	/* stdout/stderr: captured (CAPTURE) or written to the fd; the first
	 * OUT_MAX-1 bytes and the full size */
	char out[OUT_MAX], err[OUT_MAX];
	uint64_t out_size, err_size;
	char env_changes[1024]; /* one per line, "(none)" when NULL */
	double seconds;         /* praxis_sandbox_run as the caller saw it */
	long hwm_growth_kb;     /* growth of the caller's VmHWM during the run */
};

void xspec_init(struct xspec *x, bool nobody);
void xrun_argv(const struct xspec *x, const char *const *argv, struct xrun *o);
void xrun_probe(const struct xspec *x, const char *const *args, struct xrun *o);
void xrun_free(struct xrun *o);
/* The same, always in this process (xrun_argv forks + execs
 * tests/xrun_helper for uid 65534 runs). */
void xrun_in_process(const struct xspec *x, const char *const *argv, struct xrun *o);
/* main() of tests/xrun_helper: argv[1] a memfd with the spec, argv[2] one
 * for the result. */
int xrun_helper_main(int argc, char **argv);

#define XRUN(x, o, ...)   xrun_argv((x), (const char *const[]){__VA_ARGS__, NULL}, (o))
#define XPROBE(x, o, ...) xrun_probe((x), (const char *const[]){__VA_ARGS__, NULL}, (o))

/* Records of O's log: the first matching ACTION (NULL = any), whose target
 * contains TARGET (NULL = any), with ALLOWED (-1 = any). */
const struct xrec *xfind(const struct xrun *o, const char *action, const char *target, int allowed);
size_t xcount(const struct xrun *o, const char *action, const char *target, int allowed);
/* The pid of the run.exec record (the plugin's first process), or 0. */
int xplugin_pid(const struct xrun *o);

/* For assertion messages (static buffers). */
const char *xdescribe(const struct xrun *o);
const char *xlog_dump(const struct xrun *o);

/* Assertions on the outcome. */
#define xassert_ran(o)                                                                             \
	cr_assert_eq((o)->rc, 0, "the sandbox did not run the program: %s (%d)", (o)->errmsg,      \
	             (o)->rc)
#define xassert_limit(o, kind)                                                                     \
	do {                                                                                       \
		const struct xrun *o_ = (o);                                                       \
		xassert_ran(o_);                                                                   \
		cr_assert(o_->status == PRAXIS_LIMIT && o_->limit == (kind),                       \
		          "expected the %s limit to end the run; got %s", praxis_limit_name(kind), \
		          xdescribe(o_));                                                          \
	} while (0)
#define xassert_exit(o, code, text)                                                                \
	do {                                                                                       \
		const struct xrun *o_ = (o);                                                       \
		xassert_ran(o_);                                                                   \
		cr_assert(o_->status == PRAXIS_EXITED && o_->exit_code == (code) &&                \
		              strcmp(o_->out, (text)) == 0,                                        \
		          "expected exit %d and stdout \"%s\"; got %s", (code), (text),            \
		          xdescribe(o_));                                                          \
	} while (0)

/* ---- loopback servers (threads of the test process) ---- */

/* An HTTP server on ADDR (e.g. "127.0.0.1") and PORT (0 = ephemeral):
 * answers every request with 200 and BODY, counts accepted connections. */
struct http_server {
	int fd, stop[2];
	uint16_t port;
	const char *body;
	pthread_t thread;
	int accepted; /* atomic */
};
void http_server_start(struct http_server *h, const char *addr, uint16_t port, const char *body);
int http_server_accepted(struct http_server *h);
void http_server_stop(struct http_server *h);

/* A UDP echo server on 127.0.0.1. */
struct udp_echo {
	int fd, stop[2];
	uint16_t port;
	pthread_t thread;
	int echoed; /* atomic */
};
void udp_echo_start(struct udp_echo *u);
void udp_echo_stop(struct udp_echo *u);

/* A listener that counts the connections it accepts (and closes them). */
struct counting_listener {
	int fd, stop[2];
	uint16_t port;
	pthread_t thread;
	int accepted; /* atomic */
};
void counting_listener_start(struct counting_listener *c, const char *addr);
int counting_listener_accepted(struct counting_listener *c);
void counting_listener_stop(struct counting_listener *c);

/* ---- the test process ---- */

/* VmHWM / VmRSS / VmSize of this process, in KiB. */
long self_status_kb(const char *field);

#endif
