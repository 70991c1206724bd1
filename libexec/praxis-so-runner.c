/* praxis-so-runner SHARED_OBJECT SYMBOL
 * praxis-so-runner --zygote SHARED_OBJECT SYMBOL   (control socket on stdin)
 *
 * Exec'd by the executor inside the plugin's sandbox: by the time this
 * program runs, Landlock, seccomp and the limits are in force, so loading
 * the object (its constructors, its dependencies) and calling it happen
 * restricted. Params come on stdin, the result goes to stdout; whatever
 * the plugin prints itself is sent to stderr so it cannot forge a result.
 * No libpraxis here: the sandbox is applied from outside. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "so_call.h"

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--zygote") == 0)
		return zygote_main(0, argv[2], argv[3]);
	if (argc != 3) {
		fprintf(stderr, "usage: praxis-so-runner [--zygote] SHARED_OBJECT SYMBOL (run by "
		                "the praxis executor)\n");
		return PRAXIS_RUNNER_EXIT_LOAD;
	}
	/* The result goes to the real stdout; fd 1 becomes stderr for the plugin. */
	int result_fd = fcntl(1, F_DUPFD_CLOEXEC, 3);
	if (result_fd < 0 || dup2(2, 1) < 0) {
		fprintf(stderr, "praxis-so-runner: stdout: %s\n", strerror(errno));
		return PRAXIS_RUNNER_EXIT_LOAD;
	}
	char why[512];
	praxis_plugin_fn fn = so_load(argv[1], argv[2], why, sizeof(why));
	if (!fn) {
		fprintf(stderr, "praxis-so-runner: %s\n", why);
		return PRAXIS_RUNNER_EXIT_LOAD;
	}
	return so_call(fn, 0, result_fd);
}
