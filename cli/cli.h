#ifndef PRAXIS_CLI_H
#define PRAXIS_CLI_H
#include <stdbool.h>
#include <stdint.h>

#define EXIT_SETUP_FAILED 125

int cmd_run(int argc, char **argv);
int cmd_doctor(int argc, char **argv);

/* "256M", "1G", "1024" (bytes) -> bytes. */
bool parse_size(const char *s, uint64_t *ret);
/* "30", "1.5", "30s", "2m" -> seconds. */
bool parse_seconds(const char *s, double *ret);
bool parse_count(const char *s, uint64_t *ret);

#endif
