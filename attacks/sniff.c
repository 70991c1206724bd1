/* Observer (run as root, outside any sandbox): print IPv4 packets on "lo"
 * whose destination is EVIL (argv[1]) for SECONDS (argv[2]). */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
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
	struct in_addr evil; inet_pton(AF_INET, argv[1], &evil);
	int s = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	if (s < 0) { perror("socket"); return 1; }
	struct sockaddr_ll ll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
	                         .sll_ifindex = (int)if_nametoindex("lo")};
	bind(s, (void *)&ll, sizeof(ll));
	time_t end = time(NULL) + atoi(argv[2]);
	int hits = 0;
	while (time(NULL) < end) {
		struct pollfd p = {s, POLLIN, 0};
		if (poll(&p, 1, 200) <= 0) continue;
		unsigned char b[2048]; struct sockaddr_ll from; socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(s, b, sizeof(b), 0, (void *)&from, &fl);
		if (n < 20 || from.sll_pkttype == PACKET_OUTGOING) continue;
		struct iphdr *ip = (void *)b;
		if (ip->daddr != evil.s_addr) continue;
		int hl = ip->ihl * 4;
		char d[32]; inet_ntop(AF_INET, &ip->daddr, d, sizeof(d));
		printf("SNIFF: packet to %s proto %d, ip options %d bytes", d, ip->protocol, hl - 20);
		if (ip->protocol == 17 && n > hl + 8)
			printf(", udp payload \"%.*s\"", (int)(n - hl - 8), b + hl + 8);
		printf("\n"); fflush(stdout);
		hits++;
	}
	printf("SNIFF: %d packet(s) to %s\n", hits, argv[1]);
	return 0;
}
