#ifndef PRAXIS_CMD_PLUGINS_H
#define PRAXIS_CMD_PLUGINS_H

/* praxis exec NAME ...: run a plugin through the executor. */
int cmd_exec(int argc, char **argv);
/* praxis check MANIFEST...: validate manifests. */
int cmd_check(int argc, char **argv);

#endif
