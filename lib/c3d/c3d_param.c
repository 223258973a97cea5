// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * c3d_param.c - the C3D parameter section: groups and parameters of every
 * type and dimension, parsed from an untrusted buffer.
 *
 * Layout of one entry (C3D manual, "The parameter section"):
 *   int8 name length (negative: locked; 0: end of section)
 *   int8 id (negative: a group with that number; positive: a parameter of
 *        group |id|)
 *   name, then int16 offset from this field to the next entry (0: last)
 *   group:     uint8 description length, description
 *   parameter: int8 type (-1 char, 1 byte, 2 int16, 4 float), uint8 number
 *              of dimensions, that many uint8 dimensions, the data, uint8
 *              description length, description.
 * Every length is checked against both the entry (next offset) and the
 * section before it is used.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "c3d_int.h"

int c3d_err(char *msg, size_t msg_len, const char *name, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (msg && msg_len) {
		n = snprintf(msg, msg_len, "%s: ", name);
		if (n >= 0 && (size_t)n < msg_len) {
			va_start(ap, fmt);
			vsnprintf(msg + n, msg_len - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return -EBADMSG;
}

uint16_t c3d_u16(const uint8_t *p, int proc)
{
	if (proc == FP_C3D_MIPS)
		return (uint16_t)(p[0] << 8 | p[1]);
	return (uint16_t)(p[0] | p[1] << 8);
}

/*
 * DEC (VAX F_floating): two little-endian 16-bit words, the first holding
 * sign, 8-bit exponent (bias 128) and the high 7 mantissa bits of a
 * 0.1mmm fraction. Decoded exactly through ldexp; exponent 0 is zero.
 */
static float dec_f32(const uint8_t *p)
{
	uint32_t w0 = (uint32_t)(p[0] | p[1] << 8), w1 = (uint32_t)(p[2] | p[3] << 8);
	uint32_t e = (w0 >> 7) & 0xff, m = (w0 & 0x7f) << 16 | w1;
	double v;

	if (e == 0)
		return 0.0f;
	v = ldexp(1.0 + (double)m / 8388608.0, (int)e - 129);
	return (float)((w0 & 0x8000) ? -v : v);
}

float c3d_f32(const uint8_t *p, int proc)
{
	uint32_t u;
	float f;

	if (proc == FP_C3D_DEC)
		return dec_f32(p);
	if (proc == FP_C3D_MIPS)
		u = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	else
		u = (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
	memcpy(&f, &u, sizeof(f));
	return f;
}

static void copy_name(char *dst, const uint8_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < FP_C3D_NAME_MAX; i++)
		dst[i] = (char)toupper(src[i]);
	dst[i] = '\0';
}

static char *dup_desc(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

static int grow(void **arr, uint32_t n, uint32_t *cap, size_t elem)
{
	void *p;

	if (n < *cap)
		return 0;
	*cap = *cap ? *cap * 2 : 32;
	p = realloc(*arr, (size_t)*cap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	return 0;
}

/* Parameter body at p (after the next-offset field), end = entry limit. */
static int parse_param_body(struct fp_c3d *c, struct fp_c3d_param *pp, const uint8_t *p,
			    const uint8_t *end, char *msg, size_t msg_len)
{
	uint64_t count = 1, bytes;
	int esize;

	if (end - p < 2)
		return c3d_err(msg, msg_len, c->name, "parameter section: %s: entry ends "
			       "before its type and dimensions", pp->name);
	pp->type = (int8_t)p[0];
	pp->ndim = p[1];
	p += 2;
	if (pp->type != -1 && pp->type != 1 && pp->type != 2 && pp->type != 4)
		return c3d_err(msg, msg_len, c->name, "parameter section: %s has type %d "
			       "(expected -1, 1, 2 or 4)", pp->name, pp->type);
	if (pp->ndim > 7)
		return c3d_err(msg, msg_len, c->name, "parameter section: %s has %u "
			       "dimensions (at most 7)", pp->name, pp->ndim);
	if (end - p < pp->ndim)
		return c3d_err(msg, msg_len, c->name, "parameter section: %s: dimensions "
			       "run past the entry", pp->name);
	for (unsigned i = 0; i < pp->ndim; i++) {
		pp->dim[i] = p[i];
		count *= p[i];
	}
	p += pp->ndim;
	esize = pp->type < 0 ? 1 : pp->type;
	bytes = count * (uint64_t)esize;
	if ((uint64_t)(end - p) < bytes + 1)
		return c3d_err(msg, msg_len, c->name, "parameter section: %s: %llu bytes of "
			       "values run past the entry", pp->name, (unsigned long long)bytes);
	pp->count = (uint32_t)count;
	pp->v.p = malloc(bytes ? bytes + 1 : 1);
	if (!pp->v.p)
		return -ENOMEM;
	for (uint64_t i = 0; i < count; i++) {
		const uint8_t *q = p + i * (uint64_t)esize;

		if (esize == 1)
			pp->v.c[i] = (char)q[0];
		else if (esize == 2)
			pp->v.i[i] = (int16_t)c3d_u16(q, c->processor);
		else
			pp->v.f[i] = c3d_f32(q, c->processor);
	}
	if (esize == 1)
		pp->v.c[count] = '\0';
	p += bytes;
	/* Description: tolerate a length that runs past the entry by cutting it. */
	{
		size_t dl = p[0], room = (size_t)(end - p - 1);

		pp->desc = dup_desc(p + 1, dl < room ? dl : room);
	}
	return pp->desc ? 0 : -ENOMEM;
}

static int add_group(struct fp_c3d *c, uint32_t *cap, int id, const char *name,
		     const uint8_t *p, const uint8_t *end, int locked)
{
	struct fp_c3d_group *g;
	size_t dl = 0;
	int ret;

	ret = grow((void **)&c->groups, c->n_groups, cap, sizeof(*g));
	if (ret)
		return ret;
	g = &c->groups[c->n_groups];
	memset(g, 0, sizeof(*g));
	g->id = id;
	g->locked = locked;
	snprintf(g->name, sizeof(g->name), "%s", name);
	if (end > p) {
		dl = p[0];
		if (dl > (size_t)(end - p - 1))
			dl = (size_t)(end - p - 1);
		p++;
	}
	g->desc = dup_desc(p, dl);
	if (!g->desc)
		return -ENOMEM;
	c->n_groups++;
	return 0;
}

/* Resolve each parameter's group name; one missing group is not fatal. */
static void link_groups(struct fp_c3d *c)
{
	for (uint32_t i = 0; i < c->n_params; i++) {
		c->params[i].group = "?";
		for (uint32_t g = 0; g < c->n_groups; g++)
			if (c->groups[g].id == c->params[i].group_id) {
				c->params[i].group = c->groups[g].name;
				break;
			}
	}
}

int c3d_params_parse(struct fp_c3d *c, const uint8_t *sec, size_t len,
		     char *msg, size_t msg_len)
{
	uint32_t gcap = 0, pcap = 0;
	size_t pos = 4;
	int ret;

	while (pos + 2 <= len) {
		int nlen = (int8_t)sec[pos], id = (int8_t)sec[pos + 1], locked = nlen < 0;
		size_t n = (size_t)(nlen < 0 ? -nlen : nlen), offpos, next;
		char name[FP_C3D_NAME_MAX];
		uint16_t off;

		if (n == 0)
			break;
		if (id == 0)
			return c3d_err(msg, msg_len, c->name, "parameter section: entry at "
				       "byte %zu has group id 0", pos);
		offpos = pos + 2 + n;
		if (offpos + 2 > len)
			return c3d_err(msg, msg_len, c->name, "parameter section: entry at "
				       "byte %zu runs past the section (%zu bytes)", pos, len);
		copy_name(name, sec + pos + 2, n);
		off = c3d_u16(sec + offpos, c->processor);
		next = off ? offpos + off : len;
		if (next > len)
			next = len; /* the last entry often points past the section */
		if (off && off < 2)
			return c3d_err(msg, msg_len, c->name, "parameter section: %s: next "
				       "entry offset %u points backwards", name, off);
		if (id < 0) {
			ret = add_group(c, &gcap, -id, name, sec + offpos + 2, sec + next, locked);
		} else {
			struct fp_c3d_param *pp;

			ret = grow((void **)&c->params, c->n_params, &pcap, sizeof(*pp));
			if (ret)
				return ret;
			pp = &c->params[c->n_params];
			memset(pp, 0, sizeof(*pp));
			pp->group_id = id;
			pp->locked = locked;
			snprintf(pp->name, sizeof(pp->name), "%s", name);
			c->n_params++;
			ret = parse_param_body(c, pp, sec + offpos + 2, sec + next, msg, msg_len);
		}
		if (ret)
			return ret;
		if (!off)
			break;
		pos = next;
	}
	link_groups(c);
	return 0;
}

void c3d_params_free(struct fp_c3d *c)
{
	for (uint32_t i = 0; i < c->n_params; i++) {
		free(c->params[i].v.p);
		free(c->params[i].desc);
	}
	for (uint32_t i = 0; i < c->n_groups; i++)
		free(c->groups[i].desc);
	free(c->params);
	free(c->groups);
	c->params = NULL;
	c->groups = NULL;
	c->n_params = c->n_groups = 0;
}

const struct fp_c3d_param *fp_c3d_param(const struct fp_c3d *c, const char *group,
					const char *name)
{
	for (uint32_t i = 0; i < c->n_params; i++)
		if (!strcasecmp(c->params[i].name, name) &&
		    !strcasecmp(c->params[i].group, group))
			return &c->params[i];
	return NULL;
}

double fp_c3d_param_num(const struct fp_c3d_param *p, uint32_t i)
{
	if (!p || i >= p->count)
		return NAN;
	switch (p->type) {
	case FP_C3D_BYTE:  return (double)(uint8_t)p->v.b[i];
	case FP_C3D_INT16: return p->v.i[i];
	case FP_C3D_FLOAT: return p->v.f[i];
	default:           return NAN;
	}
}

int fp_c3d_param_str(const struct fp_c3d_param *p, uint32_t i, char *buf, size_t len)
{
	uint32_t slen, n;

	if (!len)
		return -EINVAL;
	buf[0] = '\0';
	if (!p || p->type != FP_C3D_CHAR)
		return -EINVAL;
	slen = p->ndim ? p->dim[0] : p->count;
	n = slen ? p->count / slen : 0;
	if (p->ndim <= 1 && i == 0)
		n = 1;
	if (i >= n)
		return -EINVAL;
	{
		const char *s = p->v.c + (size_t)i * slen;
		size_t k = slen < len - 1 ? slen : len - 1;

		memcpy(buf, s, k);
		buf[k] = '\0';
		k = strnlen(buf, k);
		while (k && (buf[k - 1] == ' ' || buf[k - 1] == '\0'))
			k--;
		buf[k] = '\0';
		for (size_t j = 0; j < k; j++)
			if ((unsigned char)buf[j] < 0x20)
				buf[j] = '?';
	}
	return 0;
}

/* NAME, NAME2, NAME3 ... (at most 99 parts). */
static const struct fp_c3d_param *part(const struct fp_c3d *c, const char *group,
				       const char *name, int k)
{
	char n[FP_C3D_NAME_MAX + 8];

	if (k == 1)
		return fp_c3d_param(c, group, name);
	snprintf(n, sizeof(n), "%s%d", name, k);
	return fp_c3d_param(c, group, n);
}

long c3d_param_nums(const struct fp_c3d *c, const char *group, const char *name,
		    double **vals)
{
	const struct fp_c3d_param *p;
	long n = 0;
	double *v = NULL, *nv;

	*vals = NULL;
	for (int k = 1; k < 100 && (p = part(c, group, name, k)); k++) {
		if (p->type == FP_C3D_CHAR)
			break;
		nv = realloc(v, ((size_t)n + p->count + 1) * sizeof(*v));
		if (!nv) {
			free(v);
			return -ENOMEM;
		}
		v = nv;
		for (uint32_t i = 0; i < p->count; i++)
			v[n++] = fp_c3d_param_num(p, i);
	}
	*vals = v;
	return n;
}

void c3d_strs_free(char **s, long n)
{
	for (long i = 0; s && i < n; i++)
		free(s[i]);
	free(s);
}

long c3d_param_strs(const struct fp_c3d *c, const char *group, const char *name,
		    char ***strs)
{
	const struct fp_c3d_param *p;
	long n = 0;
	char **s = NULL, **ns, buf[256];

	*strs = NULL;
	for (int k = 1; k < 100 && (p = part(c, group, name, k)); k++) {
		uint32_t slen, cnt;

		if (p->type != FP_C3D_CHAR)
			break;
		slen = p->ndim ? p->dim[0] : p->count;
		cnt = p->ndim <= 1 ? 1 : (slen ? p->count / slen : 0);
		ns = realloc(s, ((size_t)n + cnt + 1) * sizeof(*s));
		if (!ns) {
			c3d_strs_free(s, n);
			return -ENOMEM;
		}
		s = ns;
		for (uint32_t i = 0; i < cnt; i++) {
			fp_c3d_param_str(p, i, buf, sizeof(buf));
			s[n] = strdup(buf);
			if (!s[n]) {
				c3d_strs_free(s, n);
				return -ENOMEM;
			}
			n++;
		}
	}
	*strs = s;
	return n;
}
