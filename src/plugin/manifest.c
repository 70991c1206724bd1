/* Plugin manifests: parse, validate everything, report every problem with
 * its JSON location, and hand out a manifest only when there is none. */
#include "manifest.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "file_read.h"
#include "path_util.h"
#include "praxis/plugin.h"
#include "problems.h"
#include "value_parse.h"

#define LOC_MAX      256
#define NAME_MAX_LEN 64

struct parser {
	praxis_problems *pr;
	praxis_manifest *m;
	bool oom;
};

static const char *const top_keys[] = {"name",         "version", "description", "entry",
                                       "capabilities", "limits",  NULL};
static const char *const entry_keys[] = {"executable", "shared_object", "symbol", NULL};
static const char *const cap_keys[] = {"name", "options", NULL};
static const char *const limit_keys[] = {
    "memory_mb",        "cpu_seconds",    "wall_seconds",   "max_procs",
    "max_output_bytes", "max_open_files", "max_file_bytes", NULL};

void grant_req_clear(struct grant_req *g)
{
	free(g->name);
	free(g->value);
	free(g->location);
	*g = (struct grant_req){0};
}

void praxis_manifest_free(praxis_manifest *m)
{
	if (!m)
		return;
	free(m->path);
	free(m->dir);
	free(m->name);
	free(m->version);
	free(m->description);
	free(m->entry);
	free(m->symbol);
	for (size_t i = 0; i < m->n_grants; i++)
		grant_req_clear(&m->grants[i]);
	free(m->grants);
	free(m);
}

/* PARENT.KEY, or PARENT["KEY"] when KEY is not a plain word. */
static void loc_key(char *buf, const char *parent, const char *key)
{
	bool plain = *key != '\0';
	for (const char *c = key; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' && *c != '$')
			plain = false;
	if (plain) {
		snprintf(buf, LOC_MAX, "%.180s.%.64s", parent, key);
		return;
	}
	char safe[68];
	size_t n = 0;
	for (const char *c = key; *c && n < 64; c++)
		safe[n++] = (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20) ? '?' : *c;
	safe[n] = '\0';
	snprintf(buf, LOC_MAX, "%.180s[\"%s\"]", parent, safe);
}

static void join_list(char *buf, size_t size, const char *const *list)
{
	buf[0] = '\0';
	for (const char *const *s = list; *s; s++) {
		strncat(buf, s == list ? "" : ", ", size - strlen(buf) - 1);
		strncat(buf, *s, size - strlen(buf) - 1);
	}
}

static void unknown_keys(struct parser *p, json_t *obj, const char *loc, const char *const *valid)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		bool ok = strncmp(key, "x-", 2) == 0; /* extensions are the host's business */
		for (const char *const *k = valid; *k && !ok; k++)
			ok = strcmp(*k, key) == 0;
		if (ok)
			continue;
		char where[LOC_MAX], list[256];
		loc_key(where, loc, key);
		join_list(list, sizeof(list), valid);
		problems_add(p->pr, where, "unknown key (valid: %s)", list);
	}
}

static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "?";
}

/* A string member: a copy, or NULL with the problem reported. */
static char *string_member(struct parser *p, json_t *obj, const char *key, const char *loc,
                           bool required, size_t max_len)
{
	char where[LOC_MAX];
	loc_key(where, loc, key);
	json_t *v = json_object_get(obj, key);
	if (!v) {
		if (required)
			problems_add(p->pr, where, "missing (a string is required)");
		return NULL;
	}
	if (!json_is_string(v)) {
		problems_add(p->pr, where, "must be a string, not %s", json_type_name(v));
		return NULL;
	}
	size_t len = json_string_length(v);
	if (len == 0 && required) {
		problems_add(p->pr, where, "must not be empty");
		return NULL;
	}
	if (len > max_len) {
		problems_add(p->pr, where, "too long (%zu bytes, at most %zu)", len, max_len);
		return NULL;
	}
	if (memchr(json_string_value(v), '\0', len)) {
		problems_add(p->pr, where, "must not contain NUL characters");
		return NULL;
	}
	char *s = strdup(json_string_value(v));
	if (!s)
		p->oom = true;
	return s;
}

