#include "syscall_policy.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

/* Syscalls no plugin needs: debugging other processes, mounts, namespaces,
 * kernel objects that widen attack surface, and io_uring (its operations are
 * not syscalls, so seccomp and the audit log would not see them). */
const char *const denied_syscalls[] = {
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "pidfd_getfd",
    "kcmp",
    "mount",
    "umount",
    "umount2",
    "pivot_root",
    "chroot",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    "unshare",
    "setns",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "fanotify_init",
    "keyctl",
    "add_key",
    "request_key",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "acct",
    "swapon",
    "swapoff",
    "reboot",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "syslog",
    "iopl",
    "ioperm",
    "quotactl",
    "quotactl_fd",
    "vhangup",
    "open_by_handle_at",
    "name_to_handle_at",
    "lookup_dcookie",
    "uselib",
    "nfsservctl",
    "_sysctl",
    "create_module",
    "get_kernel_syms",
    "query_module",
    "vm86",
    "vm86old",
    "modify_ldt",
    /* Memory no process's RSS shows, so the tree's memory limit would not
     * see it either: memfds, secret memory, SysV shared memory, message
     * queues and semaphores (SysV objects also outlive the run). */
    "memfd_create",
    "memfd_secret",
    "shmget",
    "shmat",
    "shmdt",
    "shmctl",
    "msgget",
    "msgsnd",
    "msgrcv",
    "msgctl",
    "semget",
    "semop",
    "semtimedop",
    "semctl",
    NULL,
};

const char *const metadata_syscalls[] = {
    "chmod",        "fchmod",       "fchmodat",   "fchmodat2",     "chown",     "fchown",
    "lchown",       "fchownat",     "setxattr",   "lsetxattr",     "fsetxattr", "removexattr",
    "lremovexattr", "fremovexattr", "setxattrat", "removexattrat", "utime",     "utimes",
    "futimesat",    "utimensat",    NULL,
};

#define LOW32(x) ((x)&0xffffffffULL)

int decide_socket(const struct seccomp_options *o, uint64_t family, uint64_t type,
                  uint64_t protocol)
{
	if (!o->net_socket && !o->net_http)
		return EPERM;
	family = LOW32(family);
	if (family != AF_INET && family != AF_INET6)
		return EPERM;
	/* UDP under network.http too: for DNS, every destination of it goes
	 * through the supervisor (connect, addressed sends are notified). */
	uint64_t base = type & 0xf;
	if (base != SOCK_STREAM && base != SOCK_DGRAM)
		return EPERM;
	switch (LOW32(protocol)) {
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
	case IPPROTO_SCTP:
	case IPPROTO_UDPLITE:
	case IPPROTO_MPTCP: return EPERM; /* ride on stream/dgram sockets but escape TCP rules */
	}
	return 0;
}

int decide_listen(const struct seccomp_options *o)
{
	/* listen() on an unbound socket binds a port itself, unseen by
	 * Landlock's bind rule: network.http never listens. */
	return o->net_http && !o->net_socket ? EPERM : 0;
}

int decide_socketpair(uint64_t family)
{
	return family == AF_UNIX ? 0 : EPERM;
}

static const uint64_t clone_namespace_flags = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS |
                                              CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
                                              CLONE_NEWNET;

int decide_clone(const struct seccomp_options *o, uint64_t flags)
{
	if (flags & clone_namespace_flags)
		return EPERM;
	if ((flags & (CLONE_THREAD | CLONE_FILES)) == CLONE_THREAD)
		return EPERM; /* a thread whose fd table no /proc/PID/fd shows */
	if (!(flags & CLONE_THREAD) && !o->subprocess)
		return EPERM;
	return 0;
}

int decide_fork(const struct seccomp_options *o)
{
	return o->subprocess ? 0 : EPERM;
}

int decide_personality(uint64_t persona)
{
	/* Only the query: the rest turn off ASLR or NX. */
	return persona == 0xffffffffULL ? 0 : EPERM;
}

int decide_memfd_create(uint64_t flags)
{
	/* An executable memfd would bypass Landlock's execute right, and any
	 * memfd's pages the memory limit: memfd_create is on the deny list;
	 * this stays for the reason in the log. */
	(void)flags;
	return EPERM;
}

/* ioctl requests that change things Landlock does not see: terminal input
 * injection (CVE-2017-5226 class) and inode flags of files merely opened. */
static const uint64_t denied_ioctls[] = {TIOCSTI, TIOCLINUX, FS_IOC_SETFLAGS, FS_IOC_FSSETXATTR};

int decide_ioctl(uint64_t request)
{
	for (unsigned i = 0; i < sizeof(denied_ioctls) / sizeof(*denied_ioctls); i++)
		if (LOW32(request) == LOW32(denied_ioctls[i]))
			return EPERM;
	return 0;
}

