#ifndef PRAXIS_STRV_H
#define PRAXIS_STRV_H
#include <stdbool.h>
#include <stddef.h>

/* A growable NULL-terminated list of owned strings. */
struct strv {
	char **v;
	size_t n;
	size_t cap;
};

int strv_push(struct strv *s, const char *str); /* copies STR */
int strv_push_owned(struct strv *s, char *str); /* takes STR */
bool strv_contains(const struct strv *s, const char *str);
int strv_copy(struct strv *dst, const struct strv *src);
void strv_free(struct strv *s);
/* Split VALUE at commas into S, skipping empty items. */
int strv_split_commas(struct strv *s, const char *value);

#endif
