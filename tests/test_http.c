/* network.http and network.socket with real clients (issue 5), loopback
 * only: the servers are threads of the test process (an HTTP server on
 * 127.0.0.1 or 127.0.0.2 with an ephemeral port, a UDP echo, UNIX socket
 * listeners). Names used: "localhost" only, which /etc/hosts answers (no
 * DNS query ever leaves the machine). Tests marked _nobody call the library
 * from a process running as uid 65534. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>

#include "helpers2.h"

TestSuite(http, .timeout = 30);

#define BODY "hello from the loopback server\n"

static struct xspec http_spec(bool nobody, const char *cap, const char *value)
{
	struct xspec x;
	xspec_init(&x, nobody);
	x.limits.wall_seconds = 8;
	x.collect_audit = true;
	if (cap)
		spec_allow(&x.s, cap, value);
	return x;
}

static void run_curl(const struct xspec *x, const char *url, struct xrun *o)
{
	XRUN(x, o, "/usr/bin/curl", "-sS", "--noproxy", "*", "--max-time", "5", url);
}

static const char *url(const char *host, uint16_t port)
{
	return tpath("http://%s:%u/hello", host, port);
}

static void assert_fetched(const struct xrun *o, struct http_server *h, int before)
{
	xassert_exit(o, 0, BODY);
	cr_assert_gt(http_server_accepted(h), before, "the server saw no connection");
}

static void assert_not_fetched(const struct xrun *o, struct http_server *h, int before)
{
	xassert_ran(o);
	cr_assert(o->status == PRAXIS_EXITED && o->exit_code != 0, "the client did not fail: %s",
	          xdescribe(o));
	cr_assert_null(strstr(o->out, "hello from"), "the body came through: %s", xdescribe(o));
	cr_assert_eq(http_server_accepted(h), before, "the server accepted a connection: %s",
	             xdescribe(o));
}

/* A network.http record for "connect ADDR:PORT" with ALLOWED. */
static void assert_connect_record(const struct xrun *o, const char *addr, uint16_t port,
                                  bool allowed)
{
	const char *target = tpath("connect %s:%u", addr, port);
	const struct xrec *r = NULL;
	for (size_t i = 0; i < o->n_log && !r; i++)
		if (strcmp(o->log[i].target, target) == 0)
			r = &o->log[i];
	cr_assert_not_null(r, "no record of \"%s\":%s", target, xlog_dump(o));
	cr_assert_str_eq(r->action, "network.http", "%s", target);
	cr_assert_eq(r->allowed, allowed, "%s is %s: %s", target, r->allowed ? "allowed" : "denied",
	             r->reason);
	cr_assert_neq(r->reason[0], '\0');
	cr_assert_gt(r->pid, 0);
}

/* ---- curl ---- */

BOTH(http, curl_fetches_from_the_allowed_server)
{
	struct http_server h;
	http_server_start(&h, "127.0.0.1", 0, BODY);
	struct xspec x = http_spec(nobody, "network.http", tpath("127.0.0.1:%u", h.port));
	struct xrun o;
	run_curl(&x, url("127.0.0.1", h.port), &o);
	assert_fetched(&o, &h, 0);
	assert_connect_record(&o, "127.0.0.1", h.port, true);
	xrun_free(&o);
	http_server_stop(&h);
}

BOTH(http, curl_without_the_capability_fails)
{
	struct http_server h;
	http_server_start(&h, "127.0.0.1", 0, BODY);
	struct xspec x = http_spec(nobody, NULL, NULL);
	struct xrun o;
	/* control: the same client without a sandbox */
	struct run_out plain;
	plain_runv(&x.s,
	           (const char *const[]){"/usr/bin/curl", "-sS", "--noproxy", "*", "--max-time",
	                                 "5", url("127.0.0.1", h.port), NULL},
	           &plain);
	cr_assert_str_eq(plain.out, BODY, "control: %s", describe(&plain));
	int before = http_server_accepted(&h);
	run_curl(&x, url("127.0.0.1", h.port), &o);
	assert_not_fetched(&o, &h, before);
	const struct xrec *r = xfind(&o, NULL, "socket inet", false);
	cr_assert_not_null(r, "no denied socket record:%s", xlog_dump(&o));
	xrun_free(&o);
	http_server_stop(&h);
}

BOTH(http, curl_to_another_port_fails)
{
	struct http_server allowed, other;
	http_server_start(&allowed, "127.0.0.1", 0, BODY);
	http_server_start(&other, "127.0.0.1", 0, BODY);
	struct xspec x = http_spec(nobody, "network.http", tpath("127.0.0.1:%u", allowed.port));
	struct xrun o;
	run_curl(&x, url("127.0.0.1", other.port), &o);
	assert_not_fetched(&o, &other, 0);
	assert_connect_record(&o, "127.0.0.1", other.port, false);
	xrun_free(&o);
	http_server_stop(&allowed);
	http_server_stop(&other);
}

BOTH(http, curl_to_another_loopback_address_fails)
{
	/* 127.0.0.2 is loopback too, but not the allowed address */
	struct http_server h;
	http_server_start(&h, "127.0.0.2", 0, BODY);
	struct xspec x = http_spec(nobody, "network.http", tpath("127.0.0.1:%u", h.port));
	struct xrun o;
	run_curl(&x, url("127.0.0.2", h.port), &o);
	assert_not_fetched(&o, &h, 0);
	assert_connect_record(&o, "127.0.0.2", h.port, false);
	xrun_free(&o);
	http_server_stop(&h);
}

