/* network.socket (any TCP/UDP socket, nothing else) and network.http (TCP
 * connections to the listed ports only). Loopback only: the listeners are
 * the test's own. */
#include "helpers.h"

TestSuite(network, .timeout = 30);

static struct spec net_spec(bool nobody, const char *cap, const char *value)
{
	struct spec s;
	spec_init(&s);
	s.as_nobody = nobody;
	if (cap)
		spec_allow(&s, cap, value);
	return s;
}

static const char *port_str(uint16_t port)
{
	return tpath("%u", port);
}

BOTH(network, base_policy_cannot_connect)
{
	uint16_t port;
	int l = tcp_listener(&port);
	struct spec s = net_spec(nobody, NULL, NULL);
	struct run_out o;
	PLAIN_PROBE(&s, &o, "connect-tcp", "127.0.0.1", port_str(port));
	assert_ok(&o);
	SBX_PROBE(&s, &o, "connect-tcp", "127.0.0.1", port_str(port));
	assert_err(&o, "EPERM");
	SBX_PROBE(&s, &o, "bind-tcp", "0");
	assert_err(&o, "EPERM");
	close(l);
}

BOTH(network, socket_allows_tcp_and_udp)
{
	struct spec s = net_spec(nobody, "network.socket", NULL);
	struct run_out o;
	static const char *const ok[][3] = {
	    {"inet", "stream", NULL}, {"inet", "stream", "tcp"}, {"inet", "dgram", NULL},
	    {"inet", "dgram", "udp"}, {"inet6", "stream", NULL}, {"inet6", "dgram", NULL},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
		if (ok[i][2])
			SBX_PROBE(&s, &o, "socket", ok[i][0], ok[i][1], ok[i][2]);
		else
			SBX_PROBE(&s, &o, "socket", ok[i][0], ok[i][1]);
		cr_assert_str_eq(o.out, "OK\n", "socket %s %s %s: %s", ok[i][0], ok[i][1],
		                 ok[i][2] ? ok[i][2] : "", describe(&o));
	}
}

BOTH(network, socket_connects_and_binds_on_loopback)
{
	uint16_t port;
	int l = tcp_listener(&port);
	struct spec s = net_spec(nobody, "network.socket", NULL);
	struct run_out o;
	SBX_PROBE(&s, &o, "connect-tcp", "127.0.0.1", port_str(port));
	assert_ok(&o);
	SBX_PROBE(&s, &o, "bind-tcp", "0");
	assert_ok(&o);
	close(l);
}

/* Families and protocols network.socket does not give. CONTROL_ROOT: the
 * control works as root; CONTROL_USER: also as uid 65534. */
struct denied_socket {
	const char *family, *type, *proto;
	bool control_root, control_user;
	bool high; /* upper 32 bits of the family set */
};

static const struct denied_socket denied[] = {
    {"inet", "raw", "icmp", true, false, false},
    {"packet", "raw", NULL, true, false, false},
    {"netlink", "raw", NULL, true, true, false},
    {"netlink", "raw", NULL, true, true, true},
    {"unix", "stream", NULL, true, true, false},
    {"unix", "seqpacket", NULL, true, true, false},
    {"inet", "stream", "mptcp", true, true, false},
    {"inet6", "stream", "mptcp", true, true, false},
    {"inet", "stream", "sctp", false, false, false}, /* no SCTP in this kernel */
    {"inet", "seqpacket", "sctp", false, false, false},
    {"inet", "dgram", "icmp", false, false, false}, /* ping sockets: group-gated */
    {"inet", "dgram", "udplite", true, true, false},
};

static void run_socket(const struct spec *s, const struct denied_socket *d, bool plain,
                       struct run_out *o)
{
	const char *op = d->high ? "socket-high" : "socket";
	if (plain) {
		if (d->proto)
			PLAIN_PROBE(s, o, op, d->family, d->type, d->proto);
		else
			PLAIN_PROBE(s, o, op, d->family, d->type);
	} else {
		if (d->proto)
			SBX_PROBE(s, o, op, d->family, d->type, d->proto);
		else
			SBX_PROBE(s, o, op, d->family, d->type);
	}
}

BOTH(network, socket_denies_other_families_and_protocols)
{
	struct spec s = net_spec(nobody, "network.socket", NULL);
	struct run_out o;
	for (size_t i = 0; i < sizeof(denied) / sizeof(*denied); i++) {
		const struct denied_socket *d = &denied[i];
		if (nobody ? d->control_user : d->control_root) {
			run_socket(&s, d, true, &o);
			cr_assert_str_eq(o.out, "OK\n", "control: %s %s %s%s: %s", d->family,
			                 d->type, d->proto ? d->proto : "",
			                 d->high ? " (high)" : "", describe(&o));
		}
		run_socket(&s, d, false, &o);
		cr_assert_str_eq(o.out, "ERR EPERM\n", "socket %s %s %s%s: %s", d->family, d->type,
		                 d->proto ? d->proto : "", d->high ? " (high bits)" : "",
		                 describe(&o));
	}
}

/* ---- network.http ---- */

struct http_fixture {
	int allowed_fd, other_fd;
	uint16_t allowed, other;
};

