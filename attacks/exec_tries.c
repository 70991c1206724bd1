/* Exec-once probes (expected: every one refused without system.subprocess):
 * execve of itself, execveat(fd, "", AT_EMPTY_PATH), execve of a #! script,
 * execve from a second thread, vfork, clone(CLONE_VM) child. Re-executed
 * copies print "SECOND EXEC RAN". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
static char *self;
static void *thr(void *x)
{
	(void)x;
	char *av[] = {self, "again", NULL};
	execve(self, av, (char *[]){NULL});
	printf("thread execve: %s\n", strerror(errno));
	return NULL;
}
static char stack[65536];
static int cl(void *x) { (void)x; char *av[] = {self, "again", NULL}; execve(self, av, (char *[]){NULL}); _exit(errno); }
int main(int argc, char **argv)
{
	if (argc > 1) { printf("SECOND EXEC RAN (%s)\n", argv[1]); return 0; }
	self = "/proc/self/exe";
	char exe[4096]; ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) { exe[n] = 0; self = exe; }
	setvbuf(stdout, NULL, _IONBF, 0);
	char *av[] = {self, "again", NULL};
	execve(self, av, (char *[]){NULL});
	printf("execve self: %s\n", strerror(errno));
	int fd = open(self, O_RDONLY);
	syscall(SYS_execveat, fd, "", av, (char *[]){NULL}, AT_EMPTY_PATH);
	printf("execveat AT_EMPTY_PATH: %s (fd %d)\n", strerror(errno), fd);
	fd = open(self, O_PATH);
	syscall(SYS_execveat, fd, "", av, (char *[]){NULL}, AT_EMPTY_PATH);
	printf("execveat O_PATH fd: %s\n", strerror(errno));
	pthread_t t; pthread_create(&t, NULL, thr, NULL); pthread_join(t, NULL);
	pid_t p = vfork();
	if (p == 0) { execve(self, av, (char *[]){NULL}); _exit(127); }
	printf("vfork: %s\n", p < 0 ? strerror(errno) : "created");
	if (p > 0) waitpid(p, NULL, 0);
	p = clone(cl, stack + sizeof(stack), CLONE_VM | SIGCHLD, NULL);
	printf("clone(CLONE_VM): %s\n", p < 0 ? strerror(errno) : "created");
	if (p > 0) waitpid(p, NULL, 0);
	p = (pid_t)syscall(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
	if (p == 0) { execve(self, av, (char *[]){NULL}); _exit(127); }
	printf("raw clone(CLONE_VM|CLONE_VFORK): %s\n", p < 0 ? strerror(errno) : "created");
	return 0;
}
