/* network.http: connects and sends decided on the supervisor's own copies
 * of the address and of the socket, and performed here; audit-only views
 * of destinations under network.socket. */
#include "missing.h"
#include "notify_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "syscall_policy.h"

static void format_sockaddr(struct call *k, const void *sa, size_t len)
{
	const struct sockaddr *s = sa;
	char ip[INET6_ADDRSTRLEN];
	if (len >= sizeof(struct sockaddr_in) && s->sa_family == AF_INET) {
		const struct sockaddr_in *in = sa;
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		snprintf(k->target, sizeof(k->target), "%s:%u", ip, ntohs(in->sin_port));
	} else if (len >= sizeof(struct sockaddr_in6) && s->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		snprintf(k->target, sizeof(k->target), "[%s]:%u", ip, ntohs(in6->sin6_port));
	} else if (len > sizeof(sa_family_t) && s->sa_family == AF_UNIX) {
		const struct sockaddr_un *un = sa;
		size_t n = len - offsetof(struct sockaddr_un, sun_path);
		char name[sizeof(un->sun_path) + 1];
		if (n > sizeof(un->sun_path))
			n = sizeof(un->sun_path);
		bool abstract = n > 0 && un->sun_path[0] == '\0';
		memcpy(name, un->sun_path + abstract, n - abstract);
		name[n - abstract] = '\0';
		char clean[512];
		sanitize(clean, sizeof(clean), name);
		snprintf(k->target, sizeof(k->target), "unix:%s%s", abstract ? "@" : "", clean);
	} else {
		snprintf(k->target, sizeof(k->target), "family %u", len ? s->sa_family : 0);
	}
}

/* ---- network.http: decided and performed here, race-free ---- */

#define MAX_EMULATED_SEND 65536

/* A blocking connect runs on a thread of its own so the supervisor keeps
 * serving the run (and its wall limit) while the handshake takes its time. */
struct pending_connect {
	struct pending_connect *next;
	pthread_t thread;
	atomic_bool done;
	int listener, sock;
	uint64_t id;
	struct sockaddr_storage addr;
	socklen_t len;
};

static void *connect_thread(void *arg)
{
	struct pending_connect *pc = arg;
	int r = connect(pc->sock, (struct sockaddr *)&pc->addr, pc->len);
	struct seccomp_notif_resp resp = {.id = pc->id, .error = r < 0 ? -errno : 0};
	ioctl(pc->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	atomic_store(&pc->done, true);
	return NULL;
}

#define MAX_PENDING_CONNECTS 64

/* Join the connect threads that have answered; returns how many remain. */
static size_t reap_pending(struct notify_ctx *c)
{
	size_t left = 0;
	for (struct pending_connect **pp = &c->pending; *pp;) {
		struct pending_connect *pc = *pp;
		if (atomic_load(&pc->done)) {
			pthread_join(pc->thread, NULL);
			close(pc->sock);
			*pp = pc->next;
			free(pc);
		} else {
			left++;
			pp = &pc->next;
		}
	}
	return left;
}

void finish_pending(struct notify_ctx *c)
{
	while (c->pending) {
		struct pending_connect *pc = c->pending;
		c->pending = pc->next;
		shutdown(pc->sock, SHUT_RDWR); /* aborts a handshake still under way */
		pthread_join(pc->thread, NULL);
		close(pc->sock);
		free(pc);
	}
}

static int emulate_connect(struct call *k, int sock, const struct sockaddr_storage *ss,
                           socklen_t len)
{
	/* Always on a worker thread: O_NONBLOCK is a file-status flag shared
	 * with the plugin's fd, which another of its threads can clear after
	 * any check of ours, so a connect "known" not to block may block. */
	struct notify_ctx *c = k->c;
	if (reap_pending(c) >= MAX_PENDING_CONNECTS) {
		close(sock); /* a flood of hanging connects: bounded, like a full backlog */
		return reply_value(c, 0, EAGAIN);
	}
	struct pending_connect *pc = calloc(1, sizeof(*pc));
	if (!pc) {
		close(sock);
		return reply_value(c, 0, ENOMEM);
	}
	*pc = (struct pending_connect){.listener = c->fd,
	                               .sock = sock,
	                               .id = c->req->id,
	                               .addr = *ss,
	                               .len = len,
	                               .next = c->pending};
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024); /* it only calls connect */
	int pr = pthread_create(&pc->thread, &attr, connect_thread, pc);
	pthread_attr_destroy(&attr);
	if (pr != 0) {
		close(sock);
		free(pc);
		return reply_value(c, 0, EAGAIN);
	}
	c->pending = pc;
	return 0;
}

