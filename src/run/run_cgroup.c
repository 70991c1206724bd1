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

/* The pid namespace the host's pid means something in: part of the name,
 * so a reclaim never judges a host of another namespace by a pid of ours. */
static unsigned long long own_pid_ns(void)
{
	struct stat st;
	return stat("/proc/self/ns/pid", &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

int run_cgroup_create(struct run_cgroup *cg, const char *parent, uint64_t run_id)
{
	cg->dir_fd = cg->stat_fd = -1;
	if ((size_t)snprintf(cg->path, sizeof(cg->path), "%s/praxis-%llu-%d-%016llx", parent,
	                     own_pid_ns(), (int)getpid(),
	                     (unsigned long long)run_id) >= sizeof(cg->path))
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
	unsigned long long ns = own_pid_ns();
	while ((e = readdir(d))) {
		int pid = 0, end = 0;
		unsigned long long id, their_ns;
		if (sscanf(e->d_name, "praxis-%llu-%d-%16llx%n", &their_ns, &pid, &id, &end) != 3 ||
		    e->d_name[end] != '\0' || strlen(e->d_name) != (size_t)end || pid <= 0 ||
		    pid == getpid() || !ns || their_ns != ns)
			continue; /* not a host of our pid namespace: its pid means nothing here */
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

static int read_cpu(const struct run_cgroup *cg, uint64_t *usage_usec, uint64_t *user_usec)
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

int run_cgroup_cpu(const struct run_cgroup *cg, uint64_t *usage_usec, uint64_t *user_usec)
{
	int r = read_cpu(cg, usage_usec, user_usec);
	if (r == 0) {
		*usage_usec = *usage_usec > cg->base_usage ? *usage_usec - cg->base_usage : 0;
		*user_usec = *user_usec > cg->base_user ? *user_usec - cg->base_user : 0;
	}
	return r;
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

/* Kill what is left and wait until it is empty: true when it is. */
static bool drain(struct run_cgroup *cg)
{
	int events = openat(cg->dir_fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (events < 0)
		return false;
	bool busy = populated(events);
	if (busy)
		run_cgroup_kill(cg);
	/* SIGKILLed processes leave in microseconds; 1 s is for a loaded host */
	for (int i = 0; busy && i < 100; i++) {
		struct pollfd p = {.fd = events, .events = POLLPRI};
		poll(&p, 1, 10);
		busy = populated(events);
	}
	close(events);
	return !busy;
}

void run_cgroup_pool_init(struct run_cgroup_pool *pool)
{
	pthread_mutex_init(&pool->lock, NULL);
	pool->n = 0;
}

void run_cgroup_pool_free(struct run_cgroup_pool *pool)
{
	for (unsigned i = 0; i < pool->n; i++)
		run_cgroup_remove(&pool->idle[i]);
	pool->n = 0;
	pthread_mutex_destroy(&pool->lock);
}

int run_cgroup_take(struct run_cgroup_pool *pool, struct run_cgroup *cg, const char *parent,
                    uint64_t run_id)
{
	bool reused = false;
	pthread_mutex_lock(&pool->lock);
	if (pool->n > 0) {
		*cg = pool->idle[--pool->n];
		reused = true;
	}
	pthread_mutex_unlock(&pool->lock);
	int r = reused ? 0 : run_cgroup_create(cg, parent, run_id);
	if (r == 0 && read_cpu(cg, &cg->base_usage, &cg->base_user) < 0)
		cg->base_usage = cg->base_user = 0;
	return r;
}

int run_cgroup_give_back(struct run_cgroup_pool *pool, struct run_cgroup *cg)
{
	if (cg->dir_fd < 0)
		return run_cgroup_remove(cg);
	if (drain(cg)) {
		pthread_mutex_lock(&pool->lock);
		bool kept = pool->n < RUN_CGROUP_POOL;
		if (kept)
			pool->idle[pool->n++] = *cg;
		pthread_mutex_unlock(&pool->lock);
		if (kept) {
			cg->dir_fd = cg->stat_fd = -1;
			cg->path[0] = '\0';
			return 0;
		}
	}
	return run_cgroup_remove(cg);
}

int run_cgroup_remove(struct run_cgroup *cg)
{
	if (cg->dir_fd < 0 && !cg->path[0])
		return 0;
	int r = 0;
	if (cg->dir_fd >= 0)
		drain(cg);
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
