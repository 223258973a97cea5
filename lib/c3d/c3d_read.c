// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * c3d_read.c - read a C3D file: header, parameters, point and analog data.
 *
 * The file is read whole and parsed from memory; the input is untrusted,
 * so every block pointer, count and dimension is checked against the
 * buffer before use and every allocation is bounded by the file size.
 * Where header and parameters disagree the header wins for counts, rates
 * and storage format (it is what locates the data; docs/c3d.md).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "c3d_int.h"

#define C3D_MAX_FILE (2ull << 30)   /* 2 GiB: two hours at 1 kHz x 24 ch */

struct hdr {
	unsigned param_block, n_points, an_total, first, last, data_start, spf;
	float scale, rate;
};

static void read_header(const uint8_t *b, int proc, struct hdr *h)
{
	h->param_block = b[0];
	h->n_points = c3d_u16(b + 2, proc);
	h->an_total = c3d_u16(b + 4, proc);
	h->first = c3d_u16(b + 6, proc);
	h->last = c3d_u16(b + 8, proc);
	h->scale = c3d_f32(b + 12, proc);
	h->data_start = c3d_u16(b + 16, proc);
	h->spf = c3d_u16(b + 18, proc);
	h->rate = c3d_f32(b + 20, proc);
}

/* 32-bit frame number stored as two int16 words, low word first. */
static int64_t trial_field(const struct fp_c3d *c, const char *name)
{
	const struct fp_c3d_param *p = fp_c3d_param(c, "TRIAL", name);

	if (!p || p->type != FP_C3D_INT16 || p->count < 2)
		return -1;
	return (int64_t)((uint32_t)(uint16_t)p->v.i[0] | (uint32_t)(uint16_t)p->v.i[1] << 16);
}

/*
 * Frame count. The header's 16-bit last frame is used unless it is
 * saturated (65535) or below the first frame: then TRIAL:ACTUAL_START/END
 * (32-bit) or POINT:FRAMES (float or unsigned int16) give the count, as
 * the tools that write long trials do.
 */
static int frame_count(struct fp_c3d *c, const struct hdr *h, char *msg, size_t msg_len)
{
	int64_t s = trial_field(c, "ACTUAL_START_FIELD"), e = trial_field(c, "ACTUAL_END_FIELD");
	const struct fp_c3d_param *pf = fp_c3d_param(c, "POINT", "FRAMES");

	c->first_frame = h->first;
	if (h->last >= h->first && h->last != 0xffff) {
		c->n_frames = h->last - h->first + 1;
		if (h->first == 0 && h->last == 0)
			c->n_frames = 0;
		return 0;
	}
	if (s >= 0 && e >= s) {
		/* 32-bit fields: e - s + 1 reaches 2^32, which uint32_t wraps to 0 */
		if (e - s + 1 > (int64_t)FP_C3D_MAX_FRAMES)
			return c3d_err(msg, msg_len, c->name, "parameter section: "
				       "TRIAL:ACTUAL_START_FIELD %lld to ACTUAL_END_FIELD %lld is "
				       "%lld frames, too many", (long long)s, (long long)e,
				       (long long)(e - s + 1));
		c->first_frame = (uint32_t)s;
		c->n_frames = (uint32_t)(e - s + 1);
	} else if (pf && pf->count >= 1) {
		double f = pf->type == FP_C3D_INT16 ? (double)(uint16_t)pf->v.i[0]
						     : fp_c3d_param_num(pf, 0);

		if (!isfinite(f) || f < 0 || f > FP_C3D_MAX_FRAMES)
			return c3d_err(msg, msg_len, c->name, "parameter section: POINT:FRAMES "
				       "is %g (expected a frame count)", f);
		c->n_frames = (uint32_t)f;
	} else if (h->last == 0xffff) {
		c->n_frames = h->last - h->first + 1;
	} else {
		return c3d_err(msg, msg_len, c->name, "header: last frame %u is before first "
			       "frame %u and TRIAL:ACTUAL_END_FIELD is missing", h->last, h->first);
	}
	if (c->n_frames > FP_C3D_MAX_FRAMES)
		return c3d_err(msg, msg_len, c->name, "header: %u frames is too many", c->n_frames);
	return 0;
}

