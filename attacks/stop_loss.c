/* For a stop signal sent to praxis: each round writes "line N" to stdout,
 * opens DIR/x (an audited open), and then stores N in DIR/count (pwrite on
 * an fd opened at start: no notification). After the stop, N in DIR/count
 * says what the plugin had done: the output and the audit log should hold
 * at least that many.  usage: stop_loss DIR */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char p[4096], line[64];
	snprintf(p, sizeof p, "%s/count", argv[1]);
	int c = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	snprintf(p, sizeof p, "%s/x", argv[1]);
	for (long i = 1;; i++) {
		int n = snprintf(line, sizeof line, "line %ld\n", i);
		if (write(1, line, n) != n)
			return 1;
		int fd = open(p, O_RDONLY);
		if (fd >= 0)
			close(fd);
		n = snprintf(line, sizeof line, "%ld\n", i);
		pwrite(c, line, 20, 0);
	}
}
