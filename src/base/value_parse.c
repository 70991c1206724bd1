/* Strict parsing of sizes, seconds and counts (see value_parse.h). */
#include "value_parse.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* DIGITS[.DIGITS]: integer part (saturated past 2^64) and up to 9 fraction
 * digits as nanos. Returns the end, or NULL when the text is not of that form. */
static const char *decimal(const char *s, bool fraction_ok, unsigned __int128 *ip, uint64_t *nanos)
{
	const char *p = s;
	*ip = 0;
	*nanos = 0;
	for (; *p >= '0' && *p <= '9'; p++)
		if (*ip <= UINT64_MAX)
			*ip = *ip * 10 + (unsigned)(*p - '0');
	if (p == s)
		return NULL;
	if (*p != '.')
		return p;
	if (!fraction_ok)
		return NULL;
	const char *f = ++p;
	uint64_t scale = 100000000;
	for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
		*nanos += scale * (unsigned)(*p - '0');
	return p == f ? NULL : p;
}

static void size_range(char *why, size_t len, uint64_t max, bool zero_ok)
{
	snprintf(why, len, "expected a size from 1 byte to %llu bytes (K, M, G, T = 1024^n)%s",
	         (unsigned long long)max, zero_ok ? ", or 0 for unlimited" : "");
}

static void seconds_range(char *why, size_t len, double max, bool zero_ok)
{
	snprintf(why, len, "expected seconds from %g to %.0f (suffix s, m or h)%s",
	         VALUE_MIN_SECONDS, max, zero_ok ? ", or 0 for unlimited" : "");
}

static void count_range(char *why, size_t len, uint64_t max, bool zero_ok)
{
	snprintf(why, len, "expected a whole number from 1 to %llu%s", (unsigned long long)max,
	         zero_ok ? ", or 0 for unlimited" : "");
}

bool value_parse_size(const char *s, uint64_t max, bool zero_ok, uint64_t *ret, char *why,
                      size_t why_len)
{
	unsigned __int128 ip;
	uint64_t nanos, mult = 1;
	if (zero_ok && strcmp(s, "0") == 0) {
		*ret = 0;
		return true;
	}
	const char *p = decimal(s, true, &ip, &nanos);
	if (p) {
		const char *units = "KMGT", *u = *p ? strchr(units, *p & ~0x20) : NULL;
		if (u) {
			mult = 1ULL << (10 * (u - units + 1));
			p++;
		}
		if (*p == 'B' || *p == 'b')
			p++;
	}
	unsigned __int128 bytes = 0;
	if (p && !*p && ip <= UINT64_MAX)
		bytes = ip * mult + (unsigned __int128)nanos * mult / 1000000000u;
	if (!p || *p || bytes < 1 || bytes > max) {
		size_range(why, why_len, max, zero_ok);
		return false;
	}
	*ret = (uint64_t)bytes;
	return true;
}

bool value_parse_seconds(const char *s, double max, bool zero_ok, double *ret, char *why,
                         size_t why_len)
{
	unsigned __int128 ip;
	uint64_t nanos;
	double mult = 1;
	if (zero_ok && strcmp(s, "0") == 0) {
		*ret = 0;
		return true;
	}
	const char *p = decimal(s, true, &ip, &nanos);
	if (p && (*p == 's' || *p == 'm' || *p == 'h')) {
		mult = *p == 'h' ? 3600 : *p == 'm' ? 60 : 1;
		p++;
	}
	double v = p ? ((double)ip + (double)nanos / 1e9) * mult : 0;
	if (!p || *p || !(v >= VALUE_MIN_SECONDS) || !(v <= max)) {
		seconds_range(why, why_len, max, zero_ok);
		return false;
	}
	*ret = v;
	return true;
}

bool value_parse_count(const char *s, uint64_t max, bool zero_ok, uint64_t *ret, char *why,
                       size_t why_len)
{
	unsigned __int128 ip;
	uint64_t nanos;
	if (zero_ok && strcmp(s, "0") == 0) {
		*ret = 0;
		return true;
	}
	const char *p = decimal(s, false, &ip, &nanos);
	if (!p || *p || ip < 1 || ip > max) {
		count_range(why, why_len, max, zero_ok);
		return false;
	}
	*ret = (uint64_t)ip;
	return true;
}

bool value_number_size(double v, double unit, uint64_t max, uint64_t *ret, char *why,
                       size_t why_len)
{
	double bytes = v * unit;
	if (!isfinite(bytes) || !(bytes >= 1) || !(bytes <= (double)max)) {
		snprintf(
		    why, why_len,
		    "must be a positive number of at least 1 byte and at most %.0f (%llu bytes)",
		    (double)max / unit, (unsigned long long)max);
		return false;
	}
	*ret = (uint64_t)bytes;
	return true;
}

bool value_number_seconds(double v, double max, double *ret, char *why, size_t why_len)
{
	if (!isfinite(v) || !(v >= VALUE_MIN_SECONDS) || !(v <= max)) {
		snprintf(why, why_len,
		         "must be a positive number of seconds from %g to at most %.0f",
		         VALUE_MIN_SECONDS, max);
		return false;
	}
	*ret = v;
	return true;
}

bool value_number_count(double v, bool integer, uint64_t max, uint64_t *ret, char *why,
                        size_t why_len)
{
	if (!integer || !isfinite(v) || !(v >= 1) || !(v <= (double)max) ||
	    v != (double)(uint64_t)v) {
		snprintf(why, why_len, "must be a positive integer from 1 to at most %llu",
		         (unsigned long long)max);
		return false;
	}
	*ret = (uint64_t)v;
	return true;
}
