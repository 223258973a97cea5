// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * c3d_fp.c - the FORCE_PLATFORM group: plate types 1-4 to forces, moments,
 * centre of pressure and free moment, in the fplate plate frame and in the
 * file's lab frame.
 *
 * C3D plate frames are z down (AMTI, Bertec, Kistler): the channels hold
 * the reaction force in that frame, so a loaded plate reads Fz < 0. fplate's
 * plate frame is z up with Fz > 0 when loaded; the mapping is a rotation of
 * 180 degrees about the plate's x axis: (x, y, z) -> (x, -y, -z), applied
 * to forces, moments, ORIGIN and COP alike (docs/c3d.md).
 *
 * ORIGIN is the vector from the transducer origin to the centre of the
 * working surface in plate coordinates, so its z is negative; a positive z
 * means the file stored the opposite vector and the whole vector is
 * negated, as other tools do (origin_negated records it).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "c3d_int.h"
#include "fplate/gait.h"

#define MAX_PLATES 64

static int plate_nch(int type)
{
	return type == 3 ? 8 : 6;
}

static int computable(int type)
{
	return type >= 1 && type <= 4;
}

/* N·m per unit of a moment channel: N·mm unless the units say N·m. */
static double moment_scale(const char *units)
{
	if (!units || !units[0] || strstr(units, "mm"))
		return 0.001;
	if (!strcasecmp(units, "Nm") || !strcasecmp(units, "N.m") ||
	    !strcasecmp(units, "N*m") || !strcasecmp(units, "N m"))
		return 1.0;
	return 0.001;
}

static void plate_frame(struct fp_c3d_plate *pl)
{
	double x[3], y[3], z[3], nx, ny, nz;

	for (int i = 0; i < 3; i++) {
		x[i] = pl->corners[0][i] - pl->corners[1][i];
		y[i] = pl->corners[0][i] - pl->corners[3][i];
		pl->centre[i] = (pl->corners[0][i] + pl->corners[1][i] + pl->corners[2][i] +
				 pl->corners[3][i]) / 4;
	}
	z[0] = x[1] * y[2] - x[2] * y[1];
	z[1] = x[2] * y[0] - x[0] * y[2];
	z[2] = x[0] * y[1] - x[1] * y[0];
	y[0] = z[1] * x[2] - z[2] * x[1];
	y[1] = z[2] * x[0] - z[0] * x[2];
	y[2] = z[0] * x[1] - z[1] * x[0];
	nx = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
	ny = sqrt(y[0] * y[0] + y[1] * y[1] + y[2] * y[2]);
	nz = sqrt(z[0] * z[0] + z[1] * z[1] + z[2] * z[2]);
	pl->lab_ok = isfinite(nx * ny * nz) && nx > 1e-6 && ny > 1e-6 && nz > 1e-9;
	for (int i = 0; i < 3; i++) {
		pl->rot[i][0] = pl->lab_ok ? x[i] / nx : NAN;
		pl->rot[i][1] = pl->lab_ok ? y[i] / ny : NAN;
		pl->rot[i][2] = pl->lab_ok ? z[i] / nz : NAN;
	}
}

static int need(struct fp_c3d *c, const char *name, long have, long want, int used,
		char *msg, size_t msg_len)
{
	if (have >= want)
		return 0;
	return c3d_err(msg, msg_len, c->name, "parameter section: FORCE_PLATFORM:%s has %ld "
		       "values, FORCE_PLATFORM:USED is %d (needs %ld)", name, have, used, want);
}

