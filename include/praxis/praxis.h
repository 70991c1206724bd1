/* Praxis: a kernel-enforced plugin sandbox (Landlock + seccomp).
 *
 * A plugin runs in its own process. The host builds a sandbox object once
 * (capabilities -> Landlock rules + seccomp BPF + environment) and runs
 * programs under it as many times as it likes, from any thread. The host
 * itself is never restricted and no process-wide state of it is touched.
 *
 * Conventions: functions return 0 or a negative errno; when they fail and an
 * error struct is given, it is filled with a message naming the cause.
 * Nothing is printed by the library.
 */
#ifndef PRAXIS_PRAXIS_H
#define PRAXIS_PRAXIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PRAXIS_API __attribute__((visibility("default")))

/* ---- errors ------------------------------------------------------------ */

typedef struct praxis_error {
	int code;          /* negative errno, 0 when no error */
	char message[512]; /* one line, names the path/capability/syscall */
} praxis_error;

/* ---- capabilities -------------------------------------------------------- */

/* The seed's seven capability names. */
#define PRAXIS_CAP_FS_READ    "filesystem.read"
#define PRAXIS_CAP_FS_WRITE   "filesystem.write"
#define PRAXIS_CAP_NET_SOCKET "network.socket"
#define PRAXIS_CAP_NET_HTTP   "network.http"
#define PRAXIS_CAP_SUBPROCESS "system.subprocess"
#define PRAXIS_CAP_ENV_READ   "environment.read"
#define PRAXIS_CAP_ENV_WRITE  "environment.write"

typedef struct praxis_caps praxis_caps;

/* Create an empty capability set (the base policy). */
PRAXIS_API int praxis_caps_new(praxis_caps **ret);
PRAXIS_API void praxis_caps_free(praxis_caps *caps);

/* Grant capability NAME. VALUE is NULL for the whole capability, or, as on
 * the command line: a path for filesystem.*; comma-separated variable names
 * for environment.*; comma-separated executables for system.subprocess;
 * comma-separated HOST[:PORT] entries for network.http. Repeating a name adds
 * to it. Unknown names and bad values fail with -EINVAL and a message that
 * lists what is valid. */
PRAXIS_API int praxis_caps_add(praxis_caps *caps, const char *name, const char *value,
                               praxis_error *err);

/* NULL-terminated list of valid capability names (static storage). */
PRAXIS_API const char *const *praxis_capability_names(void);

/* ---- limits -------------------------------------------------------------- */

/* Limits of one run, enforced on its whole process tree. 0 = unlimited.
 * praxis_config_init() sets finite defaults (PRAXIS_DEFAULT_*). */
typedef struct praxis_limits {
	uint64_t memory_bytes;     /* resident memory of the tree (sampled every 10 ms) */
	double cpu_seconds;        /* user+system CPU of the tree */
	double wall_seconds;       /* from start to the end of the last process */
	uint64_t max_procs;        /* processes + threads alive at once */
	uint64_t max_output_bytes; /* stdout+stderr, when relayed or captured */
	uint64_t max_open_files;   /* per process (RLIMIT_NOFILE) */
	uint64_t max_file_bytes;   /* size of any file written (RLIMIT_FSIZE) */
} praxis_limits;

#define PRAXIS_DEFAULT_MEMORY_BYTES     (1024ULL << 20)
/* Smallest memory limit accepted (non-zero): below it a program can finish
 * between two samples without being seen over it. */
#define PRAXIS_MIN_MEMORY_BYTES (8ULL << 20)
#define PRAXIS_DEFAULT_CPU_SECONDS      60.0
#define PRAXIS_DEFAULT_WALL_SECONDS     300.0
#define PRAXIS_DEFAULT_MAX_PROCS        256
#define PRAXIS_DEFAULT_MAX_OUTPUT_BYTES (64ULL << 20)
#define PRAXIS_DEFAULT_MAX_OPEN_FILES   1024
#define PRAXIS_DEFAULT_MAX_FILE_BYTES   (1024ULL << 20)

/* ---- sandbox -------------------------------------------------------------- */

enum praxis_sandbox_flags {
	/* Run even when the kernel cannot enforce part of the policy; what is
	 * not enforced is listed by praxis_sandbox_degradations(). */
	PRAXIS_ALLOW_DEGRADED = 1u << 0,
	/* Do not put the plugin in a new pid namespace (then leftover
	 * processes are killed by process group, see docs). */
	PRAXIS_NO_PID_NAMESPACE = 1u << 1,
	/* Also put a run without network capabilities in an empty network
	 * namespace (a second wall behind seccomp and Landlock; costs a few
	 * hundred microseconds per run, see README). */
	PRAXIS_NET_NAMESPACE = 1u << 2,
};

