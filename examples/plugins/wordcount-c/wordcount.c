/* An executable plugin: params JSON on stdin, result JSON on stdout.
 * Input: {"text": "..."}. Output: {"lines": N, "words": N, "chars": N}. */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	json_error_t jerr;
	json_t *params = json_loadf(stdin, JSON_DECODE_ANY, &jerr);
	const char *text = json_string_value(json_object_get(params, "text"));
	if (!text) {
		fprintf(stderr, "wordcount: params.text must be a string\n");
		json_decref(params);
		return 1;
	}
	long lines = 0, words = 0, chars = 0;
	int in_word = 0;
	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		if ((*c & 0xC0) != 0x80) /* count UTF-8 characters, not bytes */
			chars++;
		if (*c == '\n')
			lines++;
		if (isspace(*c)) {
			in_word = 0;
		} else if (!in_word) {
			in_word = 1;
			words++;
		}
	}
	if (chars > 0 && text[strlen(text) - 1] != '\n')
		lines++;
	json_t *out = json_pack("{s:I, s:I, s:I}", "lines", (json_int_t)lines, "words",
	                        (json_int_t)words, "chars", (json_int_t)chars);
	json_dumpf(out, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(out);
	json_decref(params);
	return 0;
}
