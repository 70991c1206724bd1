#ifndef PRAXIS_MANIFEST_H
#define PRAXIS_MANIFEST_H
#include "praxis/executor.h"

/* One requested grant, in praxis_caps_add() form. */
struct grant_req {
	char *name;
	char *value;    /* NULL = the whole capability */
	char *location; /* where the manifest declares it */
};

struct praxis_manifest {
	char *path; /* NULL when parsed from text */
	char *dir;  /* canonical */
	char *name;
	char *version;
	char *description;
	praxis_entry_kind kind;
	char *entry; /* canonical, inside DIR */
	char *symbol;
	struct grant_req *grants;
	size_t n_grants;
	praxis_limits limits; /* 0 = not set */
};

#define MANIFEST_MAX_BYTES (1u << 20)

void grant_req_clear(struct grant_req *g);

#endif
