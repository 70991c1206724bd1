/* The trivial shared-object plugin of bench_exec. */
#include <string.h>

#include "praxis/plugin.h"

PRAXIS_PLUGIN_DECLARE();

__attribute__((visibility("default"))) int praxis_plugin_main(const char *params_json,
                                                              char **result_json)
{
	(void)params_json;
	*result_json = strdup("{\"ok\": true}");
	return *result_json ? 0 : 1;
}
