/* Cancelling an executor call that runs in a zygote: the async handle asks,
 * the calling thread kills the call's process through its pidfd. */
#ifndef PRAXIS_EXEC_CANCEL_H
#define PRAXIS_EXEC_CANCEL_H
#include <pthread.h>
#include <stdbool.h>

struct exec_cancel {
	int fd; /* an eventfd, written on cancel: a fresh run's cancel_fd */
	pthread_mutex_t lock;
	bool active;    /* a zygote call is underway */
	bool requested; /* cancel was asked for */
	int pidfd;      /* the call's process, once started; else -1 */
};

/* 0, or -errno when the eventfd cannot be made. */
int exec_cancel_init(struct exec_cancel *c);
void exec_cancel_destroy(struct exec_cancel *c);
/* Ask for cancellation: a fresh run is killed through the eventfd, a zygote
 * call now or as soon as its process exists, and a call not begun yet does
 * not begin. */
void exec_cancel_request(struct exec_cancel *c);
/* The calling thread's side: begin (false if already cancelled), the
 * process is known (killed at once if cancel was asked), end. */
bool exec_cancel_begin(struct exec_cancel *c);
void exec_cancel_started(struct exec_cancel *c, int pidfd);
void exec_cancel_end(struct exec_cancel *c);
bool exec_cancel_requested(struct exec_cancel *c);

#endif
