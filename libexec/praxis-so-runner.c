/* praxis-so-runner SHARED_OBJECT SYMBOL
 *
 * Exec'd by the executor inside the plugin's sandbox: by the time this
 * program runs, Landlock, seccomp and the limits are in force, so loading
 * the object (its constructors, its dependencies) and calling it happen
 * restricted. Params come on stdin, the result goes to stdout; whatever
 * the plugin prints itself is sent to stderr so it cannot forge a result.
 * No libpraxis here: the sandbox is applied from outside. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "praxis/plugin.h"

#define MAX_PARAMS (64u << 20)

static char *read_all(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	while (buf) {
		if (len + 1 == cap) {
			if (cap >= MAX_PARAMS) {
				fprintf(stderr, "praxis-so-runner: params larger than %u bytes\n",
				        MAX_PARAMS);
				free(buf);
				return NULL;
			}
			char *grown = realloc(buf, cap * 2);
			if (!grown)
				break;
			buf = grown;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "praxis-so-runner: reading params: %s\n", strerror(errno));
			free(buf);
			return NULL;
		}
		if (n == 0) {
			buf[len] = '\0';
			return buf;
		}
		len += (size_t)n;
	}
	free(buf);
	fprintf(stderr, "praxis-so-runner: out of memory\n");
	return NULL;
}

static int write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(
		    stderr,
		    "usage: praxis-so-runner SHARED_OBJECT SYMBOL (run by the praxis executor)\n");
		return PRAXIS_RUNNER_EXIT_LOAD;
	}
	/* The result goes to the real stdout; fd 1 becomes stderr for the plugin. */
	int result_fd = fcntl(1, F_DUPFD_CLOEXEC, 3);
	if (result_fd < 0 || dup2(2, 1) < 0) {
		fprintf(stderr, "praxis-so-runner: stdout: %s\n", strerror(errno));
		return PRAXIS_RUNNER_EXIT_LOAD;
	}
	char *params = read_all(0);
	if (!params)
		return PRAXIS_RUNNER_EXIT_LOAD;
	void *handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		fprintf(stderr, "praxis-so-runner: cannot load %s\n", dlerror());
		return PRAXIS_RUNNER_EXIT_LOAD;
	}
	const int *abi = dlsym(handle, "praxis_plugin_abi_version");
	if (abi && *abi != PRAXIS_PLUGIN_ABI_VERSION) {
		fprintf(stderr,
		        "praxis-so-runner: %s is built for plugin ABI %d, this runner speaks %d\n",
		        argv[1], *abi, PRAXIS_PLUGIN_ABI_VERSION);
		return PRAXIS_RUNNER_EXIT_LOAD;
	}
	union {
		void *p;
		praxis_plugin_fn fn;
	} sym = {.p = dlsym(handle, argv[2])};
	if (!sym.p) {
		fprintf(stderr, "praxis-so-runner: %s has no symbol '%s'\n", argv[1], argv[2]);
		return PRAXIS_RUNNER_EXIT_LOAD;
	}
	char *result = NULL;
	int rc = sym.fn(params, &result);
	fflush(stdout);
	const char *text = result ? result : "null";
	if (write_all(result_fd, text, strlen(text)) < 0 || write_all(result_fd, "\n", 1) < 0) {
		fprintf(stderr, "praxis-so-runner: writing the result: %s\n", strerror(errno));
		rc = rc ? rc : 1;
	}
	free(result);
	free(params);
	/* 126 and 127 are the runner's own; a plugin's error stays below. */
	return rc == 0 ? 0 : (rc > 0 && rc < 126) ? rc : 125;
}
