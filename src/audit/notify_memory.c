/* Reading the plugin's memory, for the handlers: strings and bytes through
 * process_vm_readv, then SECCOMP_IOCTL_NOTIF_ID_VALID before they are used. */
#include "missing.h"
#include "notify_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "syscall_policy.h"

/* ---- reading the plugin's memory ---- */

/* Read a NUL-terminated string at ADDR. process_vm_readv never splits an
 * iovec, so the remote side is cut at page boundaries. */
int read_string(pid_t pid, uint64_t addr, char *buf, size_t size)
{
	if (addr == 0)
		return -EFAULT;
	size_t page = 4096, done = 0;
	while (done + 1 < size) {
		uint64_t at = addr + done;
		size_t chunk = page - (size_t)(at % page);
		if (chunk > size - 1 - done)
			chunk = size - 1 - done;
		struct iovec local = {buf + done, chunk};
		struct iovec remote = {(void *)(uintptr_t)at, chunk};
		ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
		if (n <= 0) { /* unmapped before the NUL: the kernel says EFAULT too */
			buf[done] = '\0';
			return -EFAULT;
		}
		char *nul = memchr(buf + done, '\0', (size_t)n);
		done += (size_t)n;
		if (nul)
			return 0;
	}
	buf[size - 1] = '\0';
	return -ENAMETOOLONG;
}

int read_bytes(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {buf, len};
	struct iovec remote = {(void *)(uintptr_t)addr, len};
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

/* After reading memory: is the syscall still waiting (not a recycled pid)? */
bool still_valid(struct notify_ctx *c)
{
	return ioctl(c->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &c->req->id) == 0;
}

/* Make a target printable and valid JSON: escape control and non-ASCII
 * bytes as \xNN, and the backslash itself as \\, so the text names one
 * byte string only (a file may be called "a\x41b"). */
void sanitize(char *out, size_t size, const char *in)
{
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p && o + 5 < size; p++) {
		if (*p == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
		} else if (*p >= 0x20 && *p < 0x7f)
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", *p);
	}
	out[o] = '\0';
}
