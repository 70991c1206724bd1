/* Supervisor stall through the output relay: with --max-output, praxis
 * relays the plugin's stdout with a blocking write() on the host's stdout.
 * When that is a pipe whose reader is slow, the supervisor loop blocks in
 * the relay and stops enforcing the wall, memory and CPU limits. A thread
 * fills the pipe; the main thread then grabs 400 MiB and burns CPU. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
static void *writer(void *a)
{
	(void)a;
	static char buf[65536];
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < 64; i++)
		if (write(1, buf, sizeof(buf)) < 0) break;
	return NULL;
}
int main(void)
{
	pthread_t t;
	pthread_create(&t, NULL, writer, NULL);
	usleep(300000);
	size_t n = 400u << 20;
	volatile char *p = malloc(n);
	for (size_t i = 0; i < n; i += 4096) p[i] = 1;
	for (;;) { volatile unsigned long x = 0; for (unsigned long i = 0; i < 100000000UL; i++) x += i; }
}