void c3d_point_decode(const struct fp_c3d *c, const uint8_t *p, float out[4])
{
	unsigned esz = c->is_float ? 4 : 2;
	float r;
	int16_t w;

	for (unsigned k = 0; k < 3; k++)
		out[k] = c->is_float ? c3d_f32(p + 4 * k, c->processor)
			: (float)(int16_t)c3d_u16(p + 2 * k, c->processor) * c->point_scale;
	r = c->is_float ? c3d_f32(p + 3 * esz, c->processor)
			: (float)(int16_t)c3d_u16(p + 3 * esz, c->processor);
	w = (isfinite(r) && r > -32769 && r < 32768) ? (int16_t)r : -1;
	out[3] = w < 0 ? -1.0f : (float)(w & 0xff) * fabsf(c->point_scale);
}

/* Every marker of every frame into c->points (c->data must be set). */
static int decode_points(struct fp_c3d *c)
{
	uint64_t nf = c->n_frames, esz = c->is_float ? 4 : 2;

	if (c->points || !nf || !c->n_points)
		return 0;
	c->points = malloc(nf * c->n_points * 4 * sizeof(float));
	if (!c->points)
		return -ENOMEM;
	for (uint64_t f = 0; f < nf; f++) {
		const uint8_t *p = c->data + f * c->frame_bytes;
		float *pt = c->points + f * c->n_points * 4;

		for (uint32_t i = 0; i < c->n_points; i++)
			c3d_point_decode(c, p + i * 4 * esz, pt + 4 * i);
	}
	return 0;
}

int fp_c3d_load_points(struct fp_c3d *c)
{
	return c->points || !c->data ? 0 : decode_points(c);
}

