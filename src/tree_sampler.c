/* Walks the run's tree from its root through /proc/<pid>/task/<tid>/children,
 * so a sample reads only the tree's own files, never all of /proc. */
#include "tree_sampler.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_MEMBERS 65536 /* a bound on work per sample, far above max_procs */

void tree_sampler_init(struct tree_sampler *t, pid_t root)
{
	memset(t, 0, sizeof(*t));
	t->root = root;
}

void tree_sampler_free(struct tree_sampler *t)
{
	free(t->queue);
	memset(t, 0, sizeof(*t));
}

static ssize_t read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	return n;
}

int proc_stat_read(pid_t pid, struct stat_line *s)
{
	char path[32], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return -ESRCH;
	/* comm may contain spaces and parentheses: parse after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	int got = sscanf(p + 2,
	                 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld %*d %*d "
	                 "%ld %*d %*u %*u %lld",
	                 &s->utime, &s->stime, &s->cutime, &s->cstime, &s->threads, &s->rss_pages);
	return got == 6 ? 0 : -EIO;
}

static int push(struct tree_sampler *t, pid_t pid)
{
	if (t->n >= MAX_MEMBERS)
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		pid_t *grown = realloc(t->queue, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		t->queue = grown;
		t->cap = cap;
	}
	t->queue[t->n++] = pid;
	return 0;
}

static int push_children_of_task(struct tree_sampler *t, pid_t pid, const char *tid)
{
	char path[64], buf[4096], word[16];
	size_t wlen = 0;
	snprintf(path, sizeof(path), "/proc/%d/task/%s/children", pid, tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	int r = 0;
	ssize_t n;
	/* To the end: a wide tree's list is longer than any one buffer. */
	while (r >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; r >= 0 && i < n; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				if (wlen + 1 < sizeof(word))
					word[wlen++] = buf[i];
				continue;
			}
			if (wlen) {
				word[wlen] = '\0';
				r = push(t, (pid_t)atoi(word));
				wlen = 0;
			}
		}
	if (r >= 0 && wlen) {
		word[wlen] = '\0';
		r = push(t, (pid_t)atoi(word));
	}
	close(fd);
	return r;
}

static int push_children(struct tree_sampler *t, pid_t pid, long threads)
{
	char tid[16];
	if (threads <= 1) { /* the common case: one task, named like the process */
		snprintf(tid, sizeof(tid), "%d", pid);
		return push_children_of_task(t, pid, tid);
	}
	char path[32];
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	DIR *d = opendir(path);
	if (!d)
		return 0;
	int r = 0;
	struct dirent *e;
	while (r >= 0 && (e = readdir(d)))
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			r = push_children_of_task(t, pid, e->d_name);
	closedir(d);
	return r;
}

int tree_sample(struct tree_sampler *t, struct tree_usage *out)
{
	memset(out, 0, sizeof(*out));
	t->n = 0;
	int r = push(t, t->root);
	long page = sysconf(_SC_PAGESIZE), hz = sysconf(_SC_CLK_TCK);
	for (size_t i = 0; r >= 0 && i < t->n; i++) {
		pid_t pid = t->queue[i];
		struct stat_line s;
		if (proc_stat_read(pid, &s) < 0)
			continue; /* gone since its parent listed it */
		double reaped =
		    (double)((unsigned long long)s.cutime + (unsigned long long)s.cstime) /
		    (double)hz;
		out->cpu_seconds += reaped;
		out->user_seconds += (double)s.cutime / (double)hz;
		if (pid != t->root) {
			/* the root is the run's reaper, a fork of the host whose
			 * pages are not the plugin's: only what it reaped counts */
			out->rss_bytes +=
			    (uint64_t)(s.rss_pages > 0 ? s.rss_pages : 0) * (uint64_t)page;
			out->cpu_seconds += (double)(s.utime + s.stime) / (double)hz;
			out->user_seconds += (double)s.utime / (double)hz;
			out->tasks += (unsigned)(s.threads > 0 ? s.threads : 1);
			out->processes++;
		}
		r = push_children(t, pid, s.threads);
	}
	return r < 0 ? r : 0;
}