static int plate_channels(struct fp_c3d *c, int used, char *msg, size_t msg_len)
{
	const struct fp_c3d_param *p = fp_c3d_param(c, "FORCE_PLATFORM", "CHANNEL");
	uint32_t rows;

	if (!p)
		return c3d_err(msg, msg_len, c->name, "parameter section: FORCE_PLATFORM:CHANNEL "
			       "is missing (USED is %d)", used);
	rows = p->ndim >= 2 ? p->dim[0] : (used ? p->count / (uint32_t)used : 0);
	for (int i = 0; i < used; i++) {
		struct fp_c3d_plate *pl = &c->plate[i];

		if (!computable(pl->type))
			continue;
		if (rows < pl->nch || (uint64_t)rows * (uint64_t)(i + 1) > p->count)
			return c3d_err(msg, msg_len, c->name, "parameter section: "
				       "FORCE_PLATFORM:CHANNEL has %u rows x %u values, plate %d "
				       "of type %d needs %u channels", rows, p->count, i + 1,
				       pl->type, pl->nch);
		for (uint32_t k = 0; k < pl->nch; k++) {
			double v = fp_c3d_param_num(p, (uint32_t)i * rows + k);

			if (!(v >= 1 && v <= c->n_analog))
				return c3d_err(msg, msg_len, c->name, "parameter section: "
					       "FORCE_PLATFORM:CHANNEL plate %d entry %u is %g, "
					       "there are %u analog channels", i + 1, k + 1, v,
					       c->n_analog);
			pl->channel[k] = (uint32_t)v - 1;
		}
		pl->moment_scale = moment_scale(c->an_units[pl->channel[pl->type == 1 ? 5 : 3]]);
	}
	return 0;
}

static int plate_cal(struct fp_c3d *c, int used, char *msg, size_t msg_len)
{
	const struct fp_c3d_param *p = fp_c3d_param(c, "FORCE_PLATFORM", "CAL_MATRIX");
	uint32_t r, k, per;

	for (int i = 0; i < used; i++) {
		struct fp_c3d_plate *pl = &c->plate[i];

		if (pl->type != 4)
			continue;
		if (!p || p->ndim < 2 || p->dim[0] < 6 || p->dim[1] < 6)
			return c3d_err(msg, msg_len, c->name, "parameter section: plate %d is "
				       "type 4 but FORCE_PLATFORM:CAL_MATRIX is %s", i + 1,
				       p ? "not 6 x 6" : "missing");
		r = p->dim[0];
		k = p->dim[1];
		per = r * k;
		if ((uint64_t)per * (uint64_t)(i + 1) > p->count)
			return c3d_err(msg, msg_len, c->name, "parameter section: "
				       "FORCE_PLATFORM:CAL_MATRIX holds %u values, plate %d needs %u",
				       p->count, i + 1, per * (uint32_t)(i + 1));
		/* column-major: element (row i, column j) at j * rows + i */
		for (uint32_t row = 0; row < 6; row++)
			for (uint32_t col = 0; col < 6; col++) {
				double v = fp_c3d_param_num(p, (uint32_t)i * per + col * r + row);

				if (!isfinite(v))
					return c3d_err(msg, msg_len, c->name, "parameter section: "
						       "FORCE_PLATFORM:CAL_MATRIX plate %d (%u,%u) "
						       "is %g", i + 1, row + 1, col + 1, v);
				pl->cal[row][col] = v;
			}
	}
	return 0;
}

/* Mean of each channel over the ZERO frame range (1-based, inclusive). */
static void plate_zero(struct fp_c3d *c, struct fp_c3d_plate *pl, const double *z)
{
	uint64_t s0, s1;

	if (!z || !isfinite(z[0]) || !isfinite(z[1]) || z[0] < 1 || z[1] < z[0] ||
	    z[1] > c->n_frames || !c->analog_spf)
		return;
	pl->zero[0] = (int)z[0];
	pl->zero[1] = (int)z[1];
	s0 = (uint64_t)(pl->zero[0] - 1) * c->analog_spf;
	s1 = (uint64_t)pl->zero[1] * c->analog_spf;
	for (uint32_t k = 0; k < pl->nch; k++) {
		double sum = 0;

		for (uint64_t s = s0; s < s1; s++)
			sum += fp_c3d_analog(c, s, pl->channel[k]);
		pl->baseline[k] = sum / (double)(s1 - s0);
	}
}

