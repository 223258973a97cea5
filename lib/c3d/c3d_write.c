// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * c3d_write.c - write C3D files: Intel REAL, analog data only (no points),
 * FORCE_PLATFORM types 2 and 4, EVENT, TRIAL and our FPLATE group.
 *
 * Crash safety: the header and parameters are written first with zero
 * frames; each fp_c3d_writer_write() appends whole frames and only then
 * updates the three frame counts in place (POINT:FRAMES, then
 * TRIAL:ACTUAL_END_FIELD, then the header's last frame), each with one
 * small pwrite. A reader uses the header count unless it is saturated at
 * 65535, so at every instant the counts it uses never exceed the data on
 * disk: a recorder killed with SIGKILL leaves a valid file. Events are
 * written at close into parameter blocks reserved at open (write_params()
 * says how that stays valid too).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "c3d_int.h"

/* Floats and samples are copied in host order into an Intel (84) file. */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "c3d_write.c writes Intel C3D files and needs a little-endian host"
#endif

#define MAX_EVENTS 2000
#define EV_STR 16

struct wbuf {
	uint8_t *b;
	size_t n, cap;
	size_t last;          /* offset of the last entry's next-offset field */
	int err;
};

struct fp_c3d_writer {
	int fd;
	char path[256];
	struct fp_c3d_wdesc d;
	struct fp_c3d_wchannel *ch;
	struct fp_c3d_wplate *plate;
	uint32_t nblocks;     /* parameter blocks reserved */
	uint64_t data_off;
	size_t frames_off;    /* POINT:FRAMES value, from the file start */
	size_t end_off;       /* TRIAL:ACTUAL_END_FIELD value */
	size_t cut_off;       /* next-offset field of the entry before EVENT (section) */
	size_t tail_off;      /* the EVENT group entry (section) */
	uint64_t frames;
	float *partial;       /* one frame being filled */
	uint32_t npartial;    /* samples in partial */
	struct fp_c3d_event *ev;
	uint32_t n_ev;
	int params_changed;   /* rewrite the tail at close (FIRST_SAMPLE) */
};

static void put(struct wbuf *w, const void *p, size_t n)
{
	if (w->err)
		return;
	if (w->n + n > w->cap) {
		size_t cap = (w->cap ? w->cap : 4096);
		uint8_t *nb;

		while (cap < w->n + n)
			cap *= 2;
		nb = realloc(w->b, cap);
		if (!nb) {
			w->err = -ENOMEM;
			return;
		}
		w->b = nb;
		w->cap = cap;
	}
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void put8(struct wbuf *w, int v)
{
	uint8_t b = (uint8_t)v;

	put(w, &b, 1);
}

static void put16(struct wbuf *w, int v)
{
	uint8_t b[2] = { (uint8_t)(v & 0xff), (uint8_t)((v >> 8) & 0xff) };

	put(w, b, 2);
}

static void set16(uint8_t *p, int v)
{
	p[0] = (uint8_t)(v & 0xff);
	p[1] = (uint8_t)((v >> 8) & 0xff);
}

/* Entry head; returns the offset of the next-offset field. */
static size_t entry(struct wbuf *w, int id, const char *name)
{
	size_t off;

	put8(w, (int)strlen(name));
	put8(w, id);
	put(w, name, strlen(name));
	off = w->n;
	put16(w, 0);
	w->last = off;
	return off;
}

static void entry_end(struct wbuf *w, size_t off)
{
	if (!w->err)
		set16(w->b + off, (int)(w->n - off));
}

static void group(struct wbuf *w, int id, const char *name, const char *desc)
{
	size_t off = entry(w, -id, name);

	put8(w, (int)strlen(desc));
	put(w, desc, strlen(desc));
	entry_end(w, off);
}

/* Parameter; returns the offset of its first value byte. */
static size_t param(struct wbuf *w, int gid, const char *name, int type, int ndim,
		    const int *dims, const void *data, const char *desc)
{
	size_t off = entry(w, gid, name), voff;
	size_t count = 1, esz = type < 0 ? 1 : (size_t)type;

	put8(w, type);
	put8(w, ndim);
	for (int i = 0; i < ndim; i++) {
		put8(w, dims[i]);
		count *= (size_t)dims[i];
	}
	voff = w->n;
	put(w, data, count * esz);
	put8(w, (int)strlen(desc));
	put(w, desc, strlen(desc));
	entry_end(w, off);
	return voff;
}

/* int16 array of any shape (values in file order). */
static size_t p_i16s(struct wbuf *w, int gid, const char *name, int ndim, const int *dims,
		     const int16_t *v, const char *desc)
{
	size_t count = 1, off;
	uint8_t *tmp;

	for (int i = 0; i < ndim; i++)
		count *= (size_t)dims[i];
	tmp = malloc(2 * count + 1);
	if (!tmp) {
		w->err = -ENOMEM;
		return 0;
	}
	for (size_t i = 0; i < count; i++)
		set16(tmp + 2 * i, v[i]);
	off = param(w, gid, name, FP_C3D_INT16, ndim, dims, tmp, desc);
	free(tmp);
	return off;
}

static size_t p_i16(struct wbuf *w, int gid, const char *name, int n, const int16_t *v,
		    const char *desc)
{
	return p_i16s(w, gid, name, 1, (int[]){ n }, v, desc);
}

static size_t p_int(struct wbuf *w, int gid, const char *name, int v, const char *desc)
{
	uint8_t tmp[2];

	set16(tmp, v);
	return param(w, gid, name, FP_C3D_INT16, 0, NULL, tmp, desc);
}

static size_t p_float(struct wbuf *w, int gid, const char *name, float v, const char *desc)
{
	return param(w, gid, name, FP_C3D_FLOAT, 0, NULL, &v, desc);
}

/* n strings padded to a common length (at least minlen), dims (len, n). */
static void p_strs(struct wbuf *w, int gid, const char *name, int n, const char *const *s,
		   int minlen, const char *desc)
{
	int len = minlen, dims[2];
	size_t cnt = (size_t)(n ? n : 1);
	char *tmp;

	for (int i = 0; i < n; i++)
		if ((int)strlen(s[i]) > len)
			len = (int)strlen(s[i]);
	if (len > 255)
		len = 255;
	tmp = malloc((size_t)len * cnt + 1);
	if (!tmp) {
		w->err = -ENOMEM;
		return;
	}
	memset(tmp, ' ', (size_t)len * cnt);
	for (int i = 0; i < n; i++)
		memcpy(tmp + (size_t)i * len, s[i], strnlen(s[i], (size_t)len));
	dims[0] = len;
	dims[1] = n;
	param(w, gid, name, FP_C3D_CHAR, 2, dims, tmp, desc);
	free(tmp);
}

/* One string: dims (len). */
static void p_str(struct wbuf *w, int gid, const char *name, const char *s, const char *desc)
{
	int dims[1] = { (int)strlen(s) };

	param(w, gid, name, FP_C3D_CHAR, 1, dims, s, desc);
}

static void p_floats(struct wbuf *w, int gid, const char *name, int ndim, const int *dims,
		     const float *v, const char *desc)
{
	param(w, gid, name, FP_C3D_FLOAT, ndim, dims, v, desc);
}

/* Part name for chunked arrays: NAME, NAME2, NAME3 ... */
static const char *part_name(char *buf, size_t len, const char *name, int k)
{
	if (k == 0)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%s%d", name, k + 1);
	return buf;
}

static void event_params(struct wbuf *w, const struct fp_c3d_event *ev, uint32_t n,
			 int reserve)
{
	char nm[32];
	uint32_t k = 0, part = 0;

	p_int(w, 5, "USED", (int)n, "number of events");
	do {
		uint32_t m = n - k > 255 ? 255 : n - k;
		const char *lab[255], *ctx[255];
		float t[510];
		int16_t icon[255];
		int dims[2] = { 2, (int)m };

		for (uint32_t i = 0; i < m; i++) {
			double s = ev[k + i].time_s, mins = floor(s / 60.0);

			t[2 * i] = (float)mins;
			t[2 * i + 1] = (float)(s - mins * 60.0);
			lab[i] = ev[k + i].label;
			ctx[i] = ev[k + i].context;
			icon[i] = 0;
		}
		p_strs(w, 5, part_name(nm, sizeof(nm), "CONTEXTS", (int)part), (int)m, ctx,
		       reserve ? EV_STR : 1, "");
		p_strs(w, 5, part_name(nm, sizeof(nm), "LABELS", (int)part), (int)m, lab,
		       reserve ? EV_STR : 1, "");
		p_floats(w, 5, part_name(nm, sizeof(nm), "TIMES", (int)part), 2, dims, t,
			 "minutes, seconds");
		p_i16(w, 5, part_name(nm, sizeof(nm), "ICON_IDS", (int)part), (int)m, icon, "");
		k += m;
		part++;
	} while (k < n);
}

static void plate_params(struct wbuf *w, const struct fp_c3d_writer *wr)
{
	uint32_t np = wr->d.n_plates;
	int used = (int)np;
	int16_t types[64], zero[2] = { 0, 0 }, chan[6 * 64];
	float corners[12 * 64], origin[3 * 64], *cal;
	int d3[3] = { 3, 4, (int)np }, d2[2] = { 3, (int)np }, dc[2] = { 6, (int)np };
	int dm[3] = { 6, 6, (int)np }, any4 = 0;

	p_int(w, 3, "USED", used, "");
	if (!np)
		return;
	cal = calloc(36 * (size_t)np, sizeof(*cal));
	if (!cal) {
		w->err = -ENOMEM;
		return;
	}
	for (uint32_t p = 0; p < np; p++) {
		const struct fp_c3d_wplate *pl = &wr->plate[p];

		types[p] = (int16_t)pl->type;
		any4 |= pl->type == 4;
		for (int k = 0; k < 12; k++)
			corners[12 * p + k] = (float)pl->corners[k / 3][k % 3];
		for (int k = 0; k < 3; k++)
			origin[3 * p + k] = (float)pl->origin[k];
		for (int k = 0; k < 6; k++)
			chan[6 * p + k] = (int16_t)(pl->channel[k] + 1);
		for (int r = 0; r < 6; r++)
			for (int c = 0; c < 6; c++)
				cal[36 * p + 6 * c + r] = (float)pl->cal[r][c];
	}
	p_i16(w, 3, "TYPE", (int)np, types, "plate types");
	p_i16(w, 3, "ZERO", 2, zero, "baseline frames (0 0: data already tared)");
	p_floats(w, 3, "CORNERS", 3, d3, corners, "lab corners +x+y -x+y -x-y +x-y, mm");
	p_floats(w, 3, "ORIGIN", 2, d2, origin, "transducer origin to surface centre, mm");
	p_i16s(w, 3, "CHANNEL", 2, dc, chan, "analog channel (1-based) of Fx..Mz");
	if (any4)
		p_floats(w, 3, "CAL_MATRIX", 3, dm, cal, "column-major; moment rows N.mm/V");
	free(cal);
}

/* The whole parameter section (without padding). */
static int build_params(struct fp_c3d_writer *wr, const struct fp_c3d_event *ev,
			uint32_t n_ev, int reserve, struct wbuf *w, size_t *frames_off,
			size_t *end_off)
{
	const struct fp_c3d_wdesc *d = &wr->d;
	uint32_t na = d->n_analog;
	float prate = (float)(d->analog_rate / d->analog_spf);
	int16_t se[2] = { 1, 0 }, offs[256];
	float scale[256];
	const char *lab[256], *units[256], *desc[256];
	uint8_t head[4] = { 1, C3D_KEY, 0, FP_C3D_INTEL };

	memset(w, 0, sizeof(*w));
	put(w, head, 4);
	for (uint32_t i = 0; i < na; i++) {
		lab[i] = wr->ch[i].label;
		units[i] = wr->ch[i].units;
		desc[i] = wr->ch[i].desc;
		scale[i] = (float)(wr->ch[i].scale ? wr->ch[i].scale : 1.0);
		offs[i] = wr->ch[i].offset;
	}
	group(w, 1, "POINT", "3-D point parameters");
	p_int(w, 1, "USED", 0, "");
	p_float(w, 1, "SCALE", -1.0f, "");
	p_float(w, 1, "RATE", prate, "");
	p_int(w, 1, "DATA_START", (int)(2 + wr->nblocks), "");
	*frames_off = p_float(w, 1, "FRAMES", (float)wr->frames,
			      "frames (float: may exceed 65535)");
	p_str(w, 1, "UNITS", "mm", "");
	group(w, 2, "ANALOG", "analog data parameters");
	p_int(w, 2, "USED", (int)na, "");
	p_strs(w, 2, "LABELS", (int)na, lab, 1, "");
	p_strs(w, 2, "DESCRIPTIONS", (int)na, desc, 1, "");
	p_floats(w, 2, "SCALE", 1, (int[]){ (int)na }, scale, "");
	p_i16(w, 2, "OFFSET", (int)na, offs, "");
	p_float(w, 2, "GEN_SCALE", 1.0f, "");
	p_strs(w, 2, "UNITS", (int)na, units, 1, "");
	p_float(w, 2, "RATE", (float)d->analog_rate, "");
	p_str(w, 2, "FORMAT", "SIGNED", "");
	p_int(w, 2, "BITS", 16, "");
	group(w, 3, "FORCE_PLATFORM", "force plates");
	plate_params(w, wr);
	group(w, 4, "TRIAL", "trial");
	p_i16(w, 4, "ACTUAL_START_FIELD", 2, se, "32-bit first frame: low, high word");
	*end_off = p_i16(w, 4, "ACTUAL_END_FIELD", 2,
			 (int16_t[]){ (int16_t)(wr->frames & 0xffff), (int16_t)(wr->frames >> 16) },
			 "32-bit last frame: low, high word");
	p_float(w, 4, "CAMERA_RATE", prate, "");
	/* everything before EVENT is the same whatever the events (see close) */
	wr->cut_off = w->last;
	wr->tail_off = w->n;
	group(w, 5, "EVENT", "events");
	event_params(w, ev, n_ev, reserve);
	group(w, 6, "FPLATE", "fplate acquisition metadata");
	p_str(w, 6, "DEVICE", d->device[0] ? d->device : "unknown", "device URI or model");
	p_str(w, 6, "SERIAL", d->serial[0] ? d->serial : "unknown", "");
	p_str(w, 6, "SOFTWARE", d->software[0] ? d->software : "fplate " FP_VERSION_STRING, "");
	p_str(w, 6, "CALIB_ID", d->calib_id[0] ? d->calib_id : "none", "");
	p_i16(w, 6, "FIRST_SAMPLE", 4, (int16_t[]){ (int16_t)(d->first_sample & 0xffff),
		(int16_t)(d->first_sample >> 16 & 0xffff), (int16_t)(d->first_sample >> 32 & 0xffff),
		(int16_t)(d->first_sample >> 48) },
	      "device sample index of sample 1: 4 words, least significant first");
	p_float(w, 6, "BELT_SPEED", (float)(isfinite(d->belt_speed_mps) ? d->belt_speed_mps
					    : -1.0), "m/s, -1 unknown");
	if (d->start_time[0])
		p_str(w, 6, "START_TIME", d->start_time, "UTC of sample 1, ISO 8601");
	group(w, 7, "MANUFACTURER", "");
	p_str(w, 7, "COMPANY", "fplate project", "");
	p_str(w, 7, "SOFTWARE", "fplate", "");
	p_str(w, 7, "VERSION_LABEL", FP_VERSION_STRING, "");
	if (!w->err)
		set16(w->b + w->last, 0); /* last entry: next offset 0 */
	return w->err;
}

static void build_header(const struct fp_c3d_writer *wr, uint64_t frames, uint8_t h[512])
{
	const struct fp_c3d_wdesc *d = &wr->d;
	float scale = -1.0f, rate = (float)(d->analog_rate / d->analog_spf);

	memset(h, 0, 512);
	h[0] = 2;
	h[1] = C3D_KEY;
	set16(h + 4, (int)(d->n_analog * d->analog_spf));
	set16(h + 6, 1);
	set16(h + 8, (int)(frames > 0xffff ? 0xffff : frames));
	set16(h + 10, 10);
	memcpy(h + 12, &scale, 4);
	set16(h + 16, (int)(2 + wr->nblocks));
	set16(h + 18, (int)d->analog_spf);
	memcpy(h + 20, &rate, 4);
	set16(h + 298, 12345); /* 4-character event labels supported (none in header) */
}

static int pwrite_all(int fd, const void *p, size_t n, uint64_t off)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t k = pwrite(fd, b, n, (off_t)off);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		b += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

static int check_desc(const struct fp_c3d_wdesc *d, char *msg, size_t msg_len)
{
#define BAD(...) do { if (msg && msg_len) snprintf(msg, msg_len, __VA_ARGS__); \
		      return -EINVAL; } while (0)
	if (!(d->analog_rate > 0 && d->analog_rate < 1e6))
		BAD("c3d writer: analog rate %g Hz out of range", d->analog_rate);
	if (d->analog_spf < 1 || d->analog_spf > 1000 || d->n_analog * d->analog_spf > 0xffff)
		BAD("c3d writer: %u samples per frame x %u channels does not fit the header",
		    d->analog_spf, d->n_analog);
	if (d->n_analog < 1 || d->n_analog > 255 || !d->ch)
		BAD("c3d writer: %u analog channels (1..255)", d->n_analog);
	if (d->n_plates > 64 || (d->n_plates && !d->plate))
		BAD("c3d writer: %u plates (0..64)", d->n_plates);
	if (d->max_events > MAX_EVENTS)
		BAD("c3d writer: max_events %u (at most %d)", d->max_events, MAX_EVENTS);
	for (uint32_t p = 0; p < d->n_plates; p++) {
		if (d->plate[p].type != 2 && d->plate[p].type != 4)
			BAD("c3d writer: plate %u type %d (2 or 4)", p + 1, d->plate[p].type);
		for (int k = 0; k < 6; k++)
			if (d->plate[p].channel[k] >= d->n_analog)
				BAD("c3d writer: plate %u channel %d is %u, only %u channels",
				    p + 1, k + 1, d->plate[p].channel[k] + 1, d->n_analog);
	}
	for (uint32_t i = 0; i < d->n_analog; i++)
		if (!isfinite(d->ch[i].scale))
			BAD("c3d writer: channel %u scale is %g", i + 1, d->ch[i].scale);
	return 0;
#undef BAD
}

static void writer_free(struct fp_c3d_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w->ch);
	free(w->plate);
	free(w->partial);
	free(w->ev);
	free(w);
}

