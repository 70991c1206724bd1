/* socket()/socketpair() semantics the supervisor's emulation (under a
 * memory limit) must keep: flags, errors, EMFILE, a bad sv pointer (the
 * kernel: EFAULT and no fd left behind), fd numbers (lowest free). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int nfds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n - 3; /* . .. and the dir's own fd */
}

int main(void)
{
	int sv[2], r;
	r = socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv);
	printf("socketpair NONBLOCK|CLOEXEC: r=%d fds %d,%d O_NONBLOCK=%d FD_CLOEXEC=%d\n", r, sv[0],
	       sv[1], !!(fcntl(sv[0], F_GETFL) & O_NONBLOCK), !!(fcntl(sv[1], F_GETFD) & FD_CLOEXEC));
	close(sv[0]);
	close(sv[1]);
	int before = nfds();
	r = (int)syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, (void *)8);
	printf("socketpair sv=(void*)8: r=%d errno=%s; fds %d -> %d\n", r, r ? strerrorname_np(errno) : "-",
	       before, nfds());
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	before = nfds();
	r = (int)syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, ro);
	printf("socketpair sv read-only page: r=%d errno=%s; fds %d -> %d\n", r,
	       r ? strerrorname_np(errno) : "-", before, nfds());
	r = (int)syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, ro + 4092); /* sv[1] off the end */
	printf("socketpair sv straddling the end: r=%d errno=%s; fds -> %d\n", r,
	       r ? strerrorname_np(errno) : "-", nfds());
	r = socketpair(AF_UNIX, 12345, 0, sv);
	printf("socketpair bad type: r=%d errno=%s\n", r, r ? strerrorname_np(errno) : "-");
	r = socketpair(AF_UNIX, SOCK_STREAM, 7, sv);
	printf("socketpair bad protocol: r=%d errno=%s\n", r, r ? strerrorname_np(errno) : "-");
	r = socketpair(AF_UNIX, SOCK_DGRAM | 0x100000, 0, sv);
	printf("socketpair unknown flag: r=%d errno=%s\n", r, r ? strerrorname_np(errno) : "-");
	struct rlimit rl = {8, 8};
	setrlimit(RLIMIT_NOFILE, &rl);
	int got = 0;
	for (;;) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			break;
		got += 2;
	}
	printf("RLIMIT_NOFILE 8: %d fds by socketpair, then errno=%s; fds now %d\n", got,
	       strerrorname_np(errno), nfds());
	return 0;
}