static int plate_geometry(struct fp_c3d *c, int used, double **vals, const long *n,
			  char *msg, size_t msg_len)
{
	const struct fp_c3d_param *u = fp_c3d_param(c, "POINT", "UNITS");
	char units[16] = "";
	double mm = 1.0;
	int ret;

	if (u && !fp_c3d_param_str(u, 0, units, sizeof(units)) && !strcasecmp(units, "m"))
		mm = 1000.0;
	ret = need(c, "CORNERS", n[1], n[1] ? 12L * used : 0, used, msg, msg_len);
	if (!ret)
		ret = need(c, "ORIGIN", n[2], n[2] ? 3L * used : 0, used, msg, msg_len);
	if (ret)
		return ret;
	for (int i = 0; i < used; i++) {
		struct fp_c3d_plate *pl = &c->plate[i];

		for (int k = 0; k < 12 && n[1]; k++) {
			double v = vals[1][12 * i + k];

			if (!isfinite(v))
				return c3d_err(msg, msg_len, c->name, "parameter section: "
					       "FORCE_PLATFORM:CORNERS plate %d value %d is %g",
					       i + 1, k + 1, v);
			pl->corners[k / 3][k % 3] = v * mm;
		}
		for (int k = 0; k < 3 && n[2]; k++) {
			double v = vals[2][3 * i + k];

			if (!isfinite(v))
				return c3d_err(msg, msg_len, c->name, "parameter section: "
					       "FORCE_PLATFORM:ORIGIN plate %d value %d is %g",
					       i + 1, k + 1, v);
			pl->origin_file[k] = v * mm;
		}
		memcpy(pl->origin, pl->origin_file, sizeof(pl->origin));
		if (pl->origin[2] > 0) {
			for (int k = 0; k < 3; k++)
				pl->origin[k] = -pl->origin[k];
			pl->origin_negated = 1;
		}
		plate_frame(pl);
	}
	return 0;
}

int c3d_plates_parse(struct fp_c3d *c, char *msg, size_t msg_len)
{
	static const char *const names[] = { "TYPE", "CORNERS", "ORIGIN", "ZERO" };
	const struct fp_c3d_param *u = fp_c3d_param(c, "FORCE_PLATFORM", "USED");
	double *vals[4] = { NULL };
	long n[4] = { 0 };
	double du;
	int used, ret = 0;

	if (!u)
		return 0;
	du = fp_c3d_param_num(u, 0);
	if (!(du >= 0 && du <= MAX_PLATES))
		return c3d_err(msg, msg_len, c->name, "parameter section: FORCE_PLATFORM:USED "
			       "is %g (expected 0..%d)", du, MAX_PLATES);
	used = (int)du;
	if (!used)
		return 0;
	for (int i = 0; i < 4; i++) {
		n[i] = c3d_param_nums(c, "FORCE_PLATFORM", names[i], &vals[i]);
		if (n[i] < 0) {
			ret = (int)n[i];
			goto out;
		}
	}
	ret = need(c, "TYPE", n[0], used, used, msg, msg_len);
	if (ret)
		goto out;
	c->plate = calloc((size_t)used, sizeof(*c->plate));
	if (!c->plate) {
		ret = -ENOMEM;
		goto out;
	}
	c->n_plates = (uint32_t)used;
	for (int i = 0; i < used; i++) {
		double t = vals[0][i];

		c->plate[i].type = (t >= 0 && t < 1000) ? (int)t : -1;
		c->plate[i].nch = (uint32_t)plate_nch(c->plate[i].type);
		c->plate[i].moment_scale = 0.001;
	}
	ret = plate_geometry(c, used, vals, n, msg, msg_len);
	if (!ret)
		ret = plate_channels(c, used, msg, msg_len);
	if (!ret)
		ret = plate_cal(c, used, msg, msg_len);
	if (!ret)
		for (int i = 0; i < used; i++)
			if (computable(c->plate[i].type))
				plate_zero(c, &c->plate[i], n[3] >= 2 ? vals[3] : NULL);
out:
	for (int i = 0; i < 4; i++)
		free(vals[i]);
	return ret;
}