/* The send flags a plugin may pass through the supervisor; the others
 * (MSG_OOB, MSG_DONTROUTE, MSG_ZEROCOPY, MSG_FASTOPEN, MSG_PROBE, MSG_CONFIRM
 * ...) are dropped. The supervisor adds MSG_DONTWAIT (a send never blocks
 * its loop, whatever the file's O_NONBLOCK says) and MSG_NOSIGNAL. See
 * docs/network.md. */
#define SAFE_SEND_FLAGS (MSG_MORE | MSG_EOR)

static ssize_t send_copy(int sock, const void *buf, size_t n, uint64_t flags,
                         const struct sockaddr_storage *dest, socklen_t dlen)
{
	int f = (int)(flags & SAFE_SEND_FLAGS) | MSG_DONTWAIT | MSG_NOSIGNAL;
	return sendto(sock, buf, n, f, dlen ? (const struct sockaddr *)dest : NULL, dlen);
}

/* Sends under network.http: copy, check, send from here. A stream takes
 * at most MAX_EMULATED_SEND bytes at a time (a short send, as the kernel
 * may do); a datagram larger than that is EMSGSIZE. */
static int emulate_send(struct call *k, int sock, const struct msghdr *mh_in,
                        const struct sockaddr_storage *dest, socklen_t dlen, int flags, bool stream,
                        ssize_t *sent)
{
	size_t total = 0;
	struct iovec iov[16];
	if (mh_in->msg_iovlen > 16 || mh_in->msg_controllen > 0)
		return EPERM; /* control data (e.g. source address) is not for plugins */
	if (read_bytes(k->pid, (uint64_t)(uintptr_t)mh_in->msg_iov, iov,
	               mh_in->msg_iovlen * sizeof(*iov)) < 0)
		return EFAULT;
	for (size_t i = 0; i < mh_in->msg_iovlen; i++) {
		if (stream && iov[i].iov_len > MAX_EMULATED_SEND - total)
			iov[i].iov_len = MAX_EMULATED_SEND - total;
		total += iov[i].iov_len;
	}
	if (total > MAX_EMULATED_SEND)
		return EMSGSIZE;
	char *buf = malloc(total ? total : 1);
	if (!buf)
		return ENOMEM;
	size_t off = 0;
	for (size_t i = 0; i < mh_in->msg_iovlen; i++) {
		if (iov[i].iov_len && read_bytes(k->pid, (uint64_t)(uintptr_t)iov[i].iov_base,
		                                 buf + off, iov[i].iov_len) < 0) {
			free(buf);
			return EFAULT;
		}
		off += iov[i].iov_len;
	}
	*sent = send_copy(sock, buf, total, (uint64_t)flags, dest, dlen);
	int e = *sent < 0 ? errno : 0;
	free(buf);
	return e;
}

static const char *net_action(const struct seccomp_options *o)
{
	return o->net_socket || !o->net_http ? PRAXIS_CAP_NET_SOCKET : PRAXIS_CAP_NET_HTTP;
}

static bool http_enforced(const struct notify_ctx *c)
{
	return c->http && c->policy->net_http && !c->policy->net_socket;
}

/* Audit-only view of a destination (network.socket or no network). */
static bool describe_destination(struct call *k, const char *verb,
                                 const struct sockaddr_storage *ss)
{
	const struct seccomp_options *o = k->c->policy;
	bool inet = ss->ss_family == AF_INET || ss->ss_family == AF_INET6;
	if (ss->ss_family == AF_UNIX) {
		snprintf(k->reason, sizeof(k->reason), "%s on a UNIX socket", verb);
		return true; /* only socketpairs exist; the kernel answers for the rest */
	}
	if (!inet) {
		snprintf(k->reason, sizeof(k->reason), "address family not allowed");
		return false;
	}
	if (o->net_socket) {
		snprintf(k->reason, sizeof(k->reason), "network.socket");
		return true;
	}
	snprintf(k->reason, sizeof(k->reason), "no network capability");
	return false;
}

static void prefix_target(struct call *k, const char *verb)
{
	char verbed[PATH_MAX + 600];
	snprintf(verbed, sizeof(verbed), "%s %s", verb, k->target);
	snprintf(k->target, sizeof(k->target), "%s", verbed);
}

static int net_refuse(struct call *k, int error, const char *why)
{
	snprintf(k->reason, sizeof(k->reason), "%s", why);
	audit_emit(k->c->sink, k->pid, PRAXIS_CAP_NET_HTTP, k->target, false, k->reason);
	return reply_value(k->c, 0, error);
}

/* Our own copy of the plugin's socket FD and its kind; or -1 with the
 * refusal sent (*ANSWERED: what sending it returned). What we inspect is
 * what we use: the fd number is never looked up again. */