BOTH(http, curl_with_a_name_entry)
{
	/* localhost is in /etc/hosts: the supervisor's lookup stays local */
	struct http_server h;
	http_server_start(&h, "127.0.0.1", 0, BODY);
	struct xspec x = http_spec(nobody, "network.http", tpath("localhost:%u", h.port));
	struct xrun o;
	run_curl(&x, url("localhost", h.port), &o);
	assert_fetched(&o, &h, 0);
	assert_connect_record(&o, "127.0.0.1", h.port, true);
	xrun_free(&o);
	/* the name's port only */
	struct http_server other;
	http_server_start(&other, "127.0.0.1", 0, BODY);
	run_curl(&x, url("localhost", other.port), &o);
	assert_not_fetched(&o, &other, 0);
	xrun_free(&o);
	http_server_stop(&other);
	http_server_stop(&h);
}

BOTH(http, curl_with_a_cidr_entry)
{
	struct http_server a, b;
	http_server_start(&a, "127.0.0.1", 0, BODY);
	http_server_start(&b, "127.0.0.2", a.port, BODY); /* same port, other address */
	struct xspec x = http_spec(nobody, "network.http", tpath("127.0.0.0/8:%u", a.port));
	struct xrun o;
	run_curl(&x, url("127.0.0.1", a.port), &o);
	assert_fetched(&o, &a, 0);
	xrun_free(&o);
	run_curl(&x, url("127.0.0.2", b.port), &o);
	assert_fetched(&o, &b, 0);
	assert_connect_record(&o, "127.0.0.2", b.port, true);
	xrun_free(&o);
	/* the CIDR's port only */
	struct http_server other;
	http_server_start(&other, "127.0.0.1", 0, BODY);
	run_curl(&x, url("127.0.0.1", other.port), &o);
	assert_not_fetched(&o, &other, 0);
	xrun_free(&o);
	/* a narrower CIDR leaves 127.0.0.2 out */
	struct xspec narrow = http_spec(nobody, "network.http", tpath("127.0.0.1/32:%u", a.port));
	int before = http_server_accepted(&b);
	run_curl(&narrow, url("127.0.0.2", b.port), &o);
	assert_not_fetched(&o, &b, before);
	xrun_free(&o);
	http_server_stop(&other);
	http_server_stop(&a);
	http_server_stop(&b);
}

/* ---- Python's urllib ---- */

static void run_urllib(const struct xspec *x, const char *u, struct xrun *o)
{
	XRUN(x, o, "/usr/bin/python3", "-c",
	     tpath("import sys, urllib.request\n"
	           "sys.stdout.write(urllib.request.urlopen('%s', timeout=5).read().decode())",
	           u));
}

BOTH(http, python_urllib)
{
	struct http_server h, other;
	http_server_start(&h, "127.0.0.1", 0, BODY);
	http_server_start(&other, "127.0.0.1", 0, BODY);
	struct xspec x = http_spec(nobody, "network.http", tpath("127.0.0.1:%u", h.port));
	struct xrun o;
	run_urllib(&x, url("127.0.0.1", h.port), &o);
	assert_fetched(&o, &h, 0);
	assert_connect_record(&o, "127.0.0.1", h.port, true);
	xrun_free(&o);

	run_urllib(&x, url("127.0.0.1", other.port), &o);
	assert_not_fetched(&o, &other, 0);
	assert_connect_record(&o, "127.0.0.1", other.port, false);
	xrun_free(&o);

	struct xspec none = http_spec(nobody, NULL, NULL);
	int before = http_server_accepted(&h);
	run_urllib(&none, url("127.0.0.1", h.port), &o);
	assert_not_fetched(&o, &h, before);
	xrun_free(&o);

	/* a name entry, looked up in /etc/hosts */
	struct xspec named = http_spec(nobody, "network.http", tpath("localhost:%u", h.port));
	before = http_server_accepted(&h);
	run_urllib(&named, url("localhost", h.port), &o);
	assert_fetched(&o, &h, before);
	xrun_free(&o);
	http_server_stop(&h);
	http_server_stop(&other);
}

/* ---- what network.http does not give ---- */

BOTH(http, udp_and_raw_sockets_denied)
{
	/* UDP anywhere but the system's resolvers (port 53) is denied: at
	 * socket() or at the send, either way nothing arrives */
	struct udp_echo u;
	udp_echo_start(&u);
	struct xspec x = http_spec(nobody, "network.http", tpath("127.0.0.1:%u", u.port));
	struct xrun o;
	XPROBE(&x, &o, "udp-echo", "127.0.0.1", tpath("%u", u.port));
	xassert_ran(&o);
	cr_assert(o.exit_code == 1 && strncmp(o.out, "ERR E", 5) == 0, "UDP to the echo: %s",
	          xdescribe(&o));
	cr_assert_not_null(xfind(&o, "network.http", NULL, false), "no denied record:%s",
	                   xlog_dump(&o));
	xrun_free(&o);
	XPROBE(&x, &o, "socket", "inet", "raw", "icmp");
	xassert_exit(&o, 1, "ERR EPERM\n");
	xrun_free(&o);
	XPROBE(&x, &o, "socket", "inet", "raw", "raw");
	xassert_exit(&o, 1, "ERR EPERM\n");
	xrun_free(&o);
	XPROBE(&x, &o, "socket", "packet", "raw");
	xassert_exit(&o, 1, "ERR EPERM\n");
	xrun_free(&o);
	cr_assert_eq(atomic_load((_Atomic int *)&u.echoed), 0);
	udp_echo_stop(&u);
}

/* ---- DNS to the system's resolvers ---- */

/* A DNS server on 127.0.0.1:53 that answers every A query with 127.0.0.1
 * and every other query with no data. */
struct fake_dns {
	int fd, stop[2];
	pthread_t thread;
	atomic_int queries;
};

