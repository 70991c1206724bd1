#ifndef PRAXIS_ENVIRONMENT_H
#define PRAXIS_ENVIRONMENT_H
#include <stdbool.h>

#include "capability.h"
#include "strv.h"

/* True when NAME contains PASSWORD, SECRET, KEY, TOKEN, AUTH, CREDENTIAL,
 * PRIVATE, CERT or SSH, case-insensitively. */
bool env_name_is_sensitive(const char *name);

/* Build the plugin's environment from IN (may be NULL): sensitive variables
 * are dropped unless READ grants them (whole, or by name). The names of the
 * dropped ones go to WITHHELD. */
int env_build(const char *const *in, const struct grant *read, struct strv *out,
              struct strv *withheld);

#endif
