#include "exec_cancel.h"
#include "missing.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

int exec_cancel_init(struct exec_cancel *c)
{
	pthread_mutex_init(&c->lock, NULL);
	c->active = c->requested = false;
	c->pidfd = -1;
	c->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return c->fd < 0 ? -errno : 0;
}

void exec_cancel_destroy(struct exec_cancel *c)
{
	if (c->fd >= 0)
		close(c->fd);
	pthread_mutex_destroy(&c->lock);
}

static void kill_call(int pidfd)
{
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
}

void exec_cancel_request(struct exec_cancel *c)
{
	pthread_mutex_lock(&c->lock);
	c->requested = true;
	if (c->pidfd >= 0)
		kill_call(c->pidfd);
	uint64_t one = 1;
	ssize_t ignored = write(c->fd, &one, sizeof(one));
	(void)ignored;
	pthread_mutex_unlock(&c->lock);
}

bool exec_cancel_begin(struct exec_cancel *c)
{
	pthread_mutex_lock(&c->lock);
	bool go = !c->requested;
	c->active = go;
	pthread_mutex_unlock(&c->lock);
	return go;
}

void exec_cancel_started(struct exec_cancel *c, int pidfd)
{
	pthread_mutex_lock(&c->lock);
	c->pidfd = pidfd;
	if (c->requested)
		kill_call(pidfd);
	pthread_mutex_unlock(&c->lock);
}

void exec_cancel_end(struct exec_cancel *c)
{
	pthread_mutex_lock(&c->lock);
	c->active = false;
	c->pidfd = -1;
	pthread_mutex_unlock(&c->lock);
}

bool exec_cancel_requested(struct exec_cancel *c)
{
	pthread_mutex_lock(&c->lock);
	bool r = c->requested;
	pthread_mutex_unlock(&c->lock);
	return r;
}
