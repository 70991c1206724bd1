/* A shared-object plugin for the executor tests. Its constructor tries to
 * open /etc/shadow: loaded inside the sandbox, that must fail. Symbols:
 *   praxis_plugin_main  {"ctor_errno": E, "ctor_opened": B, "params": P}
 *   noisy_main          printf()s to stdout itself, then returns {"noisy": true}
 *   failing_main        returns 7 with {"error": "failing"}
 *   op_main             {"op": OP, ...}: one operation, for the zygote tests:
 *     state        {"calls": N}: calls this process has served (1 when each
 *                  call starts from the loaded state)
 *     open PATH    {"errno": E}
 *     fork, exec   {"errno": E} of fork() / execve("/bin/true")
 *     kill_parent  {"errno": E} of kill(getppid(), SIGKILL)
 *     fds          {"fds": [..]}: the open fds 0..1023
 *     write_stdin  {"errno": E} of a write to the params fd (0)
 *     spin, sleep  never returns (burns CPU / sleeps)
 *     alloc MB     touches MB MiB, then {"ok": true}
 *     threads N    starts N sleeping threads, then {"ok": true} after 1 s
 *     abort        abort()
 *     flood        writes 8 MiB to stdout (which is stderr here)
 *     pid          {"pid": getpid()}
 *     connect A:P  {"errno": E} of a TCP connect to IPv4 address A, port P
 * Runs inside sandboxes: no sanitizer runtime. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "praxis/plugin.h"

#define EXPORT __attribute__((visibility("default")))

PRAXIS_PLUGIN_DECLARE();

static int ctor_errno = -1;
static int ctor_opened;

__attribute__((constructor)) static void grab_secrets(void)
{
	int fd = open("/etc/shadow", O_RDONLY | O_CLOEXEC);
	ctor_opened = fd >= 0;
	ctor_errno = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
}

EXPORT int praxis_plugin_main(const char *params_json, char **result_json)
{
	return asprintf(result_json, "{\"ctor_errno\": %d, \"ctor_opened\": %s, \"params\": %s}",
	                ctor_errno, ctor_opened ? "true" : "false", params_json) < 0;
}

EXPORT int noisy_main(const char *params_json, char **result_json)
{
	(void)params_json;
	printf("this is not the result\n");
	*result_json = strdup("{\"noisy\": true}");
	return 0;
}

EXPORT int failing_main(const char *params_json, char **result_json)
{
	(void)params_json;
	*result_json = strdup("{\"error\": \"failing\"}");
	return 7;
}

static int served;

static void *sleeper(void *arg)
{
	(void)arg;
	sleep(1000);
	return NULL;
}

static int errno_result(int ok, char **result_json)
{
	return asprintf(result_json, "{\"errno\": %d}", ok ? 0 : errno) < 0;
}

EXPORT int op_main(const char *params_json, char **result_json)
{
	served++;
	json_t *p = json_loads(params_json, 0, NULL);
	const char *op = json_string_value(json_object_get(p, "op"));
	json_t *arg = json_object_get(p, "arg");
	int rc = 0;
	if (!op) {
		rc = 2;
	} else if (strcmp(op, "state") == 0) {
		rc = asprintf(result_json, "{\"calls\": %d}", served) < 0;
	} else if (strcmp(op, "open") == 0) {
		int fd = open(json_string_value(arg), O_RDONLY | O_CLOEXEC);
		rc = errno_result(fd >= 0, result_json);
	} else if (strcmp(op, "fork") == 0) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		rc = errno_result(pid >= 0, result_json);
	} else if (strcmp(op, "exec") == 0) {
		char *const argv[] = {"/bin/true", NULL};
		execve("/bin/true", argv, argv + 1);
		rc = errno_result(0, result_json);
	} else if (strcmp(op, "kill_parent") == 0) {
		rc = errno_result(kill(getppid(), SIGKILL) == 0, result_json);
	} else if (strcmp(op, "fds") == 0) {
		json_t *fds = json_array();
		for (int fd = 0; fd < 1024; fd++)
			if (fcntl(fd, F_GETFD) >= 0)
				json_array_append_new(fds, json_integer(fd));
		json_t *o = json_pack("{so}", "fds", fds);
		*result_json = json_dumps(o, JSON_COMPACT);
		json_decref(o);
	} else if (strcmp(op, "write_stdin") == 0) {
		rc = errno_result(write(0, "x", 1) == 1, result_json);
	} else if (strcmp(op, "spin") == 0) {
		for (volatile unsigned long i = 0;; i++)
			;
	} else if (strcmp(op, "sleep") == 0) {
		for (;;)
			sleep(1000);
	} else if (strcmp(op, "alloc") == 0) {
		size_t size = (size_t)json_integer_value(arg) << 20;
		char *m = malloc(size);
		for (size_t i = 0; m && i < size; i += 4096)
			m[i] = 1;
		sleep(1);
		rc = asprintf(result_json, "{\"ok\": %s}", m ? "true" : "false") < 0;
	} else if (strcmp(op, "threads") == 0) {
		for (json_int_t i = 0; i < json_integer_value(arg); i++) {
			pthread_t t;
			pthread_create(&t, NULL, sleeper, NULL);
		}
		sleep(1);
		*result_json = strdup("{\"ok\": true}");
	} else if (strcmp(op, "abort") == 0) {
		abort();
	} else if (strcmp(op, "flood") == 0) {
		static char chunk[65536];
		memset(chunk, 'x', sizeof(chunk));
		for (int i = 0; i < 128; i++)
			fwrite(chunk, 1, sizeof(chunk), stdout);
		*result_json = strdup("{\"ok\": true}");
	} else if (strcmp(op, "connect") == 0) {
		char host[64];
		unsigned port = 0;
		const char *a = json_string_value(arg);
		struct sockaddr_in sin = {.sin_family = AF_INET};
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int ok = fd >= 0 && a && sscanf(a, "%63[^:]:%u", host, &port) == 2 &&
		         inet_pton(AF_INET, host, &sin.sin_addr) == 1;
		sin.sin_port = htons((uint16_t)port);
		ok = ok && connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
		rc = errno_result(ok, result_json);
		if (fd >= 0)
			close(fd);
	} else if (strcmp(op, "pid") == 0) {
		rc = asprintf(result_json, "{\"pid\": %d}", (int)getpid()) < 0;
	} else {
		rc = 2;
	}
	json_decref(p);
	return rc;
}
