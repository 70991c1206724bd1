/* One strict parser per kind of quantity (size, seconds, count), shared by
 * the CLI and manifests. Text is digits, an optional fraction (sizes and
 * seconds) and an optional unit: no blanks, signs, exponents, hex, NaN or
 * infinity. A value must land in [min, max] once converted (a fraction of
 * a byte is not a size); 0 passes only where the caller allows it and only
 * written as "0". On failure WHY holds the accepted range. */
#ifndef PRAXIS_VALUE_PARSE_H
#define PRAXIS_VALUE_PARSE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VALUE_WHY_MAX 160

/* What the kernel takes: pid_max's ceiling and fs.nr_open's default. */
#define VALUE_MAX_PROCS      4194304ULL
#define VALUE_MAX_OPEN_FILES 1048576ULL
/* 2^53 bytes (8 PiB): exact in a double, far below RLIM_INFINITY. */
#define VALUE_MAX_BYTES 9007199254740992ULL
/* Seconds: 1 ms (the supervisor's tick is 10 ms) to ~31 years. */
#define VALUE_MIN_SECONDS 0.001
#define VALUE_MAX_SECONDS 1e9

/* "256M", "1.5G", "1024", "1024B": bytes (K/M/G/T are powers of 1024). */
bool value_parse_size(const char *s, uint64_t max, bool zero_ok, uint64_t *ret, char *why,
                      size_t why_len);
/* "30", "1.5", "30s", "2m", "1h": seconds. */
bool value_parse_seconds(const char *s, double max, bool zero_ok, double *ret, char *why,
                         size_t why_len);
/* "64": a whole number from 1 to MAX. */
bool value_parse_count(const char *s, uint64_t max, bool zero_ok, uint64_t *ret, char *why,
                       size_t why_len);

/* The same ranges for a JSON number V counted in UNIT bytes (memory_mb), in
 * seconds, or as a count (INTEGER required). */
bool value_number_size(double v, double unit, uint64_t max, uint64_t *ret, char *why,
                       size_t why_len);
bool value_number_seconds(double v, double max, double *ret, char *why, size_t why_len);
bool value_number_count(double v, bool integer, uint64_t max, uint64_t *ret, char *why,
                        size_t why_len);

#endif
