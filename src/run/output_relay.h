#ifndef PRAXIS_OUTPUT_RELAY_H
#define PRAXIS_OUTPUT_RELAY_H
#include <stdbool.h>
#include <stddef.h>

/* Output relayed from a plugin's pipe to a host fd (PRAXIS_OUTPUT_RELAY)
 * without ever blocking the supervisor's loop: a bounded queue that the
 * loop fills when the pipe is readable and drains when the destination is
 * writable. A destination that does not keep up makes the queue full, the
 * loop stops reading the pipe, and the plugin waits in its own write():
 * the plugin is held back, never the limits. */
#define RELAY_CAPACITY (256 * 1024)

struct output_relay {
	int dest;
	int own_fd;       /* a non-blocking reopen of a terminal, or -1 */
	bool blocking_ok; /* a regular file or block device: the disk, not a reader */
	char *buf;
	size_t start, len; /* queued: LEN bytes from START, round the ring */
	int failed;        /* errno that made the destination refuse output, or 0 */
	size_t lost;       /* bytes dropped because of it */
};

void relay_init(struct output_relay *r, int dest);
void relay_free(struct output_relay *r);
/* Bytes the queue takes now. */
size_t relay_room(const struct output_relay *r);
bool relay_pending(const struct output_relay *r);
/* Queue N <= relay_room() bytes; false when out of memory (counted lost). */
bool relay_push(struct output_relay *r, const char *data, size_t n);
/* Write what the destination takes without waiting (call on POLLOUT). */
void relay_write_some(struct output_relay *r);
/* Write everything queued, waiting for the destination: only once the
 * plugin is gone (the host's fd, at the host's pace), until CANCEL_FD (-1:
 * none) is readable; what is left then is lost, and counted. */
void relay_flush(struct output_relay *r, int cancel_fd);

#endif
