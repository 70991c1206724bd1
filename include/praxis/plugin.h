/* The ABI of shared-object plugins.
 *
 * A .so plugin exports one function. praxis-so-runner is exec'd inside the
 * sandbox and only then dlopen()s the object, so its constructors, its
 * dependencies and the function all run restricted. The runner reads the
 * params from stdin, calls the function, and writes the result to stdout.
 * Whatever the plugin itself prints to stdout goes to stderr instead, so it
 * cannot corrupt the result.
 *
 *   #include <praxis/plugin.h>
 *   PRAXIS_PLUGIN_DECLARE();
 *   int praxis_plugin_main(const char *params_json, char **result_json)
 *   {
 *           *result_json = strdup("{\"ok\": true}");
 *           return *result_json ? 0 : 1;
 *   }
 *
 * Build: cc -shared -fPIC -o plugin.so plugin.c
 * Manifest: "entry": {"shared_object": "plugin.so"}
 * No libpraxis is needed to build a plugin: this header is all there is. */
#ifndef PRAXIS_PLUGIN_H
#define PRAXIS_PLUGIN_H

#ifdef __cplusplus
extern "C" {
#endif

#define PRAXIS_PLUGIN_ABI_VERSION 1

/* The symbol called when the manifest names none. */
#define PRAXIS_PLUGIN_SYMBOL "praxis_plugin_main"

/* PARAMS_JSON: the params, NUL-terminated JSON. Set *RESULT_JSON to a
 * malloc()ed NUL-terminated JSON value (freed by the runner), or leave it
 * NULL for null. Return 0 on success; non-zero (1-125) is the plugin's
 * error, reported with status PRAXIS_EXEC_PLUGIN_ERROR and that exit code,
 * and *RESULT_JSON (if set) as the result. */
typedef int (*praxis_plugin_fn)(const char *params_json, char **result_json);

/* Optional: the ABI the plugin was built for. The runner refuses a plugin
 * declaring another version. */
#define PRAXIS_PLUGIN_DECLARE()                                                                    \
	__attribute__((visibility("default"))) const int praxis_plugin_abi_version =               \
	    PRAXIS_PLUGIN_ABI_VERSION

/* Exit status of praxis-so-runner when the object cannot be loaded, the
 * symbol is missing or the ABI differs (the reason is on stderr). */
#define PRAXIS_RUNNER_EXIT_LOAD 127

#ifdef __cplusplus
}
#endif
#endif