/*
 * F (N) and M (N·m) about the transducer origin in the c3d plate frame,
 * plus the vector o (mm) from that origin to the working-surface centre.
 */
static void plate_fm_c3d(const struct fp_c3d *c, const struct fp_c3d_plate *pl,
			 uint64_t s, unsigned flags, double f[3], double m[3], double o[3])
{
	double ch[8];
	double ms = pl->moment_scale;

	for (uint32_t k = 0; k < pl->nch; k++)
		ch[k] = fp_c3d_analog(c, s, pl->channel[k]) -
			((flags & FP_C3D_ZERO) ? pl->baseline[k] : 0.0);
	memcpy(o, pl->origin, 3 * sizeof(*o));
	switch (pl->type) {
	case 1: /* Fx Fy Fz COPx COPy Tz: moment about the surface centre */
		f[0] = ch[0]; f[1] = ch[1]; f[2] = ch[2];
		m[0] = ch[4] * f[2] * 0.001;
		m[1] = -ch[3] * f[2] * 0.001;
		m[2] = (ch[3] * f[1] - ch[4] * f[0]) * 0.001 + ch[5] * ms;
		o[0] = o[1] = o[2] = 0;
		break;
	case 3: { /* Kistler: fx12 fx34 fy14 fy23 fz1..fz4, sensor offsets a b */
		/* as stored: negating ORIGIN for z > 0 is about az0, not a and b */
		double a = pl->origin_file[0], b = pl->origin_file[1];

		f[0] = ch[0] + ch[1];
		f[1] = ch[2] + ch[3];
		f[2] = ch[4] + ch[5] + ch[6] + ch[7];
		m[0] = b * (ch[4] + ch[5] - ch[6] - ch[7]) * 0.001;
		m[1] = a * (-ch[4] + ch[5] + ch[6] - ch[7]) * 0.001;
		m[2] = (b * (ch[1] - ch[0]) + a * (ch[2] - ch[3])) * 0.001;
		o[0] = o[1] = 0;
		break;
	}
	case 4:
		for (int r = 0; r < 3; r++) {
			f[r] = m[r] = 0;
			for (int k = 0; k < 6; k++) {
				f[r] += pl->cal[r][k] * ch[k];
				m[r] += pl->cal[r + 3][k] * ch[k] * 0.001;
			}
		}
		break;
	default: /* 2 */
		for (int r = 0; r < 3; r++) {
			f[r] = ch[r];
			m[r] = ch[r + 3] * ms;
		}
		break;
	}
}

static void rot(const double r[3][3], const double v[3], double out[3])
{
	for (int i = 0; i < 3; i++)
		out[i] = r[i][0] * v[0] + r[i][1] * v[1] + r[i][2] * v[2];
}

int fp_c3d_fm(const struct fp_c3d *c, uint32_t plate, uint64_t sample, unsigned flags,
	      double fm[6])
{
	const struct fp_c3d_plate *pl;
	double f[3], m[3], o[3];

	if (plate >= c->n_plates || sample >= fp_c3d_analog_samples(c))
		return -EINVAL;
	pl = &c->plate[plate];
	if (!computable(pl->type))
		return -ENOTSUP;
	plate_fm_c3d(c, pl, sample, flags, f, m, o);
	fm[0] = f[0]; fm[1] = -f[1]; fm[2] = -f[2];
	fm[3] = m[0]; fm[4] = -m[1]; fm[5] = -m[2];
	return 0;
}

