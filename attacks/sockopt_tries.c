/* Class 1 probe: socket options NOT on Praxis's refused list that could
 * re-route, re-address or re-form the socket the supervisor connects/sends
 * on. Each line: option, what setsockopt answered. Run unsandboxed (control)
 * and under network.http; the kernel's answer decides where Praxis does not.
 * usage: sockopt_tries */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/in6.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
static void try(const char *what, int fam, int type, long level, long name, const void *v, socklen_t l)
{
	int s = socket(fam, type, 0);
	long r = syscall(SYS_setsockopt, s, level, name, v, l);
	printf("%-44s %s\n", what, r < 0 ? strerror(errno) : "ACCEPTED");
	close(s);
}
int main(void)
{
	int one = 1, mark = 7;
	unsigned char lsrr[8] = {1, 0x83, 7, 4, 127, 0, 0, 2}; /* NOP + LSRR via 127.0.0.2 */
	try("IP_OPTIONS LSRR (v4 tcp)", AF_INET, SOCK_STREAM, IPPROTO_IP, IP_OPTIONS, lsrr, 8);
	try("IP_OPTIONS LSRR level|1<<32 (truncation)", AF_INET, SOCK_STREAM, (1L << 32) | IPPROTO_IP, IP_OPTIONS, lsrr, 8);
	try("IP_OPTIONS LSRR on v6 socket (SOL_IP)", AF_INET6, SOCK_STREAM, IPPROTO_IP, IP_OPTIONS, lsrr, 8);
	try("SO_MARK (policy routing by fwmark)", AF_INET, SOCK_STREAM, SOL_SOCKET, SO_MARK, &mark, 4);
	try("TCP_REPAIR", AF_INET, SOCK_STREAM, IPPROTO_TCP, TCP_REPAIR, &one, 4);
	try("IP_XFRM_POLICY (IPsec tunnel)", AF_INET, SOCK_STREAM, IPPROTO_IP, 17, "xxxxxxxxxxxxxxxx", 16);
	try("IPV6_XFRM_POLICY", AF_INET6, SOCK_STREAM, IPPROTO_IPV6, 35, "xxxxxxxxxxxxxxxx", 16);
	try("TCP_ULP tls", AF_INET, SOCK_STREAM, IPPROTO_TCP, TCP_ULP, "tls", 3);
	try("TCP_ULP espintcp", AF_INET, SOCK_STREAM, IPPROTO_TCP, TCP_ULP, "espintcp", 8);
	try("IPV6_ADDRFORM -> AF_INET (unconnected)", AF_INET6, SOCK_STREAM, IPPROTO_IPV6, IPV6_ADDRFORM, &(int){AF_INET}, 4);
	try("SO_DONTROUTE (on-link only; no new host)", AF_INET, SOCK_STREAM, SOL_SOCKET, SO_DONTROUTE, &one, 4);
	try("IP_MULTICAST_IF (multicast only)", AF_INET, SOCK_DGRAM, IPPROTO_IP, IP_MULTICAST_IF, &(struct in_addr){htonl(0x7f000002)}, 4);
	try("IPV6_MULTICAST_IF", AF_INET6, SOCK_DGRAM, IPPROTO_IPV6, IPV6_MULTICAST_IF, &one, 4);
	try("IP_FREEBIND (bind is refused anyway)", AF_INET, SOCK_STREAM, IPPROTO_IP, IP_FREEBIND, &one, 4);
	struct in6_pktinfo pi = {.ipi6_ifindex = 1};
	try("IPV6_PKTINFO sticky (UDP source/ifindex)", AF_INET6, SOCK_DGRAM, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
	union { char b[128]; struct in6_flowlabel_req f; } u;
	memset(&u, 0, sizeof(u));
	inet_pton(AF_INET6, "::1", &u.f.flr_dst);
	u.f.flr_label = htonl(0x12345); u.f.flr_action = IPV6_FL_A_GET; u.f.flr_share = IPV6_FL_S_EXCL; u.f.flr_flags = IPV6_FL_F_CREATE;
	try("IPV6_FLOWLABEL_MGR, no options", AF_INET6, SOCK_DGRAM, IPPROTO_IPV6, IPV6_FLOWLABEL_MGR, u.b, sizeof(u.f));
	struct cmsghdr *c = (void *)(u.b + CMSG_ALIGN(sizeof(u.f)));
	c->cmsg_len = CMSG_LEN(24); c->cmsg_level = IPPROTO_IPV6; c->cmsg_type = IPV6_RTHDR;
	unsigned char *rh = CMSG_DATA(c); rh[1] = 2; rh[2] = 2; rh[3] = 1; inet_pton(AF_INET6, "fd00::99", rh + 8);
	try("IPV6_FLOWLABEL_MGR + type 2 RTHDR (flowlabel.c)", AF_INET6, SOCK_DGRAM, IPPROTO_IPV6, IPV6_FLOWLABEL_MGR, u.b, CMSG_ALIGN(sizeof(u.f)) + CMSG_SPACE(24));
	rh[2] = 4;
	try("IPV6_FLOWLABEL_MGR + type 4 SRH", AF_INET6, SOCK_DGRAM, IPPROTO_IPV6, IPV6_FLOWLABEL_MGR, u.b, CMSG_ALIGN(sizeof(u.f)) + CMSG_SPACE(24));
	int s = socket(AF_INET, SOCK_STREAM, 262 /* IPPROTO_MPTCP */);
	printf("%-44s %s\n", "socket IPPROTO_MPTCP (subflows elsewhere)", s < 0 ? strerror(errno) : "ACCEPTED");
	return 0;
}
