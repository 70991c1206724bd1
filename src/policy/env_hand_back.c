/* The environment.write hand-back parser (env_hand_back.h): pure, so it is
 * fuzzed on its own (tests/fuzz/fuzz_hand_back.c). */
#include "env_hand_back.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"

static bool valid_utf8(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		unsigned c = s[i];
		size_t n = c < 0x80             ? 1
		           : (c & 0xe0) == 0xc0 ? 2
		           : (c & 0xf0) == 0xe0 ? 3
		           : (c & 0xf8) == 0xf0 ? 4
		                                : 0;
		if (n == 0 || i + n > len || (n == 2 && c < 0xc2) || (n == 4 && c > 0xf4))
			return false;
		for (size_t k = 1; k < n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += n;
	}
	return true;
}

/* Why a line cannot be applied, or NULL. CUT: the line has no newline and
 * the channel was full (its end was dropped). */
static const char *problem(const char *line, size_t len, size_t name_len, bool cut)
{
	if (cut)
		return "refused: cut at the hand-back channel's bound (" ENV_HAND_BACK_MAX_TEXT
		       " bytes)";
	if (memchr(line, '\0', len))
		return "refused: NUL byte in the line";
	if (!valid_utf8((const unsigned char *)line, len))
		return "refused: not valid UTF-8";
	if (name_len == 0)
		return "refused: no variable name";
	if (name_len > ENV_NAME_MAX)
		return "refused: variable name longer than 255 bytes";
	return NULL;
}

int env_hand_back_parse(const struct grant *g, const char *text, size_t len, bool full,
                        env_hand_back_emit emit, void *ctx, char ***changes)
{
	struct strv out = {0};
	const char *end = text ? text + len : NULL;
	size_t n_line = 0;
	for (const char *line = text; line && line < end; n_line++) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);
		const char *eq = memchr(line, '=', n);
		size_t name_len = eq ? (size_t)(eq - line) : n;
		const char *why = problem(line, n, name_len, !nl && full);
		char name[ENV_NAME_MAX + 1];
		if (why) {
			snprintf(name, sizeof(name), "(line %zu)", n_line + 1);
			emit(ctx, name, false, why);
		} else {
			memcpy(name, line, name_len);
			name[name_len] = '\0';
			bool ok = g->whole || strv_contains(&g->items, name);
			emit(ctx, name, ok,
			     ok ? "handed back to the host"
			        : "environment.write not granted for it");
			if (ok && strv_push_owned(&out, strndup(line, n)) < 0) {
				strv_free(&out);
				return -ENOMEM;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	*changes = out.v;
	return 0;
}
