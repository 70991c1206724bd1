/* The record of an open through a symlink whose target lies beyond
 * PATH_MAX: the supervisor names and decides the *symlink's* directory
 * (the plugin's working directory, granted) instead of the target's.
 * usage: deep_link TARGET  (in a writable cwd: symlink("TARGET","L"), then
 * open("L") for reading, and stat it) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	unlink("L");
	if (symlink(argv[1], "L") < 0) {
		printf("symlink: %s\n", strerror(errno));
		return 1;
	}
	int fd = open("L", O_RDONLY);
	if (fd < 0) {
		printf("open(\"L\", O_RDONLY): %s\n", strerror(errno));
		return 0;
	}
	char buf[64] = {0};
	ssize_t n = read(fd, buf, sizeof buf - 1);
	printf("open(\"L\", O_RDONLY) succeeded, read %zd bytes: %s\n", n, buf);
	return 0;
}