int decide_seccomp(uint64_t flags)
{
	/* A listener of the plugin's own would take notifications from us. */
	return (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) ? EPERM : 0;
}

int decide_metadata(const struct seccomp_options *o)
{
	return o->metadata ? 0 : EPERM;
}

/* Under network.http the supervisor connects and sends on the plugin's own
 * socket (its duplicate), after checking the destination. Whatever socket
 * state redirects those packets would send them past the check: a routing
 * header's first hop becomes the packet's destination (IPv6 segment
 * routing needs no capability), IPv4 source routes the same, a sticky
 * IPV6_PKTINFO or an interface binding picks another network for the same
 * address. So the IP and IPv6 levels are an allow list (what clients use:
 * TOS/TCLASS, TTL/hops, PMTU, error queues, receive flags, v6only), and at
 * the socket level interface bindings and SO_DONTROUTE are refused. The
 * numbers are the kernel's uapi values. The refused ones named in the log
 * and refused by BPF without asking: */
static const struct sockopt_id route_sockopts[] = {
    {0, 4, "IP_OPTIONS"},           {0, 7, "IP_RETOPTS"},        {0, 19, "IP_TRANSPARENT"},
    {0, 32, "IP_MULTICAST_IF"},     {0, 50, "IP_UNICAST_IF"},    {41, 1, "IPV6_ADDRFORM"},
    {41, 3, "IPV6_2292HOPOPTS"},    {41, 4, "IPV6_2292DSTOPTS"}, {41, 5, "IPV6_2292RTHDR"},
    {41, 6, "IPV6_2292PKTOPTIONS"}, {41, 9, "IPV6_NEXTHOP"},     {41, 17, "IPV6_MULTICAST_IF"},
    {41, 32, "IPV6_FLOWLABEL_MGR"}, {41, 50, "IPV6_PKTINFO"},    {41, 54, "IPV6_HOPOPTS"},
    {41, 55, "IPV6_RTHDRDSTOPTS"},  {41, 57, "IPV6_RTHDR"},      {41, 59, "IPV6_DSTOPTS"},
    {41, 75, "IPV6_TRANSPARENT"},   {41, 76, "IPV6_UNICAST_IF"}, {1, 5, "SO_DONTROUTE"},
    {1, 25, "SO_BINDTODEVICE"},     {1, 62, "SO_BINDTOIFINDEX"},
};

/* IP (level 0) and IPv6 (level 41) options allowed under network.http. */
static const uint8_t ip_allowed[] = {1,  2,  8,  10, 11, 12, 13, 14, 15, 18, 20,
                                     21, 22, 23, 24, 25, 26, 33, 34, 51, 52};
static const uint8_t ipv6_allowed[] = {2,  8,  11, 16, 18, 19, 23, 24, 25, 26, 31, 49, 51,
                                       53, 56, 58, 60, 62, 66, 67, 70, 72, 73, 74, 77, 78};

static bool listed(const uint8_t *v, size_t n, uint64_t name)
{
	for (size_t i = 0; i < n; i++)
		if (name == v[i])
			return true;
	return false;
}

int decide_setsockopt(const struct seccomp_options *o, uint64_t level, uint64_t name)
{
	if (!o->net_http || o->net_socket)
		return 0;
	level = LOW32(level);
	name = LOW32(name);
	if (level == 0)
		return listed(ip_allowed, sizeof(ip_allowed), name) ? 0 : EPERM;
	if (level == 41)
		return listed(ipv6_allowed, sizeof(ipv6_allowed), name) ? 0 : EPERM;
	for (unsigned i = 0; i < sizeof(route_sockopts) / sizeof(*route_sockopts); i++)
		if (level == route_sockopts[i].level && name == route_sockopts[i].name)
			return EPERM;
	return 0;
}

const struct sockopt_id *syscall_policy_route_sockopts(unsigned *n)
{
	*n = sizeof(route_sockopts) / sizeof(*route_sockopts);
	return route_sockopts;
}

static const struct sockopt_id buffer_sockopts[] = {
    {1, 7, "SO_SNDBUF"},
    {1, 8, "SO_RCVBUF"},
    {1, 32, "SO_SNDBUFFORCE"},
    {1, 33, "SO_RCVBUFFORCE"},
};

const struct sockopt_id *syscall_policy_buffer_sockopts(unsigned *n)
{
	*n = sizeof(buffer_sockopts) / sizeof(*buffer_sockopts);
	return buffer_sockopts;
}

int decide_fcntl(uint64_t cmd, uint64_t arg)
{
	return LOW32(cmd) == F_SETPIPE_SZ && arg > MAX_PIPE_BYTES ? EPERM : 0;
}

const uint64_t *syscall_policy_denied_ioctls(unsigned *n)
{
	*n = sizeof(denied_ioctls) / sizeof(*denied_ioctls);
	return denied_ioctls;
}
