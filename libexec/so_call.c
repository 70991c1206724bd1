/* Loading a plugin object and calling it (see so_call.h). */
#include "so_call.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

praxis_plugin_fn so_load(const char *path, const char *symbol, char *why, size_t size)
{
	void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		snprintf(why, size, "cannot load %s", dlerror());
		return NULL;
	}
	const int *abi = dlsym(handle, "praxis_plugin_abi_version");
	if (abi && *abi != PRAXIS_PLUGIN_ABI_VERSION) {
		snprintf(why, size, "%s is built for plugin ABI %d, this runner speaks %d", path,
		         *abi, PRAXIS_PLUGIN_ABI_VERSION);
		return NULL;
	}
	union {
		void *p;
		praxis_plugin_fn fn;
	} sym = {.p = dlsym(handle, symbol)};
	if (!sym.p)
		snprintf(why, size, "%s has no symbol '%s'", path, symbol);
	return sym.fn;
}

int so_call(praxis_plugin_fn fn, int params_fd, int result_fd)
{
	char *params = read_all(params_fd);
	if (!params)
		return PRAXIS_RUNNER_EXIT_LOAD;
	char *result = NULL;
	int rc = fn(params, &result);
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
