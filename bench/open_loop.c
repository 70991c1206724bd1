/* open_loop: a syscall-heavy "plugin" for bench_audit. It opens FILE
 * read-only and closes it again, N times (default 100000), and exits 0, or
 * 1 as soon as an open fails (e.g. denied by the sandbox).
 *
 *   open_loop FILE [N]
 *
 * Each iteration is one openat(2) (audited under Praxis's notification
 * filter) and one close(2) (never audited).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: open_loop FILE [N]\n");
		return 2;
	}
	long n = argc == 3 ? strtol(argv[2], NULL, 10) : 100000;
	if (n < 0)
		n = 0;
	for (long i = 0; i < n; i++) {
		int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			perror(argv[1]);
			return 1;
		}
		close(fd);
	}
	return 0;
}
