/* Finding plugins in the executor's directories and keeping each one's
 * compiled sandbox while its manifest file does not change. Loading happens
 * outside the lock, so a slow load never stalls runs of other plugins. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capability.h"
#include "error.h"
#include "executor_internal.h"
#include "sandbox_internal.h"

static bool valid_name(const char *s)
{
	if (!s || !isalnum((unsigned char)s[0]) || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
			return false;
	return true;
}

static int find_manifest(const praxis_executor *ex, const char *name, char **path, struct stat *st,
                         praxis_error *err)
{
	static const char *const forms[] = {"%s/%s/manifest.json", "%s/%s.json"};
	for (size_t d = 0; d < ex->dirs.n; d++) {
		for (size_t i = 0; i < 2; i++) {
			char *p = NULL;
			if (asprintf(&p, forms[i], ex->dirs.v[d], name) < 0)
				return praxis_fail(err, -ENOMEM, "out of memory");
			if (stat(p, st) == 0 && S_ISREG(st->st_mode)) {
				*path = p;
				return 0;
			}
			free(p);
		}
	}
	char dirs[300] = "";
	for (size_t d = 0; d < ex->dirs.n; d++) {
		size_t len = strlen(dirs);
		snprintf(dirs + len, sizeof(dirs) - len, "%s%s", d ? ", " : "", ex->dirs.v[d]);
	}
	return praxis_fail(err, -ENOENT, "no plugin '%s' (no %s/manifest.json or %s.json in: %s)",
	                   name, name, name, ex->dirs.n ? dirs : "no plugin directories");
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static void entry_free(struct plugin_entry *e)
{
	executor_zygote_clear(e);
	pthread_mutex_destroy(&e->zlock);
	praxis_sandbox_free(e->sb);
	plugin_policy_clear(&e->pp);
	praxis_manifest_free(e->m);
	free(e->manifest_path);
	free(e);
}

/* The factory's sink, plus what the ceiling cut, right after each run's
 * "run.start" so that it carries that run's id. */
static void entry_audit(const praxis_audit_record *rec, void *userdata)
{
	const struct plugin_entry *e = userdata;
	const praxis_factory_config *cfg = &e->factory->cfg;
	cfg->audit_callback(rec, cfg->audit_userdata);
	if (strcmp(rec->action, "run.start") != 0)
		return;
	for (size_t i = 0; i < e->pp.cut_what.n; i++) {
		praxis_audit_record cut = plugin_cut_record(&e->pp, i, rec);
		cfg->audit_callback(&cut, cfg->audit_userdata);
	}
}

/* A call must be in a Landlock domain of its own (ABI 6 scopes): without
 * one it could write the zygote's memory through /proc, and the zygote may
 * fork. Degraded sandboxes get fresh runs. */
static bool zygote_supported(const praxis_sandbox *sb)
{
	return sb->use_landlock && sb->landlock.abi >= 6;
}

static int entry_load(const praxis_executor *ex, const char *name, char *path,
                      const struct stat *st, struct plugin_entry **ret, praxis_error *err)
{
	struct plugin_entry *e = calloc(1, sizeof(*e));
	if (!e) {
		free(path);
		return praxis_fail(err, -ENOMEM, "out of memory");
	}
	e->manifest_path = path;
	e->st = *st;
	e->factory = ex->factory;
	pthread_mutex_init(&e->zlock, NULL);
	int r = praxis_manifest_load(path, &e->m, NULL, err);
	if (r >= 0 && strcmp(e->m->name, name) != 0)
		r = praxis_fail(err, -EINVAL, "%s: $.name: declares plugin '%s', not '%s'", path,
		                e->m->name, name);
	if (r >= 0)
		r = factory_policy(ex->factory, e->m, &e->pp, err);
	if (r >= 0) {
		/* The host buffers what a run writes: never without a bound. */
		uint64_t *out = &e->pp.limits.max_output_bytes;
		if (*out == 0)
			*out = (uint64_t)ex->max_result_bytes + ex->max_stderr_bytes + 1;
	}
	if (r >= 0) {
		bool live = ex->factory->cfg.audit_callback != NULL;
		r = factory_sandbox(ex->factory, e->m, &e->pp, live ? entry_audit : NULL,
		                    live ? e : NULL, &e->sb, err);
	}
	if (r < 0) {
		entry_free(e);
		return r;
	}
	if (e->m->kind == PRAXIS_ENTRY_SHARED_OBJECT) {
		e->argv[0] = ex->factory->so_runner;
		e->argv[1] = e->m->entry;
		e->argv[2] = e->m->symbol;
		/* A call in a zygote may not fork or exec, and has no fd 3 for
		 * environment changes: such plugins get fresh runs. */
		e->zygote_ok = ex->use_zygote && !e->pp.caps->subprocess.granted &&
		               !e->pp.caps->env_write.granted && zygote_supported(e->sb);
	} else {
		e->argv[0] = e->m->entry;
	}
	*ret = e;
	return 0;
}

