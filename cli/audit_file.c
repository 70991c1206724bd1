/* The CLI's --audit sink. The run's callback only queues the record; a
 * writer thread writes it. Every write and the close are checked; after the
 * first failure nothing more is written (a file that failed once may hold a
 * cut line: the message says where), and what was lost is counted. A reader
 * that stalls holds up the writer (2 s per record at most), never the run
 * and its limits; one that falls 16 MiB behind makes the log incomplete. */
#include "audit_file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* How long one record may wait for a stalled reader (pipe, socket, tty). */
#define AUDIT_STALL_MS 2000

static void *writer_main(void *arg);

int audit_file_open(struct audit_file *af, const char *path)
{
	memset(af, 0, sizeof(*af));
	pthread_mutex_init(&af->lock, NULL);
	pthread_cond_init(&af->cv, NULL);
	af->active = true;
	if (strcmp(path, "-") == 0) {
		af->fd = 2;
	} else {
		af->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (af->fd < 0)
			return -errno;
		af->own_fd = true;
	}
	struct stat st;
	af->pollable = fstat(af->fd, &st) == 0 && !S_ISREG(st.st_mode);
	/* Our own description of a pipe may be non-blocking; stderr's is
	 * shared with whoever started us, so it is left alone (poll, and
	 * writes no larger than PIPE_BUF, instead). */
	if (af->pollable && af->own_fd)
		fcntl(af->fd, F_SETFL, fcntl(af->fd, F_GETFL) | O_NONBLOCK);
	/* The writer starts with every signal blocked: the CLI's stop signals
	 * are read from a signalfd, which only works if no thread takes them. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int e = pthread_create(&af->writer, NULL, writer_main, af);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0)
		return -EAGAIN;
	af->writer_started = true;
	return 0;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Write all of BUF, waiting at most AUDIT_STALL_MS for a reader. Returns 0
 * or a positive errno; *DONE says how much went out. */
static int write_bounded(struct audit_file *af, const char *buf, size_t len, size_t *done)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	*done = 0;
	while (*done < len) {
		if (af->pollable) {
			long left = AUDIT_STALL_MS - ms_since(&t0);
			struct pollfd p = {.fd = af->fd, .events = POLLOUT};
			int n = left > 0 ? poll(&p, 1, (int)left) : 0;
			if (n < 0 && errno == EINTR)
				continue;
			if (n == 0)
				return ETIMEDOUT;
			if (n < 0)
				return errno;
		}
		size_t chunk = len - *done;
		if (af->pollable && !af->own_fd && chunk > PIPE_BUF)
			chunk = PIPE_BUF;
		ssize_t w = write(af->fd, buf + *done, chunk);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w < 0)
			return errno;
		if (w == 0)
			return EIO;
		*done += (size_t)w;
	}
	return 0;
}

/* Under the lock: the first failure; what was queued is lost with it. */
static void fail_locked(struct audit_file *af, int error, size_t done)
{
	af->error = error;
	af->cut = done > 0;
	af->error_offset = af->offset - done;
	af->lost++;
	while (af->head) {
		struct audit_line *l = af->head;
		af->head = l->next;
		af->lost++;
		free(l);
	}
	af->tail = NULL;
	af->queued = 0;
}

static void *writer_main(void *arg)
{
	struct audit_file *af = arg;
	pthread_mutex_lock(&af->lock);
	for (;;) {
		while (!af->head && !af->closing)
			pthread_cond_wait(&af->cv, &af->lock);
		struct audit_line *l = af->head;
		if (!l)
			break; /* closing, and everything is out */
		af->head = l->next;
		if (!af->head)
			af->tail = NULL;
		af->queued -= l->len;
		pthread_mutex_unlock(&af->lock);
		size_t done = 0;
		int e = write_bounded(af, l->text, l->len, &done);
		free(l);
		pthread_mutex_lock(&af->lock);
		af->offset += done;
		if (e)
			fail_locked(af, e, done);
		else
			af->written++;
	}
	pthread_mutex_unlock(&af->lock);
	return NULL;
}

void audit_file_write(const praxis_audit_record *rec, void *userdata)
{
	struct audit_file *af = userdata;
	char *json = praxis_audit_record_to_json(rec);
	size_t len = json ? strlen(json) : 0;
	struct audit_line *l = json ? malloc(sizeof(*l) + len + 2) : NULL;
	if (l) {
		memcpy(l->text, json, len);
		l->text[len++] = '\n';
		l->text[len] = '\0';
		l->len = len;
		l->next = NULL;
	}
	free(json);
	pthread_mutex_lock(&af->lock);
	if (af->error || !l || af->queued + (l ? l->len : 0) > AUDIT_QUEUE_MAX) {
		if (!af->error)
			fail_locked(af, l ? ENOBUFS : ENOMEM, 0);
		else
			af->lost++;
		pthread_mutex_unlock(&af->lock);
		free(l);
		return;
	}
	if (af->tail)
		af->tail->next = l;
	else
		af->head = l;
	af->tail = l;
	af->queued += l->len;
	pthread_cond_signal(&af->cv);
	pthread_mutex_unlock(&af->lock);
}

int audit_file_close(struct audit_file *af)
{
	if (af->closed)
		return af->error ? -af->error : 0;
	af->closed = true;
	if (af->writer_started) {
		/* what is queued goes out first (each record bounded by the
		 * stall limit: the run is over, this is the host's time) */
		pthread_mutex_lock(&af->lock);
		af->closing = true;
		pthread_cond_signal(&af->cv);
		pthread_mutex_unlock(&af->lock);
		pthread_join(af->writer, NULL);
		af->writer_started = false;
	}
	if (af->own_fd && af->fd >= 0) {
		if (close(af->fd) < 0 && !af->error) {
			af->error = errno;
			af->error_offset = af->offset;
		}
	}
	af->fd = -1;
	return af->error ? -af->error : 0;
}

const char *audit_file_problem(const struct audit_file *af)
{
	static char text[256];
	const char *cause = af->error == ETIMEDOUT ? "its reader stalled for more than 2 s"
	                    : af->error == ENOBUFS ? "its reader fell 16 MiB behind the run"
	                                           : strerror(af->error);
	if (af->cut)
		snprintf(text, sizeof(text),
		         "%" PRIu64 " records lost after %" PRIu64
		         " written; the last line, from byte %" PRIu64 ", is cut: %s",
		         af->lost, af->written, af->error_offset, cause);
	else
		snprintf(text, sizeof(text),
		         "%" PRIu64 " records lost after %" PRIu64 " written (%" PRIu64
		         " bytes): %s",
		         af->lost, af->written, af->error_offset, cause);
	return text;
}