static void *dns_main(void *arg)
{
	struct fake_dns *d = arg;
	for (;;) {
		struct pollfd p[2] = {{.fd = d->fd, .events = POLLIN},
		                      {.fd = d->stop[0], .events = POLLIN}};
		if (poll(p, 2, -1) < 0 || p[1].revents)
			return NULL;
		unsigned char q[512], r[600];
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(d->fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
		if (n < 17)
			continue;
		atomic_fetch_add(&d->queries, 1);
		size_t end = 12;
		while (end < (size_t)n && q[end])
			end += q[end] + 1u;
		end += 5; /* the root label, qtype, qclass */
		if (end > (size_t)n)
			continue;
		bool a = q[end - 4] == 0 && q[end - 3] == 1;
		memcpy(r, q, end);
		r[2] = 0x81; /* response, recursion desired */
		r[3] = 0x80; /* recursion available, no error */
		r[6] = 0;
		r[7] = a ? 1 : 0;
		memset(r + 8, 0, 4);
		size_t len = end;
		if (a) {
			static const unsigned char ans[] = {0xc0, 0x0c, 0, 1, 0,   1, 0, 0,
			                                    0,    60,   0, 4, 127, 0, 0, 1};
			memcpy(r + len, ans, sizeof(ans));
			len += sizeof(ans);
		}
		if (sendto(d->fd, r, len, 0, (struct sockaddr *)&from, fl) < 0)
			continue;
	}
}

#define FAKE_RESOLV_CONF "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n"

/* This test process gets a network namespace of its own (only loopback:
 * nothing can leave it) and a private mount namespace in which
 * /etc/resolv.conf names 127.0.0.1 only; false when that cannot be done.
 * Checked by reading the file back. */
static bool private_net(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		return false;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return false;
	ifr.ifr_flags |= IFF_UP;
	bool ok = ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
	close(s);
	return ok;
}

static bool private_resolv_conf_with(const char *content)
{
	if (!private_net() || unshare(CLONE_NEWNS) < 0)
		return false;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return false;
	const char *dir = tmpdir_new(false);
	const char *conf = tpath("%s/resolv.conf", dir);
	file_put(conf, content, false);
	if (mount(conf, "/etc/resolv.conf", NULL, MS_BIND, NULL) < 0)
		return false;
	const char *now = file_get("/etc/resolv.conf");
	return now && strcmp(now, content) == 0;
}

static bool private_resolv_conf(void)
{
	return private_resolv_conf_with(FAKE_RESOLV_CONF);
}

BOTH(http, dns_to_the_system_resolver)
{
	/* docs/capabilities.md: network.http allows "DNS: UDP and TCP to the
	 * nameservers of /etc/resolv.conf on port 53" -- so a plugin can use
	 * a name that is not in /etc/hosts. */
	if (!private_resolv_conf())
		cr_skip_test("cannot give the test a private /etc/resolv.conf naming 127.0.0.1 "
		             "(mount namespace): the resolver path is not tested");
	cr_assert_str_eq(file_get("/etc/resolv.conf"), FAKE_RESOLV_CONF);
	struct fake_dns d = {0};
	d.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(d.fd, 0);
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(53)};
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(d.fd, (struct sockaddr *)&in, sizeof(in)) < 0)
		cr_skip_test("127.0.0.1:53 is taken (%s): the resolver path is not tested",
		             strerror(errno));
	cr_assert_eq(pipe2(d.stop, O_CLOEXEC), 0);
	cr_assert_eq(pthread_create(&d.thread, NULL, dns_main, &d), 0);

	struct xspec x = http_spec(nobody, "network.http", NULL);
	static const char *const lookup[] = {
	    "/usr/bin/python3", "-c",
	    "import socket; print(socket.gethostbyname('service.praxis-test'))", NULL};
	/* control: the same lookup without a sandbox */
	struct run_out plain;
	plain_runv(&x.s, lookup, &plain);
	cr_assert_str_eq(plain.out, "127.0.0.1\n", "control: %s", describe(&plain));
	int before = atomic_load(&d.queries);
	cr_assert_geq(before, 1, "control: no query reached the fake resolver");
	struct xrun o;
	xrun_argv(&x, lookup, &o);
	cr_assert_gt(atomic_load(&d.queries), before, "no query reached the resolver: %s%s",
	             xdescribe(&o), xlog_dump(&o));
	xassert_exit(&o, 0, "127.0.0.1\n");
	cr_assert_not_null(xfind(&o, "network.http", "127.0.0.1:53", true), "%s", xlog_dump(&o));
	xrun_free(&o);

	/* and UDP to the resolver's address on another port stays closed */
	struct udp_echo u;
	udp_echo_start(&u);
	XPROBE(&x, &o, "udp-echo", "127.0.0.1", tpath("%u", u.port));
	xassert_ran(&o);
	cr_assert(o.exit_code == 1, "UDP to another port: %s", xdescribe(&o));
	cr_assert_eq(atomic_load((_Atomic int *)&u.echoed), 0);
	xrun_free(&o);
	udp_echo_stop(&u);

	cr_assert_eq(write(d.stop[1], "x", 1), 1);
	pthread_join(d.thread, NULL);
	close(d.fd);
	close(d.stop[0]);
	close(d.stop[1]);
}

BOTH(http, bind_and_listen_denied)
{
	struct xspec x = http_spec(nobody, "network.http", "127.0.0.1:8080");
	struct xrun o;
	struct run_out plain;
	plain_probev(&x.s, (const char *const[]){"listen-tcp", NULL}, &plain);
	cr_assert_str_eq(plain.out, "OK\n", "control: %s", describe(&plain));

	XPROBE(&x, &o, "bind-tcp", "0");
	xassert_ran(&o);
	cr_assert(o.exit_code == 1 && strncmp(o.out, "ERR E", 5) == 0, "bind: %s", xdescribe(&o));
	cr_assert_not_null(xfind(&o, "network.http", "bind 127.0.0.1:0", false), "%s",
	                   xlog_dump(&o));
	xrun_free(&o);

	/* listen() without bind(): the kernel binds an ephemeral port itself */
	XPROBE(&x, &o, "listen-tcp");
	xassert_ran(&o);
	cr_assert(o.exit_code == 1 && strncmp(o.out, "ERR E", 5) == 0,
	          "a network.http plugin can listen for connections: %s", xdescribe(&o));
	xrun_free(&o);
}

