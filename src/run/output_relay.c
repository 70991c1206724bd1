/* The non-blocking output relay (output_relay.h). How a write is kept from
 * blocking depends on the destination, which the host chose:
 * - pipes, FIFOs, sockets: pwritev2(RWF_NOWAIT), which writes what fits;
 * - terminals and other character devices: a non-blocking file description
 *   of our own on the same device (reopened through /proc/self/fd);
 * - others that refuse RWF_NOWAIT: poll said POLLOUT, and at most
 *   RELAY_SMALL_WRITE bytes go at a time;
 * - regular files and block devices: plain writes (they wait for the disk,
 *   which no plugin can hold up). */
#include "output_relay.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define RELAY_SMALL_WRITE 256 /* a terminal's wakeup threshold */

void relay_init(struct output_relay *r, int dest)
{
	memset(r, 0, sizeof(*r));
	r->dest = dest;
	r->own_fd = -1;
	struct stat st;
	if (fstat(dest, &st) < 0)
		return;
	r->blocking_ok = S_ISREG(st.st_mode) || S_ISBLK(st.st_mode);
	/* Only a pty slave (majors 136-143) is reopened: opening a device can
	 * do things (the pty master /dev/ptmx makes a new pty; /dev/tty is
	 * whatever the controlling terminal is). Other devices get POLLOUT and
	 * small writes. */
	unsigned maj = major(st.st_rdev);
	if (S_ISCHR(st.st_mode) && maj >= 136 && maj <= 143) {
		/* A terminal refuses RWF_NOWAIT: a file description of our own
		 * on the same device, non-blocking, takes as much as fits
		 * (the host's own stays as it is). */
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", dest);
		r->own_fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (r->own_fd >= 0)
			r->dest = r->own_fd;
	}
}

void relay_free(struct output_relay *r)
{
	if (r->own_fd >= 0)
		close(r->own_fd);
	r->own_fd = -1;
	free(r->buf);
	r->buf = NULL;
	r->start = r->len = 0;
}

size_t relay_room(const struct output_relay *r)
{
	return RELAY_CAPACITY - r->len;
}

bool relay_pending(const struct output_relay *r)
{
	return r->len > 0;
}

/* The queue is a ring: pushing and writing cost what they move, never the
 * whole queue (a terminal that takes 256 bytes at a time would otherwise
 * make each push move 256 KiB). */
bool relay_push(struct output_relay *r, const char *data, size_t n)
{
	if (r->failed) {
		r->lost += n;
		return true;
	}
	if (!r->buf && !(r->buf = malloc(RELAY_CAPACITY))) {
		r->lost += n;
		return false;
	}
	size_t tail = (r->start + r->len) % RELAY_CAPACITY;
	size_t first = n < RELAY_CAPACITY - tail ? n : RELAY_CAPACITY - tail;
	memcpy(r->buf + tail, data, first);
	memcpy(r->buf, data + first, n - first);
	r->len += n;
	return true;
}

/* One write of the queue's head; SIGPIPE from a closed destination is kept
 * from the host (blocked on this thread, consumed if raised). Returns what
 * write returned, errno set. */
static ssize_t write_head(struct output_relay *r, bool wait)
{
	sigset_t pipe_set, old;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	size_t first = r->len < RELAY_CAPACITY - r->start ? r->len : RELAY_CAPACITY - r->start;
	struct iovec iov[2] = {{r->buf + r->start, first}, {r->buf, r->len - first}};
	int n_iov = iov[1].iov_len ? 2 : 1;
	ssize_t n;
	if (wait || r->blocking_ok || r->own_fd >= 0) {
		n = writev(r->dest, iov, n_iov); /* own_fd: O_NONBLOCK */
	} else {
		n = pwritev2(r->dest, iov, n_iov, -1, RWF_NOWAIT);
		if (n < 0 && errno == EOPNOTSUPP) /* POLLOUT: a small write fits */
			n = write(r->dest, iov[0].iov_base,
			          first < RELAY_SMALL_WRITE ? first : RELAY_SMALL_WRITE);
	}
	int e = errno;
	if (n < 0 && e == EPIPE) {
		struct timespec zero = {0, 0};
		sigtimedwait(&pipe_set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return n;
}

static void consumed(struct output_relay *r, size_t n)
{
	r->start = (r->start + n) % RELAY_CAPACITY;
	r->len -= n;
	if (r->len == 0)
		r->start = 0;
}

static void give_up(struct output_relay *r, int error)
{
	r->failed = error ? error : EIO;
	r->lost += r->len;
	r->start = r->len = 0;
}

void relay_write_some(struct output_relay *r)
{
	if (!r->len)
		return;
	ssize_t n = write_head(r, false);
	if (n > 0)
		consumed(r, (size_t)n);
	else if (n == 0 || (errno != EAGAIN && errno != EINTR))
		give_up(r, n == 0 ? EIO : errno);
}

void relay_flush(struct output_relay *r, int cancel_fd)
{
	while (r->len) {
		/* never blocked inside a write: poll, then what fits, so a
		 * cancellation (the CLI's SIGTERM) is heard while the host's
		 * reader takes its time */
		struct pollfd p[2] = {{.fd = r->dest, .events = POLLOUT},
		                      {.fd = cancel_fd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0 && errno != EINTR) {
			give_up(r, errno);
			break;
		}
		if (p[1].revents) {
			give_up(r, ECANCELED);
			break;
		}
		if (!p[0].revents)
			continue;
		ssize_t n = write_head(r, false);
		if (n > 0)
			consumed(r, (size_t)n);
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			give_up(r, n == 0 ? EIO : errno);
	}
}
