/* network.http: host/port allowlists, CIDRs, names (Casper's CONNECTDNS idea:
 * an address is allowed when a lookup of an allowed name returned it), and the
 * system's resolvers for DNS. */
#include "net_policy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define NAME_CACHE_SECONDS 60
#define NAME_WAIT_MS       50 /* the longest the supervisor's loop waits for DNS */

struct cached_addr {
	int family;
	uint8_t addr[16];
	uint16_t port; /* the name entry's port */
};

static int parse_ip(const char *text, struct ip_entry *e)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", text);
	char *slash = strchr(buf, '/');
	long prefix = -1;
	if (slash) {
		char *end;
		*slash = '\0';
		prefix = strtol(slash + 1, &end, 10);
		if (*end || end == slash + 1)
			return -EINVAL;
	}
	if (inet_pton(AF_INET, buf, e->addr) == 1) {
		e->family = AF_INET;
		if (prefix > 32)
			return -EINVAL;
		e->prefix = prefix < 0 ? 32 : (unsigned)prefix;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, e->addr) == 1) {
		e->family = AF_INET6;
		if (prefix > 128)
			return -EINVAL;
		e->prefix = prefix < 0 ? 128 : (unsigned)prefix;
		return 0;
	}
	return slash ? -EINVAL : -ENOENT; /* -ENOENT: not an address, so a name */
}

static int add_port(struct http_policy *p, uint16_t port)
{
	for (size_t i = 0; i < p->n_ports; i++)
		if (p->ports[i] == port)
			return 0;
	uint16_t *grown = realloc(p->ports, (p->n_ports + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	p->ports = grown;
	p->ports[p->n_ports++] = port;
	return 0;
}

static int add_resolvers(struct http_policy *p, const char *resolv_conf)
{
	FILE *f = fopen(resolv_conf, "re");
	char line[256];
	while (f && fgets(line, sizeof(line), f)) {
		char addr[128];
		if (sscanf(line, " nameserver %127s", addr) != 1)
			continue;
		struct ip_entry e = {0};
		if (parse_ip(addr, &e) < 0)
			continue;
		struct ip_entry *grown =
		    realloc(p->resolvers, (p->n_resolvers + 1) * sizeof(*grown));
		if (!grown) {
			fclose(f);
			return -ENOMEM;
		}
		e.port = 53;
		p->resolvers = grown;
		p->resolvers[p->n_resolvers++] = e;
	}
	if (f)
		fclose(f);
	if (p->n_resolvers == 0) { /* glibc's default when resolv.conf names none */
		p->resolvers = calloc(1, sizeof(*p->resolvers));
		if (!p->resolvers)
			return -ENOMEM;
		parse_ip("127.0.0.1", &p->resolvers[0]);
		p->resolvers[0].port = 53;
		p->n_resolvers = 1;
	}
	return add_port(p, 53);
}

int http_policy_build(struct http_policy *p, const praxis_caps *caps, const char *resolv_conf,
                      praxis_error *err)
{
	memset(p, 0, sizeof(*p));
	int r;
	p->any_host = caps->n_http == 0;
	bool default_ports = p->any_host;
	for (size_t i = 0; i < caps->n_http; i++) {
		const struct http_endpoint *ep = &caps->http[i];
		struct ip_entry e = {.port = ep->port};
		r = parse_ip(ep->host, &e);
		if (r == -EINVAL)
			return praxis_fail(err, -EINVAL, "network.http: bad address or CIDR '%s'",
			                   ep->host);
		if (r == 0) {
			struct ip_entry *grown = realloc(p->ips, (p->n_ips + 1) * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			p->ips = grown;
			p->ips[p->n_ips++] = e;
		} else {
			struct name_entry *grown =
			    realloc(p->names, (p->n_names + 1) * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			p->names = grown;
			p->names[p->n_names] = (struct name_entry){strdup(ep->host), ep->port};
			if (!p->names[p->n_names++].name)
				return -ENOMEM;
		}
		if (ep->port == 0)
			default_ports = true;
		else if ((r = add_port(p, ep->port)) < 0)
			return r;
	}
	if (default_ports && ((r = add_port(p, 80)) < 0 || (r = add_port(p, 443)) < 0))
		return r;
	return add_resolvers(p, resolv_conf);
}

void http_policy_free(struct http_policy *p)
{
	for (size_t i = 0; i < p->n_names; i++)
		free(p->names[i].name);
	free(p->names);
	free(p->ips);
	free(p->resolvers);
	free(p->ports);
	memset(p, 0, sizeof(*p));
}

/* Shared by the supervisor and one detached lookup thread at a time; freed by
 * whichever lets go last, so a lookup that hangs never holds up the run. */
struct name_resolver {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int refs;
	bool running, have_result;
	char **names;
	uint16_t *ports;
	size_t n;
	struct cached_addr *v; /* the last lookup's answer, not yet taken */
	size_t nv;
};

static void resolver_unref(struct name_resolver *r)
{
	pthread_mutex_lock(&r->mu);
	bool last = --r->refs == 0;
	pthread_mutex_unlock(&r->mu);
	if (!last)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->names[i]);
	free(r->names);
	free(r->ports);
	free(r->v);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r);
}

void name_cache_free(struct name_cache *c)
{
	if (c->r)
		resolver_unref(c->r);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned bytes = bits / 8, rest = bits % 8;
	if (memcmp(a, b, bytes) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[bytes] & mask) == (b[bytes] & mask);
}

static bool port_ok(uint16_t want, uint16_t port)
{
	return want ? port == want : (port == 80 || port == 443);
}

static size_t lookup_all(const struct name_resolver *r, struct cached_addr **out)
{
	size_t n = 0, cap = 0;
	struct cached_addr *v = NULL;
	for (size_t i = 0; i < r->n; i++) {
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
		if (getaddrinfo(r->names[i], NULL, &hints, &res) != 0)
			continue;
		for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
			if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
				continue;
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				struct cached_addr *grown = realloc(v, ncap * sizeof(*grown));
				if (!grown)
					break;
				v = grown;
				cap = ncap;
			}
			struct cached_addr *ca = &v[n++];
			memset(ca, 0, sizeof(*ca));
			ca->family = ai->ai_family;
			ca->port = r->ports[i];
			if (ai->ai_family == AF_INET)
				memcpy(ca->addr, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
			else
				memcpy(ca->addr, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr,
				       16);
		}
		freeaddrinfo(res);
	}
	*out = v;
	return n;
}

static void *lookup_thread(void *arg)
{
	struct name_resolver *r = arg;
	struct cached_addr *v;
	size_t n = lookup_all(r, &v); /* names and ports are never written again */
	pthread_mutex_lock(&r->mu);
	free(r->v);
	r->v = v;
	r->nv = n;
	r->have_result = true;
	r->running = false;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	resolver_unref(r);
	return NULL;
}

static struct name_resolver *resolver_new(const struct http_policy *p)
{
	struct name_resolver *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	r->refs = 1;
	r->names = calloc(p->n_names, sizeof(*r->names));
	r->ports = calloc(p->n_names, sizeof(*r->ports));
	for (size_t i = 0; r->names && r->ports && i < p->n_names; i++, r->n++) {
		if (!(r->names[i] = strdup(p->names[i].name)))
			break;
		r->ports[i] = p->names[i].port;
	}
	if (r->n < p->n_names) {
		resolver_unref(r);
		return NULL;
	}
	return r;
}

/* Take the lookup thread's answer; start a lookup when the answer is stale;
 * wait for a first answer at most NAME_WAIT_MS. Called with r->mu held. */
static void take_answer(struct name_resolver *r, struct name_cache *c)
{
	if (!r->have_result)
		return;
	free(c->v);
	c->v = r->v;
	c->n = c->cap = r->nv;
	r->v = NULL;
	r->have_result = false;
	c->resolved_at = time(NULL);
}

static void start_lookup(struct name_resolver *r)
{
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r->refs++;
	if (pthread_create(&t, &attr, lookup_thread, r) == 0)
		r->running = true;
	else
		r->refs--;
	pthread_attr_destroy(&attr);
}

static void refresh_names(const struct http_policy *p, struct name_cache *c)
{
	if (c->resolved_at && time(NULL) - c->resolved_at < NAME_CACHE_SECONDS)
		return;
	if (!c->r && !(c->r = resolver_new(p)))
		return;
	struct name_resolver *r = c->r;
	pthread_mutex_lock(&r->mu);
	take_answer(r, c);
	if (!c->resolved_at || time(NULL) - c->resolved_at >= NAME_CACHE_SECONDS) {
		if (!r->running)
			start_lookup(r);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += NAME_WAIT_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!c->resolved_at && r->running &&
		       pthread_cond_timedwait(&r->cv, &r->mu, &until) == 0)
			;
		take_answer(r, c);
	}
	pthread_mutex_unlock(&r->mu);
}