/* ---- UNIX sockets ---- */

static bool has_pending_connection(int listener)
{
	struct pollfd p = {.fd = listener, .events = POLLIN};
	return poll(&p, 1, 0) > 0;
}

BOTH(http, unix_socket_connects_denied_in_every_mode)
{
	const char *dir = tmpdir_new(nobody);
	const char *path = tpath("%s/sock", dir);
	const char *name = unique_marker("abstract");
	int l = unix_listener(path);
	int a = abstract_listener(name);
	struct xspec x = http_spec(nobody, NULL, NULL);
	struct run_out plain;
	plain_probev(&x.s, (const char *const[]){"connect-unix", path, NULL}, &plain);
	cr_assert_str_eq(plain.out, "OK\n", "control: %s", describe(&plain));
	plain_probev(&x.s, (const char *const[]){"connect-abstract", name, NULL}, &plain);
	cr_assert_str_eq(plain.out, "OK\n", "control: %s", describe(&plain));
	/* take the control connections off the queues */
	close(accept(l, NULL, NULL));
	close(accept(a, NULL, NULL));

	static const char *const modes[][2] = {{NULL, NULL},
	                                       {"network.socket", NULL},
	                                       {"network.http", NULL},
	                                       {"network.http", "127.0.0.1:8080"}};
	for (size_t i = 0; i < sizeof(modes) / sizeof(*modes); i++) {
		for (int fs = 0; fs < 2; fs++) {
			struct xspec m = http_spec(nobody, modes[i][0], modes[i][1]);
			if (fs) /* even with write access to the socket's directory */
				spec_allow(&m.s, "filesystem.write", dir);
			struct xrun o;
			XPROBE(&m, &o, "connect-unix", path);
			xassert_ran(&o);
			cr_assert(o.exit_code == 1 && strncmp(o.out, "ERR E", 5) == 0,
			          "%s%s%s%s: connect to %s: %s", modes[i][0] ? modes[i][0] : "none",
			          modes[i][1] ? "=" : "", modes[i][1] ? modes[i][1] : "",
			          fs ? " + filesystem.write" : "", path, xdescribe(&o));
			xrun_free(&o);
			XPROBE(&m, &o, "connect-abstract", name);
			xassert_ran(&o);
			cr_assert(o.exit_code == 1 && strncmp(o.out, "ERR E", 5) == 0,
			          "%s%s%s: connect to @%s: %s", modes[i][0] ? modes[i][0] : "none",
			          modes[i][1] ? "=" : "", modes[i][1] ? modes[i][1] : "", name,
			          xdescribe(&o));
			xrun_free(&o);
		}
	}
	cr_assert(!has_pending_connection(l), "a plugin connected to %s", path);
	cr_assert(!has_pending_connection(a), "a plugin connected to @%s", name);
	close(l);
	close(a);
}

/* ---- network.socket ---- */

BOTH(http, network_socket_allows_udp_and_tcp_on_loopback)
{
	struct udp_echo u;
	udp_echo_start(&u);
	struct http_server h;
	http_server_start(&h, "127.0.0.1", 0, BODY);
	struct xspec x = http_spec(nobody, "network.socket", NULL);
	struct xrun o;
	XPROBE(&x, &o, "udp-echo", "127.0.0.1", tpath("%u", u.port));
	xassert_exit(&o, 0, "OK\n");
	cr_assert_geq(atomic_load((_Atomic int *)&u.echoed), 1);
	const struct xrec *r = xfind(&o, "network.socket", tpath("127.0.0.1:%u", u.port), true);
	cr_assert_not_null(r, "no record of the datagram's destination:%s", xlog_dump(&o));
	xrun_free(&o);
	run_curl(&x, url("127.0.0.1", h.port), &o);
	assert_fetched(&o, &h, 0);
	xrun_free(&o);
	http_server_stop(&h);
	udp_echo_stop(&u);
}

/* ---- default ports, IPv6 ---- */

BOTH(http, without_entries_any_host_on_ports_80_and_443)
{
	/* in a network namespace of the test's own, where port 80 is free
	 * and nothing can leave the machine */
	if (!private_net())
		cr_skip_test("no private network namespace: default ports not tested");
	struct http_server web, other;
	http_server_start(&web, "127.0.0.1", 80, BODY);
	http_server_start(&other, "127.0.0.1", 0, BODY);
	struct xspec x = http_spec(nobody, "network.http", NULL);
	struct xrun o;
	run_curl(&x, "http://127.0.0.1/hello", &o);
	assert_fetched(&o, &web, 0);
	assert_connect_record(&o, "127.0.0.1", 80, true);
	xrun_free(&o);
	run_curl(&x, url("127.0.0.1", other.port), &o);
	assert_not_fetched(&o, &other, 0);
	assert_connect_record(&o, "127.0.0.1", other.port, false);
	xrun_free(&o);
	http_server_stop(&web);
	http_server_stop(&other);
}

static int listener6(uint16_t *port)
{
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	if (bind(fd, (struct sockaddr *)&in6, sizeof(in6)) < 0)
		cr_skip_test("no IPv6 loopback here (%s)", strerror(errno));
	cr_assert_eq(listen(fd, 16), 0);
	socklen_t len = sizeof(in6);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&in6, &len), 0);
	*port = ntohs(in6.sin6_port);
	return fd;
}

static int pending_connections(int listener)
{
	int n = 0;
	fcntl(listener, F_SETFL, O_NONBLOCK);
	for (int c; (c = accept(listener, NULL, NULL)) >= 0; n++)
		close(c);
	return n;
}