static struct http_fixture http_listeners(void)
{
	struct http_fixture f;
	f.allowed_fd = tcp_listener(&f.allowed);
	f.other_fd = tcp_listener(&f.other);
	return f;
}

static void http_close(struct http_fixture *f)
{
	close(f->allowed_fd);
	close(f->other_fd);
}

BOTH(network, http_connects_to_an_allowed_port)
{
	struct http_fixture f = http_listeners();
	struct spec s = net_spec(nobody, "network.http", tpath("127.0.0.1:%u", f.allowed));
	struct run_out o;
	SBX_PROBE(&s, &o, "connect-tcp", "127.0.0.1", port_str(f.allowed));
	assert_ok(&o);
	http_close(&f);
}

BOTH(network, http_denies_other_ports)
{
	struct http_fixture f = http_listeners();
	struct spec s = net_spec(nobody, "network.http", tpath("127.0.0.1:%u", f.allowed));
	struct run_out o;
	PLAIN_PROBE(&s, &o, "connect-tcp", "127.0.0.1", port_str(f.other));
	assert_ok(&o);
	/* Landlock's TCP connect rule: EACCES. */
	SBX_PROBE(&s, &o, "connect-tcp", "127.0.0.1", port_str(f.other));
	assert_err(&o, "EACCES");
	http_close(&f);
}

BOTH(network, http_denies_other_hosts_on_the_allowed_port)
{
	/* A listener on 127.0.0.2: the allowed entry names 127.0.0.1 with
	 * that port, so only the host differs. */
	uint16_t port;
	int l = tcp_listener_on("127.0.0.2", &port);
	struct spec s = net_spec(nobody, "network.http", tpath("127.0.0.1:%u", port));
	struct run_out o;
	PLAIN_PROBE(&s, &o, "connect-tcp", "127.0.0.2", port_str(port));
	assert_ok(&o);
	SBX_PROBE(&s, &o, "connect-tcp", "127.0.0.2", port_str(port));
	assert_err(&o, "EACCES");
	struct spec s2 = net_spec(nobody, "network.http", tpath("127.0.0.2:%u", port));
	SBX_PROBE(&s2, &o, "connect-tcp", "127.0.0.2", port_str(port));
	assert_ok(&o);
	close(l);
}

BOTH(network, http_denies_udp_raw_and_tcp_bypasses)
{
	struct http_fixture f = http_listeners();
	struct spec s = net_spec(nobody, "network.http", tpath("127.0.0.1:%u", f.allowed));
	struct run_out o;
	/* UDP sockets exist for DNS; where they may send is the supervisor's
	 * call (tests/test_http.c: only the system's resolvers). */
	SBX_PROBE(&s, &o, "socket", "inet", "dgram");
	assert_ok(&o);
	SBX_PROBE(&s, &o, "socket", "inet6", "dgram", "udp");
	assert_ok(&o);
	SBX_PROBE(&s, &o, "socket", "inet", "raw", "icmp");
	assert_err(&o, "EPERM");
	SBX_PROBE(&s, &o, "socket", "unix", "stream");
	assert_err(&o, "EPERM");
	/* MPTCP and SCTP would slip past Landlock's TCP port rules. */
	SBX_PROBE(&s, &o, "socket", "inet", "stream", "mptcp");
	assert_err(&o, "EPERM");
	SBX_PROBE(&s, &o, "socket", "inet", "stream", "sctp");
	assert_err(&o, "EPERM");
	http_close(&f);
}

PTEST(network, http_bad_endpoints_rejected)
{
	static const char *const bad[] = {
	    "127.0.0.1:0", "127.0.0.1:65536", "host:port", "[::1", ":80", "",
	    /* not hosts at all (they would allow nothing, silently) */
	    "not a host!", "a b", "-x", "x-", "a..b", ".a", "*", "1.2.3.4/99", "10.0.0.0/-1",
	    "::1/129", "[fe80::1%lo]:80"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		praxis_caps *caps;
		praxis_error err = {0};
		cr_assert_eq(praxis_caps_new(&caps), 0);
		int r = praxis_caps_add(caps, "network.http", bad[i], &err);
		cr_assert_eq(r, -EINVAL, "network.http=%s accepted (%d)", bad[i], r);
		cr_assert_neq(err.message[0], '\0');
		praxis_caps_free(caps);
	}
}

PTEST(network, http_good_endpoints_accepted)
{
	static const char *const good[] = {
	    "example.com",  "example.com.", "xn--bcher-kva.example:8443",
	    "localhost:80", "10.0.0.0/8",   "[::1]:8080",
	    "::1/128",      "192.0.2.1"};
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		praxis_caps *caps;
		praxis_error err = {0};
		cr_assert_eq(praxis_caps_new(&caps), 0);
		cr_assert_eq(praxis_caps_add(caps, "network.http", good[i], &err), 0,
		             "network.http=%s refused: %s", good[i], err.message);
		praxis_caps_free(caps);
	}
}

PTEST(network, socket_takes_no_value)
{
	praxis_caps *caps;
	praxis_error err = {0};
	cr_assert_eq(praxis_caps_new(&caps), 0);
	cr_assert_eq(praxis_caps_add(caps, "network.socket", "tcp", &err), -EINVAL);
	cr_assert_neq(err.message[0], '\0');
	praxis_caps_free(caps);
}