static int take_inet_socket(struct call *k, int fd, int *type, int *answered)
{
	int sock = take_fd(k, fd), domain = 0;
	if (sock < 0) {
		*answered = reply_value(k->c, 0, -sock);
		return -1;
	}
	if (socket_info(sock, &domain, type) < 0) {
		close(sock);
		*answered = reply_value(k->c, 0, ENOTSOCK);
		return -1;
	}
	*type &= 0xf;
	if (domain != AF_INET && domain != AF_INET6) {
		/* a socketpair: no address to give it under network.http */
		close(sock);
		*answered =
		    net_refuse(k, EPERM, "network.http: only IPv4/IPv6 sockets take an address");
		return -1;
	}
	return sock;
}

/* sendto's data, copied, sent on our socket SOCK. */
static int send_from_copy(struct call *k, int sock, const struct sockaddr_storage *ss,
                          socklen_t len)
{
	size_t n = (size_t)k->a[2];
	bool stream = len == 0;
	if (stream && n > MAX_EMULATED_SEND)
		n = MAX_EMULATED_SEND; /* a short send */
	char *buf = n <= MAX_EMULATED_SEND ? malloc(n ? n : 1) : NULL;
	int e = 0;
	if (!buf || (n && read_bytes(k->pid, k->a[1], buf, n) < 0))
		e = n > MAX_EMULATED_SEND ? EMSGSIZE : buf ? EFAULT : ENOMEM;
	ssize_t sent = e ? -1 : send_copy(sock, buf, n, k->a[3], ss, len);
	if (!e && sent < 0)
		e = errno;
	free(buf);
	close(sock);
	return reply_value(k->c, sent < 0 ? 0 : sent, e);
}

/* connect/bind/sendto with a destination. Under network.http the
 * supervisor answers with what it did on its own copies (of the fd and of
 * the address) or refuses: never CONTINUE, which would let the kernel read
 * the fd table and the address again. */
int handle_address(struct call *k, const char *verb, int fd, uint64_t addr, uint64_t len)
{
	struct notify_ctx *c = k->c;
	struct sockaddr_storage ss;
	if (!addr || len == 0)
		return reply(c, 0, true); /* registers only: no address for the kernel to read */
	if (len > sizeof(ss))
		len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	if (read_bytes(k->pid, addr, &ss, len) < 0 || !still_valid(c))
		return reply_value(c, 0, EFAULT); /* never a pass: the page may come back */
	format_sockaddr(k, &ss, len);
	prefix_target(k, verb);
	if (!http_enforced(c))
		return log_and_continue(k, net_action(c->policy),
		                        describe_destination(k, verb, &ss));
	if (strcmp(verb, "sendto") == 0 && (k->a[3] & MSG_FASTOPEN))
		return net_refuse(k, EPERM, "TCP Fast Open is not allowed");
	int type = 0, answered = 0;
	int sock = take_inet_socket(k, fd, &type, &answered);
	if (sock < 0)
		return answered;
	if (strcmp(verb, "bind") == 0) {
		close(sock);
		return net_refuse(k, EACCES, "network.http does not listen or bind");
	}
	bool is_send = strcmp(verb, "sendto") == 0;
	if (type == SOCK_STREAM && is_send) {
		/* A stream ignores sendto's address (no TFO): the data goes to
		 * the peer, which the record names, not the address given. */
		char given[sizeof(k->target)];
		snprintf(given, sizeof(given), "%s", k->target + strlen("sendto "));
		struct sockaddr_storage peer;
		socklen_t pl = sizeof(peer);
		memset(&peer, 0, sizeof(peer));
		if (getpeername(sock, (struct sockaddr *)&peer, &pl) == 0) {
			format_sockaddr(k, &peer, pl);
			prefix_target(k, "sendto");
			snprintf(k->reason, sizeof(k->reason),
			         "a connected stream: to its peer (the address given, %.200s, is "
			         "ignored)",
			         given);
		} else {
			snprintf(k->target, sizeof(k->target), "sendto (not connected)");
			snprintf(k->reason, sizeof(k->reason),
			         "a stream that is not connected (the address given, %.200s, is "
			         "ignored)",
			         given);
		}
		audit_emit(c->sink, k->pid, PRAXIS_CAP_NET_HTTP, k->target, true, k->reason);
		return send_from_copy(k, sock, &ss, 0);
	}
	/* names are resolved for TCP only (UDP goes to the resolvers alone) */
	int e = http_policy_check(c->http, type == SOCK_STREAM ? &c->names : NULL,
	                          (struct sockaddr *)&ss, (socklen_t)len, type, k->reason,
	                          sizeof(k->reason));
	audit_emit(c->sink, k->pid, PRAXIS_CAP_NET_HTTP, k->target, e == 0, k->reason);
	if (e) {
		close(sock);
		return reply_value(c, 0, e);
	}
	if (!is_send)
		return emulate_connect(k, sock, &ss, (socklen_t)len);
	return send_from_copy(k, sock, &ss, (socklen_t)len);
}

