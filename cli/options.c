/* Parsing of command-line values. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "cli.h"

bool parse_size(const char *s, uint64_t *ret)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v < 0 || !isfinite(v))
		return false;
	double mult = 1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': mult = 1024.0; end++; break;
	case 'm': case 'M': mult = 1024.0 * 1024; end++; break;
	case 'g': case 'G': mult = 1024.0 * 1024 * 1024; end++; break;
	case 't': case 'T': mult = 1024.0 * 1024 * 1024 * 1024; end++; break;
	default: return false;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v * mult >= 18446744073709551615.0)
		return false;
	*ret = (uint64_t)(v * mult);
	return true;
}

bool parse_seconds(const char *s, double *ret)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v < 0 || !isfinite(v))
		return false;
	switch (*end) {
	case '\0': break;
	case 's': end++; break;
	case 'm': v *= 60; end++; break;
	case 'h': v *= 3600; end++; break;
	default: return false;
	}
	if (*end)
		return false;
	*ret = v;
	return true;
}

bool parse_count(const char *s, uint64_t *ret)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		return false;
	*ret = v;
	return true;
}