/*
 * Write the parameter section. At open (reserve = 1) the whole section is
 * written. At close the events change only the part from the EVENT group
 * on, and a kill during a long write may leave it half written, so: cut
 * the entry chain before EVENT (one 2-byte write: the file is then valid
 * without events and our groups), write the new tail, then restore the
 * link (2 bytes). The file is valid at every step.
 */
static int write_params(struct fp_c3d_writer *w, int reserve)
{
	struct wbuf b;
	size_t cap = (size_t)w->nblocks * C3D_BLOCK;
	int ret = build_params(w, w->ev, reserve ? w->d.max_events : w->n_ev, reserve, &b,
			       &w->frames_off, &w->end_off);
	uint8_t *sec = NULL, zero[2] = { 0, 0 };

	if (!ret && b.n > cap)
		ret = -ENOSPC;
	if (!ret) {
		sec = calloc(w->nblocks, C3D_BLOCK);
		ret = sec ? 0 : -ENOMEM;
	}
	if (!ret) {
		memcpy(sec, b.b, b.n);
		sec[2] = (uint8_t)w->nblocks;
		if (reserve) {
			ret = pwrite_all(w->fd, sec, cap, C3D_BLOCK);
		} else {
			ret = pwrite_all(w->fd, zero, 2, C3D_BLOCK + w->cut_off);
			if (!ret)
				ret = pwrite_all(w->fd, sec + w->tail_off, cap - w->tail_off,
						 C3D_BLOCK + w->tail_off);
			if (!ret)
				ret = pwrite_all(w->fd, sec + w->cut_off, 2, C3D_BLOCK + w->cut_off);
		}
	}
	w->frames_off += C3D_BLOCK;
	w->end_off += C3D_BLOCK;
	free(sec);
	free(b.b);
	return ret;
}

