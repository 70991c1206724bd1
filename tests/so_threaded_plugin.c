/* A shared-object plugin whose constructor starts a thread: plugin code
 * that would keep running in a zygote between calls, so the executor must
 * refuse to serve it from one and give it fresh runs instead. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "praxis/plugin.h"

PRAXIS_PLUGIN_DECLARE();

static void *background(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

__attribute__((constructor)) static void start_thread(void)
{
	pthread_t t;
	pthread_create(&t, NULL, background, NULL);
}

__attribute__((visibility("default"))) int praxis_plugin_main(const char *params_json,
                                                              char **result_json)
{
	(void)params_json;
	*result_json = strdup("{\"threaded\": true}");
	return 0;
}