BOTH(http, ipv6_loopback_is_another_address)
{
	uint16_t port;
	int l = listener6(&port);
	const char *ps = tpath("%u", port);
	struct xspec x = http_spec(nobody, "network.http", tpath("127.0.0.1:%u", port));
	struct xrun o;
	XPROBE(&x, &o, "connect-tcp", "::1", ps);
	xassert_ran(&o);
	cr_assert(o.exit_code == 1 && strncmp(o.out, "ERR E", 5) == 0, "%s", xdescribe(&o));
	cr_assert_not_null(xfind(&o, "network.http", tpath("connect [::1]:%u", port), false), "%s",
	                   xlog_dump(&o));
	xrun_free(&o);
	/* IPv4-mapped: the same IPv4 destination, seen through an IPv6 socket */
	XPROBE(&x, &o, "connect-tcp", "::ffff:127.0.0.2", ps);
	xassert_ran(&o);
	cr_assert(o.exit_code == 1, "%s", xdescribe(&o));
	xrun_free(&o);
	cr_assert_eq(pending_connections(l), 0, "a denied connect reached [::1]:%u", port);

	struct xspec v6 = http_spec(nobody, "network.http", tpath("[::1]:%u", port));
	XPROBE(&v6, &o, "connect-tcp", "::1", ps);
	xassert_exit(&o, 0, "OK\n");
	assert_connect_record(&o, "[::1]", port, true);
	xrun_free(&o);
	cr_assert_eq(pending_connections(l), 1);
	close(l);
}

/* ---- the race on the sockaddr ---- */

static void connect_race(bool nobody, bool audit)
{
	/* One thread rewrites the port of the sockaddr between the allowed
	 * server's and a forbidden one's while the other connects with it in
	 * a loop: whatever the supervisor checked is what it connects to. */
	struct counting_listener allowed, forbidden;
	counting_listener_start(&allowed, "127.0.0.1");
	counting_listener_start(&forbidden, "127.0.0.1");
	struct xspec x = http_spec(nobody, "network.http", tpath("127.0.0.1:%u", allowed.port));
	x.collect_audit = audit;
	const char *ap = tpath("%u", allowed.port), *fp = tpath("%u", forbidden.port);

	/* control: without the sandbox the flips do reach the forbidden port */
	struct run_out plain;
	for (int attempt = 0; attempt < 5 && counting_listener_accepted(&forbidden) == 0;
	     attempt++) {
		/* a loaded machine may not run the flipper in between */
		plain_probev(&x.s, (const char *const[]){"connect-race", ap, fp, "300", NULL},
		             &plain);
		cr_assert_eq(plain.res.exit_code, 0, "%s", describe(&plain));
		for (int i = 0; i < 20 && counting_listener_accepted(&forbidden) == 0; i++)
			usleep(10000);
	}
	cr_assert_gt(counting_listener_accepted(&forbidden), 0, "control: %s", plain.out);
	counting_listener_stop(&forbidden);
	counting_listener_start(&forbidden, "127.0.0.1");
	fp = tpath("%u", forbidden.port);

	int before = counting_listener_accepted(&allowed);
	struct xrun o;
	XPROBE(&x, &o, "connect-race", ap, fp, "1500");
	xassert_ran(&o);
	cr_assert_eq(o.exit_code, 0, "%s", xdescribe(&o));
	long connected = -1, failed = -1;
	cr_assert_eq(sscanf(o.out, "connected=%ld failed=%ld", &connected, &failed), 2, "%s",
	             o.out);
	usleep(50000);
	counting_listener_stop(&forbidden);
	cr_assert_eq(counting_listener_accepted(&forbidden), 0,
	             "the forbidden server accepted %d connections (%s)",
	             counting_listener_accepted(&forbidden), o.out);
	cr_assert_gt(connected, 0, "no connect got through to the allowed port: %s", o.out);
	cr_assert_gt(failed, 0, "the flips never made a connect fail: %s", o.out);
	cr_assert_geq(counting_listener_accepted(&allowed) - before, connected, "%s", o.out);
	if (audit) {
		cr_assert_geq(
		    xcount(&o, "network.http", tpath("connect 127.0.0.1:%u", allowed.port), true),
		    (size_t)connected, "%s", o.out);
		cr_assert_eq(xcount(&o, "network.http", tpath("connect 127.0.0.1:%s", fp), true),
		             0);
		cr_assert_gt(xcount(&o, "network.http", tpath("connect 127.0.0.1:%s", fp), false),
		             0);
	}
	xrun_free(&o);
	counting_listener_stop(&allowed);
}

BOTH(http, connect_race_never_reaches_the_forbidden_port)
{
	connect_race(nobody, false);
}

BOTH(http, connect_race_never_reaches_the_forbidden_port_audited)
{
	connect_race(nobody, true);
}

/* ---- a flood of connects ---- */

struct host_watch {
	pthread_t thread;
	atomic_int stop;
	long size0, rss0, max_size, max_rss;
};

static void *watch_main(void *arg)
{
	struct host_watch *w = arg;
	while (!atomic_load(&w->stop)) {
		long size = self_status_kb("VmSize"), rss = self_status_kb("VmRSS");
		if (size > w->max_size)
			w->max_size = size;
		if (rss > w->max_rss)
			w->max_rss = rss;
		usleep(5000);
	}
	return NULL;
}

