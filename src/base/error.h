#ifndef PRAXIS_ERROR_H
#define PRAXIS_ERROR_H
#include "praxis/praxis.h"

/* Fill ERR (if non-NULL) and return CODE (a negative errno). */
int praxis_fail(praxis_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