int fp_c3d_writer_open(const char *path, const struct fp_c3d_wdesc *d,
		       struct fp_c3d_writer **out, char *msg, size_t msg_len)
{
	struct fp_c3d_writer *w;
	struct wbuf b;
	uint8_t h[512];
	size_t fo, eo;
	int ret;

	*out = NULL;
	ret = check_desc(d, msg, msg_len);
	if (ret)
		return ret;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = -1;
	w->d = *d;
	snprintf(w->path, sizeof(w->path), "%s", path);
	w->ch = malloc(d->n_analog * sizeof(*w->ch));
	w->plate = malloc((d->n_plates + 1) * sizeof(*w->plate));
	w->partial = malloc((size_t)d->n_analog * d->analog_spf * sizeof(float));
	w->ev = calloc(d->max_events + 1, sizeof(*w->ev));
	if (!w->ch || !w->plate || !w->partial || !w->ev) {
		writer_free(w);
		return -ENOMEM;
	}
	memcpy(w->ch, d->ch, d->n_analog * sizeof(*w->ch));
	if (d->n_plates)
		memcpy(w->plate, d->plate, d->n_plates * sizeof(*w->plate));
	w->d.ch = w->ch;
	w->d.plate = w->plate;
	/* size the parameter section with room for max_events events */
	w->nblocks = 255;
	ret = build_params(w, w->ev, d->max_events, 1, &b, &fo, &eo);
	free(b.b);
	if (ret)
		goto fail;
	w->nblocks = (uint32_t)((b.n + C3D_BLOCK - 1) / C3D_BLOCK);
	if (w->nblocks > 255) {
		ret = -ENOSPC;
		goto fail;
	}
	w->data_off = (uint64_t)(1 + w->nblocks) * C3D_BLOCK;
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		ret = -errno;
		goto fail;
	}
	build_header(w, 0, h);
	ret = pwrite_all(w->fd, h, sizeof(h), 0);
	if (!ret)
		ret = write_params(w, 1);
	if (ret)
		goto fail;
	*out = w;
	return 0;