/* Intel REAL, the common case, without a call per value (same bits). */
static inline float intel_f32(const uint8_t *p)
{
	uint32_t u = (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

/* Stored value at p as c->analog holds it (float of the int16 / uint16 / REAL). */
static inline float analog_value(const struct fp_c3d *c, const uint8_t *p)
{
	if (c->is_float)
		return c->processor == FP_C3D_INTEL ? intel_f32(p) : c3d_f32(p, c->processor);
	if (c->an_unsigned)
		return (float)c3d_u16(p, c->processor);
	return (float)(int16_t)c3d_u16(p, c->processor);
}

/* Every analog value into c->analog (c->data must be set). */
static int decode_analog(struct fp_c3d *c)
{
	uint64_t nf = c->n_frames, esz = c->is_float ? 4 : 2;
	uint32_t per = c->n_analog * c->analog_spf;

	if (c->analog || !nf || !per)
		return 0;
	c->analog = malloc(nf * per * sizeof(float));
	if (!c->analog)
		return -ENOMEM;
	/* frames without channels hold nothing to read: a header declaring
	 * 2^31 of them must not cost a loop over each (per > 0 here) */
	for (uint64_t f = 0; f < nf; f++) {
		const uint8_t *p = c->data + f * c->frame_bytes + 4 * c->n_points * esz;
		float *an = c->analog + f * per;

		if (c->is_float && c->processor == FP_C3D_INTEL)
			for (uint32_t i = 0; i < per; i++, p += 4)
				an[i] = intel_f32(p);
		else
			for (uint32_t i = 0; i < per; i++, p += esz)
				an[i] = analog_value(c, p);
	}
	return 0;
}

int fp_c3d_load_analog(struct fp_c3d *c)
{
	return c->analog || !c->data ? 0 : decode_analog(c);
}

/*
 * Check the data section's size and convert its values, except what flags
 * leave in the buffer (which then outlives c: fp_c3d_open's mapping) for
 * fp_c3d_analog() / fp_c3d_point_plate() to decode where read.
 */
static int read_data(struct fp_c3d *c, const uint8_t *buf, size_t len, const struct hdr *h,
		     unsigned flags, char *msg, size_t msg_len)
{
	uint64_t off = ((uint64_t)h->data_start - 1) * C3D_BLOCK, esz = c->is_float ? 4 : 2;
	uint64_t per_frame = (uint64_t)4 * c->n_points + h->an_total, fbytes = per_frame * esz;
	uint64_t have, nf = c->n_frames;
	int ret = 0;

	if (h->data_start < 2 || off > len)
		return c3d_err(msg, msg_len, c->name, "header: data start block %u is outside "
			       "the file (%zu blocks)", h->data_start, len / C3D_BLOCK);
	have = fbytes ? (len - off) / fbytes : nf;
	if (have < nf)
		return c3d_err(msg, msg_len, c->name, "data section: the file holds %llu of %llu "
			       "frames (truncated?)", (unsigned long long)have,
			       (unsigned long long)nf);
	c->data = buf + off;
	c->frame_bytes = fbytes;
	if (!(flags & FP_C3D_LAZY_POINTS))
		ret = decode_points(c);
	if (!ret && !(flags & FP_C3D_LAZY_ANALOG))
		ret = decode_analog(c);
	if (!(flags & (FP_C3D_LAZY_POINTS | FP_C3D_LAZY_ANALOG)))
		c->data = NULL;         /* the caller's buffer: not kept */
	return ret;
}

/* ANALOG:SCALE / OFFSET: n_analog finite values (defaults when absent). */
static int analog_vector(struct fp_c3d *c, const char *name, double def, double **out,
			 char *msg, size_t msg_len)
{
	double *v;
	long n = c3d_param_nums(c, "ANALOG", name, &v);

	if (n < 0)
		return (int)n;
	if (n == 0) {
		free(v);
		v = malloc(((size_t)c->n_analog + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		for (uint32_t i = 0; i < c->n_analog; i++)
			v[i] = def;
		*out = v;
		return 0;
	}
	*out = v;
	if ((uint64_t)n < c->n_analog)
		return c3d_err(msg, msg_len, c->name, "parameter section: ANALOG:%s has %ld "
			       "values, the header has %u analog channels", name, n, c->n_analog);
	for (uint32_t i = 0; i < c->n_analog; i++)
		if (!isfinite(v[i]))
			return c3d_err(msg, msg_len, c->name, "parameter section: ANALOG:%s "
				       "value %u is %g", name, i + 1, v[i]);
	return 0;
}

static int str_vector(struct fp_c3d *c, const char *group, const char *name, uint32_t n,
		      char ***out)
{
	char **s, **r;
	long got = c3d_param_strs(c, group, name, &s);

	if (got < 0)
		return (int)got;
	r = calloc((size_t)n + 1, sizeof(*r));
	if (!r) {
		c3d_strs_free(s, got);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++) {
		r[i] = strdup(i < got ? s[i] : "");
		if (!r[i]) {
			c3d_strs_free(s, got);
			c3d_strs_free(r, i);
			return -ENOMEM;
		}
	}
	c3d_strs_free(s, got);
	*out = r;
	return 0;
}

static int read_analog_params(struct fp_c3d *c, char *msg, size_t msg_len)
{
	const struct fp_c3d_param *p;
	char fmt[16];
	int ret;

	p = fp_c3d_param(c, "ANALOG", "USED");
	if (p && p->count >= 1 && fp_c3d_param_num(p, 0) != c->n_analog &&
	    fp_c3d_param_num(p, 0) != 0)
		return c3d_err(msg, msg_len, c->name, "parameter section: ANALOG:USED is %g, "
			       "the header has %u analog channels", fp_c3d_param_num(p, 0),
			       c->n_analog);
	p = fp_c3d_param(c, "ANALOG", "FORMAT");
	if (p && !fp_c3d_param_str(p, 0, fmt, sizeof(fmt)) && !strcasecmp(fmt, "UNSIGNED"))
		c->an_unsigned = 1;
	p = fp_c3d_param(c, "ANALOG", "GEN_SCALE");
	c->gen_scale = p ? fp_c3d_param_num(p, 0) : 1.0;
	if (!isfinite(c->gen_scale))
		return c3d_err(msg, msg_len, c->name, "parameter section: ANALOG:GEN_SCALE "
			       "is %g", c->gen_scale);
	ret = analog_vector(c, "SCALE", 1.0, &c->an_scale, msg, msg_len);
	if (!ret)
		ret = analog_vector(c, "OFFSET", 0.0, &c->an_offset, msg, msg_len);
	if (ret)
		return ret;
	if (c->an_unsigned)
		for (uint32_t i = 0; i < c->n_analog; i++)
			if (c->an_offset[i] < 0)
				c->an_offset[i] += 65536.0;
	ret = str_vector(c, "ANALOG", "LABELS", c->n_analog, &c->an_label);
	if (!ret)
		ret = str_vector(c, "ANALOG", "UNITS", c->n_analog, &c->an_units);
	if (!ret)
		ret = str_vector(c, "POINT", "LABELS", c->n_points, &c->pt_label);
	return ret;
}

static int read_events(struct fp_c3d *c)
{
	double *t = NULL;
	char **lab = NULL, **ctx = NULL;
	long nt, nl, nc, n;
	const struct fp_c3d_param *u = fp_c3d_param(c, "EVENT", "USED");
	int ret = 0;

	if (!u)
		return 0;
	nt = c3d_param_nums(c, "EVENT", "TIMES", &t);
	nl = c3d_param_strs(c, "EVENT", "LABELS", &lab);
	nc = c3d_param_strs(c, "EVENT", "CONTEXTS", &ctx);
	if (nt < 0 || nl < 0 || nc < 0) {
		ret = -ENOMEM;
		goto out;
	}
	n = nt / 2;
	if (fp_c3d_param_num(u, 0) >= 0 && fp_c3d_param_num(u, 0) < n)
		n = (long)fp_c3d_param_num(u, 0);
	c->events = calloc((size_t)n + 1, sizeof(*c->events));
	if (!c->events) {
		ret = -ENOMEM;
		goto out;
	}
	for (long i = 0; i < n; i++) {
		struct fp_c3d_event *e = &c->events[i];

		e->time_s = t[2 * i] * 60.0 + t[2 * i + 1];
		snprintf(e->label, sizeof(e->label), "%s", i < nl ? lab[i] : "");
		snprintf(e->context, sizeof(e->context), "%s", i < nc ? ctx[i] : "");
	}
	c->n_events = (uint32_t)n;
out:
	free(t);
	c3d_strs_free(lab, nl);
	c3d_strs_free(ctx, nc);
	return ret;
}

static int check_header(struct fp_c3d *c, const uint8_t *buf, size_t len, struct hdr *h,
			size_t *poff, size_t *plen, char *msg, size_t msg_len)
{
	size_t off;
	unsigned nblocks;

	if (len < C3D_BLOCK)
		return c3d_err(msg, msg_len, c->name, "header: file is %zu bytes, shorter than "
			       "the 512-byte header", len);
	if (buf[1] != C3D_KEY)
		return c3d_err(msg, msg_len, c->name, "header: key byte is 0x%02x (expected "
			       "0x50): not a C3D file", buf[1]);
	if (buf[0] < 2)
		return c3d_err(msg, msg_len, c->name, "header: parameter block %u is invalid "
			       "(expected >= 2)", buf[0]);
	off = ((size_t)buf[0] - 1) * C3D_BLOCK;
	if (off + 4 > len)
		return c3d_err(msg, msg_len, c->name, "header: parameter block %u is past the "
			       "end of the file (%zu blocks)", buf[0], len / C3D_BLOCK);
	c->processor = buf[off + 3];
	if (c->processor != FP_C3D_INTEL && c->processor != FP_C3D_DEC &&
	    c->processor != FP_C3D_MIPS)
		return c3d_err(msg, msg_len, c->name, "parameter section: processor type %d "
			       "(expected 84 Intel, 85 DEC or 86 MIPS)", c->processor);
	nblocks = buf[off + 2];
	if (nblocks == 0 || off + (size_t)nblocks * C3D_BLOCK > len)
		return c3d_err(msg, msg_len, c->name, "parameter section: %u blocks from block "
			       "%u run past the end of the file", nblocks, buf[0]);
	read_header(buf, c->processor, h);
	if (!isfinite(h->scale))
		return c3d_err(msg, msg_len, c->name, "header: scale factor is %g", h->scale);
	if (h->spf == 0 ? h->an_total != 0 : h->an_total % h->spf != 0)
		return c3d_err(msg, msg_len, c->name, "header: %u analog values per frame is "
			       "not a multiple of %u samples per frame", h->an_total, h->spf);
	*poff = off;
	*plen = (size_t)nblocks * C3D_BLOCK;
	return 0;
}

static int set_rates(struct fp_c3d *c, const struct hdr *h, char *msg, size_t msg_len)
{
	double r = h->rate;

	if (!isfinite(r) || r <= 0) {
		r = fp_c3d_param_num(fp_c3d_param(c, "POINT", "RATE"), 0);
		if (!isfinite(r) || r <= 0)
			return c3d_err(msg, msg_len, c->name, "header: frame rate is %g and "
				       "POINT:RATE gives none", (double)h->rate);
	}
	if (r > 1e6)
		return c3d_err(msg, msg_len, c->name, "header: frame rate %g Hz is implausible", r);
	c->point_rate = r;
	c->analog_rate = r * c->analog_spf;
	return 0;
}

int fp_c3d_parse_flags(const uint8_t *buf, size_t len, const char *name, unsigned flags,
		       struct fp_c3d **out, char *msg, size_t msg_len)
{
	struct fp_c3d *c;
	struct hdr h = { 0 };
	size_t poff = 0, plen = 0;
	int ret;

	*out = NULL;
	if (msg && msg_len)
		msg[0] = '\0';
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	snprintf(c->name, sizeof(c->name), "%s", name ? name : "c3d");
	ret = check_header(c, buf, len, &h, &poff, &plen, msg, msg_len);
	if (ret)
		goto fail;
	ret = c3d_params_parse(c, buf + poff, plen, msg, msg_len);
	if (ret)
		goto fail;
	c->is_float = h.scale < 0;
	c->point_scale = h.scale;
	c->n_points = h.n_points;
	c->analog_spf = h.spf;
	c->n_analog = h.spf ? h.an_total / h.spf : 0;
	c->data_start = h.data_start;
	ret = set_rates(c, &h, msg, msg_len);
	if (!ret)
		ret = frame_count(c, &h, msg, msg_len);
	if (!ret)
		ret = read_analog_params(c, msg, msg_len);
	if (!ret)
		ret = read_data(c, buf, len, &h, flags, msg, msg_len);
	if (!ret)
		ret = read_events(c);
	if (!ret)
		ret = c3d_plates_parse(c, msg, msg_len);
	if (ret)
		goto fail;
	*out = c;
	return 0;
fail:
	if (ret == -ENOMEM && msg && msg_len)
		snprintf(msg, msg_len, "%s: out of memory", c->name);
	fp_c3d_free(c);
	return ret;
}

int fp_c3d_parse(const uint8_t *buf, size_t len, const char *name,
		 struct fp_c3d **out, char *msg, size_t msg_len)
{
	return fp_c3d_parse_flags(buf, len, name, 0, out, msg, msg_len);
}

/*
 * The file is mapped, not read: no copy of it, and the page cache's pages
 * are shared. The mapping stays with the fp_c3d for the markers, decoded
 * only where they are read (analyze reads a few markers, the analog data
 * is converted here).
 */
int fp_c3d_open(const char *path, struct fp_c3d **out, char *msg, size_t msg_len)
{
	static const uint8_t empty[1];
	struct stat st;
	const uint8_t *buf = empty;
	void *map = NULL;
	int fd, ret;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		if (msg && msg_len)
			snprintf(msg, msg_len, "%s: cannot open: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		int dir = !fstat(fd, &st) && S_ISDIR(st.st_mode);

		close(fd);
		if (msg && msg_len)
			snprintf(msg, msg_len, "%s: not a regular file%s", path,
				 dir ? " (a directory)" : "");
		return -EINVAL;
	}
	if ((unsigned long long)st.st_size > C3D_MAX_FILE) {
		close(fd);
		if (msg && msg_len)
			snprintf(msg, msg_len, "%s: %llu bytes: larger than the %llu MiB this "
				 "reader loads into memory", path,
				 (unsigned long long)st.st_size, C3D_MAX_FILE >> 20);
		return -EFBIG;
	}
	if (st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
		if (map == MAP_FAILED) {
			ret = -errno;
			close(fd);
			if (msg && msg_len)
				snprintf(msg, msg_len, "%s: cannot map: %s", path, strerror(-ret));
			return ret == -ENOMEM ? -ENOMEM : -EIO;
		}
		buf = map;
	}
	close(fd);
	ret = fp_c3d_parse_flags(buf, (size_t)st.st_size, path,
				 FP_C3D_LAZY_POINTS | FP_C3D_LAZY_ANALOG, out, msg, msg_len);
	if (ret || !(*out)->n_frames || !((*out)->n_points || (*out)->n_analog)) {
		/* nothing left to read from the file */
		if (!ret)
			(*out)->data = NULL;
		if (map)
			munmap(map, (size_t)st.st_size);
		return ret;
	}
	(*out)->map = map;
	(*out)->map_len = (size_t)st.st_size;
	return 0;
}

void fp_c3d_free(struct fp_c3d *c)
{
	if (!c)
		return;
	c3d_params_free(c);
	free(c->points);
	if (c->map)
		munmap(c->map, c->map_len);
	free(c->analog);
	free(c->an_scale);
	free(c->an_offset);
	c3d_strs_free(c->an_label, c->an_label ? c->n_analog : 0);
	c3d_strs_free(c->an_units, c->an_units ? c->n_analog : 0);
	c3d_strs_free(c->pt_label, c->pt_label ? c->n_points : 0);
	free(c->plate);
	free(c->events);
	free(c);
}

double fp_c3d_analog(const struct fp_c3d *c, uint64_t sample, uint32_t ch)
{
	double raw;

	if (ch >= c->n_analog || sample >= fp_c3d_analog_samples(c))
		return NAN;
	if (c->analog) {
		raw = c->analog[sample * c->n_analog + ch];
	} else {
		/* left in the file (fp_c3d_open): this one value, as decode_analog() */
		uint64_t f = sample / c->analog_spf, k = sample - f * c->analog_spf;
		uint64_t i = (uint64_t)4 * c->n_points + k * c->n_analog + ch;

		raw = analog_value(c, c->data + f * c->frame_bytes + i * (c->is_float ? 4 : 2));
	}
	return (raw - c->an_offset[ch]) * c->gen_scale * c->an_scale[ch];
}
