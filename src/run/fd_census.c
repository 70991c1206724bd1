/* fd census (fd_census.h): one readlink per fd of /proc/PID/fd, which names
 * sockets "socket:[INODE]" and pipes "pipe:[INODE]". Processes that are
 * gone meanwhile are skipped (what they held is gone with them). */
#include "fd_census.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int add(struct fd_census *c, uint64_t key)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 1024;
		uint64_t *grown = realloc(c->keys, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		c->keys = grown;
		c->cap = cap;
	}
	c->keys[c->n++] = key;
	return 0;
}

/* The watches of epoll fd NAME of PID: its fdinfo has a "tfd:" line per
 * watch. Counting stops at the census's cap (past it, the run is over its
 * limit anyway), so a huge fdinfo costs at most that much reading (~0.1 s
 * for the 420000 watches of a 64 MiB limit). */
static void count_watches(struct fd_census *c, int fdinfo_dir, const char *name)
{
	int fd = openat(fdinfo_dir, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* after the "pos:", "flags:", "mnt_id:" and "ino:" lines, one line
	 * per watch: lines are counted (memchr is fast), the four taken off */
	char buf[65536];
	uint64_t lines = 0;
	ssize_t n;
	while (c->watches + lines < c->watch_cap + 4 && (n = read(fd, buf, sizeof(buf))) > 0)
		for (const char *p = buf, *end = buf + n; (p = memchr(p, '\n', (size_t)(end - p)));
		     p++)
			lines++;
	close(fd);
	c->watches += lines > 4 ? lines - 4 : 0;
}

static int scan(struct fd_census *c, pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/fdinfo", (int)pid);
	int info = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0;
	}
	int r = 0;
	struct dirent *e;
	while (r == 0 && (e = readdir(d))) {
		char link[64];
		ssize_t n = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		unsigned long long ino;
		if (sscanf(link, "socket:[%llu]", &ino) == 1) {
			r = add(c, (uint64_t)ino << 2);
		} else if (sscanf(link, "pipe:[%llu]", &ino) == 1) {
			r = add(c, (uint64_t)ino << 2 | 1);
		} else if (strcmp(link, "anon_inode:inotify") == 0) {
			/* anonymous inodes share one inode: the instance is the
			 * file, which fdinfo does not name; count each fd (an
			 * fd dup'ed or inherited is charged twice: the safe side) */
			r = add(c, ((uint64_t)c->n << 2) | 2);
		} else if (strcmp(link, "anon_inode:[eventpoll]") == 0) {
			r = add(c, ((uint64_t)c->n << 2) | 3); /* the same, for epoll */
			if (info >= 0)
				count_watches(c, info, e->d_name);
		}
	}
	closedir(d);
	if (info >= 0)
		close(info);
	return r;
}

static int by_key(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int fd_census_count(struct fd_census *c, const pid_t *pids, size_t n, struct fd_objects *out)
{
	c->n = 0;
	c->watches = 0;
	*out = (struct fd_objects){0};
	for (size_t i = 0; i < n; i++) {
		int r = scan(c, pids[i]);
		if (r < 0)
			return r;
	}
	if (c->n)
		qsort(c->keys, c->n, sizeof(*c->keys), by_key);
	for (size_t i = 0; i < c->n; i++) {
		if (i && c->keys[i] == c->keys[i - 1])
			continue;
		switch (c->keys[i] & 3) {
		case 0: out->sockets++; break;
		case 1: out->pipes++; break;
		case 2: out->inotify++; break;
		default: out->epoll++; break;
		}
	}
	out->epoll_watches = c->watches;
	return 0;
}

void fd_census_free(struct fd_census *c)
{
	free(c->keys);
	*c = (struct fd_census){0};
}
