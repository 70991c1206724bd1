#define _GNU_SOURCE
/* Observer (root, outside the sandbox), ETH_P_ALL variant of sniff6.c (also
 * sees packets leaving an interface that does not loop them back): every IPv6 packet on
 * interface IFACE (argv[1]), in or out, for SECONDS (argv[2]). */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip6.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	if (argc < 3) return 2;
	int s = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
	if (s < 0) { perror("socket"); return 1; }
	struct sockaddr_ll ll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
	                         .sll_ifindex = (int)if_nametoindex(argv[1])};
	bind(s, (void *)&ll, sizeof(ll));
	time_t end = time(NULL) + atoi(argv[2]);
	int hits = 0;
	while (time(NULL) < end) {
		struct pollfd p = {s, POLLIN, 0};
		if (poll(&p, 1, 200) <= 0) continue;
		unsigned char b[2048];
		struct sockaddr_ll from; socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(s, b, sizeof(b), 0, (void *)&from, &fl);
		if (from.sll_protocol != htons(ETH_P_IPV6)) continue;
		if (n < 40) continue;
		struct ip6_hdr *ip = (void *)b;
		char d[64]; inet_ntop(AF_INET6, &ip->ip6_dst, d, sizeof(d));
		void *m = memmem(b, (size_t)n, "EXFIL", 5);
		printf("SNIFF6ALL: packet to %s next header %d%s%.*s\n", d, ip->ip6_nxt,
		       m ? ", payload " : "", m ? 13 : 0, m ? (char *)m : "");
		fflush(stdout);
		hits++;
	}
	printf("SNIFF6ALL: %d packet(s) on %s\n", hits, argv[1]);
	return 0;
}