/* Drop a reference (locked); an entry whose last reference went is put on
 * DEAD, to be freed after unlocking: stopping its zygotes takes time, and
 * the lock guards every plugin's lookups. */
static void unref_locked(struct plugin_entry *e, struct plugin_entry **dead)
{
	if (--e->refs == 0) {
		e->next = *dead;
		*dead = e;
	}
}

static void free_dead(struct plugin_entry *dead)
{
	while (dead) {
		struct plugin_entry *next = dead->next;
		entry_free(dead);
		dead = next;
	}
}

/* Take every cached entry named NAME out of the list (locked). */
static void forget_locked(praxis_executor *ex, const char *name, struct plugin_entry **dead)
{
	for (struct plugin_entry **pp = &ex->entries; *pp;) {
		struct plugin_entry *e = *pp;
		if (strcmp(e->m->name, name) == 0) {
			*pp = e->next;
			unref_locked(e, dead);
		} else {
			pp = &e->next;
		}
	}
}

int plugin_acquire(praxis_executor *ex, const char *name, struct plugin_entry **ret,
                   praxis_error *err)
{
	if (!valid_name(name))
		return praxis_fail(err, -EINVAL,
		                   "'%s' is not a plugin name (letters, digits, '.', '_', '-')",
		                   name ? name : "(null)");
	char *path = NULL;
	struct stat st;
	int r = find_manifest(ex, name, &path, &st, err);
	struct plugin_entry *dead = NULL;
	pthread_mutex_lock(&ex->lock);
	if (r < 0) {
		forget_locked(ex, name, &dead);
		pthread_mutex_unlock(&ex->lock);
		free_dead(dead);
		return r;
	}
	for (struct plugin_entry *e = ex->entries; e; e = e->next) {
		if (strcmp(e->m->name, name) == 0 && strcmp(e->manifest_path, path) == 0 &&
		    same_file(&e->st, &st)) {
			e->refs++;
			pthread_mutex_unlock(&ex->lock);
			free(path);
			*ret = e;
			return 0;
		}
	}
	pthread_mutex_unlock(&ex->lock);

	struct plugin_entry *e = NULL;
	r = entry_load(ex, name, path, &st, &e, err);
	pthread_mutex_lock(&ex->lock);
	/* a changed or broken manifest: the old version is never run again */
	forget_locked(ex, name, &dead);
	if (r >= 0) {
		e->refs = 2; /* the list's and the caller's */
		e->next = ex->entries;
		ex->entries = e;
		*ret = e;
	}
	pthread_mutex_unlock(&ex->lock);
	free_dead(dead);
	return r;
}

void plugin_release(praxis_executor *ex, struct plugin_entry *e)
{
	struct plugin_entry *dead = NULL;
	pthread_mutex_lock(&ex->lock);
	unref_locked(e, &dead);
	pthread_mutex_unlock(&ex->lock);
	free_dead(dead);
}

void plugin_cache_clear(praxis_executor *ex)
{
	struct plugin_entry *dead = NULL;
	pthread_mutex_lock(&ex->lock);
	while (ex->entries) {
		struct plugin_entry *e = ex->entries;
		ex->entries = e->next;
		unref_locked(e, &dead);
	}
	pthread_mutex_unlock(&ex->lock);
	free_dead(dead);
}
