#include "tree_sampler.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct known_pid {
	pid_t pid;
	bool member;
};

void tree_sampler_init(struct tree_sampler *t, pid_t root)
{
	memset(t, 0, sizeof(*t));
	t->root = root;
}

void tree_sampler_free(struct tree_sampler *t)
{
	free(t->known);
	memset(t, 0, sizeof(*t));
}

struct stat_line {
	pid_t ppid;
	unsigned long long utime, stime;
	long long cutime, cstime;
	long threads;
	long long rss_pages;
};

static int read_stat(pid_t pid, struct stat_line *s)
{
	char path[32], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* comm may contain spaces and parentheses: parse after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	char state;
	int ppid;
	int got = sscanf(p + 2,
			 "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld %*d %*d %ld "
			 "%*d %*u %*u %lld",
			 &state, &ppid, &s->utime, &s->stime, &s->cutime, &s->cstime, &s->threads,
			 &s->rss_pages);
	s->ppid = ppid;
	return got == 8 ? 0 : -EIO;
}

static struct known_pid *find(struct known_pid *v, size_t n, pid_t pid)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (v[mid].pid == pid)
			return &v[mid];
		if (v[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = ((const struct known_pid *)a)->pid, y = ((const struct known_pid *)b)->pid;
	return (x > y) - (x < y);
}

int tree_sample(struct tree_sampler *t, struct tree_usage *out)
{
	memset(out, 0, sizeof(*out));
	DIR *d = opendir("/proc");
	if (!d)
		return -errno;
	struct known_pid *next = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			struct known_pid *grown = realloc(next, cap * sizeof(*next));
			if (!grown) {
				free(next);
				closedir(d);
				return -ENOMEM;
			}
			next = grown;
		}
		next[n++] = (struct known_pid){.pid = atoi(e->d_name), .member = false};
	}
	closedir(d);
	qsort(next, n, sizeof(*next), cmp_pid);
	long page = sysconf(_SC_PAGESIZE), hz = sysconf(_SC_CLK_TCK);
	/* Parents usually have lower pids, but not after a wrap: repeat until
	 * no new member is found. */
	bool changed = true;
	for (int pass = 0; changed && pass < 8; pass++) {
		changed = false;
		for (size_t i = 0; i < n; i++) {
			struct known_pid *old = find(t->known, t->n, next[i].pid);
			if (old && pass == 0) {
				next[i].member = old->member; /* classified for good */
				continue;
			}
			if (old || next[i].member)
				continue;
			struct stat_line s;
			if (read_stat(next[i].pid, &s) < 0)
				continue;
			bool parent_in = next[i].pid == t->root;
			struct known_pid *parent = find(next, n, s.ppid);
			if (parent && parent->member)
				parent_in = true;
			if (parent_in) {
				next[i].member = true;
				changed = true;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct stat_line s;
		if (!next[i].member || read_stat(next[i].pid, &s) < 0)
			continue;
		if (next[i].pid == t->root) {
			/* the run's reaper: a fork of the host, whose pages are not
			 * the plugin's; only what it reaped counts */
			out->cpu_seconds += (double)((unsigned long long)s.cutime +
						     (unsigned long long)s.cstime) / (double)hz;
			out->user_seconds += (double)s.cutime / (double)hz;
			continue;
		}
		out->rss_bytes += (uint64_t)(s.rss_pages > 0 ? s.rss_pages : 0) * (uint64_t)page;
		out->cpu_seconds +=
			(double)(s.utime + s.stime + (unsigned long long)s.cutime + (unsigned long long)s.cstime) /
			(double)hz;
		out->user_seconds += (double)(s.utime + (unsigned long long)s.cutime) / (double)hz;
		out->tasks += (unsigned)(s.threads > 0 ? s.threads : 1);
		out->processes++;
	}
	free(t->known);
	t->known = next;
	t->n = n;
	t->cap = cap;
	return 0;
}
