#ifndef PRAXIS_ENV_HAND_BACK_H
#define PRAXIS_ENV_HAND_BACK_H
#include <stdbool.h>
#include <stddef.h>

#include "capability.h"

/* environment.write's hand-back channel: what the plugin wrote on fd 3,
 * "NAME=VALUE" to set, "NAME" to unset, one per line. Each line is either
 * applied (a granted name, written as it is) or refused, and each gets one
 * record through EMIT: its name (or "(line N)" when it has none that can be
 * named), the verdict, and why. Never passed on half. */
#define ENV_HAND_BACK_MAX      65536 /* bytes the channel keeps */
#define ENV_HAND_BACK_MAX_TEXT "65536"
#define ENV_NAME_MAX           255

typedef void (*env_hand_back_emit)(void *ctx, const char *name, bool allowed, const char *why);

/* TEXT (LEN bytes; FULL: the channel hit its bound, so an unterminated last
 * line was cut) against the grant G. *CHANGES: the applied lines,
 * NULL-terminated (NULL when none), caller frees with strv rules. 0 or
 * -ENOMEM. */
int env_hand_back_parse(const struct grant *g, const char *text, size_t len, bool full,
                        env_hand_back_emit emit, void *ctx, char ***changes);

#endif
