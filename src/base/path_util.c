/* Small path helpers for manifests and the ceiling. */
#include "path_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *path_absolute(const char *base, const char *path)
{
	char *joined = NULL;
	if (path[0] == '/')
		joined = strdup(path);
	else if (asprintf(&joined, "%s/%s", base ? base : "/", path) < 0)
		joined = NULL;
	if (!joined)
		return NULL;
	/* Normalise in place: a stack of components written back into JOINED. */
	size_t len = strlen(joined), out = 0;
	char *res = malloc(len + 2);
	if (!res) {
		free(joined);
		return NULL;
	}
	for (char *save = NULL, *c = strtok_r(joined, "/", &save); c;
	     c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			while (out > 0 && res[out - 1] != '/')
				out--;
			if (out > 0)
				out--; /* the slash before the dropped component */
			continue;
		}
		res[out++] = '/';
		size_t n = strlen(c);
		memcpy(res + out, c, n);
		out += n;
	}
	if (out == 0)
		res[out++] = '/';
	res[out] = '\0';
	free(joined);
	return res;
}

char *path_canonical(const char *path)
{
	char *real = realpath(path, NULL);
	return real ? real : path_absolute("/", path);
}

bool path_covers(const char *parent, const char *child)
{
	if (strcmp(parent, "/") == 0)
		return true;
	size_t n = strlen(parent);
	return strncmp(parent, child, n) == 0 && (child[n] == '\0' || child[n] == '/');
}
