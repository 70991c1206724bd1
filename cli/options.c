/* Parsing of command-line values: the library's strict parsers
 * (src/base/value_parse.c, shared with manifests), with the flag in the error. */
#include <stdio.h>

#include "cli.h"
#include "value_parse.h"

static bool report(const char *flag, const char *s, const char *why)
{
	fprintf(stderr, "praxis run: %s: bad value '%s' (%s)\n", flag, s, why);
	return false;
}

bool parse_size(const char *flag, const char *s, uint64_t *ret)
{
	char why[VALUE_WHY_MAX];
	return value_parse_size(s, VALUE_MAX_BYTES, true, ret, why, sizeof(why)) ||
	       report(flag, s, why);
}

bool parse_seconds(const char *flag, const char *s, double *ret)
{
	char why[VALUE_WHY_MAX];
	return value_parse_seconds(s, VALUE_MAX_SECONDS, true, ret, why, sizeof(why)) ||
	       report(flag, s, why);
}

bool parse_count(const char *flag, const char *s, uint64_t max, uint64_t *ret)
{
	char why[VALUE_WHY_MAX];
	return value_parse_count(s, max, true, ret, why, sizeof(why)) || report(flag, s, why);
}