/* Surface geometry in the fplate frame: h above the origin, centre (ox, oy). */
static void surface(const struct fp_c3d_plate *pl, double *h, double *ox, double *oy)
{
	double o[3];

	memcpy(o, pl->origin, sizeof(o));
	if (pl->type == 1)
		o[0] = o[1] = o[2] = 0;
	else if (pl->type == 3)
		o[0] = o[1] = 0;
	*h = -o[2];
	*ox = o[0];
	*oy = -o[1];
}

int fp_c3d_fp_sample(const struct fp_c3d *c, uint32_t plate, uint64_t sample,
		     unsigned flags, double fz_threshold_n, struct fp_c3d_fp_sample *out)
{
	const struct fp_c3d_plate *pl;
	struct fp_plate_calib pc;
	double f[3], m[3], o[3], ms[3], cop[3], tz[3], fm[6];
	int ret = fp_c3d_fm(c, plate, sample, flags, fm);

	if (ret)
		return ret;
	pl = &c->plate[plate];
	/* COP and free moment exactly as the live path computes them (calib.c) */
	memset(&pc, 0, sizeof(pc));
	surface(pl, &pc.surface_h_mm, &pc.origin_mm[0], &pc.origin_mm[1]);
	pc.fz_threshold_n = fz_threshold_n;
	memcpy(out->plate, fm, sizeof(fm));
	fp_cop(&pc, fm, &out->plate[FP_COPX], &out->plate[FP_COPY], &out->plate[FP_TZ]);

	/* lab frame: moment moved to the surface centre, COP on the surface */
	plate_fm_c3d(c, pl, sample, flags, f, m, o);
	ms[0] = m[0] + (f[1] * o[2] - f[2] * o[1]) * 0.001;
	ms[1] = m[1] + (f[2] * o[0] - f[0] * o[2]) * 0.001;
	ms[2] = m[2] + (f[0] * o[1] - f[1] * o[0]) * 0.001;
	rot(pl->rot, f, out->lab_f);
	rot(pl->rot, ms, out->lab_m);
	if (-f[2] >= fz_threshold_n && -f[2] > 0) {   /* fp_cop()'s rule */
		double lc[3], t[3] = { 0, 0, 0 };

		cop[0] = -ms[1] / f[2] * 1000.0;
		cop[1] = ms[0] / f[2] * 1000.0;
		cop[2] = 0;
		t[2] = ms[2] - (cop[0] * f[1] - cop[1] * f[0]) * 0.001;
		rot(pl->rot, cop, lc);
		for (int i = 0; i < 3; i++)
			out->lab_cop[i] = lc[i] + pl->centre[i];
		rot(pl->rot, t, tz);
		memcpy(out->lab_tz, tz, sizeof(tz));
	} else {
		for (int i = 0; i < 3; i++)
			out->lab_cop[i] = out->lab_tz[i] = NAN;
	}
	return 0;
}

int fp_c3d_fp_volts(const struct fp_c3d *c, uint32_t plate, uint64_t sample, double v[6])
{
	const struct fp_c3d_plate *pl;

	if (plate >= c->n_plates || sample >= fp_c3d_analog_samples(c))
		return -EINVAL;
	pl = &c->plate[plate];
	if (pl->type != 4)
		return -ENOTSUP;
	for (int k = 0; k < 6; k++)
		v[k] = fp_c3d_analog(c, sample, pl->channel[k]);
	return 0;
}

int fp_c3d_plate_calib(const struct fp_c3d *c, uint32_t plate, int volts,
		       struct fp_plate_calib *pc)
{
	const struct fp_c3d_plate *pl;
	static const double sgn[6] = { 1, -1, -1, 1, -1, -1 };
	double dx = 0, dy = 0;

