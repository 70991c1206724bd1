/* Cancelling an executor call that runs in a zygote: the async handle asks,
 * the calling thread kills the call's process through its pidfd. */
#ifndef PRAXIS_EXEC_CANCEL_H
#define PRAXIS_EXEC_CANCEL_H
#include <pthread.h>
#include <stdbool.h>

struct exec_cancel {
	pthread_mutex_t lock;
	bool active;    /* a zygote call is underway */
	bool requested; /* cancel was asked for */
	int pidfd;      /* the call's process, once started; else -1 */
};

void exec_cancel_init(struct exec_cancel *c);
void exec_cancel_destroy(struct exec_cancel *c);
/* Ask for cancellation. True when a zygote call is underway: it is killed
 * now, or as soon as its process exists. */
bool exec_cancel_request(struct exec_cancel *c);
/* The calling thread's side: begin (false if already cancelled), the
 * process is known (killed at once if cancel was asked), end. */
bool exec_cancel_begin(struct exec_cancel *c);
void exec_cancel_started(struct exec_cancel *c, int pidfd);
void exec_cancel_end(struct exec_cancel *c);
bool exec_cancel_requested(struct exec_cancel *c);

#endif
