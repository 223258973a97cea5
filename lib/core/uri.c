// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * uri.c - device URI parsing and typed, validated query parameters.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uri.h"

#include "util_int.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decode src[0..len) into dst (size dst_len). */
static int decode(const char *src, size_t len, char *dst, size_t dst_len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)src[i];

		if (c == '%') {
			int h, l;

			if (i + 2 >= len)
				return -EINVAL;
			h = hexval(src[i + 1]);
			l = hexval(src[i + 2]);
			if (h < 0 || l < 0)
				return -EINVAL;
			c = h * 16 + l;
			i += 2;
		}
		if (o + 1 >= dst_len)
			return -ENAMETOOLONG;
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return 0;
}

int fp_uri_parse(const char *text, struct fp_uri *uri, char *msg, size_t msg_len)
{
	const char *sep, *q, *p;
	size_t slen;

	memset(uri, 0, sizeof(*uri));
	if (!text || !*text) {
		MSG("empty device URI (expected scheme://..., e.g. sim://)");
		return -EINVAL;
	}
	sep = strstr(text, "://");
	if (!sep) {
		MSG("device URI '%s' has no scheme (expected scheme://..., e.g. sim://)", text);
		return -EINVAL;
	}
	slen = (size_t)(sep - text);
	if (slen == 0 || slen >= sizeof(uri->scheme)) {
		MSG("device URI '%s': bad scheme", text);
		return -EINVAL;
	}
	for (size_t i = 0; i < slen; i++) {
		if (!isalnum((unsigned char)text[i])) {
			MSG("device URI '%s': bad scheme", text);
			return -EINVAL;
		}
		uri->scheme[i] = (char)tolower((unsigned char)text[i]);
	}
	p = sep + 3;
	q = strchr(p, '?');
	if (decode(p, q ? (size_t)(q - p) : strlen(p), uri->path, sizeof(uri->path))) {
		MSG("device URI '%s': bad or too long path", text);
		return -EINVAL;
	}
	if (!q)
		return 0;
	p = q + 1;
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		unsigned n = uri->n_params;

		if (len == 0) {
			p += amp ? 1 : 0;
			if (!amp)
				break;
			continue;
		}
		if (n >= FP_URI_MAX_PARAMS) {
			MSG("device URI '%s': more than %d parameters", text, FP_URI_MAX_PARAMS);
			return -EINVAL;
		}
		if (!eq) {
			MSG("%s://: parameter '%.*s' has no value (expected key=value)",
			    uri->scheme, (int)len, p);
			return -EINVAL;
		}
		if (decode(p, (size_t)(eq - p), uri->key[n], sizeof(uri->key[n])) ||
		    !uri->key[n][0]) {
			MSG("%s://: bad parameter name '%.*s'", uri->scheme, (int)(eq - p), p);
			return -EINVAL;
		}
		for (unsigned i = 0; i < n; i++) {
			if (!strcmp(uri->key[i], uri->key[n])) {
				MSG("%s://: parameter '%s' given twice", uri->scheme, uri->key[n]);
				return -EINVAL;
			}
		}
		if (decode(eq + 1, len - (size_t)(eq + 1 - p), uri->value[n],
			   sizeof(uri->value[n]))) {
			MSG("%s://: parameter '%s': bad or too long value", uri->scheme, uri->key[n]);
			return -EINVAL;
		}
		uri->n_params++;
		if (!amp)
			break;
		p = amp + 1;
	}
	return 0;
}

const char *fp_uri_get(const struct fp_uri *uri, const char *key)
{
	for (unsigned i = 0; i < uri->n_params; i++)
		if (!strcmp(uri->key[i], key))
			return uri->value[i];
	return NULL;
}

int fp_uri_check_keys(const struct fp_uri *uri, const char *const *allowed,
		      char *msg, size_t msg_len)
{
	for (unsigned i = 0; i < uri->n_params; i++) {
		const char *const *a;
		char list[256] = "";
		size_t used = 0;

		for (a = allowed; *a; a++)
			if (!strcmp(*a, uri->key[i]))
				break;
		if (*a)
			continue;
		for (a = allowed; *a && used < sizeof(list); a++)
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
						 a == allowed ? "" : ", ", *a);
		MSG("%s://: unknown parameter '%s' (known: %s)", uri->scheme, uri->key[i],
		    allowed[0] ? list : "none");
		return -EINVAL;
	}
	return 0;
}

int fp_parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return -EINVAL;
	*out = v;
	return 0;
}

int fp_parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int fp_uri_get_double(const struct fp_uri *uri, const char *key, double def,
		      double min, double max, double *out, char *msg, size_t msg_len)
{
	const char *s = fp_uri_get(uri, key);
	double v;

	if (!s) {
		*out = def;
		return 0;
	}
	if (fp_parse_double(s, &v) || v < min || v > max) {
		MSG("%s://: parameter '%s' value '%s' is not a number in [%g, %g]",
		    uri->scheme, key, s, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int fp_uri_get_long(const struct fp_uri *uri, const char *key, long def,
		    long min, long max, long *out, char *msg, size_t msg_len)
{
	const char *s = fp_uri_get(uri, key);
	long v;

	if (!s) {
		*out = def;
		return 0;
	}
	if (fp_parse_long(s, &v) || v < min || v > max) {
		MSG("%s://: parameter '%s' value '%s' is not an integer in [%ld, %ld]",
		    uri->scheme, key, s, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int fp_uri_get_choice(const struct fp_uri *uri, const char *key, int def,
		      const char *const *choices, int *out, char *msg, size_t msg_len)
{
	const char *s = fp_uri_get(uri, key);
	char list[256] = "";
	size_t used = 0;

	if (!s) {
		*out = def;
		return 0;
	}
	for (int i = 0; choices[i]; i++) {
		if (!strcmp(choices[i], s)) {
			*out = i;
			return 0;
		}
		if (used < sizeof(list))
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
						 i ? ", " : "", choices[i]);
	}
	MSG("%s://: parameter '%s' value '%s' is not one of: %s", uri->scheme, key, s, list);
	return -EINVAL;
}

int fp_uri_get_bool(const struct fp_uri *uri, const char *key, int def, int *out,
		    char *msg, size_t msg_len)
{
	static const char *const choices[] = { "0", "1", "false", "true", "no", "yes", NULL };
	int idx;
	int ret = fp_uri_get_choice(uri, key, -1, choices, &idx, msg, msg_len);

	if (ret)
		return ret;
	*out = idx < 0 ? def : (idx & 1);
	return 0;
}
