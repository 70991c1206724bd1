/* libFuzzer: the strict value parsers (src/base/value_parse.c) and capability
 * values (praxis_caps_add). Checks the rules, not only crashes: a value
 * accepted is in range, and 0 comes only from the text "0". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "praxis/praxis.h"
#include "value_parse.h"

static void values(const char *s)
{
	char why[VALUE_WHY_MAX];
	uint64_t u;
	double d;
	bool zero = strcmp(s, "0") == 0;
	if (value_parse_size(s, VALUE_MAX_BYTES, true, &u, why, sizeof(why)) &&
	    (u > VALUE_MAX_BYTES || (u == 0) != zero))
		abort();
	if (value_parse_seconds(s, VALUE_MAX_SECONDS, true, &d, why, sizeof(why)) &&
	    (!(d <= VALUE_MAX_SECONDS) || (d == 0) != zero || (!zero && d < VALUE_MIN_SECONDS)))
		abort();
	if (value_parse_count(s, VALUE_MAX_PROCS, true, &u, why, sizeof(why)) &&
	    (u > VALUE_MAX_PROCS || (u == 0) != zero))
		abort();
}

static void caps(const char *name, const char *value)
{
	praxis_caps *c;
	praxis_error err = {0};
	if (praxis_caps_new(&c) < 0)
		return;
	praxis_caps_add(c, name, value, &err);
	praxis_caps_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size);
	if (!s)
		return 0;
	values(s);
	/* "NAME=VALUE" as --allow splits it */
	char *eq = strchr(s, '=');
	if (eq)
		*eq = '\0';
	caps(s, eq ? eq + 1 : NULL);
	free(s);
	return 0;
}
