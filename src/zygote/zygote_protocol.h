/* The messages between the executor (host) and a plugin's zygote
 * (praxis-so-runner --zygote), on SOCK_SEQPACKET sockets: one message per
 * send, so concurrent host threads never interleave. Shared by both sides;
 * the zygote side trusts nothing the host does not control, and the host
 * trusts nothing the zygote says beyond its own plugin's results. */
#ifndef PRAXIS_ZYGOTE_PROTOCOL_H
#define PRAXIS_ZYGOTE_PROTOCOL_H
#include <stdint.h>

#define ZYGOTE_MAGIC 0x7a79676fu /* "zygo" */

enum zygote_msg_type {
	ZMSG_INIT = 1,       /* host -> zygote, once: struct zmsg_init + BPF insns */
	ZMSG_READY = 2,      /* zygote -> host: the object is loaded; + a pidfd of itself.
	                        It then waits for ZMSG_READY_ACK (the host has checked it)
	                        before it forks anything */
	ZMSG_LOAD_ERROR = 3, /* zygote -> host: struct zmsg_hdr + text; the zygote exits */
	ZMSG_CALL = 4,       /* host -> zygote: struct zmsg_call + fds params, result,
	                        stderr, reply */
	ZMSG_STARTED = 5,    /* zygote -> host (reply socket): + a pidfd of the call */
	ZMSG_ENDED = 6,      /* zygote -> host (reply socket): struct zmsg_ended */
	ZMSG_FAILED = 7,     /* zygote -> host (reply socket): struct zmsg_failed */
	ZMSG_READY_ACK = 8,  /* host -> zygote: struct zmsg_hdr */
};

enum zygote_init_flags {
	ZINIT_WAIT_GO = 1u << 0,     /* a call waits for one byte on its reply socket (the
	                                host has registered its pid for the audit log) */
	ZINIT_SCOPE_CALLS = 1u << 1, /* each call gets a Landlock domain of its own that
	                                scopes signals and abstract UNIX sockets */
};

/* Fd positions of a call's SCM_RIGHTS array, in order. */
enum zygote_call_fd { ZFD_PARAMS, ZFD_RESULT, ZFD_STDERR, ZFD_REPLY, ZFD_COUNT };

struct zmsg_hdr {
	uint32_t magic;
	uint32_t type;
};

struct zmsg_init {
	struct zmsg_hdr hdr;
	uint32_t flags;
	uint32_t n_insns;     /* struct sock_filter entries that follow: loaded by every call */
	uint64_t cpu_seconds; /* RLIMIT_CPU of each call, 0 = none (the host also samples) */
};

struct zmsg_call {
	struct zmsg_hdr hdr;
	uint64_t call_id;
};

struct zmsg_ended {
	struct zmsg_hdr hdr;
	int32_t wait_status; /* as from wait4() */
	int32_t pad;
	uint64_t user_usec;
	uint64_t system_usec;
	uint64_t maxrss_kib;
};

struct zmsg_failed {
	struct zmsg_hdr hdr;
	int32_t error; /* errno of what failed (fork, ...) */
	int32_t pad;
};

#define ZYGOTE_MAX_MSG   65536
#define ZYGOTE_OWN_CPU   10 /* seconds of its own CPU a zygote gets, at least */
#define ZYGOTE_MAX_CALLS 16 /* calls in flight in one zygote; more wait in the socket */

#endif
