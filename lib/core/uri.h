/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * uri.h - parse "scheme://path?key=value&key=value" (internal).
 *
 * Typed getters validate a query parameter and, on a bad value, write one
 * line naming the scheme, the parameter, the value and what was expected.
 * fp_uri_check_keys() rejects parameters a backend does not know, so a typo
 * ("sped=3") is an error instead of being silently ignored.
 */
#ifndef FPLATE_LIB_URI_H
#define FPLATE_LIB_URI_H

#include <stddef.h>
#include <stdint.h>

#define FP_URI_MAX_PARAMS 32

struct fp_uri {
	char scheme[16];
	char path[512];                 /* everything between "://" and "?" (decoded) */
	unsigned n_params;
	char key[FP_URI_MAX_PARAMS][32];
	char value[FP_URI_MAX_PARAMS][256];
};

/* 0, or -EINVAL / -EPROTONOSUPPORT with msg. */
int fp_uri_parse(const char *text, struct fp_uri *uri, char *msg, size_t msg_len);

/* Value of key or NULL. */
const char *fp_uri_get(const struct fp_uri *uri, const char *key);

/* NULL-terminated list of accepted keys. */
int fp_uri_check_keys(const struct fp_uri *uri, const char *const *allowed,
		      char *msg, size_t msg_len);

/* Missing key -> *out = def, 0. Bad value or out of [min, max] -> -EINVAL. */
int fp_uri_get_double(const struct fp_uri *uri, const char *key, double def,
		      double min, double max, double *out, char *msg, size_t msg_len);
int fp_uri_get_long(const struct fp_uri *uri, const char *key, long def,
		    long min, long max, long *out, char *msg, size_t msg_len);
/* One of choices (NULL-terminated); *out = index. */
int fp_uri_get_choice(const struct fp_uri *uri, const char *key, int def,
		      const char *const *choices, int *out, char *msg, size_t msg_len);
int fp_uri_get_bool(const struct fp_uri *uri, const char *key, int def, int *out,
		    char *msg, size_t msg_len);

/* Strict number parsing shared by config and URI code. 0 or -EINVAL. */
int fp_parse_double(const char *s, double *out);
int fp_parse_long(const char *s, long *out);

#endif
