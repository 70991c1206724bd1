#ifndef PRAXIS_PATH_UTIL_H
#define PRAXIS_PATH_UTIL_H
#include <stdbool.h>

/* PATH made absolute against BASE (when relative) and normalised lexically:
 * no "//", "." or ".." components, no trailing slash. Caller frees. */
char *path_absolute(const char *base, const char *path);
/* What the kernel will resolve PATH to: realpath() when it exists, else the
 * lexical form (so symlinks cannot smuggle a path past a comparison). */
char *path_canonical(const char *path);
/* PARENT is CHILD or one of its ancestor directories (both canonical). */
bool path_covers(const char *parent, const char *child);

#endif
