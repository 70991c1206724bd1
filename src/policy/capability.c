/* Capability names, their values, and validation. */
#include "capability.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

static const char *const capability_names[] = {
    PRAXIS_CAP_FS_READ,    PRAXIS_CAP_FS_WRITE, PRAXIS_CAP_NET_SOCKET, PRAXIS_CAP_NET_HTTP,
    PRAXIS_CAP_SUBPROCESS, PRAXIS_CAP_ENV_READ, PRAXIS_CAP_ENV_WRITE,  NULL,
};

const char *const *praxis_capability_names(void)
{
	return capability_names;
}

int praxis_caps_new(praxis_caps **ret)
{
	praxis_caps *caps = calloc(1, sizeof(*caps));
	if (!caps)
		return -ENOMEM;
	*ret = caps;
	return 0;
}

static void grant_clear(struct grant *g)
{
	strv_free(&g->items);
	*g = (struct grant){0};
}

void caps_clear(praxis_caps *caps)
{
	grant_clear(&caps->fs_read);
	grant_clear(&caps->fs_write);
	grant_clear(&caps->subprocess);
	grant_clear(&caps->env_read);
	grant_clear(&caps->env_write);
	for (size_t i = 0; i < caps->n_http; i++)
		free(caps->http[i].host);
	free(caps->http);
	*caps = (praxis_caps){0};
}

void praxis_caps_free(praxis_caps *caps)
{
	if (!caps)
		return;
	caps_clear(caps);
	free(caps);
}

static int grant_copy(struct grant *dst, const struct grant *src)
{
	dst->granted = src->granted;
	dst->whole = src->whole;
	return strv_copy(&dst->items, &src->items);
}

int caps_copy(praxis_caps *dst, const praxis_caps *src)
{
	int r;
	if ((r = grant_copy(&dst->fs_read, &src->fs_read)) < 0 ||
	    (r = grant_copy(&dst->fs_write, &src->fs_write)) < 0 ||
	    (r = grant_copy(&dst->subprocess, &src->subprocess)) < 0 ||
	    (r = grant_copy(&dst->env_read, &src->env_read)) < 0 ||
	    (r = grant_copy(&dst->env_write, &src->env_write)) < 0)
		return r;
	dst->net_socket = src->net_socket;
	dst->net_http = src->net_http;
	if (src->n_http) {
		dst->http = calloc(src->n_http, sizeof(*dst->http));
		if (!dst->http)
			return -ENOMEM;
		for (size_t i = 0; i < src->n_http; i++) {
			dst->http[i].port = src->http[i].port;
			dst->http[i].host = strdup(src->http[i].host);
			if (!dst->http[i].host)
				return -ENOMEM;
			dst->n_http++;
		}
	}
	return 0;
}

/* Only "no value" asks for the whole capability: a value that splits to no
 * item ("", ",") is an error, never an empty list that reads as "all". */
static int grant_add(struct grant *g, const char *name, const char *value, praxis_error *err)
{
	if (!value) {
		g->granted = g->whole = true;
		return 0;
	}
	struct strv items = {0};
	int r = strv_split_commas(&items, value);
	if (r >= 0 && items.n == 0)
		r = praxis_fail(err, -EINVAL,
		                "%s: '%s' lists nothing (omit '=' to grant the whole capability)",
		                name, value);
	for (size_t i = 0; r >= 0 && i < items.n; i++)
		r = strv_push(&g->items, items.v[i]);
	strv_free(&items);
	if (r >= 0)
		g->granted = true;
	return r;
}

static int add_path(struct grant *g, const char *name, const char *value, praxis_error *err)
{
	g->granted = true;
	if (!value) {
		g->whole = true;
		return 0;
	}
	if (value[0] == '\0')
		return praxis_fail(err, -EINVAL,
		                   "%s: empty path (omit '=' to grant the whole filesystem)", name);
	return strv_push(&g->items, value);
}

static bool valid_env_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s == '=')
			return false;
	return true;
}

/* An IPv4/IPv6 address, optionally /PREFIX within its family's bits. */
static bool is_address(const char *host)
{
	char buf[128];
	if (strlen(host) >= sizeof(buf))
		return false;
	snprintf(buf, sizeof(buf), "%s", host);
	char *slash = strchr(buf, '/');
	long prefix = -1;
	if (slash) {
		char *end;
		*slash = '\0';
		errno = 0;
		prefix = strtol(slash + 1, &end, 10);
		if (errno || *end || end == slash + 1 || prefix < 0)
			return false;
	}
	unsigned char addr[16];
	if (inet_pton(AF_INET, buf, addr) == 1)
		return prefix <= 32;
	return inet_pton(AF_INET6, buf, addr) == 1 && prefix <= 128;
}

/* A host name as DNS spells one: dot-separated labels of letters, digits
 * and inner hyphens, 1-63 bytes each, 253 in all (a final dot allowed). */