	if (plate >= c->n_plates)
		return -EINVAL;
	pl = &c->plate[plate];
	if (!computable(pl->type) || (volts && pl->type != 4))
		return -ENOTSUP;
	memset(pc, 0, sizeof(*pc));
	pc->channels = 6;
	for (int r = 0; r < 6; r++) {
		pc->scale_v[r] = 1.0;
		for (int k = 0; k < 6; k++)
			pc->matrix[r][k] = volts ? sgn[r] * pl->cal[r][k] * (r >= 3 ? 0.001 : 1)
						 : (r == k);
	}
	surface(pl, &pc->surface_h_mm, &pc->origin_mm[0], &pc->origin_mm[1]);
	for (int i = 0; i < 3; i++) {
		dx += pow(pl->corners[0][i] - pl->corners[1][i], 2);
		dy += pow(pl->corners[0][i] - pl->corners[3][i], 2);
	}
	pc->width_mm = sqrt(dx);
	pc->length_mm = sqrt(dy);
	/* calib.h numbers the quadrants in the fplate frame (y = -y of the file) */
	for (int k = 0; k < 4; k++)
		memcpy(pc->corners_mm[k], pl->corners[3 - k], sizeof(pc->corners_mm[k]));
	pc->fz_threshold_n = 20.0;
	return 0;
}

/* ---- foot markers for the gait module's anatomical foot frame ---- */

/*
 * The side ('L', 'R' or 0) of a POINT label and where its marker name
 * starts: a subject prefix ("RBDS001:") is skipped, then "Left"/"Right" or
 * an L/R letter, followed by a separator (L.MT1, R_HEEL) or directly by the
 * name (LHEE, RMT5).
 */
static char label_side(const char *label, const char **name)
{
	const char *s = strrchr(label, ':');
	char side;

	s = s ? s + 1 : label;
	while (*s == ' ')
		s++;
	if (!strncasecmp(s, "left", 4) || !strncasecmp(s, "right", 5)) {
		side = (char)toupper((unsigned char)s[0]);
		s += side == 'L' ? 4 : 5;
	} else if (*s == 'L' || *s == 'R' || *s == 'l' || *s == 'r') {
		side = (char)toupper((unsigned char)s[0]);
		s++;
	} else {
		return 0;
	}
	while (*s == '.' || *s == '_' || *s == ' ' || *s == '-')
		s++;
	*name = s;
	return *s ? side : 0;
}

/*
 * Heel: HEE/HEEL/CAL... (2) — but a marker on the heel's side (Heel.Lateral,
 * Heel.Medial) only (1): it would turn the foot axis by a few degrees.
 */
static int is_heel(const char *name)
{
	if (strncasecmp(name, "HEE", 3) && strncasecmp(name, "CAL", 3))
		return 0;
	for (const char *p = name; *p; p++)
		if (!strncasecmp(p, "LAT", 3) || !strncasecmp(p, "MED", 3))
			return 1;
	return 2;
}

static int is_mt_head(const char *name)
{
	size_t k = !strncasecmp(name, "META", 4) ? 4 :
		   (!strncasecmp(name, "MT", 2) || !strncasecmp(name, "MH", 2)) ? 2 : 0;

	return k && isdigit((unsigned char)name[k]);
}

int fp_c3d_point_plate(const struct fp_c3d *c, uint32_t plate, uint32_t frame, uint32_t point,
		       double xy[2])
{
	const struct fp_c3d_plate *pl;
	const float *p;
	float one[4];
	double d[3];

	if (plate >= c->n_plates || frame >= c->n_frames || point >= c->n_points)
		return -EINVAL;
	pl = &c->plate[plate];
	if (!pl->lab_ok)
		return -ENOTSUP;
	if (c->points) {
		p = c->points + ((size_t)frame * c->n_points + point) * 4;
	} else {
		/* markers left in the file (fp_c3d_open): decode this one */
		if (!c->data)
			return -EINVAL;
		c3d_point_decode(c, c->data + frame * c->frame_bytes +
				 (uint64_t)point * 4 * (c->is_float ? 4 : 2), one);
		p = one;
	}
	xy[0] = xy[1] = NAN;
	if (p[3] < 0 || !isfinite(p[0]) || !isfinite(p[1]) || !isfinite(p[2]) ||
	    (p[0] == 0 && p[1] == 0 && p[2] == 0))
		return 0;
	for (int i = 0; i < 3; i++)
		d[i] = p[i] - pl->centre[i];
	/* file plate frame q = Rᵀ d; fplate's is (x, −y, −z) of it */
	xy[0] = pl->rot[0][0] * d[0] + pl->rot[1][0] * d[1] + pl->rot[2][0] * d[2];
	xy[1] = -(pl->rot[0][1] * d[0] + pl->rot[1][1] * d[1] + pl->rot[2][1] * d[2]);
	return 0;
}

