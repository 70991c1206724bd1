/* libFuzzer: the manifest parser on arbitrary JSON text. */
#include <stddef.h>
#include <stdint.h>

#include "praxis/executor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	praxis_manifest *m = NULL;
	praxis_problems *pr = NULL;
	praxis_error err = {0};
	if (praxis_manifest_parse((const char *)data, size, "/tmp" /* realpath() must succeed or nothing is parsed */, &m, &pr, &err) ==
	    0)
		praxis_manifest_free(m);
	praxis_problems_free(pr);
	return 0;
}
