/* The list of problems found while validating a manifest. */
#include "problems.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void problems_add(praxis_problems *p, const char *location, const char *fmt, ...)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		praxis_problem *grown = realloc(p->v, cap * sizeof(*grown));
		if (!grown) {
			p->oom = true;
			return;
		}
		p->v = grown;
		p->cap = cap;
	}
	char *message = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&message, fmt, ap);
	va_end(ap);
	char *loc = strdup(location);
	if (r < 0 || !loc) {
		free(loc);
		if (r >= 0)
			free(message);
		p->oom = true;
		return;
	}
	p->v[p->n++] = (praxis_problem){.location = loc, .message = message};
}

size_t praxis_problems_count(const praxis_problems *p)
{
	return p ? p->n : 0;
}

const praxis_problem *praxis_problems_get(const praxis_problems *p, size_t index)
{
	return p && index < p->n ? &p->v[index] : NULL;
}

void praxis_problems_free(praxis_problems *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free((char *)p->v[i].location);
		free((char *)p->v[i].message);
	}
	free(p->v);
	free(p);
}
