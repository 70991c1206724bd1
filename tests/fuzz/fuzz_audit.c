/* libFuzzer: the audit JSON writer. The input is cut into record fields;
 * the line written must be one JSON object (no newline inside: JSON Lines)
 * that jansson reads back to the same strings where they were valid UTF-8. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "praxis/praxis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool utf8_ok(const char *s)
{
	json_t *j = json_string(s); /* jansson refuses invalid UTF-8 */
	json_decref(j);
	return j != NULL;
}

static void same(json_t *obj, const char *key, const char *want)
{
	const char *got = json_string_value(json_object_get(obj, key));
	if (!got || (utf8_ok(want) && strcmp(got, want) != 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	/* fields separated by 0x1f; a NUL ends the C strings early, as in C */
	char *f[4] = {buf, "", "", ""};
	for (int i = 1; i < 4; i++) {
		char *sep = strchr(f[i - 1], 0x1f);
		if (!sep)
			break;
		*sep = '\0';
		f[i] = sep + 1;
	}
	double ts = size ? (double)data[0] * 1e7 + (double)size / 7.0 : 0;
	praxis_audit_record rec = {.timestamp = ts, .plugin = f[0], .run_id = size,
	                           .pid = (int)size, .action = f[1], .target = f[2],
	                           .allowed = size & 1, .reason = f[3]};
	char *line = praxis_audit_record_to_json(&rec);
	if (line) {
		if (strchr(line, '\n'))
			abort();
		json_error_t jerr;
		json_t *obj = json_loads(line, 0, &jerr);
		if (!json_is_object(obj))
			abort();
		same(obj, "plugin", f[0]);
		same(obj, "action", f[1]);
		same(obj, "target", f[2]);
		same(obj, "reason", f[3]);
		if (json_is_true(json_object_get(obj, "allowed")) != (bool)(size & 1))
			abort();
		json_decref(obj);
		free(line);
	}
	free(buf);
	return 0;
}
