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
#include <sys/stat.h>
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
	free(t->seen);
	free(t->next);
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
	                 "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld %*d %*d "
	                 "%ld %*d %llu %*u %lld",
	                 &s->state, &s->ppid, &s->utime, &s->stime, &s->cutime, &s->cstime,
	                 &s->threads, &s->start, &s->rss_pages);
	return got == 9 ? 0 : -EIO;
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

/* The leader's stat reads rss 0 once main() has exited (pthread_exit)
 * while other threads keep the address space: read it from a live one. */
static long long rss_of_live_thread(pid_t pid)
{
	char path[32];
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	DIR *d = opendir(path);
	if (!d)
		return 0;
	long long rss = 0;
	struct dirent *e;
	while (!rss && (e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9' || atoi(e->d_name) == pid)
			continue;
		char tpath[300], buf[1024];
		snprintf(tpath, sizeof(tpath), "/proc/%d/task/%s/stat", pid, e->d_name);
		if (read_small(tpath, buf, sizeof(buf)) <= 0)
			continue;
		char *p = strrchr(buf, ')');
		long long r = 0;
		if (p &&
		    sscanf(p + 2,
		           "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
		           "%*d %*d %*d %*u %*u %lld",
		           &r) == 1 &&
		    r > 0)
			rss = r;
	}
	closedir(d);
	return rss;
}

/* Since Linux 6.2 the size of /proc/PID/fd is the number of open fds: one
 * stat, not a directory walk. (Older kernels say 0: nothing is charged.) */
static uint64_t open_fds(pid_t pid)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	return stat(path, &st) == 0 && st.st_size > 0 ? (uint64_t)st.st_size : 0;
}

static int by_pid(const void *a, const void *b)
{
	pid_t x = ((const struct member_seen *)a)->pid, y = ((const struct member_seen *)b)->pid;
	return (x > y) - (x < y);
}

static struct member_seen *find_seen(struct member_seen *v, size_t n, pid_t pid)
{
	struct member_seen key = {.pid = pid};
	return n ? bsearch(&key, v, n, sizeof(*v), by_pid) : NULL; /* v may be NULL */
}