fail:
	if (msg && msg_len)
		snprintf(msg, msg_len, "%s: cannot write: %s", path,
			 ret == -ENOSPC ? "parameters do not fit 255 blocks" : strerror(-ret));
	writer_free(w);
	return ret;
}

/* The three frame counts, each one small pwrite, header last (see top). */
static int commit_frames(struct fp_c3d_writer *w)
{
	float f = (float)w->frames;
	uint8_t b[4], h2[2];
	int ret;

	memcpy(b, &f, 4);
	ret = pwrite_all(w->fd, b, 4, w->frames_off);
	set16(b, (int)(w->frames & 0xffff));
	set16(b + 2, (int)(w->frames >> 16));
	if (!ret)
		ret = pwrite_all(w->fd, b, 4, w->end_off);
	set16(h2, (int)(w->frames > 0xffff ? 0xffff : w->frames));
	if (!ret)
		ret = pwrite_all(w->fd, h2, 2, 8);
	return ret;
}

int fp_c3d_writer_write(struct fp_c3d_writer *w, const float *samples, uint32_t n)
{
	uint32_t na = w->d.n_analog, spf = w->d.analog_spf;
	size_t fbytes = (size_t)na * spf * sizeof(float);
	uint64_t start = w->frames;
	int ret = 0;

	while (n) {
		uint32_t take = spf - w->npartial;
		uint32_t whole;

		if (w->npartial || n < spf) {
			if (take > n)
				take = n;
			memcpy(w->partial + (size_t)w->npartial * na, samples,
			       (size_t)take * na * sizeof(float));
			w->npartial += take;
			samples += (size_t)take * na;
			n -= take;
			if (w->npartial < spf)
				break;
			ret = pwrite_all(w->fd, w->partial, fbytes, w->data_off + w->frames * fbytes);
			if (ret)
				return ret;
			w->frames++;
			w->npartial = 0;
			continue;
		}
		whole = n / spf;
		if (w->frames + whole > FP_C3D_MAX_FRAMES)
			return -EFBIG;
		ret = pwrite_all(w->fd, samples, whole * fbytes, w->data_off + w->frames * fbytes);
		if (ret)
			return ret;
		w->frames += whole;
		samples += (size_t)whole * spf * na;
		n -= whole * spf;
	}
	if (w->frames != start)
		ret = commit_frames(w);
	return ret;
}

