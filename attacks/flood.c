/* Stall attempt: 64 threads flood the supervisor with notified syscalls
 * (openat of a missing file, connects to refused and to slow names) while
 * the main thread grabs 400 MiB. Expect: killed on memory at once, or on
 * wall within 100 ms of --wall. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
static void *spam(void *x)
{
	long i = (long)x;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(80)};
	inet_pton(AF_INET, "192.0.2.1", &a.sin_addr);
	for (;;) {
		if (i & 1) { int s = socket(AF_INET, SOCK_STREAM, 0); connect(s, (void *)&a, sizeof(a)); close(s); }
		else { int fd = openat(AT_FDCWD, "/nonexistent/x", O_RDONLY); if (fd >= 0) close(fd); }
	}
	return NULL;
}
int main(int argc, char **argv)
{
	pthread_t t;
	for (long i = 0; i < 64; i++) pthread_create(&t, NULL, spam, (void *)i);
	if (argc > 1) { /* also memory */
		usleep(500000);
		size_t n = 400u << 20; volatile char *p = malloc(n);
		for (size_t i = 0; i < n; i += 4096) p[i] = 1;
	}
	for (;;) pause();
}