PTEST(http, blocking_connect_flood_does_not_grow_the_host)
{
	/* Each blocking connect under network.http is performed by the
	 * supervisor on a thread; a plugin connecting in a loop must not make
	 * the host keep one thread (and its stack) per connect. */
	struct counting_listener l;
	counting_listener_start(&l, "127.0.0.1");
	struct xspec x = http_spec(false, "network.http", tpath("127.0.0.1:%u", l.port));
	x.collect_audit = false;
	struct host_watch w = {0};
	w.size0 = w.max_size = self_status_kb("VmSize");
	w.rss0 = w.max_rss = self_status_kb("VmRSS");
	cr_assert_eq(pthread_create(&w.thread, NULL, watch_main, &w), 0);
	struct xrun o;
	XPROBE(&x, &o, "connect-loop", tpath("%u", l.port), "3000");
	atomic_store(&w.stop, 1);
	pthread_join(w.thread, NULL);
	xassert_exit(&o, 0, "OK\n");
	cr_assert_lt(w.max_size - w.size0, 1024 * 1024,
	             "the host's address space grew by %ld MiB during 3000 connects",
	             (w.max_size - w.size0) / 1024);
	cr_assert_lt(w.max_rss - w.rss0, 64 * 1024,
	             "the host's RSS grew by %ld MiB during 3000 connects",
	             (w.max_rss - w.rss0) / 1024);
	xrun_free(&o);
	counting_listener_stop(&l);
}

/* ---- races on what the supervisor inspected (issue 10) ---- */

/* A listener on 127.0.0.2:PORT (a big backlog, never accepted: counted at
 * the end). Landlock lets a network.http plugin connect to the allowed
 * ports on any address, so this is what a bypass of the supervisor reaches. */
static int other_address_listener(uint16_t port)
{
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, "127.0.0.2", &in.sin_addr);
	int one = 1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	cr_assert_eq(bind(l, (struct sockaddr *)&in, sizeof(in)), 0, "127.0.0.2:%u: %s", port,
	             strerror(errno));
	cr_assert_eq(listen(l, 4096), 0);
	return l;
}

/* A run whose fd number is swapped (dup2) between a fresh socket and a
 * decoy (a pipe, a UNIX socketpair end, a TCP socket) while it connects or
 * sends to a forbidden port: the supervisor must act on what it inspected
 * (its own duplicate) or refuse, never let the kernel look the fd up again. */
static void fd_race(bool nobody, const char *call, const char *decoy)
{
	bool tcp = strcmp(call, "connect") == 0;
	struct counting_listener allowed, forbidden;
	struct udp_echo u;
	counting_listener_start(&allowed, "127.0.0.1");
	counting_listener_start(&forbidden, "127.0.0.1");
	udp_echo_start(&u);
	/* TCP: the allowed port on another address (Landlock checks ports) */
	int other = tcp ? other_address_listener(allowed.port) : -1;
	const char *fp = tpath("%u", tcp ? allowed.port : u.port);
	const char *host = tcp ? "127.0.0.2" : "127.0.0.1";
	int other_seen = 0;
	struct xspec x = http_spec(nobody, "network.http", tpath("127.0.0.1:%u", allowed.port));
	x.collect_audit = false;
	/* control: without the sandbox the swaps reach the forbidden port */
	struct run_out plain;
	int reached = 0;
	for (int attempt = 0; attempt < 20 && reached == 0; attempt++) {
		/* a loaded machine may not run the swapper in between */
		plain_probev(&x.s,
		             (const char *const[]){"fd-race", call, decoy, fp,
		                                   tcp ? "2000" : "20000", host, NULL},
		             &plain);
		cr_assert_eq(plain.res.exit_code, 0, "%s", describe(&plain));
		usleep(50000);
		other_seen += tcp ? pending_connections(other) : 0;
		reached = tcp ? other_seen : atomic_load((_Atomic int *)&u.echoed);
	}
	cr_assert_gt(reached, 0, "control (%s/%s): %s", call, decoy, plain.out);

	struct xrun o;
	XPROBE(&x, &o, "fd-race", call, decoy, fp, "3000", host);
	xassert_ran(&o);
	cr_assert(o.status == PRAXIS_EXITED && o.exit_code == 0, "%s", xdescribe(&o));
	usleep(50000);
	int after =
	    tcp ? reached + pending_connections(other) : atomic_load((_Atomic int *)&u.echoed);
	cr_assert_eq(after, reached,
	             "%s with a %s swapped in reached the forbidden port %d times (%s)", call,
	             decoy, after - reached, o.out);
	cr_assert_str_eq(o.out, "ok=0\n", "%s/%s", call, decoy);
	xrun_free(&o);
	if (other >= 0)
		close(other);
	udp_echo_stop(&u);
	counting_listener_stop(&allowed);
	counting_listener_stop(&forbidden);
}

BOTH(http, fd_swap_race_connect_pipe)
{
	fd_race(nobody, "connect", "pipe");
}
BOTH(http, fd_swap_race_connect_socketpair)
{
	fd_race(nobody, "connect", "unix");
}
BOTH(http, fd_swap_race_sendto_tcp)
{
	fd_race(nobody, "sendto", "tcp");
}
BOTH(http, fd_swap_race_sendto_pipe)
{
	fd_race(nobody, "sendto", "pipe");
}
BOTH(http, fd_swap_race_sendto_socketpair)
{
	fd_race(nobody, "sendto", "unix");
}
BOTH(http, fd_swap_race_sendmsg_tcp)
{
	fd_race(nobody, "sendmsg", "tcp");
}
BOTH(http, fd_swap_race_sendmsg_pipe)
{
	fd_race(nobody, "sendmsg", "pipe");
}
BOTH(http, fd_swap_race_sendmmsg_tcp)
{
	fd_race(nobody, "sendmmsg", "tcp");
}
BOTH(http, fd_swap_race_sendmmsg_socketpair)
{
	fd_race(nobody, "sendmmsg", "unix");
}

/* The address on a page another thread unmaps and maps again (with the
 * forbidden address): a failed read is EFAULT, never a pass. */
