/* The CLI's stop signals (stop_signals.h). The CLI is the program, so it
 * may change its own signal mask; the library never does. */
#include "stop_signals.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

static void stop_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
}

int stop_signals_fd(void)
{
	sigset_t set;
	stop_set(&set);
	int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd >= 0 && sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int stop_signal_taken(int fd)
{
	struct signalfd_siginfo si;
	if (fd < 0 || read(fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return 0;
	return (int)si.ssi_signo;
}