/* sendmsg / sendmmsg, audit only (network.socket, or no network). */
static int describe_msgs(struct call *k, uint64_t vec)
{
	struct notify_ctx *c = k->c;
	struct msghdr mh;
	if (read_bytes(k->pid, vec, &mh, sizeof(mh)) < 0 || !mh.msg_name || !mh.msg_namelen)
		return reply(c, 0, true);
	struct sockaddr_storage ss;
	socklen_t len = mh.msg_namelen > sizeof(ss) ? sizeof(ss) : mh.msg_namelen;
	memset(&ss, 0, sizeof(ss));
	if (read_bytes(k->pid, (uint64_t)(uintptr_t)mh.msg_name, &ss, len) < 0 || !still_valid(c))
		return reply(c, 0, true);
	format_sockaddr(k, &ss, len);
	prefix_target(k, "sendmsg");
	return log_and_continue(k, net_action(c->policy), describe_destination(k, "sendmsg", &ss));
}

/* One message of a sendmsg/sendmmsg: read, check (datagrams), send. */
static int send_one_msg(struct call *k, int sock, int type, uint64_t at, int flags, bool mmsg,
                        ssize_t *last)
{
	struct notify_ctx *c = k->c;
	struct msghdr mh;
	if (read_bytes(k->pid, at, &mh, sizeof(mh)) < 0)
		return EFAULT;
	struct sockaddr_storage ss;
	socklen_t len = 0;
	memset(&ss, 0, sizeof(ss));
	bool stream = type == SOCK_STREAM;
	if (mh.msg_name && mh.msg_namelen) {
		len = mh.msg_namelen > sizeof(ss) ? sizeof(ss) : mh.msg_namelen;
		if (read_bytes(k->pid, (uint64_t)(uintptr_t)mh.msg_name, &ss, len) < 0)
			return EFAULT;
	} else if (!stream) {
		socklen_t pl = sizeof(ss);
		if (getpeername(sock, (struct sockaddr *)&ss, &pl) == 0)
			len = pl; /* connected: check where it goes anyway */
	}
	bool named = mh.msg_name && mh.msg_namelen;
	if (len && !stream) {
		format_sockaddr(k, &ss, len);
		prefix_target(k, mmsg ? "sendmmsg" : "sendmsg");
		int e = http_policy_check(c->http, NULL, (struct sockaddr *)&ss, len, type,
		                          k->reason, sizeof(k->reason));
		audit_emit(c->sink, k->pid, PRAXIS_CAP_NET_HTTP, k->target, e == 0, k->reason);
		if (e)
			return e;
	}
	/* a stream ignores msg_name (no TFO): its data is sent alone */
	return emulate_send(k, sock, &mh, &ss, named && !stream ? len : 0, flags, stream, last);
}

/* sendmsg / sendmmsg: the destination is in memory. Under network.http the
 * supervisor sends every message itself, from its own copies. */
int handle_msgs(struct call *k, int fd, uint64_t vec, unsigned vlen, int flags, bool mmsg)
{
	struct notify_ctx *c = k->c;
	if (!http_enforced(c))
		return describe_msgs(k, vec);
	if (flags & MSG_FASTOPEN) {
		snprintf(k->target, sizeof(k->target), "%s with MSG_FASTOPEN",
		         mmsg ? "sendmmsg" : "sendmsg");
		return net_refuse(k, EPERM, "TCP Fast Open is not allowed");
	}
	snprintf(k->target, sizeof(k->target), "%s", mmsg ? "sendmmsg" : "sendmsg");
	int type = 0, answered = 0;
	int sock = take_inet_socket(k, fd, &type, &answered);
	if (sock < 0)
		return answered;
	unsigned done = 0;
	int e = 0;
	ssize_t last = 0;
	if (vlen > 16)
		vlen = 16;
	for (unsigned i = 0; i < (mmsg ? vlen : 1) && !e; i++) {
		uint64_t at = vec + (uint64_t)i * (mmsg ? sizeof(struct mmsghdr) : 0);
		e = send_one_msg(k, sock, type, at, flags, mmsg, &last);
		if (e)
			break;
		unsigned int sent_len = (unsigned int)last;
		if (mmsg) { /* msgvec[i].msg_len, as the kernel would */
			struct iovec local = {&sent_len, sizeof(sent_len)};
			struct iovec remote = {
			    (void *)(uintptr_t)(at + offsetof(struct mmsghdr, msg_len)),
			    sizeof(sent_len)};
			process_vm_writev(k->pid, &local, 1, &remote, 1, 0);
		}
		done++;
	}
	close(sock);
	if (mmsg)
		return reply_value(c, done, done ? 0 : e);
	return reply_value(c, e ? 0 : last, e);
}
