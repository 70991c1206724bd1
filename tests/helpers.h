/* Shared test helpers: run the probe under a sandbox or plainly (the
 * control), capture its output, temp dirs, listeners and process scans.
 *
 * Every Criterion test runs in its own process, so the helpers keep a little
 * per-process state (the probe copy, temp dirs) and clean it up at exit. */
#ifndef PRAXIS_TEST_HELPERS_H
#define PRAXIS_TEST_HELPERS_H

#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "praxis/praxis.h"

#define NOBODY   65534
#define OUT_MAX  8192
#define MAX_CAPS 16

/* How to run: capabilities and config for the sandbox; the plain (control)
 * run uses the same env, cwd, stdin, identity and hook, without a sandbox. */
struct spec {
	const char *caps[MAX_CAPS][2];
	size_t n_caps;
	const char *const *env; /* NULL = empty environment */
	const char *cwd;        /* NULL = the test's cwd */
	unsigned flags;         /* praxis_sandbox_flags */
	int64_t run_as_uid;     /* config.run_as_uid/gid (root host), -1 = keep */
	bool as_nobody;         /* run from a process that dropped to uid/gid 65534 */
	int stdin_fd;           /* -1 = /dev/null */
	void (*pre_exec)(void); /* plain runs only: called in the child before exec */
};

struct run_out {
	int rc; /* 0: the program ran; else the negative errno of sandbox_new/run */
	praxis_result res;
	char out[OUT_MAX]; /* the program's stdout */
	char err[OUT_MAX]; /* the program's stderr */
	char errmsg[512];  /* praxis_error message when rc < 0 */
	/* environment.write: the result's env_changes, one per line; "(none)"
	 * when the result had none (NULL). */
	char env_changes[1024];
};

void spec_init(struct spec *s);
void spec_allow(struct spec *s, const char *cap, const char *value);

/* Run ARGV (NULL-terminated) under a sandbox built from S. */
void sbx_runv(const struct spec *s, const char *const *argv, struct run_out *o);
/* Run ARGV plainly: fork + exec, same env/cwd/identity, no sandbox. */
void plain_runv(const struct spec *s, const char *const *argv, struct run_out *o);
/* The same with the probe as argv[0]. */
void sbx_probev(const struct spec *s, const char *const *args, struct run_out *o);
void plain_probev(const struct spec *s, const char *const *args, struct run_out *o);

#define SBX_RUN(s, o, ...)     sbx_runv((s), (const char *const[]){__VA_ARGS__, NULL}, (o))
#define PLAIN_RUN(s, o, ...)   plain_runv((s), (const char *const[]){__VA_ARGS__, NULL}, (o))
#define SBX_PROBE(s, o, ...)   sbx_probev((s), (const char *const[]){__VA_ARGS__, NULL}, (o))
#define PLAIN_PROBE(s, o, ...) plain_probev((s), (const char *const[]){__VA_ARGS__, NULL}, (o))

/* The CLI ($PRAXIS_BIN) with ARGS; ENV NULL = the test's environment.
 * o->res.exit_code is the exit status (128+N for a signal). */
void cli_runv(const char *const *env, const char *const *args, struct run_out *o);
#define CLI_RUN(o, ...) cli_runv(NULL, (const char *const[]){__VA_ARGS__, NULL}, (o))

/* Paths of the built programs (from meson via the environment). The probe
 * path is a copy in a fresh 0755 dir under /tmp, reachable by uid 65534. */
const char *probe_path(void);
const char *praxis_bin(void);
const char *no_landlock_bin(void);
/* A copy of the executable SRC in a fresh 0755 dir under /tmp. */
const char *copy_executable(const char *src);

/* One-line description of a run for assertion messages (static buffer). */
const char *describe(const struct run_out *o);

/* A fresh dir under /tmp, mode 0755, owned by 65534 when FOR_NOBODY;
 * removed (recursively) when the test process exits. */
const char *tmpdir_new(bool for_nobody);
/* In a forked child: become uid/gid 65534 with no groups, as a user
 * would be (exits 120 when it cannot). */