static int remember(struct tree_sampler *t, pid_t pid, const struct stat_line *s)
{
	if (t->n_next == t->cap_seen) {
		size_t cap = t->cap_seen ? t->cap_seen * 2 : 64;
		struct member_seen *a = realloc(t->seen, cap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		t->seen = a;
		struct member_seen *b = realloc(t->next, cap * sizeof(*b));
		if (!b)
			return -ENOMEM;
		t->next = b;
		t->cap_seen = cap;
	}
	unsigned long long cu = s->cutime > 0 ? (unsigned long long)s->cutime : 0;
	unsigned long long cs = s->cstime > 0 ? (unsigned long long)s->cstime : 0;
	bool root = pid == t->root; /* its own time is the host's fork, not the plugin's */
	/* A zombie counts for nothing: whoever waits for it gets its whole
	 * time in cutime, and may already have it while /proc still lists the
	 * zombie (wait adds to cutime before it releases the task). Counting
	 * it here, or banking it when it goes, would count it twice. */
	/* But a leader that left with pthread_exit() while other threads run
	 * reads Z too: it is alive while it has threads, and its stat holds
	 * the whole group's time. */
	bool zombie = (s->state == 'Z' || s->state == 'X') && s->threads <= 1; /* X: being reaped */
	t->next[t->n_next++] = (struct member_seen){
	    .pid = pid,
	    .ppid = s->ppid,
	    .start = s->start,
	    .own = root || zombie ? 0 : s->utime + s->stime,
	    .own_user = root || zombie ? 0 : s->utime,
	    .reaped = zombie ? 0 : cu + cs,
	    .reaped_user = zombie ? 0 : cu,
	};
	return 0;
}

static unsigned long long take(unsigned long long *a, unsigned long long b)
{
	unsigned long long m = *a < b ? *a : b;
	*a -= m;
	return m;
}

/* The nearest ancestor of a departed member that is still there: when its
 * parent went in the same interval, the one that reaps the parent gets
 * the member's time in its cutime. Bounded walk: ppids come from /proc. */
static struct member_seen *surviving_ancestor(struct tree_sampler *t, pid_t ppid)
{
	for (int hops = 0; hops < 64; hops++) {
		struct member_seen *p = find_seen(t->next, t->n_next, ppid);
		if (p)
			return p;
		const struct member_seen *gone = find_seen(t->seen, t->n_seen, ppid);
		if (!gone)
			return NULL;
		ppid = gone->ppid;
	}
	return NULL;
}

/* Charge the members gone since the last sample, then let each member's
 * cutime growth absorb what was charged for children it waited for. */
static void settle(struct tree_sampler *t, double hz, struct tree_usage *out)
{
	if (t->n_next) /* next is NULL before the first member was seen */
		qsort(t->next, t->n_next, sizeof(*t->next), by_pid);
	for (size_t i = 0; i < t->n_next; i++) {
		struct member_seen *now = &t->next[i],
		                   *was = find_seen(t->seen, t->n_seen, now->pid);
		if (was && was->start == now->start) {
			now->pending = was->pending;
			now->pending_user = was->pending_user;
		}
	}
	for (size_t i = 0; i < t->n_seen; i++) {
		struct member_seen *was = &t->seen[i],
		                   *now = find_seen(t->next, t->n_next, was->pid);
		if (now && now->start == was->start)
			continue;
		t->banked += was->own + was->reaped;
		t->banked_user += was->own_user + was->reaped_user;
		struct member_seen *parent = surviving_ancestor(t, was->ppid);
		if (parent) {
			parent->pending += was->own + was->reaped;
			parent->pending_user += was->own_user + was->reaped_user;
		}
	}
	unsigned long long live = 0, live_user = 0;
	for (size_t i = 0; i < t->n_next; i++) {
		struct member_seen *now = &t->next[i],
		                   *was = find_seen(t->seen, t->n_seen, now->pid);
		bool same = was && was->start == now->start;
		unsigned long long grew =
		    now->reaped - (same && was->reaped <= now->reaped ? was->reaped : 0);
		unsigned long long grew_user =
		    now->reaped_user -
		    (same && was->reaped_user <= now->reaped_user ? was->reaped_user : 0);
		t->banked -= take(&now->pending, grew);
		t->banked_user -= take(&now->pending_user, grew_user);
		live += now->own + now->reaped;
		live_user += now->own_user + now->reaped_user;
	}
	out->cpu_seconds = (double)(t->banked + live) / hz;
	out->user_seconds = (double)(t->banked_user + live_user) / hz;
	struct member_seen *swap = t->seen;
	t->seen = t->next;
	t->next = swap;
	t->n_seen = t->n_next;
}

int tree_sample(struct tree_sampler *t, struct tree_usage *out)
{
	memset(out, 0, sizeof(*out));
	t->n = 0;
	t->n_next = 0;
	int r = push(t, t->root);
	long page = sysconf(_SC_PAGESIZE), hz = sysconf(_SC_CLK_TCK);
	for (size_t i = 0; r >= 0 && i < t->n; i++) {
		pid_t pid = t->queue[i];
		struct stat_line s;
		if (proc_stat_read(pid, &s) < 0)
			continue; /* gone since its parent listed it */
		r = remember(t, pid, &s);
		if (r < 0)
			break;
		if (pid != t->root) {
			/* the root is the run's reaper, a fork of the host whose
			 * pages are not the plugin's: only what it reaped counts */
			long long rss = s.rss_pages;
			if (rss <= 0 && s.threads > 1)
				rss = rss_of_live_thread(pid);
			out->rss_bytes += (uint64_t)(rss > 0 ? rss : 0) * (uint64_t)page;
			out->tasks += (unsigned)(s.threads > 0 ? s.threads : 1);
			out->processes++;
			out->fds += open_fds(pid);
		}
		r = push_children(t, pid, s.threads);
	}
	if (r < 0)
		return r;
	settle(t, (double)hz, out);
	return 0;
}