static bool is_host_name(const char *host)
{
	size_t len = strlen(host), label = 0;
	if (len == 0 || len > 254 || (len == 254 && host[253] != '.') || host[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = host[i];
		if (ch == '.') {
			if (label == 0 || host[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		             (ch >= '0' && ch <= '9');
		if (!alnum && !(ch == '-' && label > 0))
			return false;
		if (++label > 63)
			return false;
	}
	return host[len - 1] != '-';
}

/* HOST[:PORT], [IPV6]:PORT, or a bare IPv6 / CIDR (more than one colon). */
static int parse_endpoint(const char *item, struct http_endpoint *ep, praxis_error *err)
{
	char *copy = strdup(item);
	if (!copy)
		return -ENOMEM;
	char *host = copy, *port = NULL;
	if (host[0] == '[') {
		char *close = strchr(host, ']');
		if (!close)
			goto bad;
		*close = '\0';
		host++;
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			goto bad;
	} else {
		char *colon = strchr(host, ':');
		if (colon && !strchr(colon + 1, ':')) {
			*colon = '\0';
			port = colon + 1;
		}
	}
	if (!*host)
		goto bad;
	if (!is_address(host) && !is_host_name(host)) {
		int r =
		    praxis_fail(err, -EINVAL,
		                "network.http: '%s' is not a host (expected an IPv4/IPv6 address, "
		                "a CIDR with a prefix of 0-32 / 0-128, or a DNS name; no value at "
		                "all allows any host on ports 80 and 443)",
		                host);
		free(copy);
		return r;
	}
	ep->port = 0;
	if (port) {
		char *end;
		errno = 0;
		long p = strtol(port, &end, 10);
		if (errno || *end || end == port || p < 1 || p > 65535) {
			free(copy);
			return praxis_fail(err, -EINVAL,
			                   "network.http: bad port in '%s' (expected 1-65535)",
			                   item);
		}
		ep->port = (uint16_t)p;
	}
	ep->host = strdup(host);
	free(copy);
	return ep->host ? 0 : -ENOMEM;
bad:
	free(copy);
	return praxis_fail(
	    err, -EINVAL,
	    "network.http: bad entry '%s' (expected HOST[:PORT], [IPV6]:PORT or CIDR)", item);
}

static int add_http(praxis_caps *caps, const char *value, praxis_error *err)
{
	caps->net_http = true;
	if (!value)
		return 0;
	struct strv items = {0};
	int r = strv_split_commas(&items, value);
	if (r >= 0 && items.n == 0)
		r = praxis_fail(err, -EINVAL, "network.http: empty endpoint list");
	for (size_t i = 0; r >= 0 && i < items.n; i++) {
		struct http_endpoint *grown =
		    realloc(caps->http, (caps->n_http + 1) * sizeof(*grown));
		if (!grown) {
			r = -ENOMEM;
			break;
		}
		caps->http = grown;
		r = parse_endpoint(items.v[i], &caps->http[caps->n_http], err);
		if (r >= 0)
			caps->n_http++;
	}
	strv_free(&items);
	return r;
}

int praxis_caps_add(praxis_caps *caps, const char *name, const char *value, praxis_error *err)
{
	if (!caps || !name)
		return praxis_fail(err, -EINVAL, "capability name missing");
	if (strcmp(name, PRAXIS_CAP_FS_READ) == 0)
		return add_path(&caps->fs_read, name, value, err);
	if (strcmp(name, PRAXIS_CAP_FS_WRITE) == 0)
		return add_path(&caps->fs_write, name, value, err);
	if (strcmp(name, PRAXIS_CAP_SUBPROCESS) == 0) {
		return grant_add(&caps->subprocess, name, value, err);
	}
	if (strcmp(name, PRAXIS_CAP_ENV_READ) == 0 || strcmp(name, PRAXIS_CAP_ENV_WRITE) == 0) {
		struct grant *g = name[12] == 'r' ? &caps->env_read : &caps->env_write;
		int r = grant_add(g, name, value, err);
		for (size_t i = 0; r >= 0 && i < g->items.n; i++)
			if (!valid_env_name(g->items.v[i]))
				return praxis_fail(err, -EINVAL, "%s: bad variable name '%s'", name,
				                   g->items.v[i]);
		return r;
	}
	if (strcmp(name, PRAXIS_CAP_NET_SOCKET) == 0) {
		if (value)
			return praxis_fail(err, -EINVAL, "%s takes no value (got '%s')", name,
			                   value);
		caps->net_socket = true;
		return 0;
	}
	if (strcmp(name, PRAXIS_CAP_NET_HTTP) == 0)
		return add_http(caps, value, err);

	char valid[256] = "";
	for (const char *const *n = capability_names; *n; n++) {
		strcat(valid, n == capability_names ? "" : ", ");
		strcat(valid, *n);
	}
	return praxis_fail(err, -EINVAL, "unknown capability '%s' (valid: %s)", name, valid);
}

static void describe_grant(FILE *f, const char *name, const struct grant *g)
{
	if (!g->granted)
		return;
	if (g->whole) {
		fprintf(f, " %s", name);
		return;
	}
	fprintf(f, " %s=", name);
	for (size_t i = 0; i < g->items.n; i++)
		fprintf(f, "%s%s", i ? "," : "", g->items.v[i]);
}

char *caps_describe(const praxis_caps *caps)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	describe_grant(f, PRAXIS_CAP_FS_READ, &caps->fs_read);
	describe_grant(f, PRAXIS_CAP_FS_WRITE, &caps->fs_write);
	if (caps->net_socket)
		fprintf(f, " %s", PRAXIS_CAP_NET_SOCKET);
	if (caps->net_http) {
		fprintf(f, " %s", PRAXIS_CAP_NET_HTTP);
		for (size_t i = 0; i < caps->n_http; i++) {
			fprintf(f, "%s%s", i ? "," : "=", caps->http[i].host);
			if (caps->http[i].port)
				fprintf(f, ":%u", caps->http[i].port);
		}
	}
	describe_grant(f, PRAXIS_CAP_SUBPROCESS, &caps->subprocess);
	describe_grant(f, PRAXIS_CAP_ENV_READ, &caps->env_read);
	describe_grant(f, PRAXIS_CAP_ENV_WRITE, &caps->env_write);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	if (len == 0) {
		free(buf);
		return strdup("(none)");
	}
	memmove(buf, buf + 1, len); /* drop leading space */
	return buf;
}