void fp_gait_markers_release(struct fp_gait_markers *m)
{
	free((void *)m->heel[0]);
	memset(m, 0, sizeof(*m));
}

int fp_gait_markers_from_c3d(const struct fp_c3d *c, uint32_t plate, int turned,
			     struct fp_gait_markers *m, char *msg, size_t msg_len)
{
	uint32_t heel[2][8], nh[2] = { 0 }, mt[2][2], nm[2] = { 0 };
	int hk[2] = { 0 };                 /* the kind of heel marker kept (is_heel) */
	size_t per;
	double *data;

	memset(m, 0, sizeof(*m));
	if (plate >= c->n_plates || !c->plate[plate].lab_ok || c->n_frames < 2 || !c->pt_label)
		return -ENOENT;
	for (uint32_t i = 0; i < c->n_points; i++) {
		const char *name = NULL;
		char side = c->pt_label[i] ? label_side(c->pt_label[i], &name) : 0;
		int f = side == 'R';

		if (!side)
			continue;
		if (is_heel(name) > hk[f]) {        /* a central heel marker wins */
			hk[f] = is_heel(name);
			nh[f] = 0;
		}
		if (is_heel(name) && is_heel(name) == hk[f] && nh[f] < 8)
			heel[f][nh[f]++] = i;
		else if (is_mt_head(name) && nm[f] < 3)
			mt[f][nm[f] < 2 ? nm[f] : 1] = i, nm[f]++;
	}
	for (int f = 0; f < 2; f++)
		if (!nh[f] || nm[f] != 2) {
			if (msg && msg_len)
				snprintf(msg, msg_len, "%s: no foot markers for an anatomical foot frame "
					 "(%s foot: %u heel, %u metatarsal-head labels; need at least 1 and 2)",
					 c->name, f ? "right" : "left", nh[f], nm[f]);
			return -ENOENT;
		}
	per = (size_t)c->n_frames * 2;
	data = malloc(6 * per * sizeof(double));
	if (!data)
		return -ENOMEM;
	m->rate_hz = c->point_rate;
	m->frames = c->n_frames;
	m->plate = 0;
	for (int f = 0; f < 2; f++) {
		double *h = data + (size_t)(3 * f) * per, *a = h + per, *b = a + per;

		for (uint32_t k = 0; k < c->n_frames; k++) {
			double xy[2], sx = 0, sy = 0;
			uint32_t n = 0;

			for (uint32_t j = 0; j < nh[f]; j++) {
				fp_c3d_point_plate(c, plate, k, heel[f][j], xy);
				if (isfinite(xy[0]) && isfinite(xy[1])) {
					sx += xy[0];
					sy += xy[1];
					n++;
				}
			}
			h[2 * k] = n ? sx / n : NAN;
			h[2 * k + 1] = n ? sy / n : NAN;
			fp_c3d_point_plate(c, plate, k, mt[f][0], a + 2 * k);
			fp_c3d_point_plate(c, plate, k, mt[f][1], b + 2 * k);
		}
		if (turned)                    /* the frames were turned 180° about z */
			for (size_t k = 0; k < 3 * per; k++)
				h[k] = -h[k];
		m->heel[f] = h;
		m->mt[f][0] = a;
		m->mt[f][1] = b;
	}
	return 0;
}
