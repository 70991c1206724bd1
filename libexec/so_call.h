/* What the one-shot runner and the zygote share: loading a plugin object
 * and calling it with params from one fd and the result to another. */
#ifndef PRAXIS_SO_CALL_H
#define PRAXIS_SO_CALL_H
#include <stddef.h>

#include "praxis/plugin.h"

/* dlopen PATH and find SYMBOL (checking the declared ABI). Returns NULL
 * with WHY filled when it cannot. */
praxis_plugin_fn so_load(const char *path, const char *symbol, char *why, size_t size);

/* Read the params from PARAMS_FD, call FN, write its result and a newline
 * to RESULT_FD. Returns the exit status for the call: 0, the plugin's own
 * error 1-125, or PRAXIS_RUNNER_EXIT_LOAD when the params could not be
 * read. Messages go to stderr. */
int so_call(praxis_plugin_fn fn, int params_fd, int result_fd);

/* The zygote: load once, then fork a sandboxed child per call received on
 * CONTROL_FD (src/zygote/zygote_protocol.h). Returns the process's exit status. */
int zygote_main(int control_fd, const char *path, const char *symbol);

#endif
