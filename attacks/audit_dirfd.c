#define _GNU_SOURCE
/* Audit names another object than the kernel opened: the supervisor
 * resolves openat(10, "f") through /proc/<pid>/fd/10 and answers CONTINUE;
 * another thread dup2()s a different directory onto fd 10 in between, so
 * the kernel opens the other file. Prints one line per attempt: what the
 * kernel did (the content of the file it opened, or the errno).
 * usage: audit_dirfd DIR_A DIR_B N */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static int fa, fb;
static atomic_int stop;
static void *swapper(void *x)
{
	(void)x;
	while (!atomic_load(&stop)) { dup2(fa, 10); dup2(fb, 10); }
	return NULL;
}
int main(int argc, char **argv)
{
	if (argc < 4) return 2;
	fa = open(argv[1], O_PATH | O_DIRECTORY);
	fb = open(argv[2], O_PATH | O_DIRECTORY);
	if (fa < 0 || fb < 0) { perror("open dirs"); return 1; }
	dup2(fa, 10);
	pthread_t t;
	pthread_create(&t, NULL, swapper, NULL);
	int n = atoi(argv[3]);
	for (int i = 0; i < n; i++) {
		int fd = openat(10, "f", O_RDONLY);
		if (fd < 0) { printf("%s\n", strerror(errno)); continue; }
		char c = '?';
		if (read(fd, &c, 1) != 1) c = '?';
		printf("opened %c\n", c);
		close(fd);
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	return 0;
}