static void page_race(bool nobody, const char *call)
{
	bool tcp = strcmp(call, "connect") == 0;
	struct counting_listener allowed, forbidden;
	struct udp_echo u;
	counting_listener_start(&allowed, "127.0.0.1");
	counting_listener_start(&forbidden, "127.0.0.1");
	udp_echo_start(&u);
	int other = tcp ? other_address_listener(allowed.port) : -1;
	const char *fp = tpath("%u", tcp ? allowed.port : u.port);
	const char *host = tcp ? "127.0.0.2" : "127.0.0.1";
	struct xspec x = http_spec(nobody, "network.http", tpath("127.0.0.1:%u", allowed.port));
	x.collect_audit = false;
	struct run_out plain;
	int reached = 0;
	for (int attempt = 0; attempt < 20 && reached == 0; attempt++) {
		plain_probev(&x.s, (const char *const[]){"page-race", call, fp, "3000", host, NULL},
		             &plain);
		cr_assert_eq(plain.res.exit_code, 0, "%s", describe(&plain));
		usleep(50000);
		reached += tcp ? pending_connections(other) : 0;
		if (!tcp)
			reached = atomic_load((_Atomic int *)&u.echoed);
	}
	cr_assert_gt(reached, 0, "control (%s): %s", call, plain.out);
	cr_assert_not_null(strstr(plain.out, "efault="), "%s", plain.out);

	struct xrun o;
	XPROBE(&x, &o, "page-race", call, fp, "4000", host);
	xassert_ran(&o);
	cr_assert(o.status == PRAXIS_EXITED && o.exit_code == 0, "%s", xdescribe(&o));
	usleep(50000);
	int after =
	    tcp ? reached + pending_connections(other) : atomic_load((_Atomic int *)&u.echoed);
	cr_assert_eq(after, reached, "%s reached the forbidden port %d times (%s)", call,
	             after - reached, o.out);
	if (!tcp) /* (a connect may "succeed": a zeroed page is AF_UNSPEC, a disconnect) */
		cr_assert_eq(strncmp(o.out, "ok=0 ", 5), 0, "%s", o.out);
	xrun_free(&o);
	if (other >= 0)
		close(other);
	udp_echo_stop(&u);
	counting_listener_stop(&allowed);
	counting_listener_stop(&forbidden);
}

BOTH(http, page_remap_race_connect)
{
	page_race(nobody, "connect");
}
BOTH(http, page_remap_race_sendto)
{
	page_race(nobody, "sendto");
}

/* ---- the supervisor never stalls (issue 10, part 2) ---- */

/* A listener on 127.0.0.1 whose backlog is full: a connect to it waits for
 * SYN retransmits. */
static int full_listener(uint16_t *port, int *fillers)
{
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in in = {.sin_family = AF_INET};
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(l, (struct sockaddr *)&in, sizeof(in)), 0);
	cr_assert_eq(listen(l, 0), 0);
	socklen_t len = sizeof(in);
	cr_assert_eq(getsockname(l, (struct sockaddr *)&in, &len), 0);
	*port = ntohs(in.sin_port);
	for (int i = 0; i < 4; i++) {
		fillers[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		connect(fillers[i], (struct sockaddr *)&in, sizeof(in));
	}
	usleep(100000);
	return l;
}

static void stall_run(bool nobody, const char *mib, praxis_limit_kind want, double wall)
{
	uint16_t port;
	int fillers[4];
	int l = full_listener(&port, fillers);
	struct xspec x = http_spec(nobody, "network.http", tpath("127.0.0.1:%u", port));
	x.collect_audit = false;
	x.limits.wall_seconds = wall;
	x.limits.memory_bytes = 64ull << 20;
	/* control: without the sandbox one of the connects does block */
	struct run_out plain;
	long ms = 0;
	for (int attempt = 0; attempt < 3 && ms < 500; attempt++) {
		plain_probev(
		    &x.s,
		    (const char *const[]){"stall-connect", tpath("%u", port), "0", "0", "1", NULL},
		    &plain);
		cr_assert_eq(sscanf(plain.out, "blocked_ms=%ld", &ms), 1, "control: %s",
		             describe(&plain));
	}
	cr_assert_geq(ms, 500, "control: no connect blocked: %s", plain.out);

	struct xrun o;
	XPROBE(&x, &o, "stall-connect", tpath("%u", port), mib, "30", "8");
	xassert_ran(&o);
	fprintf(stderr, "stall run (%s MiB): limit %d after %.3f s (wall %.1f s), peak %llu MiB\n",
	        mib, (int)o.limit, o.seconds, wall,
	        (unsigned long long)(o.usage.peak_memory_bytes >> 20));
	cr_assert_eq(o.status, PRAXIS_LIMIT, "%s", xdescribe(&o));
	cr_assert_eq(o.limit, want, "%s", xdescribe(&o));
	cr_assert_lt(o.seconds, wall + 0.3, "the run lived %.3f s past a %.1f s wall limit",
	             o.seconds, wall);
	if (want == PRAXIS_LIMIT_WALL)
		cr_assert_geq(o.seconds, wall - 0.01);
	xrun_free(&o);
	for (int i = 0; i < 4; i++)
		close(fillers[i]);
	close(l);
}

BOTH(http, nonblock_race_cannot_stall_the_wall_limit)
{
	stall_run(nobody, "0", PRAXIS_LIMIT_WALL, 2);
}

BOTH(http, nonblock_race_cannot_stall_the_memory_limit)
{
	stall_run(nobody, "400", PRAXIS_LIMIT_MEMORY, 4);
}

#define STALLED_RESOLV_CONF "nameserver 127.0.0.1\noptions timeout:5 attempts:2\n"

