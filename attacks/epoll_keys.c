/* Row 29: an epoll watch is keyed by (file, fd number), not by fd number.
 * One process holding F eventfds and N spare fd numbers gives each epoll
 * instance F x N watches (dup2 each eventfd onto each number, EPOLL_CTL_ADD,
 * move on: the watch outlives the number, the file is still open). The
 * charge is one watch per fd the process may hold (max_open_files x 160).
 * usage: epoll_keys EPOLLS FILES NUMBERS HOLD_SECONDS */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

int main(int argc, char **argv)
{
	if (argc < 5) { fprintf(stderr, "usage\n"); return 2; }
	int E = atoi(argv[1]), F = atoi(argv[2]), N = atoi(argv[3]), hold = atoi(argv[4]);
	int *ev = calloc(F, sizeof(int)), *ep = calloc(E, sizeof(int));
	for (int i = 0; i < E; i++)
		if ((ep[i] = epoll_create1(0)) < 0) { perror("epoll_create1"); return 1; }
	for (int f = 0; f < F; f++)
		if ((ev[f] = eventfd(0, 0)) < 0) { perror("eventfd"); return 1; }
	int base = ev[F - 1] + 1;
	long watches = 0;
	for (int i = 0; i < E; i++)
		for (int f = 0; f < F; f++)
			for (int k = 0; k < N; k++) {
				int slot = base + k;
				if (dup2(ev[f], slot) < 0) { perror("dup2"); goto out; }
				struct epoll_event e = {.events = EPOLLIN, .data.u64 = slot};
				if (epoll_ctl(ep[i], EPOLL_CTL_ADD, slot, &e) < 0) { perror("epoll_ctl"); goto out; }
				watches++;
			}
out:
	for (int k = 0; k < N; k++)
		close(base + k);
	printf("epoll_keys: %d epoll instances, %ld watches, %d fds held after closing the numbers\n",
	       E, watches, E + F);
	fflush(stdout);
	sleep(hold);
	printf("epoll_keys: still alive after %d s\n", hold);
	return 0;
}
