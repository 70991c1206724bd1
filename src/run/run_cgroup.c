/* Per-run cgroup v2 (run_cgroup.h); where it goes: base/cgroup_place.c. */
#include "run_cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int run_cgroup_create(struct run_cgroup *cg, const char *parent, uint64_t run_id)
{
	cg->dir_fd = cg->stat_fd = -1;
	if ((size_t)snprintf(cg->path, sizeof(cg->path), "%s/praxis-%d-%016llx", parent,
	                     (int)getpid(), (unsigned long long)run_id) >= sizeof(cg->path))
		return -ENAMETOOLONG;
	int made = mkdir(cg->path, 0755);
	if (made < 0 && (errno == EAGAIN || errno == ENOSPC)) {
		/* cgroup.max.descendants: maybe full of dead hosts' leftovers */
		run_cgroup_reclaim(parent);
		made = mkdir(cg->path, 0755);
	}
	if (made < 0) {
		int e = errno;
		cg->path[0] = '\0'; /* not ours: never to be removed (EEXIST) */
		return -e;
	}
	cg->dir_fd = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg->dir_fd >= 0)
		cg->stat_fd = openat(cg->dir_fd, "cpu.stat", O_RDONLY | O_CLOEXEC);
	if (cg->dir_fd < 0 || cg->stat_fd < 0) {
		int e = errno;
		run_cgroup_remove(cg);
		return -e;
	}
	return 0;
}

void run_cgroup_reclaim(const char *parent)
{
	DIR *d = opendir(parent);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		int pid = 0, end = 0;
		unsigned long long id;
		if (sscanf(e->d_name, "praxis-%d-%16llx%n", &pid, &id, &end) != 2 ||
		    e->d_name[end] != '\0' || strlen(e->d_name) != (size_t)end || pid <= 0 ||
		    pid == getpid())
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue; /* its host lives (or is someone else's now): not ours */
		unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR); /* only if empty */
	}
	closedir(d);
}

static uint64_t stat_field(const char *text, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, n) == 0 && p[n] == ' ')
			return strtoull(p + n + 1, NULL, 10);
	return 0;
}

int run_cgroup_cpu(const struct run_cgroup *cg, uint64_t *usage_usec, uint64_t *user_usec)
{
	char buf[1024];
	ssize_t n = pread(cg->stat_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	*usage_usec = stat_field(buf, "usage_usec");
	*user_usec = stat_field(buf, "user_usec");
	return 0;
}

static int write_at(int dir_fd, const char *name, const char *text)
{
	int fd = openat(dir_fd, name, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, text, strlen(text));
	int e = errno;
	close(fd);
	return n < 0 ? -e : 0;
}

int run_cgroup_kill(const struct run_cgroup *cg)
{
	return cg->dir_fd >= 0 ? write_at(cg->dir_fd, "cgroup.kill", "1") : 0;
}

/* cgroup.events says "populated 0" once its last process has exited. */
static bool populated(int events_fd)
{
	char buf[256];
	ssize_t n = pread(events_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return stat_field(buf, "populated") != 0;
}

int run_cgroup_remove(struct run_cgroup *cg)
{
	if (cg->dir_fd < 0 && !cg->path[0])
		return 0;
	int r = 0;
	if (cg->dir_fd >= 0) {
		run_cgroup_kill(cg);
		int events = openat(cg->dir_fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
		/* SIGKILLed processes leave in microseconds; 1 s is for a loaded host */
		for (int i = 0; events >= 0 && i < 100 && populated(events); i++) {
			struct pollfd p = {.fd = events, .events = POLLPRI};
			poll(&p, 1, 10);
		}
		if (events >= 0)
			close(events);
	}
	if (cg->path[0] && rmdir(cg->path) < 0 && errno != ENOENT)
		r = -errno;
	if (cg->stat_fd >= 0)
		close(cg->stat_fd);
	if (cg->dir_fd >= 0)
		close(cg->dir_fd);
	cg->dir_fd = cg->stat_fd = -1;
	cg->path[0] = '\0';
	return r;
}
