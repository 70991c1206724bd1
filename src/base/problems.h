#ifndef PRAXIS_PROBLEMS_H
#define PRAXIS_PROBLEMS_H
#include "praxis/executor.h"

/* A list of manifest problems, each a location and a message (owned). */
struct praxis_problems {
	praxis_problem *v;
	size_t n, cap;
	bool oom; /* a problem could not be recorded */
};

/* Append one problem. Out of memory is remembered, never fatal. */
void problems_add(praxis_problems *p, const char *location, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