static bool valid_plugin_name(const char *s)
{
	if (!isalnum((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
			return false;
	return true;
}

static bool valid_symbol(const char *s)
{
	if (!isalpha((unsigned char)s[0]) && s[0] != '_')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/* An entry file: relative, inside the manifest's directory, a regular file,
 * executable when it is run as a program. */
static char *entry_file(struct parser *p, const char *rel, const char *where, bool executable)
{
	if (rel[0] == '/') {
		problems_add(p->pr, where, "'%s' must be relative to the manifest's directory",
		             rel);
		return NULL;
	}
	char *joined = path_absolute(p->m->dir, rel);
	if (!joined) {
		p->oom = true;
		return NULL;
	}
	char *real = realpath(joined, NULL);
	int e = errno;
	free(joined);
	if (!real) {
		problems_add(p->pr, where, "'%s': %s", rel, strerror(e));
		return NULL;
	}
	struct stat st;
	const char *why = NULL;
	if (!path_covers(p->m->dir, real) || strcmp(real, p->m->dir) == 0)
		why = "is outside the manifest's directory";
	else if (stat(real, &st) < 0 || !S_ISREG(st.st_mode))
		why = "is not a regular file";
	else if (executable && access(real, X_OK) < 0)
		why = "is not executable (chmod +x, with a #! line for scripts)";
	else if (!executable && access(real, R_OK) < 0)
		why = "is not readable";
	if (why) {
		problems_add(p->pr, where, "'%s' %s", rel, why);
		free(real);
		return NULL;
	}
	return real;
}

static void parse_entry(struct parser *p, json_t *root)
{
	json_t *e = json_object_get(root, "entry");
	if (!e) {
		problems_add(
		    p->pr, "$.entry",
		    "missing (an executable path, or {\"shared_object\": PATH, \"symbol\": NAME})");
		return;
	}
	if (json_is_string(e)) {
		char *rel = string_member(p, root, "entry", "$", true, PATH_MAX);
		if (rel)
			p->m->entry = entry_file(p, rel, "$.entry", true);
		free(rel);
		return;
	}
	if (!json_is_object(e)) {
		problems_add(p->pr, "$.entry", "must be a string or an object, not %s",
		             json_type_name(e));
		return;
	}
	unknown_keys(p, e, "$.entry", entry_keys);
	bool exe = json_object_get(e, "executable"), so = json_object_get(e, "shared_object");
	if (exe == so) {
		problems_add(p->pr, "$.entry",
		             "needs exactly one of \"executable\" and \"shared_object\"");
		return;
	}
	char *rel =
	    string_member(p, e, exe ? "executable" : "shared_object", "$.entry", true, PATH_MAX);
	if (rel)
		p->m->entry =
		    entry_file(p, rel, exe ? "$.entry.executable" : "$.entry.shared_object", exe);
	free(rel);
	if (exe) {
		if (json_object_get(e, "symbol"))
			problems_add(p->pr, "$.entry.symbol", "only a shared object has a symbol");
		return;
	}
	p->m->kind = PRAXIS_ENTRY_SHARED_OBJECT;
	char *sym = string_member(p, e, "symbol", "$.entry", false, 256);
	if (sym && !valid_symbol(sym)) {
		problems_add(p->pr, "$.entry.symbol", "'%s' is not a C identifier", sym);
		free(sym);
		return;
	}
	if (!sym && !json_object_get(e, "symbol") && !(sym = strdup(PRAXIS_PLUGIN_SYMBOL)))
		p->oom = true;
	p->m->symbol = sym;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];
	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static bool known_capability(const char *name)
{
	for (const char *const *n = praxis_capability_names(); *n; n++)
		if (strcmp(*n, name) == 0)
			return true;
	return false;
}

static void unknown_capability(struct parser *p, const char *where, const char *name)
{
	const char *const *names = praxis_capability_names();
	const char *best = NULL;
	size_t best_d = 4;
	for (const char *const *n = names; *n; n++) {
		size_t d = edit_distance(name, *n);
		if (d < best_d) {
			best_d = d;
			best = *n;
		}
	}
	char list[256], hint[96] = "";
	join_list(list, sizeof(list), names);
	if (best)
		snprintf(hint, sizeof(hint), "; did you mean '%s'?", best);
	problems_add(p->pr, where, "unknown capability '%s' (valid: %s)%s", name, list, hint);
}

static void push_grant(struct parser *p, const char *name, const char *value, const char *where)
{
	praxis_manifest *m = p->m;
	struct grant_req *grown = realloc(m->grants, (m->n_grants + 1) * sizeof(*grown));
	if (!grown) {
		p->oom = true;
		return;
	}
	m->grants = grown;
	struct grant_req *g = &m->grants[m->n_grants];
	*g = (struct grant_req){
	    .name = strdup(name), .value = value ? strdup(value) : NULL, .location = strdup(where)};
	if (!g->name || !g->location || (value && !g->value)) {
		grant_req_clear(g);
		p->oom = true;
		return;
	}
	m->n_grants++;
}

/* Validate one item the way the sandbox will (a scratch capability set),
 * and keep it. */
static void add_item(struct parser *p, const char *cap, const char *item, const char *where)
{
	char *value = NULL;
	bool is_path = strncmp(cap, "filesystem.", 11) == 0;
	if (!*item) {
		problems_add(p->pr, where, "must not be empty");
		return;
	}
	if (!is_path && strchr(item, ',')) {
		problems_add(p->pr, where, "'%s': one item per string (no commas)", item);
		return;
	}
	if (is_path && !(value = path_absolute(p->m->dir, item))) {
		p->oom = true;
		return;
	}
	praxis_caps *scratch = NULL;
	praxis_error e = {0};
	if (praxis_caps_new(&scratch) < 0) {
		p->oom = true;
	} else if (praxis_caps_add(scratch, cap, value ? value : item, &e) < 0) {
		if (e.code == -ENOMEM)
			p->oom = true;
		else
			problems_add(p->pr, where, "%s", e.message);
	} else {
		push_grant(p, cap, value ? value : item, where);
	}
	praxis_caps_free(scratch);
	free(value);
}

/* "path"/"paths" for filesystem.*, "names" for environment.*, "executables"
 * for system.subprocess, "endpoints" for network.http. */
static void parse_options(struct parser *p, const char *cap, json_t *opts, const char *loc)
{
	const char *list_key = NULL, *single_key = NULL;
	if (strncmp(cap, "filesystem.", 11) == 0) {
		single_key = "path";
		list_key = "paths";
	} else if (strncmp(cap, "environment.", 12) == 0) {
		list_key = "names";
	} else if (strcmp(cap, PRAXIS_CAP_SUBPROCESS) == 0) {
		list_key = "executables";
	} else if (strcmp(cap, PRAXIS_CAP_NET_HTTP) == 0) {
		list_key = "endpoints";
	}
	const char *valid[3] = {single_key ? single_key : list_key, single_key ? list_key : NULL,
	                        NULL};
	if (!list_key) {
		if (json_object_size(opts) > 0)
			problems_add(p->pr, loc, "%s takes no options", cap);
		else
			push_grant(p, cap, NULL, loc);
		return;
	}
	unknown_keys(p, opts, loc, valid);
	size_t before = p->m->n_grants, found = 0;
	char where[LOC_MAX];
	json_t *v;
	if (single_key && (v = json_object_get(opts, single_key))) {
		found++;
		loc_key(where, loc, single_key);
		if (json_is_string(v))
			add_item(p, cap, json_string_value(v), where);
		else
			problems_add(p->pr, where, "must be a string, not %s", json_type_name(v));
	}
	if ((v = json_object_get(opts, list_key))) {
		found++;
		char list_loc[LOC_MAX];
		loc_key(list_loc, loc, list_key);
		if (!json_is_array(v)) {
			problems_add(p->pr, list_loc, "must be an array of strings, not %s",
			             json_type_name(v));
		} else if (json_array_size(v) == 0) {
			problems_add(
			    p->pr, list_loc,
			    "is empty (leave out the options to ask for the whole capability)");
		}
		size_t i;
		json_t *item;
		json_array_foreach(v, i, item)
		{
			snprintf(where, sizeof(where), "%.200s[%zu]", list_loc, i);
			if (json_is_string(item))
				add_item(p, cap, json_string_value(item), where);
			else
				problems_add(p->pr, where, "must be a string, not %s",
				             json_type_name(item));
		}
	}
	/* {} or only unknown keys: the whole capability, as without options */
	if (found == 0 && json_object_size(opts) == 0 && p->m->n_grants == before)
		push_grant(p, cap, NULL, loc);
}

static void parse_capability(struct parser *p, json_t *c, const char *loc)
{
	if (json_is_string(c)) {
		const char *name = json_string_value(c);
		if (known_capability(name))
			push_grant(p, name, NULL, loc);
		else
			unknown_capability(p, loc, name);
		return;
	}
	if (!json_is_object(c)) {
		problems_add(
		    p->pr, loc,
		    "must be a capability name or {\"name\": ..., \"options\": {...}}, not %s",
		    json_type_name(c));
		return;
	}
	unknown_keys(p, c, loc, cap_keys);
	char *name = string_member(p, c, "name", loc, true, 64);
	char where[LOC_MAX];
	loc_key(where, loc, "name");
	if (name && !known_capability(name)) {
		unknown_capability(p, where, name);
		free(name);
		name = NULL;
	}
	json_t *opts = json_object_get(c, "options");
	loc_key(where, loc, "options");
	if (opts && !json_is_object(opts)) {
		problems_add(p->pr, where, "must be an object, not %s", json_type_name(opts));
	} else if (name) {
		if (opts)
			parse_options(p, name, opts, where);
		else
			push_grant(p, name, NULL, loc);
	}
	free(name);
}

static void parse_capabilities(struct parser *p, json_t *root)
{
	json_t *caps = json_object_get(root, "capabilities");
	if (!caps)
		return;
	if (!json_is_array(caps)) {
		problems_add(p->pr, "$.capabilities", "must be an array, not %s",
		             json_type_name(caps));
		return;
	}
	size_t i;
	json_t *c;
	json_array_foreach(caps, i, c)
	{
		char where[LOC_MAX];
		snprintf(where, sizeof(where), "$.capabilities[%zu]", i);
		parse_capability(p, c, where);
	}
}

enum limit_kind { LIMIT_MB, LIMIT_SECONDS, LIMIT_COUNT, LIMIT_BYTES };

/* One limit through the shared range checks (src/value_parse.c): positive,
 * at least one byte / 1 ms / 1 once converted (a tiny value must not turn
 * into 0 = unlimited) and no larger than MAX. */
static void limit_value(struct parser *p, json_t *limits, const char *key, enum limit_kind kind,
                        double max, void *ret)
{
	json_t *v = json_object_get(limits, key);
	if (!v)
		return;
	char where[LOC_MAX], why[VALUE_WHY_MAX];
	loc_key(where, "$.limits", key);
	double d = json_is_number(v) ? json_number_value(v) : NAN;
	bool ok;
	switch (kind) {
	case LIMIT_MB:
		ok = value_number_size(d, 1048576.0, (uint64_t)(max * 1048576.0), ret, why,
		                       sizeof(why));
		break;
	case LIMIT_SECONDS: ok = value_number_seconds(d, max, ret, why, sizeof(why)); break;
	default:
		ok = value_number_count(d, json_is_integer(v), (uint64_t)max, ret, why,
		                        sizeof(why));
		break;
	}
	if (!ok)
		problems_add(p->pr, where, "%s%s", why,
		             json_is_number(v) && d <= 0 ? "; 0 or less cannot be asked for" : "");
}

static void parse_limits(struct parser *p, json_t *root)
{
	json_t *l = json_object_get(root, "limits");
	if (!l)
		return;
	if (!json_is_object(l)) {
		problems_add(p->pr, "$.limits", "must be an object, not %s", json_type_name(l));
		return;
	}
	unknown_keys(p, l, "$.limits", limit_keys);
	praxis_limits *lim = &p->m->limits;
	const double big = (double)VALUE_MAX_BYTES;
	limit_value(p, l, "memory_mb", LIMIT_MB, 16777216.0, &lim->memory_bytes);
	limit_value(p, l, "cpu_seconds", LIMIT_SECONDS, VALUE_MAX_SECONDS, &lim->cpu_seconds);
	limit_value(p, l, "wall_seconds", LIMIT_SECONDS, VALUE_MAX_SECONDS, &lim->wall_seconds);
	limit_value(p, l, "max_procs", LIMIT_COUNT, 1e6, &lim->max_procs);
	limit_value(p, l, "max_output_bytes", LIMIT_BYTES, big, &lim->max_output_bytes);
	limit_value(p, l, "max_open_files", LIMIT_COUNT, (double)VALUE_MAX_OPEN_FILES,
	            &lim->max_open_files);
	limit_value(p, l, "max_file_bytes", LIMIT_BYTES, big, &lim->max_file_bytes);
}

static void parse_document(struct parser *p, json_t *root)
{
	if (!json_is_object(root)) {
		problems_add(p->pr, "$", "a manifest is a JSON object, not %s",
		             json_type_name(root));
		return;
	}
	praxis_manifest *m = p->m;
	m->name = string_member(p, root, "name", "$", true, NAME_MAX_LEN);
	if (m->name && !valid_plugin_name(m->name)) {
		problems_add(
		    p->pr, "$.name",
		    "'%s': letters, digits, '.', '_' and '-' only, starting with a letter or digit",
		    m->name);
	}
	m->version = string_member(p, root, "version", "$", true, 64);
	m->description = string_member(p, root, "description", "$", false, 4096);
	if (!m->description && !json_object_get(root, "description") &&
	    !(m->description = strdup("")))
		p->oom = true;
	parse_entry(p, root);
	parse_capabilities(p, root);
	parse_limits(p, root);
	unknown_keys(p, root, "$", top_keys); /* last: a typo'd key explains a "missing" one */
}

/* The verdict: -EINVAL with ERR naming the first problem, or 0. */
static int verdict(struct parser *p, praxis_error *err)
{
	if (p->oom || p->pr->oom)
		return praxis_fail(err, -ENOMEM, "out of memory");
	size_t n = p->pr->n;
	if (n == 0)
		return 0;
	return praxis_fail(err, -EINVAL, "%s: %s: %s%s", p->m->path ? p->m->path : "manifest",
	                   p->pr->v[0].location, p->pr->v[0].message,
	                   n > 1 ? " (and more problems)" : "");
}

static int parse_into(praxis_manifest *m, const char *json, size_t len, praxis_problems *pr,
                      praxis_error *err)
{
	struct parser p = {.pr = pr, .m = m};
	json_error_t jerr;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!root)
		problems_add(pr, "$", "invalid JSON at line %d, column %d: %s", jerr.line,
		             jerr.column, jerr.text);
	else
		parse_document(&p, root);
	json_decref(root);
	return verdict(&p, err);
}

static int finish(int r, praxis_manifest *m, praxis_problems *pr, praxis_manifest **ret,
                  praxis_problems **problems)
{
	if (r < 0) {
		praxis_manifest_free(m);
		m = NULL;
	}
	*ret = m;
	if (problems)
		*problems = pr;
	else
		praxis_problems_free(pr);
	return r;
}

static int manifest_start(const char *base_dir, praxis_manifest **m, praxis_problems **pr,
                          praxis_error *err)
{
	*m = calloc(1, sizeof(**m));
	*pr = calloc(1, sizeof(**pr));
	if (!*m || !*pr)
		return praxis_fail(err, -ENOMEM, "out of memory");
	(*m)->dir = realpath(base_dir, NULL);
	if (!(*m)->dir)
		return praxis_fail(err, -errno, "%s: %s", base_dir, strerror(errno));
	return 0;
}

int praxis_manifest_parse(const char *json, size_t len, const char *base_dir, praxis_manifest **ret,
                          praxis_problems **problems, praxis_error *err)
{
	if (!ret || !json || !base_dir)
		return praxis_fail(err, -EINVAL, "praxis_manifest_parse: missing argument");
	praxis_manifest *m = NULL;
	praxis_problems *pr = NULL;
	int r = manifest_start(base_dir, &m, &pr, err);
	if (r >= 0)
		r = parse_into(m, json, len, pr, err);
	return finish(r, m, pr, ret, problems);
}

static int read_file(const char *path, char **data, size_t *len, praxis_error *err)
{
	return file_read_regular(path, MANIFEST_MAX_BYTES, data, len, err);
}

int praxis_manifest_load(const char *path, praxis_manifest **ret, praxis_problems **problems,
                         praxis_error *err)
{
	if (!ret || !path)
		return praxis_fail(err, -EINVAL, "praxis_manifest_load: missing argument");
	*ret = NULL;
	if (problems)
		*problems = NULL;
	char *abs = path_absolute(NULL, path);
	char *cwd = abs && path[0] != '/' ? getcwd(NULL, 0) : NULL;
	if (cwd) {
		free(abs);
		abs = path_absolute(cwd, path);
		free(cwd);
	}
	if (!abs)
		return praxis_fail(err, -ENOMEM, "out of memory");
	char *slash = strrchr(abs, '/');
	char *dir = strndup(abs, slash == abs ? 1 : (size_t)(slash - abs));
	free(abs);
	char *data = NULL;
	size_t len = 0;
	praxis_manifest *m = NULL;
	praxis_problems *pr = NULL;
	int r =
	    dir ? manifest_start(dir, &m, &pr, err) : praxis_fail(err, -ENOMEM, "out of memory");
	free(dir);
	if (r >= 0 && !(m->path = strdup(path)))
		r = praxis_fail(err, -ENOMEM, "out of memory");
	if (r >= 0) {
		praxis_error e = {0};
		r = read_file(path, &data, &len, &e);
		if (r < 0) {
			/* not a JSON problem, but reported like one for `praxis check` */
			if (r != -ENOMEM)
				problems_add(pr, "$", "%s", e.message);
			if (err)
				*err = e;
		}
	}
	if (r >= 0)
		r = parse_into(m, data, len, pr, err);
	free(data);
	return finish(r, m, pr, ret, problems);
}

const char *praxis_manifest_name(const praxis_manifest *m)
{
	return m->name;
}

const char *praxis_manifest_version(const praxis_manifest *m)
{
	return m->version;
}

const char *praxis_manifest_description(const praxis_manifest *m)
{
	return m->description;
}

const char *praxis_manifest_dir(const praxis_manifest *m)
{
	return m->dir;
}

praxis_entry_kind praxis_manifest_entry_kind(const praxis_manifest *m)
{
	return m->kind;
}

const char *praxis_manifest_entry(const praxis_manifest *m)
{
	return m->entry;
}

const char *praxis_manifest_symbol(const praxis_manifest *m)
{
	return m->symbol;
}

size_t praxis_manifest_grant_count(const praxis_manifest *m)
{
	return m->n_grants;
}

const char *praxis_manifest_grant(const praxis_manifest *m, size_t index, const char **value)
{
	if (index >= m->n_grants)
		return NULL;
	if (value)
		*value = m->grants[index].value;
	return m->grants[index].name;
}

const praxis_limits *praxis_manifest_limits(const praxis_manifest *m)
{
	return &m->limits;
}
