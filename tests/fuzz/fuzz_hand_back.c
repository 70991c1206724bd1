/* libFuzzer: the environment.write hand-back parser (src/policy/env_hand_back.c).
 * Checks the rules, not only crashes: one record per line; every change
 * handed back is a whole line, of a granted name, valid UTF-8 without NUL
 * or newline; a line cut at the channel's bound is never handed back. The
 * first input byte picks the grant: every name, or a list of two. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "env_hand_back.h"
#include "strv.h"

struct count {
	size_t records;
};

static void record(void *ctx, const char *name, bool allowed, const char *why)
{
	struct count *c = ctx;
	c->records++;
	if (!name || !why || !name[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct grant g = {.granted = true, .whole = data[0] & 1};
	if (!g.whole && (strv_push(&g.items, "HOME") < 0 || strv_push(&g.items, "A") < 0))
		abort();
	const char *text = (const char *)data + 1;
	size_t len = size - 1;
	bool full = data[0] & 2;
	struct count c = {0};
	char **changes = NULL;
	if (env_hand_back_parse(&g, text, len, full, record, &c, &changes) < 0)
		abort();
	size_t lines = 0, n_changes = 0;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	if (len && text[len - 1] != '\n')
		lines++;
	if (c.records != lines)
		abort();
	for (char **ch = changes; ch && *ch; ch++) {
		size_t n = strlen(*ch);
		if (memchr(*ch, '\n', n) || n == 0)
			abort();
		const char *eq = strchr(*ch, '=');
		size_t name_len = eq ? (size_t)(eq - *ch) : n;
		if (name_len == 0 || name_len > ENV_NAME_MAX)
			abort();
		if (!g.whole && !((name_len == 4 && strncmp(*ch, "HOME", 4) == 0) ||
		                  (name_len == 1 && (*ch)[0] == 'A')))
			abort();
		n_changes++;
		free(*ch);
	}
	/* a cut last line (no newline, channel full) is never handed back:
	 * only terminated lines can be */
	size_t terminated = 0;
	for (size_t i = 0; i < len; i++)
		terminated += text[i] == '\n';
	if (full && n_changes > terminated)
		abort();
	free(changes);
	strv_free(&g.items);
	return 0;
}
