#include "exec_cancel.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

void exec_cancel_init(struct exec_cancel *c)
{
	pthread_mutex_init(&c->lock, NULL);
	c->active = c->requested = false;
	c->pidfd = -1;
}

void exec_cancel_destroy(struct exec_cancel *c)
{
	pthread_mutex_destroy(&c->lock);
}

static void kill_call(int pidfd)
{
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
}

bool exec_cancel_request(struct exec_cancel *c)
{
	pthread_mutex_lock(&c->lock);
	bool underway = c->active;
	if (underway) {
		c->requested = true;
		if (c->pidfd >= 0)
			kill_call(c->pidfd);
	}
	pthread_mutex_unlock(&c->lock);
	return underway;
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
