/* The administrator's ceiling: what a factory may grant at most, and the
 * intersection of a plugin's request with it. Landlock can only add rights,
 * never subtract them, so "everything but X" is never granted: a request
 * that would include something denied is cut, not carved. */
#include "ceiling.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "path_util.h"
#include "program.h"

enum value_kind { KIND_NONE, KIND_PATH, KIND_NAME, KIND_PROGRAM, KIND_ENDPOINT };

static enum value_kind kind_of(const char *cap)
{
	if (strncmp(cap, "filesystem.", 11) == 0)
		return KIND_PATH;
	if (strncmp(cap, "environment.", 12) == 0)
		return KIND_NAME;
	if (strcmp(cap, PRAXIS_CAP_SUBPROCESS) == 0)
		return KIND_PROGRAM;
	if (strcmp(cap, PRAXIS_CAP_NET_HTTP) == 0)
		return KIND_ENDPOINT;
	return KIND_NONE;
}

int praxis_ceiling_new(praxis_ceiling **ret)
{
	if (!ret)
		return -EINVAL;
	*ret = calloc(1, sizeof(**ret));
	return *ret ? 0 : -ENOMEM;
}

static void rules_free(struct ceiling_rule *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].name);
		free(r[i].value);
	}
	free(r);
}

void praxis_ceiling_free(praxis_ceiling *c)
{
	if (!c)
		return;
	rules_free(c->allow, c->n_allow);
	rules_free(c->deny, c->n_deny);
	free(c);
}

/* A program as the sandbox will see it: resolved through the default PATH
 * when it has no slash, canonical otherwise; as given if it does not exist. */
static char *program_canonical(const char *name)
{
	char *resolved = NULL;
	if (program_resolve(name, NULL, &resolved, NULL) == 0)
		return resolved;
	return strdup(name);
}

static char *canonical_value(enum value_kind kind, const char *value)
{
	if (kind == KIND_PATH)
		return path_canonical(value);
	if (kind == KIND_PROGRAM)
		return program_canonical(value);
	return strdup(value);
}

