/* Row 32: inotify instances whose only reference is an SCM_RIGHTS message
 * queued on a socketpair of the process: in no fd table, so in no census
 * (the charge is 8 MiB per instance it sees). Each keeps watching DIR and
 * queues up to max_queued_events events with names while the process
 * opens and reads DIR's files. usage: inotify_flight DIR INSTANCES ROUNDS HOLD */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 5) { fprintf(stderr, "usage\n"); return 2; }
	const char *dir = argv[1];
	int n = atoi(argv[2]), rounds = atoi(argv[3]), hold = atoi(argv[4]);
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sp) < 0) { perror("socketpair"); return 1; }
	/* all in one message (up to 253 fds): the sandbox's socket buffers are
	 * small (8 KiB at 64M), one message per fd would fill them */
	int *fds = calloc(n, sizeof(int)), sent = 0;
	for (int i = 0; i < n; i++) {
		int fd = inotify_init1(0);
		if (fd < 0) { perror("inotify_init1"); break; }
		if (inotify_add_watch(fd, dir, IN_OPEN | IN_ACCESS | IN_CLOSE_NOWRITE) < 0) { perror("add_watch"); return 1; }
		fds[sent++] = fd;
	}
	char c = 'i';
	struct iovec iov = {&c, 1};
	size_t clen = CMSG_SPACE(sent * sizeof(int));
	char *cb = calloc(1, clen);
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cb, .msg_controllen = clen};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET; cm->cmsg_type = SCM_RIGHTS; cm->cmsg_len = CMSG_LEN(sent * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, sent * sizeof(int));
	if (sendmsg(sp[0], &m, 0) < 0) { perror("sendmsg"); return 1; }
	if (!getenv("KEEP")) /* KEEP=1: the control, the fds stay in the table too */
		for (int i = 0; i < sent; i++)
			close(fds[i]);
	long opens = 0;
	char buf[64], path[4096];
	for (int r = 0; r < rounds; r++) {
		DIR *d = opendir(dir);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.') continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			int f = open(path, O_RDONLY);
			if (f < 0) continue;
			if (read(f, buf, sizeof(buf)) < 0) {}
			close(f);
			opens++;
		}
		if (d) closedir(d);
	}
	printf("inotify_flight: %d instances in flight (in no fd table), %ld opens of files in %s\n", sent, opens, dir);
	fflush(stdout);
	sleep(hold);
	printf("inotify_flight: still alive after %d s\n", hold);
	return 0;
}
