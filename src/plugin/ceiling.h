#ifndef PRAXIS_CEILING_H
#define PRAXIS_CEILING_H
#include "manifest.h"
#include "strv.h"

struct ceiling_rule {
	char *name;
	char *value; /* NULL = the whole capability; paths canonical */
};

struct praxis_ceiling {
	struct ceiling_rule *allow;
	size_t n_allow;
	struct ceiling_rule *deny;
	size_t n_deny;
};

/* What a ceiling lets through of a list of requested grants. */
struct ceiling_outcome {
	struct grant_req *kept; /* to grant, in order */
	size_t n_kept;
	struct strv cut_what; /* "filesystem.read=/etc", ... */
	struct strv cut_why;  /* the matching reasons */
};

int ceiling_copy(const praxis_ceiling *src, praxis_ceiling **ret);
/* C may be NULL (no ceiling: everything is kept). */
int ceiling_apply(const praxis_ceiling *c, const struct grant_req *req, size_t n,
                  struct ceiling_outcome *out);
void ceiling_outcome_clear(struct ceiling_outcome *out);

#endif