static int push_rule(struct ceiling_rule **v, size_t *n, const char *name, const char *value)
{
	struct ceiling_rule *grown = realloc(*v, (*n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	*v = grown;
	struct ceiling_rule *r = &grown[*n];
	r->name = strdup(name);
	r->value = value ? canonical_value(kind_of(name), value) : NULL;
	if (!r->name || (value && !r->value)) {
		free(r->name);
		free(r->value);
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

/* Validate NAME=VALUE like praxis_caps_add() and add one rule per item. */
static int add_rules(struct ceiling_rule **v, size_t *n, const char *name, const char *value,
                     praxis_error *err)
{
	praxis_caps *scratch = NULL;
	if (!name)
		return praxis_fail(err, -EINVAL, "capability name missing");
	if (praxis_caps_new(&scratch) < 0)
		return praxis_fail(err, -ENOMEM, "out of memory");
	int r = praxis_caps_add(scratch, name, value, err);
	praxis_caps_free(scratch);
	if (r < 0)
		return r;
	if (!value || kind_of(name) == KIND_PATH)
		r = push_rule(v, n, name, value);
	else {
		struct strv items = {0};
		r = strv_split_commas(&items, value);
		for (size_t i = 0; r >= 0 && i < items.n; i++)
			r = push_rule(v, n, name, items.v[i]);
		strv_free(&items);
	}
	return r == -ENOMEM ? praxis_fail(err, r, "out of memory") : r;
}

int praxis_ceiling_allow(praxis_ceiling *c, const char *name, const char *value, praxis_error *err)
{
	if (!c)
		return praxis_fail(err, -EINVAL, "praxis_ceiling_allow: no ceiling");
	return add_rules(&c->allow, &c->n_allow, name, value, err);
}

int praxis_ceiling_deny(praxis_ceiling *c, const char *name, const char *value, praxis_error *err)
{
	if (!c)
		return praxis_fail(err, -EINVAL, "praxis_ceiling_deny: no ceiling");
	return add_rules(&c->deny, &c->n_deny, name, value, err);
}

static int copy_rules(const struct ceiling_rule *src, size_t n, struct ceiling_rule **dst,
                      size_t *dn)
{
	for (size_t i = 0; i < n; i++) {
		struct ceiling_rule *grown = realloc(*dst, (*dn + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		*dst = grown;
		grown[*dn].name = strdup(src[i].name);
		grown[*dn].value = src[i].value ? strdup(src[i].value) : NULL;
		if (!grown[*dn].name || (src[i].value && !grown[*dn].value)) {
			free(grown[*dn].name);
			free(grown[*dn].value);
			return -ENOMEM;
		}
		(*dn)++;
	}
	return 0;
}

int ceiling_copy(const praxis_ceiling *src, praxis_ceiling **ret)
{
	*ret = NULL;
	if (!src)
		return 0;
	praxis_ceiling *c = calloc(1, sizeof(*c));
	if (!c || copy_rules(src->allow, src->n_allow, &c->allow, &c->n_allow) < 0 ||
	    copy_rules(src->deny, src->n_deny, &c->deny, &c->n_deny) < 0) {
		praxis_ceiling_free(c);
		return -ENOMEM;
	}
	*ret = c;
	return 0;
}

/* ---- matching ---- */

struct endpoint {
	char host[256];
	unsigned port; /* 0: none given */
};

/* HOST[:PORT], [V6]:PORT, or a bare V6/CIDR (already validated). */
static void split_endpoint(const char *s, struct endpoint *ep)
{
	const char *host = s, *port = NULL;
	size_t len;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		host = s + 1;
		len = close ? (size_t)(close - host) : strlen(host);
		if (close && close[1] == ':')
			port = close + 2;
	} else {
		const char *colon = strchr(s, ':');
		if (colon && !strchr(colon + 1, ':')) {
			len = (size_t)(colon - s);
			port = colon + 1;
		} else {
			len = strlen(s);
		}
	}
	snprintf(ep->host, sizeof(ep->host), "%.*s", (int)len, host);
	ep->port = port ? (unsigned)strtoul(port, NULL, 10) : 0;
}

/* Does rule value R cover requested value V (both canonical)? */
static bool covers(enum value_kind kind, const char *r, const char *v)
{
	if (kind == KIND_PATH)
		return path_covers(r, v);
	if (kind != KIND_ENDPOINT)
		return strcmp(r, v) == 0;
	struct endpoint re, ve;
	split_endpoint(r, &re);
	split_endpoint(v, &ve);
	/* a rule without a port covers every port; a request without one
	 * means 80 and 443, covered only by a rule for every port */
	return strcasecmp(re.host, ve.host) == 0 && (re.port == 0 || re.port == ve.port);
}

/* Would granting V also grant something deny rule D names? */
static bool overlaps(enum value_kind kind, const char *d, const char *v)
{
	if (covers(kind, d, v))
		return true;
	if (kind == KIND_PATH)
		return path_covers(v, d); /* V is a directory above the denied path */
	if (kind == KIND_ENDPOINT) {
		struct endpoint de, ve;
		split_endpoint(d, &de);
		split_endpoint(v, &ve);
		return strcasecmp(de.host, ve.host) == 0 && ve.port == 0 &&
		       (de.port == 80 || de.port == 443);
	}
	return false;
}

static const struct ceiling_rule *find_deny(const praxis_ceiling *c, const char *name,
                                            const char *value)
{
	enum value_kind kind = kind_of(name);
	for (size_t i = 0; i < c->n_deny; i++) {
		const struct ceiling_rule *d = &c->deny[i];
		if (strcmp(d->name, name) != 0)
			continue;
		if (!d->value || !value || overlaps(kind, d->value, value))
			return d;
	}
	return NULL;
}

static bool allowed(const praxis_ceiling *c, const char *name, const char *value)
{
	if (c->n_allow == 0)
		return true; /* an open ceiling: only the deny rules count */
	enum value_kind kind = kind_of(name);
	for (size_t i = 0; i < c->n_allow; i++) {
		const struct ceiling_rule *a = &c->allow[i];
		if (strcmp(a->name, name) == 0 &&
		    (!a->value || (value && covers(kind, a->value, value))))
			return true;
	}
	return false;
}

/* ---- the outcome ---- */

static int keep(struct ceiling_outcome *out, const struct grant_req *g, const char *value)
{
	struct grant_req *grown = realloc(out->kept, (out->n_kept + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	out->kept = grown;
	struct grant_req *k = &grown[out->n_kept];
	*k = (struct grant_req){.name = strdup(g->name),
	                        .value = value ? strdup(value) : NULL,
	                        .location = strdup(g->location ? g->location : "")};
	if (!k->name || !k->location || (value && !k->value)) {
		grant_req_clear(k);
		return -ENOMEM;
	}
	out->n_kept++;
	return 0;
}

static int cut(struct ceiling_outcome *out, const struct grant_req *g, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int cut(struct ceiling_outcome *out, const struct grant_req *g, const char *fmt, ...)
{
	char *what = NULL, *why = NULL;
	if (asprintf(&what, "%s%s%s", g->name, g->value ? "=" : "", g->value ? g->value : "") < 0)
		return -ENOMEM;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&why, fmt, ap);
	va_end(ap);
	if (r < 0) {
		free(what);
		return -ENOMEM;
	}
	if ((r = strv_push_owned(&out->cut_what, what)) < 0) {
		free(what);
		free(why);
		return r;
	}
	if ((r = strv_push_owned(&out->cut_why, why)) < 0)
		free(why);
	return r;
}

/* Narrow G to the allow rules inside it (paths under a requested
 * directory, or the listed items of a whole capability), minus denials. */
static int narrow(const praxis_ceiling *c, const struct grant_req *g, const char *value,
                  struct ceiling_outcome *out)
{
	enum value_kind kind = kind_of(g->name);
	char list[400] = "";
	int r = 0;
	for (size_t i = 0; r >= 0 && i < c->n_allow; i++) {
		const struct ceiling_rule *a = &c->allow[i];
		if (strcmp(a->name, g->name) != 0 || !a->value)
			continue;
		if (value && !(kind == KIND_PATH && path_covers(value, a->value)))
			continue;
		if (find_deny(c, g->name, a->value))
			continue;
		if ((r = keep(out, g, a->value)) < 0)
			return r;
		size_t len = strlen(list);
		snprintf(list + len, sizeof(list) - len, "%s%s", len ? ", " : "", a->value);
	}
	if (list[0])
		return cut(out, g, "narrowed to %s: the ceiling allows no more", list);
	return cut(out, g, "not within the administrator's ceiling");
}

static int apply_one(const praxis_ceiling *c, const struct grant_req *g,
                     struct ceiling_outcome *out)
{
	enum value_kind kind = kind_of(g->name);
	char *value = g->value ? canonical_value(kind, g->value) : NULL;
	if (g->value && !value)
		return -ENOMEM;
	int r;
	const struct ceiling_rule *d = find_deny(c, g->name, value);
	if (d && !d->value) {
		r = cut(out, g, "the administrator's ceiling denies %s", g->name);
	} else if (d && value && covers(kind, d->value, value)) {
		r = cut(out, g, "denied by the administrator's ceiling (%s=%s)", d->name, d->value);
	} else if (d) {
		/* the request is wider than a denied item: only allowed parts inside it */
		r = c->n_allow
		        ? narrow(c, g, value, out)
		        : cut(out, g,
		              "would include %s=%s, which the administrator's ceiling denies",
		              d->name, d->value);
	} else if (allowed(c, g->name, value)) {
		r = keep(out, g, value ? g->value : NULL);
	} else if (!value || kind == KIND_PATH) {
		/* the whole capability, or a directory: what the ceiling allows inside it */
		r = narrow(c, g, value, out);
	} else {
		r = cut(out, g, "not within the administrator's ceiling");
	}
	free(value);
	return r;
}

int ceiling_apply(const praxis_ceiling *c, const struct grant_req *req, size_t n,
                  struct ceiling_outcome *out)
{
	*out = (struct ceiling_outcome){0};
	int r = 0;
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = c ? apply_one(c, &req[i], out) : keep(out, &req[i], req[i].value);
	if (r < 0)
		ceiling_outcome_clear(out);
	return r;
}

void ceiling_outcome_clear(struct ceiling_outcome *out)
{
	for (size_t i = 0; i < out->n_kept; i++)
		grant_req_clear(&out->kept[i]);
	free(out->kept);
	strv_free(&out->cut_what);
	strv_free(&out->cut_why);
	*out = (struct ceiling_outcome){0};
}
