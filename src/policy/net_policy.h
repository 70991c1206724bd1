#ifndef PRAXIS_NET_POLICY_H
#define PRAXIS_NET_POLICY_H
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "capability.h"

/* network.http compiled: where a plugin may connect. */
struct ip_entry {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned prefix; /* bits */
	uint16_t port;   /* 0 = 80 and 443 */
};

struct name_entry {
	char *name;
	uint16_t port;
};

struct http_policy {
	bool any_host;        /* no entries: any address on 80/443 */
	struct ip_entry *ips; /* IP and CIDR entries */
	size_t n_ips;
	struct name_entry *names;
	size_t n_names;
	struct ip_entry *resolvers; /* the system's DNS servers (port 53) */
	size_t n_resolvers;
	uint16_t *ports; /* every TCP port that can be allowed (Landlock) */
	size_t n_ports;
};

/* What a run learned from resolving allowed names (not shared between runs). */
struct name_resolver;

/* The addresses of the allowed names. They are resolved on a thread of
 * their own (name_resolver), never on the supervisor's loop: a stalled DNS
 * server must not stall the run's limits. */
struct name_cache {
	struct cached_addr *v;
	size_t n, cap;
	time_t resolved_at; /* 0 = never */
	struct name_resolver *r;
};

int http_policy_build(struct http_policy *p, const praxis_caps *caps, const char *resolv_conf,
                      praxis_error *err);
void http_policy_free(struct http_policy *p);
void name_cache_free(struct name_cache *c);

/* May a socket of type SOTYPE (SOCK_STREAM/SOCK_DGRAM) reach ADDR? Returns 0
 * or the errno to answer, with a reason. Names are resolved by the host's
 * resolver, at most once a minute per run (see docs/capabilities.md), on a thread:
 * this waits at most 50 ms for a first answer and says EAGAIN while there is
 * none. CACHE NULL: names are not looked at (datagrams: resolvers only). */
int http_policy_check(const struct http_policy *p, struct name_cache *cache,
                      const struct sockaddr *addr, socklen_t len, int sotype, char *reason,
                      size_t rsize);

#endif
