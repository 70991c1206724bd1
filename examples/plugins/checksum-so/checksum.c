/* A shared-object plugin (praxis/plugin.h). praxis-so-runner loads it
 * inside the sandbox, so even this constructor runs restricted. */
#include <jansson.h>
#include <praxis/plugin.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

PRAXIS_PLUGIN_DECLARE();

__attribute__((visibility("default"))) int praxis_plugin_main(const char *params_json,
                                                              char **result_json)
{
	json_error_t jerr;
	json_t *params = json_loads(params_json, JSON_DECODE_ANY, &jerr);
	const char *text = json_string_value(json_object_get(params, "text"));
	if (!text) {
		*result_json = strdup("{\"error\": \"params.text must be a string\"}");
		json_decref(params);
		return 1;
	}
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const unsigned char *c = (const unsigned char *)text; *c; c++)
		h = (h ^ *c) * 0x100000001b3ULL;
	char hex[17];
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)h);
	json_t *out = json_pack("{s:s, s:I}", "fnv1a64", hex, "bytes", (json_int_t)strlen(text));
	*result_json = json_dumps(out, JSON_COMPACT);
	json_decref(out);
	json_decref(params);
	return *result_json ? 0 : 1;
}
