// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * calib.c - raw channels to forces, moments, centre of pressure and free
 * moment (DESIGN §2, docs/calibration.md).
 *
 * The hot path is fp_calib_apply(): per call it folds the counts->volts
 * scale and the tare into one 6 x channels matrix and one offset vector per
 * plate, so the per-sample work is a small matrix-vector product, the COP
 * and a saturation test. Everything is in the plate frame: x to the
 * runner's right, y forward, z up, Fz > 0 when loaded.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib_int.h"
#include "util_int.h"

static const char *const field_names[FP_NFIELDS] = {
	"fx", "fy", "fz", "mx", "my", "mz", "cop_x", "cop_y", "tz"
};
static const char *const field_units[FP_NFIELDS] = {
	"N", "N", "N", "N.m", "N.m", "N.m", "mm", "mm", "N.m"
};

const char *fp_field_name(unsigned int k)
{
	return k < FP_NFIELDS ? field_names[k] : NULL;
}

const char *fp_field_unit(unsigned int k)
{
	return k < FP_NFIELDS ? field_units[k] : NULL;
}

int fp_frames_init(struct fp_frames *f, uint32_t plates, uint32_t capacity)
{
	if (!f || plates < 1 || plates > FP_MAX_PLATES || !capacity)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	f->v = calloc((size_t)capacity * plates * FP_NFIELDS, sizeof(double));
	f->sync = calloc(capacity, sizeof(uint32_t));
	if (!f->v || !f->sync) {
		fp_frames_release(f);
		return -ENOMEM;
	}
	f->capacity = capacity;
	f->plates = plates;
	f->belt_speed_mps = NAN;
	return 0;
}

void fp_frames_release(struct fp_frames *f)
{
	if (!f)
		return;
	free(f->v);
	free(f->sync);
	memset(f, 0, sizeof(*f));
}

void fp_calib_corners(struct fp_plate_calib *pc, double cx_mm, double cy_mm)
{
	double hw = pc->width_mm / 2, hl = pc->length_mm / 2;
	/* C3D corner order: +x+y, -x+y, -x-y, +x-y */
	static const double sx[4] = { 1, -1, -1, 1 }, sy[4] = { 1, 1, -1, -1 };

	for (int i = 0; i < 4; i++) {
		pc->corners_mm[i][0] = cx_mm + sx[i] * hw;
		pc->corners_mm[i][1] = cy_mm + sy[i] * hl;
		pc->corners_mm[i][2] = 0;
	}
}

void fp_calib_default(struct fp_calib *cal, uint32_t plates, uint32_t channels)
{
	memset(cal, 0, sizeof(*cal));
	cal->version = FP_CALIB_VERSION;
	snprintf(cal->id, sizeof(cal->id), "default");
	if (plates > FP_MAX_PLATES)
		plates = FP_MAX_PLATES;
	if (channels > FP_MAX_CHANNELS)
		channels = FP_MAX_CHANNELS;
	cal->plates = plates;
	for (uint32_t p = 0; p < plates; p++) {
		struct fp_plate_calib *pc = &cal->plate[p];

		pc->channels = channels;
		for (uint32_t c = 0; c < channels; c++)
			pc->scale_v[c] = 1.0;
		for (uint32_t r = 0; r < 6 && r < channels; r++)
			pc->matrix[r][r] = 1.0;
		pc->width_mm = 400;
		pc->length_mm = 600;
		/* plates side by side along x, as on a split-belt treadmill */
		fp_calib_corners(pc, ((double)p - (plates - 1) / 2.0) * pc->width_mm, 0);
		pc->fz_threshold_n = 20;
	}
}

static int all_finite(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return 0;
	return 1;
}