PTEST(http, stalled_dns_does_not_delay_the_wall_limit)
{
	if (!private_resolv_conf_with(STALLED_RESOLV_CONF))
		cr_skip_test("no private /etc/resolv.conf: the stalled resolver is not tested");
	/* a resolver that never answers */
	int dns = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(53)};
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(dns, (struct sockaddr *)&in, sizeof(in)), 0);
	struct counting_listener web;
	counting_listener_start(&web, "127.0.0.1");
	struct xspec x =
	    http_spec(false, "network.http", tpath("stalled.praxis-test:%u", web.port));
	x.collect_audit = false;
	x.limits.wall_seconds = 1;
	struct xrun o;
	XPROBE(&x, &o, "connect-loop", tpath("%u", web.port), "100");
	fprintf(stderr, "stalled DNS run: limit %d after %.3f s (wall 1 s)\n", (int)o.limit,
	        o.seconds);
	struct pollfd p = {.fd = dns, .events = POLLIN};
	cr_assert_eq(poll(&p, 1, 0), 1, "no query reached the stalled resolver: %s", xdescribe(&o));
	cr_assert_eq(o.status, PRAXIS_LIMIT, "%s", xdescribe(&o));
	cr_assert_eq(o.limit, PRAXIS_LIMIT_WALL, "%s", xdescribe(&o));
	cr_assert_lt(o.seconds, 1.3, "the run lived %.3f s past a 1 s wall limit", o.seconds);
	cr_assert_eq(counting_listener_accepted(&web), 0);
	xrun_free(&o);
	counting_listener_stop(&web);
	close(dns);
}

/* ---- socket state that would route the supervisor's connect elsewhere ---- */

/* The review's attack (attacks/srh.c): an IPv6 segment routing header set on
 * the socket makes the supervisor's own connect to the allowed [::1]:PORT
 * leave for the header's first hop. Every option of that class (routing
 * headers, IP options, interface bindings) is refused under network.http,
 * and audited; ordinary options still work. */
static void route_option(bool nobody, const char *name, bool control_works, bool audit)
{
	struct xspec x = http_spec(nobody, "network.http", "[::1]:8080");
	x.collect_audit = audit;
	struct run_out plain;
	plain_probev(&x.s, (const char *const[]){"route-option", name, NULL}, &plain);
	if (control_works)
		cr_assert_str_eq(plain.out, "OK\n", "control %s: %s", name, describe(&plain));
	struct xrun o;
	XPROBE(&x, &o, "route-option", name);
	xassert_exit(&o, 1, "ERR EPERM\n");
	if (audit) {
		const struct xrec *r = xfind(&o, "network.http", "setsockopt", false);
		cr_assert_not_null(r, "no denied setsockopt record for %s:%s", name, xlog_dump(&o));
	}
	xrun_free(&o);
}

BOTH(http, routing_headers_are_refused)
{
	route_option(nobody, "rthdr", true, true);
	route_option(nobody, "rthdr", true, false);
	route_option(nobody, "2292pktoptions", true, true);
	route_option(nobody, "2292rthdr", true, true);
}

BOTH(http, ip_options_and_interface_bindings_are_refused)
{
	/* privileged options: the control works as root only */
	route_option(nobody, "hopopts", !nobody, true);
	route_option(nobody, "dstopts", !nobody, true);
	route_option(nobody, "ip-options", !nobody, true);
	route_option(nobody, "bindtodevice", true, true);
	route_option(nobody, "bindtoifindex", true, true);
	route_option(nobody, "unicast-if6", true, true);
	/* the second review: a sticky IPV6_PKTINFO picks the interface */
	route_option(nobody, "pktinfo6", true, true);
	route_option(nobody, "pktinfo6", true, false);
	route_option(nobody, "dontroute", true, true);
}

BOTH(http, ordinary_socket_options_still_work)
{
	struct xspec x = http_spec(nobody, "network.http", "[::1]:8080");
	struct xrun o;
	XPROBE(&x, &o, "route-option", "nodelay");
	xassert_exit(&o, 0, "OK\n");
	xrun_free(&o);
	XPROBE(&x, &o, "route-option", "v6only");
	xassert_exit(&o, 0, "OK\n");
	xrun_free(&o);
	XPROBE(&x, &o, "route-option", "tclass6");
	xassert_exit(&o, 0, "OK\n");
	xrun_free(&o);
	XPROBE(&x, &o, "route-option", "tos");
	xassert_exit(&o, 0, "OK\n");
	xrun_free(&o);
	/* network.socket: the supervisor decides no destination, nothing to route past */
	x = http_spec(nobody, "network.socket", NULL);
	XPROBE(&x, &o, "route-option", "rthdr");
	xassert_exit(&o, 0, "OK\n");
	xrun_free(&o);
}

/* The second review (attacks/audit_sendto.c): sendto() on a connected stream
 * naming another host was logged as a send to that host, allowed, while the
 * bytes went to the peer. The record names the peer. */
BOTH(http, sendto_on_a_connected_stream_names_the_peer)
{
	struct http_server h;
	http_server_start(&h, "127.0.0.1", 0, BODY);
	struct xspec x = http_spec(nobody, "network.http", tpath("127.0.0.1:%u", h.port));
	struct xrun o;
	XPROBE(&x, &o, "sendto-connected", "127.0.0.1", tpath("%u", h.port), "10.66.66.66", "25");
	xassert_exit(&o, 0, "OK\n");
	const struct xrec *r = xfind(&o, "network.http", "sendto", 1);
	cr_assert_not_null(r, "no sendto record:%s", xlog_dump(&o));
	cr_assert_str_eq(r->target, tpath("sendto 127.0.0.1:%u", h.port), "%s", xlog_dump(&o));
	cr_assert(strstr(r->reason, "10.66.66.66:25 is ignored") ||
	              strstr(r->reason, "10.66.66.66:25, is ignored"),
	          "%s", r->reason);
	for (size_t i = 0; i < o.n_log; i++) /* but the exec record's argv */
		cr_assert(strcmp(o.log[i].action, "network.http") ||
		              !strstr(o.log[i].target, "10.66.66.66"),
		          "a record names the ignored host: %s", o.log[i].target);
	xrun_free(&o);
	http_server_stop(&h);
}
