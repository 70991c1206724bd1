#ifndef PRAXIS_SECCOMP_FILTER_H
#define PRAXIS_SECCOMP_FILTER_H
#include <linux/filter.h>
#include <stdbool.h>

#include "praxis/praxis.h"

struct seccomp_options {
	bool subprocess;      /* fork/vfork/clone of processes allowed */
	bool net_socket;      /* TCP and UDP sockets */
	bool net_http;        /* TCP sockets only */
	bool pid_namespace;   /* false: setsid/setpgid are denied so group kill works */
	bool metadata;        /* chmod/chown/xattr/utimes allowed (filesystem.write whole) */
	bool notify;          /* audit: route audited syscalls to the supervisor */
	bool notify_net;      /* network.http: connect/send* go to the supervisor, which
	                         performs allowed ones itself (race-free) */
	bool gated_processes; /* every process creation asked of the supervisor (a
	                         gate decides: a .so plugin's zygote), shared
	                         anonymous memory refused: pages kept by one process
	                         and filled by its children would be in no RSS */
	bool buffers;         /* socket(), socketpair() and socket buffer sizes go to the
	                         supervisor, which creates sockets with bounded buffers:
	                         kernel memory no RSS shows (docs/limits in SECURITY.md) */
};

struct bpf_program {
	struct sock_filter *insns;
	unsigned short len;
};

/* The filter for O into P (host side, once per sandbox): the build-time
 * table when it has O, else compiled now. */
int seccomp_build(const struct seccomp_options *o, struct bpf_program *p, praxis_error *err);
/* Always compile with libseccomp (the generator, and the fallback). */
int seccomp_compile(const struct seccomp_options *o, struct bpf_program *p, praxis_error *err);

/* Options as a small integer, for the build-time table. */
#define SECCOMP_OPTION_KEYS 512
unsigned seccomp_options_key(const struct seccomp_options *o);
/* False for combinations the library never builds. */
bool seccomp_options_from_key(unsigned key, struct seccomp_options *o);

struct prebuilt_filter {
	unsigned key;
	const struct sock_filter *insns;
	unsigned short len;
};
/* The filter every call of a zygote loads on top of the plugin's: no
 * process creation, no exec. */
int seccomp_compile_no_spawn_filter(struct bpf_program *p, praxis_error *err);
void bpf_program_free(struct bpf_program *p);
/* Human-readable rules (libseccomp's PFC text); caller frees. */
char *seccomp_describe(const struct seccomp_options *o);

/* Child side: load P with FLAGS. Returns the syscall's result or -errno. */
int seccomp_apply(const struct bpf_program *p, unsigned int flags);

#endif
