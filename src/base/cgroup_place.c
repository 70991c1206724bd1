/* Where a run's cgroup v2 can go. The host's cgroup v2 directory comes
 * from /proc/self/cgroup ("0::PATH") and the cgroup2 mount in
 * /proc/self/mountinfo (at /sys/fs/cgroup on a unified host, elsewhere,
 * e.g. /sys/fs/cgroup/unified, on a hybrid one). */
#include "cgroup_place.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The mount point of the cgroup2 hierarchy whose root is "/". */
static int cgroup2_mount(char *out, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	char line[8192];
	int r = -ENOENT;
	while (r < 0 && fgets(line, sizeof(line), f)) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS... - FSTYPE SOURCE SUPER */
		char *dash = strstr(line, " - ");
		if (!dash || strncmp(dash + 3, "cgroup2 ", 8) != 0)
			continue;
		char root[4096], point[4096];
		if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, point) != 2)
			continue;
		if (strcmp(root, "/") != 0 || strchr(point, '\\'))
			continue; /* a bind of a subtree, or an escaped name: not ours to guess */
		if ((size_t)snprintf(out, size, "%s", point) < size)
			r = 0;
	}
	fclose(f);
	return r;
}

static int own_cgroup(char *out, size_t size)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return -errno;
	char line[4200];
	int r = -ENOENT;
	while (r < 0 && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (strstr(line, " (deleted)"))
			r = -ENOENT;
		else if ((size_t)snprintf(out, size, "%s", line + 3) < size)
			r = 0;
	}
	fclose(f);
	return r;
}

int cgroup_place_for_runs(char *out, size_t size, char *why, size_t why_size)
{
	char mount[4096], own[4096];
	int r = cgroup2_mount(mount, sizeof(mount));
	if (r < 0) {
		snprintf(why, why_size, "no cgroup v2 hierarchy mounted");
		return r;
	}
	if ((r = own_cgroup(own, sizeof(own))) < 0) {
		snprintf(why, why_size, "this process is in no cgroup v2");
		return r;
	}
	if ((size_t)snprintf(out, size, "%s%s", mount, strcmp(own, "/") == 0 ? "" : own) >= size)
		return -ENAMETOOLONG;
	/* Creating a child needs the directory writable; cloning into it, the
	 * common ancestor's (this one's) cgroup.procs. */
	char procs[4200];
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", out);
	if (access(out, W_OK) < 0 || access(procs, W_OK) < 0) {
		r = -errno;
		snprintf(why, why_size, "%s is not writable by this user (not delegated)", out);
		return r;
	}
	snprintf(why, why_size, "per-run cgroups under %s", out);
	return 0;
}