void drop_to_nobody(void);
/* printf into a string that lives until the test process exits. */
const char *tpath(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Create PATH with CONTENT, mode 0644, owned by 65534 when FOR_NOBODY. */
void file_put(const char *path, const char *content, bool for_nobody);
/* File content (static buffer), or NULL when it cannot be read. */
const char *file_get(const char *path);
bool path_exists(const char *path);

/* Listeners on loopback; they live until closed. */
int tcp_listener(uint16_t *port);
/* The same on another loopback address (e.g. "127.0.0.2"). */
int tcp_listener_on(const char *addr, uint16_t *port);
int unix_listener(const char *path);
int abstract_listener(const char *name);

/* A child of the test that just waits to be killed (a target for attacks),
 * running as uid 65534 when AS_NOBODY. */
pid_t sleeper_spawn(bool as_nobody);
bool sleeper_alive(pid_t pid);
void sleeper_kill(pid_t pid);

/* Processes whose argv contains MARKER as one argument. */
int pids_with_marker(const char *marker, pid_t *pids, int max);
/* A marker unique to this test process. */
const char *unique_marker(const char *what);

int count_open_fds(void);
/* "fd -> target" of every open fd, for messages (static buffer). */
const char *list_open_fds(void);

/* Kill and reap anything left over by a control run (daemons). */
void kill_marked(const char *marker);

/* ---- tests ---- */

/* Memory leaks fail the test in sanitizer builds (Criterion itself ignores
 * what LeakSanitizer reports at a worker's exit). */
#if defined(__SANITIZE_ADDRESS__)
#define PRAXIS_TEST_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PRAXIS_TEST_LSAN 1
#endif
#endif
#ifdef PRAXIS_TEST_LSAN
#include <sanitizer/lsan_interface.h>
#define assert_no_leaks()                                                                          \
	cr_assert_eq(__lsan_do_recoverable_leak_check(), 0,                                        \
	             "memory leaked: see the LeakSanitizer report on stderr")
#else
#define assert_no_leaks() ((void)0)
#endif

/* A Criterion test whose body is followed by the leak check. */
#define PTEST(suite, name)                                                                         \
	static void ptest_##suite##_##name(void);                                                  \
	Test(suite, name)                                                                          \
	{                                                                                          \
		ptest_##suite##_##name();                                                          \
		assert_no_leaks();                                                                 \
	}                                                                                          \
	static void ptest_##suite##_##name(void)

/* A test body run twice: by the test process (root) as NAME, and from a
 * process that dropped to uid/gid 65534 as NAME_nobody. The body gets
 * `nobody` and passes it on in its spec. */
#define BOTH(suite, name)                                                                          \
	static void body_##name(bool nobody);                                                      \
	PTEST(suite, name)                                                                         \
	{                                                                                          \
		body_##name(false);                                                                \
	}                                                                                          \
	PTEST(suite, name##_nobody)                                                                \
	{                                                                                          \
		body_##name(true);                                                                 \
	}                                                                                          \
	static void body_##name(bool nobody)

/* ---- assertions ---- */

#define assert_ran(o)                                                                              \
	cr_assert_eq((o)->rc, 0, "the sandbox did not run the program: %s (%s)", (o)->errmsg,      \
	             strerrorname_np(-(o)->rc) ? strerrorname_np(-(o)->rc) : "?")

/* Exited with CODE and stdout exactly TEXT. */
#define assert_result(o, code, text)                                                               \
	do {                                                                                       \
		const struct run_out *o_ = (o);                                                    \
		assert_ran(o_);                                                                    \
		cr_assert(o_->res.status == PRAXIS_EXITED && o_->res.exit_code == (code) &&        \
		              strcmp(o_->out, (text)) == 0,                                        \
		          "expected exit %d and stdout \"%s\"; got %s", (code), (text),            \
		          describe(o_));                                                           \
	} while (0)

#define assert_ok(o)        assert_result((o), 0, "OK\n")
#define assert_err(o, name) assert_result((o), 1, "ERR " name "\n")

/* Killed by signal SIG (not by a limit). */
#define assert_killed(o, sig)                                                                      \
	do {                                                                                       \
		const struct run_out *o_ = (o);                                                    \
		assert_ran(o_);                                                                    \
		cr_assert(o_->res.status == PRAXIS_SIGNALED && o_->res.signal == (sig),            \
		          "expected death by signal %d; got %s", (sig), describe(o_));             \
	} while (0)

#endif
