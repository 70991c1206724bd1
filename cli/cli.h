#ifndef PRAXIS_CLI_H
#define PRAXIS_CLI_H
#include <stdbool.h>
#include <stdint.h>

#include "value_parse.h"

#define EXIT_SETUP_FAILED 125

int cmd_run(int argc, char **argv);
int cmd_doctor(int argc, char **argv);

/* Strict values (src/base/value_parse.c); "0" = unlimited. On a bad value they
 * print "FLAG: bad value 'S' (the accepted range)" and return false. */
bool parse_size(const char *flag, const char *s, uint64_t *ret);
bool parse_seconds(const char *flag, const char *s, double *ret);
bool parse_count(const char *flag, const char *s, uint64_t max, uint64_t *ret);

#endif
