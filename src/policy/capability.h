#ifndef PRAXIS_CAPABILITY_H
#define PRAXIS_CAPABILITY_H
#include <stdbool.h>
#include <stdint.h>

#include "praxis/praxis.h"
#include "strv.h"

/* One "grant": the whole capability, or a list of items (paths, names,
 * executables, endpoints). A whole grant wins over items. */
struct grant {
	bool granted;
	bool whole;
	struct strv items;
};

struct http_endpoint {
	char *host;    /* name, IP or CIDR, as given */
	uint16_t port; /* 0 = 80 and 443 */
};

struct praxis_caps {
	struct grant fs_read;
	struct grant fs_write;
	struct grant subprocess;
	struct grant env_read;
	struct grant env_write;
	bool net_socket;
	bool net_http;
	struct http_endpoint *http;
	size_t n_http;
};

int caps_copy(praxis_caps *dst, const praxis_caps *src);
void caps_clear(praxis_caps *caps);
/* "filesystem.read=/a filesystem.write ..." for messages and the audit log. */
char *caps_describe(const praxis_caps *caps);

#endif
