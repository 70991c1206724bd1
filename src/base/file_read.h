/* Reading a small file named by the user (manifest, params) without
 * hanging on a FIFO or device: open non-blocking, regular files only, and
 * at most MAX bytes (named in the error). */
#ifndef PRAXIS_FILE_READ_H
#define PRAXIS_FILE_READ_H
#include <stddef.h>

#include "praxis/praxis.h"

/* *DATA (NUL-terminated, caller frees) and *LEN on success. */
int file_read_regular(const char *path, size_t max, char **data, size_t *len, praxis_error *err);

#endif
