/* Landlock: rule handles are opened once by the host; the ruleset itself is
 * built in each child, because only the child can name its own /proc/<pid>. */
#include "missing.h"
#include "landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "error.h"

#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH      1
#define LL_RULE_NET_PORT          2

struct ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

struct ll_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

int landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
	return abi < 0 ? -errno : (int)abi;
}

char *fd_path(int fd)
{
	/* One readlink instead of realpath()'s one per component. */
	char link[40], buf[4096];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

int landlock_plan_add_path(struct landlock_plan *plan, const char *path, uint64_t access,
                           bool optional, praxis_error *err)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		if (optional && (errno == ENOENT || errno == ENOTDIR))
			return 0;
		return praxis_fail(err, -errno, "cannot open '%s' for a Landlock rule: %s", path,
		                   strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return praxis_fail(err, -e, "cannot stat '%s': %s", path, strerror(e));
	}
	if (!S_ISDIR(st.st_mode))
		access &= LL_FILE_RIGHTS;
	access &= plan->attr.handled_access_fs;
	if (access == 0) {
		close(fd);
		return 0;
	}
	struct ll_path_rule *grown = realloc(plan->rules, (plan->n_rules + 1) * sizeof(*grown));
	char *resolved = fd_path(fd);
	if (!grown || !resolved) {
		free(resolved);
		if (grown)
			plan->rules = grown;
		close(fd);
		return praxis_fail(err, -ENOMEM, "out of memory");
	}
	plan->rules = grown;
	plan->rules[plan->n_rules++] = (struct ll_path_rule){fd, access, resolved};
	return 0;
}

int landlock_plan_add_port(struct landlock_plan *plan, uint16_t port)
{
	for (size_t i = 0; i < plan->n_ports; i++)
		if (plan->connect_ports[i] == port)
			return 0;
	uint16_t *grown = realloc(plan->connect_ports, (plan->n_ports + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	plan->connect_ports = grown;
	plan->connect_ports[plan->n_ports++] = port;
	return 0;
}

void landlock_plan_free(struct landlock_plan *plan)
{
	for (size_t i = 0; i < plan->n_rules; i++) {
		close(plan->rules[i].fd);
		free(plan->rules[i].path);
	}
	free(plan->rules);
	free(plan->connect_ports);
	*plan = (struct landlock_plan){0};
}

static void describe_access(FILE *f, uint64_t a)
{
	static const char *const names[] = {
	    "execute",   "write_file", "read_file", "read_dir",  "remove_dir", "remove_file",
	    "make_char", "make_dir",   "make_reg",  "make_sock", "make_fifo",  "make_block",
	    "make_sym",  "refer",      "truncate",  "ioctl_dev",
	};
	const char *sep = "";
	for (unsigned i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (a & (1ULL << i)) {
			fprintf(f, "%s%s", sep, names[i]);
			sep = ",";
		}
}

void landlock_plan_describe(const struct landlock_plan *plan, void *out)
{
	FILE *f = out;
	fprintf(f, "landlock: abi %d, handled fs ", plan->abi);
	describe_access(f, plan->attr.handled_access_fs);
	fprintf(f, "\nlandlock: tcp bind/connect %s\n",
	        plan->attr.handled_access_net ? "restricted" : "not restricted by landlock");
	for (size_t i = 0; i < plan->n_ports; i++)
		fprintf(f, "landlock: allow tcp connect to port %u\n", plan->connect_ports[i]);
	fprintf(f, "landlock: scopes:%s%s\n",
	        plan->attr.scoped & LL_SCOPE_ABSTRACT_UNIX_SOCKET ? " abstract-unix-socket" : "",
	        plan->attr.scoped & LL_SCOPE_SIGNAL ? " signal" : "");
	for (size_t i = 0; i < plan->n_rules; i++) {
		fprintf(f, "landlock: %s: ", plan->rules[i].path);
		describe_access(f, plan->rules[i].access);
		fputc('\n', f);
	}
	if (plan->proc_self_access) {
		fprintf(f, "landlock: /proc/<plugin pid>: ");
		describe_access(f, plan->proc_self_access);
		fputc('\n', f);
	}
}

/* ---- child side: raw syscalls only ---- */

static int add_path_rule(int ruleset, int fd, uint64_t access)
{
	struct ll_path_beneath_attr pb = {.allowed_access = access, .parent_fd = fd};
	if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &pb, 0) < 0)
		return -errno;
	return 0;
}

int landlock_apply(const struct landlock_plan *plan, const struct ll_path_rule *extra,
                   size_t n_extra)
{
	int r = 0;
	int ruleset = (int)syscall(SYS_landlock_create_ruleset, &plan->attr, plan->attr_size, 0);
	if (ruleset < 0)
		return -errno;
	for (size_t i = 0; r == 0 && i < plan->n_rules; i++)
		r = add_path_rule(ruleset, plan->rules[i].fd, plan->rules[i].access);
	for (size_t i = 0; r == 0 && i < n_extra; i++)
		r = add_path_rule(ruleset, extra[i].fd, extra[i].access);
	for (size_t i = 0; r == 0 && i < plan->n_ports; i++) {
		struct ll_net_port_attr np = {.allowed_access = LL_NET_CONNECT_TCP,
		                              .port = plan->connect_ports[i]};
		if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_NET_PORT, &np, 0) < 0)
			r = -errno;
	}
	if (r == 0 && plan->proc_self_access) {
		int self = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (self < 0)
			r = -errno;
		else {
			r = add_path_rule(ruleset, self, plan->proc_self_access);
			close(self);
		}
	}
	if (r == 0 && syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
		r = -errno;
	close(ruleset);
	return r;
}
