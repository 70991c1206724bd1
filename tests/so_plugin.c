/* A shared-object plugin for the executor tests. Its constructor tries to
 * open /etc/shadow: loaded inside the sandbox, that must fail. Symbols:
 *   praxis_plugin_main  {"ctor_errno": E, "ctor_opened": B, "params": P}
 *   noisy_main          printf()s to stdout itself, then returns {"noisy": true}
 *   failing_main        returns 7 with {"error": "failing"}
 * Runs inside sandboxes: no sanitizer runtime. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
