#ifndef PRAXIS_CGROUP_PLACE_H
#define PRAXIS_CGROUP_PLACE_H
#include <stddef.h>

/* Where runs' cgroups go: the host's own cgroup v2 directory, if the host
 * may create cgroups under it and clone processes into them (root, or a
 * delegated subtree). 0 with the directory in OUT, or -errno; WHY says
 * which, in words (praxis doctor, run.start). */
int cgroup_place_for_runs(char *out, size_t size, char *why, size_t why_size);

#endif