int http_policy_check(const struct http_policy *p, struct name_cache *cache,
                      const struct sockaddr *sa, socklen_t len, int sotype, char *reason,
                      size_t rsize)
{
	int family = sa->sa_family;
	uint8_t addr[16] = {0};
	uint16_t port;
	if (family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		memcpy(addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	} else if (family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		memcpy(addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	} else {
		snprintf(reason, rsize, "network.http: only IPv4/IPv6 destinations");
		return EPERM;
	}
	for (size_t i = 0; i < p->n_resolvers; i++)
		if (p->resolvers[i].family == family && port == 53 &&
		    prefix_match(addr, p->resolvers[i].addr, family == AF_INET ? 32 : 128)) {
			snprintf(reason, rsize, "network.http: DNS to a system resolver");
			return 0;
		}
	if (sotype != SOCK_STREAM) {
		snprintf(reason, rsize,
		         "network.http: UDP only to the system's resolvers, port 53");
		return EPERM;
	}
	if (p->any_host) {
		if (port_ok(0, port)) {
			snprintf(reason, rsize, "network.http: any host, port %u", port);
			return 0;
		}
		snprintf(reason, rsize, "network.http allows ports 80 and 443 only");
		return EACCES;
	}
	for (size_t i = 0; i < p->n_ips; i++)
		if (p->ips[i].family == family &&
		    prefix_match(addr, p->ips[i].addr, p->ips[i].prefix) &&
		    port_ok(p->ips[i].port, port)) {
			snprintf(reason, rsize, "network.http: allowed address");
			return 0;
		}
	if (p->n_names && cache) {
		refresh_names(p, cache);
		for (size_t i = 0; i < cache->n; i++)
			if (cache->v[i].family == family &&
			    memcmp(cache->v[i].addr, addr, family == AF_INET ? 4 : 16) == 0 &&
			    port_ok(cache->v[i].port, port)) {
				snprintf(reason, rsize, "network.http: address of an allowed name");
				return 0;
			}
	}
	if (p->n_names && cache && !cache->resolved_at) {
		snprintf(reason, rsize, "network.http: the allowed names are still being resolved");
		return EAGAIN;
	}
	snprintf(reason, rsize, "network.http: destination not in the allowlist");
	return EACCES;
}
