/* network.http probes against ALLOWED=127.0.0.1:8080, FORBIDDEN=127.0.0.2:8080
 * (the port is Landlock-allowed, so only the supervisor stands in the way).
 * Each probe tries to get a connection or data to 127.0.0.2. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
static struct sockaddr_in ok4 = {.sin_family = AF_INET, .sin_port = 0x901f}, bad4 = {.sin_family = AF_INET, .sin_port = 0x901f};
#define R(name, expr) do { errno = 0; long r_ = (long)(expr); printf("%-40s %s\n", name, r_ < 0 ? strerror(errno) : "ok"); } while (0)
static atomic_int stop; static struct sockaddr_in *volatile shared;
static void *flip(void *x) { (void)x; while (!stop) { *shared = bad4; *shared = ok4; } return NULL; }
int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	inet_pton(AF_INET, "127.0.0.1", &ok4.sin_addr); inet_pton(AF_INET, "127.0.0.2", &bad4.sin_addr);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	R("connect forbidden", connect(s, (void *)&bad4, sizeof(bad4))); close(s);
	struct sockaddr_in6 m = {.sin6_family = AF_INET6, .sin6_port = 0x901f};
	inet_pton(AF_INET6, "::ffff:127.0.0.2", &m.sin6_addr);
	s = socket(AF_INET6, SOCK_STREAM, 0);
	R("connect v4-mapped ::ffff:127.0.0.2", connect(s, (void *)&m, sizeof(m)));
	R("  write", send(s, "mapped", 6, MSG_NOSIGNAL)); close(s);
	s = socket(AF_INET, SOCK_STREAM, 0);
	R("connect allowed", connect(s, (void *)&ok4, sizeof(ok4)));
	R("  connect again forbidden (connected)", connect(s, (void *)&bad4, sizeof(bad4)));
	struct sockaddr un = {.sa_family = AF_UNSPEC};
	R("  connect AF_UNSPEC", connect(s, &un, sizeof(un)));
	R("  then connect forbidden", connect(s, (void *)&bad4, sizeof(bad4))); close(s);
	s = socket(AF_INET, SOCK_STREAM, 0); int one = 1;
	R("TCP_FASTOPEN_CONNECT", setsockopt(s, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, 4));
	R("  connect forbidden", connect(s, (void *)&bad4, sizeof(bad4)));
	R("  write", send(s, "tfo", 3, MSG_NOSIGNAL)); close(s);
	s = socket(AF_INET, SOCK_STREAM, 0);
	R("sendto MSG_FASTOPEN forbidden", sendto(s, "tfo2", 4, MSG_FASTOPEN, (void *)&bad4, sizeof(bad4))); close(s);
	s = socket(AF_INET, SOCK_STREAM, 0);
	R("sendto MSG_FASTOPEN NULL addr", sendto(s, "tfo3", 4, MSG_FASTOPEN, NULL, 0)); close(s);
	/* race: flip the sockaddr while connect reads it */
	static struct sockaddr_in a; shared = &a; a = ok4; pthread_t t; pthread_create(&t, NULL, flip, NULL);
	int okc = 0;
	for (int i = 0; i < 300; i++) { s = socket(AF_INET, SOCK_STREAM, 0); if (connect(s, (void *)&a, sizeof(a)) == 0) { okc++; send(s, "race", 4, MSG_NOSIGNAL); } close(s); }
	stop = 1; pthread_join(t, NULL);
	printf("%-40s %d connects succeeded\n", "race sockaddr flip x300", okc);
	/* race: dup2 a fresh socket onto the fd during connect */
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	R("udp sendto forbidden", sendto(u, "udp", 3, 0, (void *)&bad4, sizeof(bad4)));
	R("udp connect forbidden", connect(u, (void *)&bad4, sizeof(bad4)));
	struct msghdr mh = {.msg_name = &bad4, .msg_namelen = sizeof(bad4)};
	R("udp sendmsg forbidden", sendmsg(u, &mh, 0));
	R("bind", bind(u, (void *)&ok4, sizeof(ok4)));
	R("listen", listen(socket(AF_INET, SOCK_STREAM, 0), 1));
	return 0;
}
