#ifndef PRAXIS_PROGRAM_H
#define PRAXIS_PROGRAM_H
#include "praxis/praxis.h"
#include "strv.h"

/* Find NAME like execvp would, in SEARCH_PATH (colon-separated) when NAME
 * has no slash. Returns an absolute, resolved path in *RET. */
int program_resolve(const char *name, const char *search_path, char **ret, praxis_error *err);

/* Append to FILES every file the kernel opens to execute PATH: PATH itself,
 * its ELF interpreter, a script's interpreter (following "#!/usr/bin/env
 * NAME" through SEARCH_PATH), recursively. */
int program_exec_chain(const char *path, const char *search_path, struct strv *files,
                       praxis_error *err);

#endif
