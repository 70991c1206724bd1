#ifndef PRAXIS_CLI_STOP_SIGNALS_H
#define PRAXIS_CLI_STOP_SIGNALS_H

/* SIGINT, SIGTERM, SIGHUP and SIGQUIT, blocked and read from a signalfd:
 * given to a run as its cancel_fd, they end the plugin and let praxis
 * clean up (its cgroup, its records) before it exits 128+N, instead of
 * dying mid-run. The plugin itself starts with no signal blocked. -1 when
 * the signalfd cannot be made (the signals then act as before). */
int stop_signals_fd(void);
/* The signal that arrived on FD, or 0. */
int stop_signal_taken(int fd);

#endif
