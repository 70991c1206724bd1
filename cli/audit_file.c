/* The CLI's --audit sink. Every write and the close are checked; after the
 * first failure nothing more is written (a file that failed once may hold a
 * cut line: the message says where), and what was lost is counted. */
#include "audit_file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* How long one record may wait for a stalled reader (pipe, socket, tty). */
#define AUDIT_STALL_MS 2000

int audit_file_open(struct audit_file *af, const char *path)
{
	memset(af, 0, sizeof(*af));
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

void audit_file_write(const praxis_audit_record *rec, void *userdata)
{
	struct audit_file *af = userdata;
	if (af->error) {
		af->lost++;
		return;
	}
	char *json = praxis_audit_record_to_json(rec);
	size_t len = json ? strlen(json) : 0;
	char *line = json ? realloc(json, len + 2) : NULL;
	if (!line) {
		free(json);
		af->error = ENOMEM;
		af->error_offset = af->offset;
		af->lost++;
		return;
	}
	line[len++] = '\n';
	line[len] = '\0';
	size_t done = 0;
	int e = write_bounded(af, line, len, &done);
	free(line);
	af->offset += done;
	if (e) {
		af->error = e;
		af->cut = done > 0;
		af->error_offset = af->offset - done;
		af->lost++;
		return;
	}
	af->written++;
}

int audit_file_close(struct audit_file *af)
{
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
	const char *cause =
	    af->error == ETIMEDOUT ? "its reader stalled for more than 2 s" : strerror(af->error);
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
