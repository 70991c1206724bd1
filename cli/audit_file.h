/* The CLI's --audit sink: JSON Lines written with every write checked, by a
 * thread of its own, so the supervising thread never waits for a reader:
 * records queue (at most AUDIT_QUEUE_MAX bytes) while the file takes them. */
#ifndef PRAXIS_CLI_AUDIT_FILE_H
#define PRAXIS_CLI_AUDIT_FILE_H
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "praxis/praxis.h"

/* Exit status of a run whose audit log was asked for and is incomplete. */
#define EXIT_AUDIT_INCOMPLETE 122

#define AUDIT_QUEUE_MAX (16u << 20)

struct audit_line {
	struct audit_line *next;
	size_t len;
	char text[];
};

struct audit_file {
	pthread_mutex_t lock; /* the fields below, between the run and the writer */
	pthread_cond_t cv;
	pthread_t writer;
	bool writer_started, closing, closed;
	struct audit_line *head, *tail;
	size_t queued; /* bytes waiting */
	int fd;
	bool active;      /* --audit was given */
	bool own_fd;      /* opened by us (closed by audit_file_close) */
	bool pollable;    /* not a regular file: writes wait with a bound */
	uint64_t written; /* whole records written */
	uint64_t lost;    /* records not written (or cut) */
	uint64_t offset;  /* bytes written */
	int error;        /* first errno; 0 = complete so far */
	bool cut;         /* a record was cut mid-line at ERROR_OFFSET */
	uint64_t error_offset;
};

/* PATH "-" = stderr. Returns 0 or a negative errno. */
int audit_file_open(struct audit_file *af, const char *path);
/* praxis_audit_callback; USERDATA is the struct audit_file. */
void audit_file_write(const praxis_audit_record *rec, void *userdata);
/* Close (fsync-free: close's own error counts). Returns 0 when every record
 * was written, else the negative errno of the first failure. */
int audit_file_close(struct audit_file *af);
/* "N records lost ..." for messages and reports (static buffer). */
const char *audit_file_problem(const struct audit_file *af);

#endif
