/* The caller-allocated public structs' reserved space (praxis.h, ABI). */
#ifndef PRAXIS_ABI_H
#define PRAXIS_ABI_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "praxis/praxis.h"

#define RESERVED_IS_ZERO(s) abi_reserved_zero((s)->reserved, sizeof((s)->reserved))

static inline bool abi_reserved_zero(const uint64_t *w, size_t bytes)
{
	for (size_t i = 0; i < bytes / sizeof(*w); i++)
		if (w[i])
			return false;
	return true;
}

/* -EINVAL naming STRUCT_NAME when its reserved space is not zero. */
int abi_refuse_reserved(praxis_error *err, const char *struct_name);

#endif