/* ---- audit log --------------------------------------------------------------- */

typedef enum praxis_audit_level {
	PRAXIS_AUDIT_AUTO = 0, /* ALL when a sink (callback or collected log) is set, else OFF */
	PRAXIS_AUDIT_OFF,      /* no notification at all: pure kernel enforcement, fastest */
	PRAXIS_AUDIT_DENIED,   /* denials and lifecycle records only */
	PRAXIS_AUDIT_ALL,      /* every audited operation, allowed or denied */
} praxis_audit_level;

/* One security-relevant operation. Strings are valid for the lifetime of
 * the log that holds the record (or, in a callback, during the call). */
typedef struct praxis_audit_record {
	double timestamp;   /* seconds since the Unix epoch (UTC), microsecond resolution */
	const char *plugin; /* plugin name */
	uint64_t run_id;    /* unique per run */
	int pid;            /* in the host's pid namespace; 0 for the host's own records */
	const char *action; /* capability that governs it ("filesystem.read", ...),
	                       "system.syscall", or a lifecycle name ("run.start", ...) */
	const char *target; /* path, address:port, program and argv, variable name ... */
	bool allowed;
	const char *reason; /* the rule that allowed it, or what is missing */
} praxis_audit_record;

typedef void (*praxis_audit_callback)(const praxis_audit_record *record, void *userdata);

typedef struct praxis_audit_log praxis_audit_log;

PRAXIS_API size_t praxis_audit_log_count(const praxis_audit_log *log);
PRAXIS_API const praxis_audit_record *praxis_audit_log_record(const praxis_audit_log *log,
                                                              size_t index);
/* Records that did not fit the log's bound (the log ends with an
 * "audit.dropped" record saying so). */
PRAXIS_API uint64_t praxis_audit_log_dropped(const praxis_audit_log *log);
/* One JSON object (no newline); caller frees. */
PRAXIS_API char *praxis_audit_record_to_json(const praxis_audit_record *record);

typedef struct praxis_config {
	const char *plugin_name; /* for the audit log and messages */
	const praxis_caps *caps; /* NULL = base policy; copied */
	praxis_limits limits;
	unsigned flags; /* enum praxis_sandbox_flags */
	/* Environment the plugin's environment is built from (NULL-terminated
	 * "NAME=VALUE"); NULL = empty. Copied and filtered at creation. */
	const char *const *environment;
	/* When the host runs as root: run the plugin as this uid/gid instead
	 * (e.g. 65534). -1 = keep the host's uid (capabilities are dropped). */
	int64_t run_as_uid;
	int64_t run_as_gid;
	praxis_audit_level audit_level;
	/* Called on the supervising thread for every record, as it happens. */
	praxis_audit_callback audit_callback;
	void *audit_userdata;
	/* Bound of a run's collected log (0 = 100000 records). */
	size_t audit_max_records;
} praxis_config;

typedef struct praxis_sandbox praxis_sandbox;

PRAXIS_API void praxis_config_init(praxis_config *cfg);

/* Compile CFG into a sandbox: path resolution, Landlock rule handles, the
 * seccomp program and the environment are all prepared here, once. */
PRAXIS_API int praxis_sandbox_new(const praxis_config *cfg, praxis_sandbox **ret,
                                  praxis_error *err);
PRAXIS_API void praxis_sandbox_free(praxis_sandbox *sb);

/* What this sandbox cannot enforce on this kernel (only non-empty when
 * PRAXIS_ALLOW_DEGRADED was given), NULL-terminated. */
PRAXIS_API const char *const *praxis_sandbox_degradations(const praxis_sandbox *sb);

/* Human-readable description of the compiled policy (caller frees). */
PRAXIS_API char *praxis_sandbox_describe(const praxis_sandbox *sb);

/* The plugin's environment after filtering (NULL-terminated). */
PRAXIS_API const char *const *praxis_sandbox_environment(const praxis_sandbox *sb);

/* ---- runs ----------------------------------------------------------------- */

typedef enum praxis_output_mode {
	PRAXIS_OUTPUT_DIRECT = 0, /* the plugin writes to stdio[1]/stdio[2] itself (fastest;
	                             max_output_bytes does not apply) */
	PRAXIS_OUTPUT_RELAY,      /* through the host, counted, forwarded to stdio[1]/stdio[2] */
	PRAXIS_OUTPUT_CAPTURE,    /* kept in the result (bounded by max_output_bytes) */
} praxis_output_mode;

