/* What zygote.c (start, stop, audit routing) and zygote_call.c share. */
#ifndef PRAXIS_ZYGOTE_INTERNAL_H
#define PRAXIS_ZYGOTE_INTERNAL_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "audit.h"
#include "praxis/executor.h"
#include "zygote_check.h"

/* A call whose process makes audited syscalls: records from its pid are its own. */
struct call_route {
	struct call_route *next;
	pid_t pid;
	struct audit_sink *sink;
};

struct zygote {
	pthread_mutex_t lock; /* routes */
	struct call_route *routes;
	praxis_audit_callback fallback;
	void *fallback_userdata;
	praxis_sandbox *sb;
	praxis_async *run;
	int control;  /* SOCK_SEQPACKET to the zygote's stdin */
	bool wait_go; /* calls wait until their pid is routed (audit on) */
	atomic_bool dead;
	_Atomic uint64_t run_id;        /* the zygote's own run, from its "run.start" */
	char start_reason[1024];        /* of each call's "run.start" record */
	struct zygote_view view;        /* from /proc, checked when it became ready */
	atomic_uint in_flight;          /* calls sent and not ended */
	atomic_ullong calls;            /* calls ended */
	atomic_uint users;              /* executor calls holding it */
	struct child_bound child_bound; /* what no process of its run may pass */
	uint64_t load_memory;           /* the plugin's limits, for its run while loading */
	uint64_t load_tasks;
	atomic_bool misbehaved;   /* killed for what the host saw it do */
	char misbehaved_why[256]; /* under lock */
};

/* Kill the zygote's run (every process of it) for WHY; it is then dead and
 * its plugin gets no zygote again. */
void zygote_kill(struct zygote *z, const char *why);

void route_add(struct zygote *z, struct call_route *r);
void route_remove(struct zygote *z, struct call_route *r);

#endif