int fp_calib_check(const struct fp_calib *cal, const struct fp_info *info,
		   char *msg, size_t msg_len)
{
	if (!cal)
		return -EINVAL;
	if (cal->version != FP_CALIB_VERSION) {
		MSG("calibration version %u, this library reads version %d", cal->version,
		    FP_CALIB_VERSION);
		return -EINVAL;
	}
	if (cal->plates < 1 || cal->plates > FP_MAX_PLATES) {
		MSG("calibration has %u plates, expected 1..%d", cal->plates, FP_MAX_PLATES);
		return -EINVAL;
	}
	if (info && info->plates != cal->plates) {
		MSG("calibration '%s' has %u plates, device %s has %u", cal->id, cal->plates,
		    info->uri, info->plates);
		return -EINVAL;
	}
	for (uint32_t p = 0; p < cal->plates; p++) {
		const struct fp_plate_calib *pc = &cal->plate[p];
		uint32_t ch = pc->channels;

		if (ch < 6 || ch > FP_MAX_CHANNELS) {
			MSG("calibration plate %u: %u channels, expected 6..%d", p + 1, ch,
			    FP_MAX_CHANNELS);
			return -EINVAL;
		}
		if (info && info->unit != FP_RAW_FM && info->channels != ch) {
			MSG("calibration plate %u has %u channels, device %s has %u", p + 1, ch,
			    info->uri, info->channels);
			return -EINVAL;
		}
		if (!all_finite(pc->scale_v, ch) || !all_finite(pc->tare_v, ch) ||
		    !all_finite(&pc->matrix[0][0], 6 * FP_MAX_CHANNELS) ||
		    !isfinite(pc->surface_h_mm) || !all_finite(pc->origin_mm, 2) ||
		    !isfinite(pc->fz_threshold_n) || !isfinite(pc->saturation_v)) {
			MSG("calibration plate %u holds a non-finite value", p + 1);
			return -EINVAL;
		}
		if (pc->fz_threshold_n < 0 || pc->saturation_v < 0) {
			MSG("calibration plate %u: negative threshold or saturation", p + 1);
			return -EINVAL;
		}
	}
	return 0;
}

void fp_cop(const struct fp_plate_calib *pc, const double fm[6],
	    double *copx_mm, double *copy_mm, double *tz_nm)
{
	double fz = fm[2];
	double px_mm, py_mm;

	if (!(fz >= pc->fz_threshold_n) || fz <= 0) {
		*copx_mm = *copy_mm = *tz_nm = NAN;
		return;
	}
	/*
	 * Point of application on the surface z = h above the transducer
	 * origin (moments in N·m, lengths in mm, hence the factors 1000).
	 */
	px_mm = (pc->surface_h_mm * fm[0] - 1000.0 * fm[4]) / fz;
	py_mm = (1000.0 * fm[3] + pc->surface_h_mm * fm[1]) / fz;
	*tz_nm = fm[5] - (px_mm * fm[1] - py_mm * fm[0]) * 1e-3;
	*copx_mm = px_mm - pc->origin_mm[0];
	*copy_mm = py_mm - pc->origin_mm[1];
}

double fp_cop_foot_y(double copy_mm, double belt_speed_mps, double dt_s)
{
	/* The foot rides the belt toward -y at v; add back what it travelled. */
	return copy_mm + belt_speed_mps * 1000.0 * dt_s;
}

/* Per-plate constants for one fp_calib_apply() call. */
struct plate_fold {
	double k[6][FP_MAX_CHANNELS];   /* matrix · scale (raw -> N, N·m) */
	double b[6];                    /* -matrix · tare_v */
	double sat_raw[FP_MAX_CHANNELS];/* |raw| at or above: saturated */
};

static void fold_plate(const struct fp_plate_calib *pc, enum fp_raw_unit unit,
		       struct plate_fold *f)
{
	for (uint32_t c = 0; c < pc->channels; c++) {
		double s = unit == FP_RAW_COUNTS ? pc->scale_v[c] : 1.0;

		for (int r = 0; r < 6; r++)
			f->k[r][c] = pc->matrix[r][c] * s;
		f->sat_raw[c] = pc->saturation_v > 0 && s != 0 ?
				pc->saturation_v / fabs(s) : INFINITY;
	}
	for (int r = 0; r < 6; r++) {
		double acc = 0;

		for (uint32_t c = 0; c < pc->channels; c++)
			acc += pc->matrix[r][c] * pc->tare_v[c];
		f->b[r] = -acc;
	}
}

static int apply_plate_sample(const struct fp_plate_calib *pc, const struct plate_fold *f,
			      uint32_t ch, const double *raw, double *o)
{
	double fm[6];
	int sat = 0;

	for (uint32_t c = 0; c < ch; c++)
		sat |= fabs(raw[c]) >= f->sat_raw[c];
	if (ch == 6) {
		/* unrolled for the common 6-channel plate */
		for (int r = 0; r < 6; r++)
			fm[r] = f->b[r] + f->k[r][0] * raw[0] + f->k[r][1] * raw[1] +
				f->k[r][2] * raw[2] + f->k[r][3] * raw[3] +
				f->k[r][4] * raw[4] + f->k[r][5] * raw[5];
	} else {
		for (int r = 0; r < 6; r++) {
			double acc = f->b[r];

			for (uint32_t c = 0; c < ch; c++)
				acc += f->k[r][c] * raw[c];
			fm[r] = acc;
		}
	}
	memcpy(o, fm, sizeof(fm));
	fp_cop(pc, fm, &o[FP_COPX], &o[FP_COPY], &o[FP_TZ]);
	return sat;
}

