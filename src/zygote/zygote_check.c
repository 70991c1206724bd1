#include "zygote_check.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tree_sampler.h"

/* A zygote forks and forwards: per call it may use this much CPU of its
 * own, and its memory may grow by this much over its life. */
#define CPU_PER_CALL_NS 5000000ULL    /* 5 ms (it uses about 0.1) */
#define CPU_SLACK_NS    1000000000ULL /* 1 s */
#define RSS_GROWTH_MAX  (32ULL << 20) /* 32 MiB */

static ssize_t read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = 0;
	ssize_t n;
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

pid_t pidfd_pid(int pidfd)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return -2;
	const char *p = strstr(buf, "\nPid:");
	if (!p)
		return -2; /* not a pidfd */
	pid_t pid = (pid_t)atoi(p + 5);
	return pid > 0 ? pid : -1;
}

pid_t proc_ppid(pid_t pid)
{
	char path[48], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return -1;
	const char *p = strrchr(buf, ')'); /* comm may hold anything */
	int ppid;
	return p && sscanf(p + 1, " %*c %d", &ppid) == 1 ? (pid_t)ppid : -1;
}

static int children_of(pid_t pid, pid_t *first)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return -1;
	int n = 0;
	for (char *save = NULL, *t = strtok_r(buf, " \n", &save); t;
	     t = strtok_r(NULL, " \n", &save)) {
		if (n == 0 && first)
			*first = (pid_t)atoi(t);
		n++;
	}
	return n;
}

int proc_children_count(pid_t pid)
{
	return children_of(pid, NULL);
}

bool zygote_identify(int pidfd, struct zygote_view *v, char *why, size_t size)
{
	v->pid = pidfd_pid(pidfd);
	v->reaper = v->pid > 0 ? proc_ppid(v->pid) : -1;
	if (v->pid <= 0 || v->reaper <= 0 || proc_ppid(v->reaper) != getpid()) {
		snprintf(why, size, "the zygote did not identify itself (pid %d)", (int)v->pid);
		return false;
	}
	return true;
}

static bool only_standard_fds(pid_t pid, char *why, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (!d) {
		snprintf(why, size, "cannot list the zygote's fds: %s", strerror(errno));
		return false;
	}
	bool ok = true;
	struct dirent *e;
	while (ok && (e = readdir(d))) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] == '.' || fd <= 2)
			continue;
		char link[64], target[128] = "";
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fd);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		if (strcmp(target, "anon_inode:[pidfd]") != 0) {
			snprintf(
			    why, size,
			    "the object left fd %d open (%s): calls could share it, so no zygote",
			    fd, target);
			ok = false;
		}
	}
	closedir(d);
	return ok;
}

static bool no_writable_shared_memory(pid_t pid, char *why, size_t size)
{
	char path[48];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(why, size, "cannot read the zygote's maps: %s", strerror(errno));
		return false;
	}
	char line[512];
	bool ok = true;
	while (ok && fgets(line, sizeof(line), f)) {
		char perms[8];
		if (sscanf(line, "%*s %7s", perms) == 1 && perms[1] == 'w' && perms[3] == 's') {
			line[strcspn(line, "\n")] = '\0';
			snprintf(why, size,
			         "the object mapped writable shared memory (%.200s): calls could "
			         "share it, so no zygote",
			         line);
			ok = false;
		}
	}
	fclose(f);
	return ok;
}

static bool read_usage(pid_t pid, unsigned *threads, uint64_t *cpu_ns, uint64_t *rss)
{
	struct stat_line s;
	if (proc_stat_read(pid, &s) < 0)
		return false;
	long hz = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	*threads = (unsigned)(s.threads > 0 ? s.threads : 0);
	*cpu_ns = (s.utime + s.stime) * (1000000000ULL / (uint64_t)hz);
	*rss = (uint64_t)(s.rss_pages > 0 ? s.rss_pages : 0) * (uint64_t)page;
	return true;
}

bool zygote_clean(struct zygote_view *v, char *why, size_t size)
{
	unsigned threads;
	pid_t only = 0;
	if (!read_usage(v->pid, &threads, &v->cpu_ns, &v->rss_bytes)) {
		snprintf(why, size, "the zygote is gone");
		return false;
	}
	if (threads != 1) {
		snprintf(why, size, "the object started threads while loading (%u threads)",
		         threads);
		return false;
	}
	if (proc_children_count(v->pid) != 0 || children_of(v->reaper, &only) != 1 ||
	    only != v->pid) {
		snprintf(why, size, "the object started processes while loading");
		return false;
	}
	return only_standard_fds(v->pid, why, size) && no_writable_shared_memory(v->pid, why, size);
}

bool zygote_sane(const struct zygote_view *v, unsigned max_children, uint64_t calls, char *why,
                 size_t size)
{
	unsigned threads;
	uint64_t cpu, rss;
	pid_t only = 0;
	if (!read_usage(v->pid, &threads, &cpu, &rss))
		return true; /* gone: the next call starts another */
	if (threads != 1) {
		snprintf(why, size, "the zygote runs %u threads", threads);
		return false;
	}
	int mine = proc_children_count(v->pid);
	if (children_of(v->reaper, &only) > 1 || (mine >= 0 && (unsigned)mine > max_children)) {
		snprintf(why, size,
		         "processes the zygote's calls do not account for (%d of its own)", mine);
		return false;
	}
	if (cpu > v->cpu_ns + CPU_SLACK_NS + calls * CPU_PER_CALL_NS) {
		snprintf(why, size, "the zygote used %.3f s of CPU itself over %llu calls",
		         (double)(cpu - v->cpu_ns) / 1e9, (unsigned long long)calls);
		return false;
	}
	if (rss > v->rss_bytes + RSS_GROWTH_MAX) {
		snprintf(why, size, "the zygote grew from %llu to %llu bytes",
		         (unsigned long long)v->rss_bytes, (unsigned long long)rss);
		return false;
	}
	return true;
}

bool zygote_children_within(const struct zygote_view *v, const struct child_bound *b, char *why,
                            size_t size)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)v->pid, (int)v->pid);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return true; /* gone */
	long hz = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	for (char *save = NULL, *t = strtok_r(buf, " \n", &save); t;
	     t = strtok_r(NULL, " \n", &save)) {
		struct stat_line s;
		pid_t pid = (pid_t)atoi(t);
		if (proc_stat_read(pid, &s) < 0)
			continue; /* gone since listed */
		uint64_t rss = (uint64_t)(s.rss_pages > 0 ? s.rss_pages : 0) * (uint64_t)page;
		double cpu = (double)(s.utime + s.stime) / (double)hz;
		if ((b->rss_bytes && rss > b->rss_bytes) ||
		    (b->cpu_seconds > 0 && cpu > b->cpu_seconds) ||
		    (b->threads && (uint64_t)s.threads > b->threads)) {
			snprintf(why, size,
			         "a process of the zygote's run (%d) is past any call's limits: "
			         "%llu bytes, "
			         "%.2f s CPU, %ld threads",
			         (int)pid, (unsigned long long)rss, cpu, s.threads);
			return false;
		}
	}
	return true;
}
