/* The child's environment is built by the host, never inherited. */
#include "environment.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const sensitive_words[] = {
    "PASSWORD", "SECRET", "KEY", "TOKEN", "AUTH", "CREDENTIAL", "PRIVATE", "CERT", "SSH",
};

bool env_name_is_sensitive(const char *name)
{
	for (size_t i = 0; i < sizeof(sensitive_words) / sizeof(*sensitive_words); i++)
		if (strcasestr(name, sensitive_words[i]))
			return true;
	return false;
}

int env_build(const char *const *in, const struct grant *read, struct strv *out,
              struct strv *withheld)
{
	for (; in && *in; in++) {
		const char *eq = strchr(*in, '=');
		if (!eq || eq == *in)
			continue; /* malformed entries never reach the plugin */
		char *name = strndup(*in, (size_t)(eq - *in));
		if (!name)
			return -ENOMEM;
		bool pass = !env_name_is_sensitive(name) ||
		            (read->granted && (read->whole || strv_contains(&read->items, name)));
		int r = pass ? strv_push(out, *in) : strv_push(withheld, name);
		free(name);
		if (r < 0)
			return r;
	}
	return 0;
}
