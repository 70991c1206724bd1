#ifndef PRAXIS_LANDLOCK_H
#define PRAXIS_LANDLOCK_H
#include <stddef.h>
#include <stdint.h>

#include "praxis/praxis.h"

/* Constants up to ABI 7, defined here because Debian 12's headers stop at 2. */
#define LL_FS_EXECUTE                 (1ULL << 0)
#define LL_FS_WRITE_FILE              (1ULL << 1)
#define LL_FS_READ_FILE               (1ULL << 2)
#define LL_FS_READ_DIR                (1ULL << 3)
#define LL_FS_REMOVE_DIR              (1ULL << 4)
#define LL_FS_REMOVE_FILE             (1ULL << 5)
#define LL_FS_MAKE_CHAR               (1ULL << 6)
#define LL_FS_MAKE_DIR                (1ULL << 7)
#define LL_FS_MAKE_REG                (1ULL << 8)
#define LL_FS_MAKE_SOCK               (1ULL << 9)
#define LL_FS_MAKE_FIFO               (1ULL << 10)
#define LL_FS_MAKE_BLOCK              (1ULL << 11)
#define LL_FS_MAKE_SYM                (1ULL << 12)
#define LL_FS_REFER                   (1ULL << 13) /* ABI 2 */
#define LL_FS_TRUNCATE                (1ULL << 14) /* ABI 3 */
#define LL_FS_IOCTL_DEV               (1ULL << 15) /* ABI 5 */
#define LL_NET_BIND_TCP               (1ULL << 0)  /* ABI 4 */
#define LL_NET_CONNECT_TCP            (1ULL << 1)  /* ABI 4 */
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)  /* ABI 6 */
#define LL_SCOPE_SIGNAL               (1ULL << 1)  /* ABI 6 */

#define LL_READ (LL_FS_READ_FILE | LL_FS_READ_DIR)
#define LL_WRITE                                                                                   \
	(LL_FS_WRITE_FILE | LL_FS_REMOVE_DIR | LL_FS_REMOVE_FILE | LL_FS_MAKE_DIR |                \
	 LL_FS_MAKE_REG | LL_FS_MAKE_SOCK | LL_FS_MAKE_FIFO | LL_FS_MAKE_SYM | LL_FS_REFER |       \
	 LL_FS_TRUNCATE)
#define LL_FILE_RIGHTS                                                                             \
	(LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

struct ll_path_rule {
	int fd;          /* O_PATH, opened by the host */
	uint64_t access; /* already masked for the ABI and for files */
	char *path;      /* resolved, for describe() */
};

struct landlock_plan {
	int abi;
	struct ll_ruleset_attr attr;
	size_t attr_size;
	struct ll_path_rule *rules;
	size_t n_rules;
	uint16_t *connect_ports;
	size_t n_ports;
	uint64_t proc_self_access; /* added by the child for its own /proc/<pid> */
};

/* Landlock ABI version of this kernel, or a negative errno (-ENOSYS: not
 * built; -EOPNOTSUPP: disabled at boot). */
int landlock_abi(void);

/* Add a rule for PATH (which must exist unless OPTIONAL). Rights are masked
 * to the plan's ABI and, for a non-directory, to file rights. */
int landlock_plan_add_path(struct landlock_plan *plan, const char *path, uint64_t access,
                           bool optional, praxis_error *err);
/* The canonical path of an open fd (caller frees), or NULL. */
char *fd_path(int fd);
int landlock_plan_add_port(struct landlock_plan *plan, uint16_t port);
void landlock_plan_free(struct landlock_plan *plan);
/* Append a human-readable list of rules to F (a FILE *). */
void landlock_plan_describe(const struct landlock_plan *plan, void *f);

/* In the child (async-signal-safe): build the ruleset from PLAN plus EXTRA,
 * add the caller's own /proc/<pid>, and restrict. Returns 0 or -errno. */
int landlock_apply(const struct landlock_plan *plan, const struct ll_path_rule *extra,
                   size_t n_extra);

#endif