typedef struct praxis_run_opts {
	const char *const *argv; /* argv[0] is the program: a path, or a name looked up in PATH */
	int stdio[3];            /* fds for the plugin's 0/1/2; -1 = /dev/null */
	praxis_output_mode output;
	const char *cwd;    /* NULL = the host's current directory */
	bool collect_audit; /* keep the run's records in result->audit */
	/* Cancellation from another thread: when this fd becomes readable (an
	 * eventfd written, a pipe's write end closed...) every process of the
	 * run is killed, and the result says cancelled. > 0 to use one; 0 and
	 * -1 mean none (init: -1). Not read or closed by the library. */
	int cancel_fd;
} praxis_run_opts;

PRAXIS_API void praxis_run_opts_init(praxis_run_opts *opts);

typedef enum praxis_status {
	PRAXIS_EXITED = 0,   /* exited by itself: see exit_code */
	PRAXIS_SIGNALED = 1, /* killed by a signal it did not get from us */
	PRAXIS_LIMIT = 2,    /* ended by the sandbox: see limit */
} praxis_status;

typedef enum praxis_limit_kind {
	PRAXIS_LIMIT_NONE = 0,
	PRAXIS_LIMIT_MEMORY,
	PRAXIS_LIMIT_CPU,
	PRAXIS_LIMIT_WALL,
	PRAXIS_LIMIT_PROCS,
	PRAXIS_LIMIT_OUTPUT,
	PRAXIS_LIMIT_FILE_SIZE,
} praxis_limit_kind;

typedef struct praxis_usage {
	double wall_seconds;
	double user_cpu_seconds;
	double system_cpu_seconds;
	uint64_t peak_memory_bytes; /* peak resident memory of the tree (sampled) or of
	                               its largest process, whichever is larger */
	uint64_t peak_tasks;        /* processes + threads alive at once (sampled) */
	uint64_t output_bytes;      /* stdout+stderr seen by the host (relay/capture) */
} praxis_usage;

typedef struct praxis_result {
	praxis_status status;
	int exit_code; /* PRAXIS_EXITED */
	int signal;    /* PRAXIS_SIGNALED, or the signal that ended a limited run */
	praxis_limit_kind limit;
	praxis_usage usage;
	uint64_t run_id;
	bool cancelled;          /* ended because cancel_fd became readable (SIGKILL) */
	praxis_audit_log *audit; /* when collect_audit: the run's records */
	char *stdout_data;       /* PRAXIS_OUTPUT_CAPTURE: NUL-terminated, bounded */
	size_t stdout_size;
	char *stderr_data;
	size_t stderr_size;
	/* PRAXIS_OUTPUT_CAPTURE: only the first *_size bytes were kept (the
	 * output limit, or the host ran out of memory); what came after that
	 * offset is lost, never a hole in the middle. */
	bool stdout_truncated;
	bool stderr_truncated;
	/* environment.write: the changes the plugin handed back (see
	 * docs/capabilities.md), only those granted: "NAME=VALUE" to set,
	 * "NAME" to unset; NULL-terminated, or NULL. The host applies them if
	 * it wants to; the library never touches the host's environment. */
	char **env_changes;
} praxis_result;

/* Free what a result owns (audit log, captured output). */
PRAXIS_API void praxis_result_release(praxis_result *result);

/* Run OPTS->argv under SB and wait until every process of the run is gone.
 * Returns 0 when the plugin ran (whatever its exit status), or a negative
 * errno when the run could not be set up (ERR says why: -ENOENT for a
 * program that was not found, -EACCES when it may not be executed). Safe to
 * call from many threads at once, on one sandbox or several. */
PRAXIS_API int praxis_sandbox_run(praxis_sandbox *sb, const praxis_run_opts *opts,
                                  praxis_result *result, praxis_error *err);

PRAXIS_API const char *praxis_limit_name(praxis_limit_kind kind);
PRAXIS_API const char *praxis_status_name(praxis_status status);

/* ---- kernel support ------------------------------------------------------- */

typedef struct praxis_kernel_support {
	int landlock_abi;   /* 0 = not available */
	int landlock_errno; /* why not, when landlock_abi == 0 */
	bool seccomp_filter;
	bool seccomp_user_notif;
	bool pidfd;
	bool clone3;
	bool user_namespaces; /* unprivileged user namespaces usable */
	bool pid_namespace;   /* a new pid namespace can be made here */
	bool cgroup_v2_delegated;
	bool running_as_root;
} praxis_kernel_support;

PRAXIS_API void praxis_kernel_probe(praxis_kernel_support *ks);

#ifdef __cplusplus
}
#endif
#endif