int fp_calib_apply(const struct fp_calib *cal, enum fp_raw_unit unit,
		   const struct fp_block *blk, struct fp_frames *out)
{
	struct plate_fold fold[FP_MAX_PLATES];
	uint32_t P, ch;
	int sat = 0;

	if (!cal || !blk || !out || !out->v || blk->n > out->capacity ||
	    blk->plates != out->plates || blk->plates != cal->plates)
		return -EINVAL;
	P = blk->plates;
	ch = blk->channels;
	for (uint32_t p = 0; p < P; p++) {
		if (unit == FP_RAW_FM ? ch < 6 : cal->plate[p].channels != ch)
			return -EINVAL;
		if (unit != FP_RAW_FM)
			fold_plate(&cal->plate[p], unit, &fold[p]);
	}
	for (uint32_t s = 0; s < blk->n; s++) {
		for (uint32_t p = 0; p < P; p++) {
			const double *raw = blk->raw + ((size_t)s * P + p) * ch;
			double *o = out->v + ((size_t)s * P + p) * FP_NFIELDS;

			if (unit == FP_RAW_FM) {
				/* already calibrated F/M in the plate frame */
				memcpy(o, raw, 6 * sizeof(double));
				fp_cop(&cal->plate[p], o, &o[FP_COPX], &o[FP_COPY], &o[FP_TZ]);
			} else {
				sat |= apply_plate_sample(&cal->plate[p], &fold[p], ch, raw, o);
			}
		}
	}
	if (out->sync && blk->sync)
		memcpy(out->sync, blk->sync, blk->n * sizeof(uint32_t));
	out->n = blk->n;
	out->first_sample = blk->first_sample;
	out->t_host_ns = blk->t_host_ns;
	out->flags = blk->flags | (sat ? FP_BLK_SATURATED : 0);
	out->belt_speed_mps = blk->belt_speed_mps;
	return 0;
}

void fp_calib_kistler_matrix(struct fp_plate_calib *pc, double a_mm, double b_mm,
			     double az0_mm, const double sens_n_per_v[8])
{
	/*
	 * Channels fx12 fx34 fy14 fy23 fz1 fz2 fz3 fz4, sensors 1..4 at
	 * (+a,+b), (-a,+b), (-a,-b), (+a,-b) in the plate frame (z up), the
	 * numbering Kistler uses and C3D's corner order. Moments about the
	 * centre of the sensor plane:
	 *   Fx = fx12 + fx34             Fy = fy14 + fy23
	 *   Fz = fz1 + fz2 + fz3 + fz4
	 *   Mx = b (fz1 + fz2 - fz3 - fz4)
	 *   My = a (-fz1 + fz2 + fz3 - fz4)
	 *   Mz = b (-fx12 + fx34) + a (fy14 - fy23)
	 * The surface lies |az0| above the sensor plane (Kistler states az0
	 * negative).
	 */
	static const double pattern[6][8] = {
		{ 1, 1, 0, 0, 0, 0, 0, 0 },
		{ 0, 0, 1, 1, 0, 0, 0, 0 },
		{ 0, 0, 0, 0, 1, 1, 1, 1 },
		{ 0, 0, 0, 0, 1, 1, -1, -1 },   /* × b */
		{ 0, 0, 0, 0, -1, 1, 1, -1 },   /* × a */
		{ 0, 0, 0, 0, 0, 0, 0, 0 },     /* Mz below */
	};
	double a = a_mm * 1e-3, b = b_mm * 1e-3;

	pc->channels = 8;
	memset(pc->matrix, 0, sizeof(pc->matrix));
	for (int r = 0; r < 5; r++)
		for (int c = 0; c < 8; c++)
			pc->matrix[r][c] = pattern[r][c] * (r == 3 ? b : r == 4 ? a : 1.0);
	pc->matrix[5][0] = -b;
	pc->matrix[5][1] = b;
	pc->matrix[5][2] = a;
	pc->matrix[5][3] = -a;
	for (int r = 0; r < 6; r++)
		for (int c = 0; c < 8; c++)
			pc->matrix[r][c] *= sens_n_per_v[c];
	pc->surface_h_mm = fabs(az0_mm);
}