int fp_c3d_writer_add_event(struct fp_c3d_writer *w, const char *context,
			    const char *label, double time_s)
{
	struct fp_c3d_event *e;

	if (!isfinite(time_s) || time_s < 0)
		return -EINVAL;
	if (w->n_ev >= w->d.max_events)
		return -ENOSPC;
	e = &w->ev[w->n_ev++];
	snprintf(e->context, EV_STR, "%s", context ? context : "");
	snprintf(e->label, EV_STR, "%s", label ? label : "");
	e->time_s = time_s;
	return 0;
}

uint64_t fp_c3d_writer_frames(const struct fp_c3d_writer *w)
{
	return w->frames;
}

void fp_c3d_writer_set_first_sample(struct fp_c3d_writer *w, uint64_t first_sample)
{
	if (w && w->d.first_sample != first_sample) {
		w->d.first_sample = first_sample;
		w->params_changed = 1;
	}
}

int fp_c3d_writer_close(struct fp_c3d_writer *w, char *msg, size_t msg_len)
{
	int ret = 0;

	if (!w)
		return 0;
	if (w->n_ev || w->params_changed)
		ret = write_params(w, 0);
	if (!ret)
		ret = commit_frames(w);
	if (!ret && fsync(w->fd))
		ret = -errno;
	if (!ret && close(w->fd))
		ret = -errno;
	w->fd = -1;
	if (ret && msg && msg_len)
		snprintf(msg, msg_len, "%s: cannot finish the file: %s", w->path, strerror(-ret));
	writer_free(w);
	return ret;
}
