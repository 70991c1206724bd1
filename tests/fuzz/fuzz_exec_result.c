/* libFuzzer: the executor's result channel parser (src/plugin/exec_result.c,
 * parse_result: a plugin's stdout must be one JSON value). Included to
 * reach the static parser. */
#include "../../src/plugin/exec_result.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	praxis_result run = {0};
	run.stdout_data = malloc(size + 1);
	if (!run.stdout_data)
		return 0;
	memcpy(run.stdout_data, data, size);
	run.stdout_data[size] = '\0';
	run.stdout_size = size;
	praxis_exec_result res = {0};
	char why[256];
	if (parse_result(&run, &res, why, sizeof(why))) {
		/* what is kept must itself be one JSON value */
		json_error_t jerr;
		json_t *v = json_loads(res.result_json, JSON_DECODE_ANY, &jerr);
		if (!v && !memchr(data, '\0', size))
			abort();
		json_decref(v);
	}
	free(res.result_json);
	free(run.stdout_data);
	return 0;
}
