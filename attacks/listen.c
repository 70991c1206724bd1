/* Oracle (unsandboxed): accept on 0.0.0.0:PORT and [::]:PORT for SECONDS;
 * print the local address each connection was made to, and its first bytes. */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	int port = atoi(argv[1]), secs = atoi(argv[2]), one = 1, zero = 0;
	int s = socket(AF_INET6, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, 4);
	setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, 4);
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
	if (bind(s, (void *)&a, sizeof(a)) || listen(s, 64)) { perror("listen"); return 1; }
	time_t end = time(NULL) + secs;
	while (time(NULL) < end) {
		struct pollfd p = {s, POLLIN, 0};
		if (poll(&p, 1, 200) <= 0) continue;
		int c = accept(s, NULL, NULL);
		struct sockaddr_in6 l; socklen_t ll = sizeof(l);
		getsockname(c, (void *)&l, &ll);
		char ip[64], buf[64] = {0}; inet_ntop(AF_INET6, &l.sin6_addr, ip, sizeof(ip));
		struct pollfd q = {c, POLLIN, 0};
		if (poll(&q, 1, 300) > 0) read(c, buf, sizeof(buf) - 1);
		static char last[160]; static int rep;
		char line[160]; snprintf(line, sizeof(line), "LISTEN: connection to %s:%d data \"%s\"", ip, port, buf);
		if (strcmp(line, last) == 0) rep++;
		else { if (rep) printf("  (x%d more)\n", rep); rep = 0; printf("%s\n", line); snprintf(last, sizeof(last), "%s", line); }
		fflush(stdout);
		close(c);
	}
	printf("LISTEN: done\n");
	return 0;
}
