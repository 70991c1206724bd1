/* See file_read.h. */
#include "file_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

static const char *kind_of(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

/* Reads up to SIZE + 1 bytes: a file that grew past what fstat said (and so
 * maybe past the bound) is refused rather than read without end. */
static int read_bounded(int fd, const char *path, size_t size, char *buf, size_t *len,
                        praxis_error *err)
{
	size_t got = 0;
	for (;;) {
		ssize_t n = read(fd, buf + got, size + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return praxis_fail(err, -errno, "%s: read: %s", path, strerror(errno));
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > size)
			return praxis_fail(err, -EAGAIN, "%s: grew while being read", path);
	}
	buf[got] = '\0';
	*len = got;
	return 0;
}

int file_read_regular(const char *path, size_t max, char **data, size_t *len, praxis_error *err)
{
	*data = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return praxis_fail(err, -errno, "%s: %s", path, strerror(errno));
	struct stat st;
	int r = 0;
	char *buf = NULL;
	if (fstat(fd, &st) < 0)
		r = praxis_fail(err, -errno, "%s: %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		r = praxis_fail(err, -EINVAL, "%s: %s, not a regular file", path,
		                kind_of(st.st_mode));
	else if ((uint64_t)st.st_size > max)
		r = praxis_fail(err, -EFBIG, "%s: too large (%lld bytes, at most %zu)", path,
		                (long long)st.st_size, max);
	else if (!(buf = malloc((size_t)st.st_size + 2)))
		r = praxis_fail(err, -ENOMEM, "out of memory");
	else
		r = read_bounded(fd, path, (size_t)st.st_size, buf, len, err);
	close(fd);
	if (r < 0)
		free(buf);
	else
		*data = buf;
	return r;
}
