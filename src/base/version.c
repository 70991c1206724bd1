/* The library's version, and the ABI check of reserved struct space. */
#include <errno.h>

#include "abi.h"
#include "error.h"

const char *praxis_version(void)
{
	return PRAXIS_VERSION_STRING;
}

int abi_refuse_reserved(praxis_error *err, const char *struct_name)
{
	return praxis_fail(err, -EINVAL,
	                   "%s: its reserved fields are not zero (initialise it with its "
	                   "*_init() function, or the caller was built against a newer "
	                   "libpraxis than %s)",
	                   struct_name, PRAXIS_VERSION_STRING);
}
