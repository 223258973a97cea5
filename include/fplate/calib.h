/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * calib.h - raw channels to forces, moments and centre of pressure.
 *
 * Pipeline per sample and plate (DESIGN §2):
 *   counts --(scale_v)--> volts --(- tare_v)--> C (6 x channels) --> Fx..Mz
 *   then COP on the running surface h above the transducer origin:
 *     px = (h·Fx − My)/Fz,  py = (Mx + h·Fy)/Fz,  Tz = Mz − px·Fy + py·Fx
 *   published NaN while Fz < fz_threshold_n.
 *
 * Frames (struct fp_frames) hold FP_NFIELDS doubles per sample per plate,
 * in the plate frame: x medio-lateral (to the runner's right), y forward
 * (direction of running, the belt moves toward −y), z up; Fz > 0 when the
 * runner pushes down. COP is in mm relative to the centre of the plate's
 * working surface. The calibration file (JSON, docs/calibration.md) states
 * how a vendor's axes map onto this frame.
 */
#ifndef FPLATE_CALIB_H
#define FPLATE_CALIB_H

#include <stdint.h>
#include <stddef.h>
#include "fplate.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FP_CALIB_VERSION 1

/* Fields of a frame, in this order on the wire too (docs/wire-format.md). */
enum fp_field {
	FP_FX = 0, FP_FY, FP_FZ,   /* N */
	FP_MX, FP_MY, FP_MZ,       /* N·m, about the transducer origin */
	FP_COPX, FP_COPY,          /* mm, surface centre, NaN below threshold */
	FP_TZ,                     /* N·m, free moment about the COP */
	FP_NFIELDS
};

/* A field's name as fplate prints it everywhere ("fx" ... "cop_x", "tz")
 * and its unit ("N", "N.m", "mm"); NULL for k >= FP_NFIELDS. */
const char *fp_field_name(unsigned int k);
const char *fp_field_unit(unsigned int k);

struct fp_plate_calib {
	uint32_t channels;                  /* 6, or 8 (Kistler) */
	double scale_v[FP_MAX_CHANNELS];    /* raw -> volts per channel (1 for volts) */
	double tare_v[FP_MAX_CHANNELS];     /* volts subtracted before the matrix */
	/*
	 * 6 x channels matrix: [Fx Fy Fz Mx My Mz] = matrix · (v − tare).
	 * For 8-channel Kistler plates the matrix is built from the sensor
	 * offsets a, b, az0 by fp_calib_kistler_matrix().
	 */
	double matrix[6][FP_MAX_CHANNELS];
	double surface_h_mm;      /* running surface above transducer origin */
	double origin_mm[2];      /* surface centre relative to transducer origin, x y */
	double width_mm;          /* plate size along x */
	double length_mm;         /* along y */
	double corners_mm[4][3];  /* treadmill frame, C3D order +x+y, −x+y, −x−y, +x−y */
	double fz_threshold_n;    /* COP is NaN below this (default 20 N) */
	double saturation_v;      /* |v| at or above this flags saturation; 0 = off */
};

struct fp_calib {
	uint32_t version;         /* FP_CALIB_VERSION */
	char id[64];              /* calibration id shown in describe/status */
	uint32_t plates;
	struct fp_plate_calib plate[FP_MAX_PLATES];
	char serial[64];          /* the device it was made for; "" = any (optional "serial") */
};

/*
 * Calibrated samples. Allocate with fp_frames_init(); the caller owns it.
 * v[(s * plates + p) * FP_NFIELDS + field].
 */
struct fp_frames {
	uint32_t capacity;
	uint32_t n;
	uint32_t plates;
	uint64_t first_sample;
	int64_t t_host_ns;
	uint32_t flags;           /* FP_BLK_* copied from the block, plus saturation */
	double belt_speed_mps;
	double *v;
	uint32_t *sync;
};

int fp_frames_init(struct fp_frames *f, uint32_t plates, uint32_t capacity);
void fp_frames_release(struct fp_frames *f);

/* A neutral calibration for n plates of `channels` channels (identity-like). */
void fp_calib_default(struct fp_calib *cal, uint32_t plates, uint32_t channels);

/*
 * Load / save the JSON calibration file (docs/calibration.md). On error
 * returns -EINVAL (or the negative errno of the failed I/O) and writes one
 * line naming file, field and value to msg, e.g.
 * "cal.json: plates[1].matrix: expected 6 rows of 6 numbers, row 3 has 5".
 * cal is untouched on error. Vendor axes ("axes": "z-down") are mapped to
 * the fplate frame on load; save always writes the fplate frame ("z-up")
 * through a temporary file renamed over path.
 */
int fp_calib_load(const char *path, struct fp_calib *cal, char *msg, size_t msg_len);
/* The same from text in memory; name stands for the file in messages, and
 * a JSON syntax error gives its position only, never the text. */
int fp_calib_loadb(const char *name, const char *text, size_t len, struct fp_calib *cal,
		   char *msg, size_t msg_len);
int fp_calib_save(const char *path, const struct fp_calib *cal, char *msg, size_t msg_len);
/* The same text as fp_calib_save() writes, malloc'd (caller frees); NULL on ENOMEM. */
char *fp_calib_dump(const struct fp_calib *cal);

/* Check a calibration is usable with a device (plate/channel counts, finite values). */
int fp_calib_check(const struct fp_calib *cal, const struct fp_info *info,
		   char *msg, size_t msg_len);

/*
 * raw block -> frames (forces, moments, COP, free moment). FP_RAW_COUNTS
 * are scaled by scale_v, FP_RAW_VOLTS used as they are, then tare and
 * matrix applied; FP_RAW_FM are copied and only COP/Tz computed. out must
 * hold blk->n samples of blk->plates plates (== cal->plates); channels
 * must match each plate's calibration. Sets FP_BLK_SATURATED in
 * out->flags when a channel reaches saturation_v. -EINVAL on mismatch.
 */
int fp_calib_apply(const struct fp_calib *cal, enum fp_raw_unit unit,
		   const struct fp_block *blk, struct fp_frames *out);

/*
 * COP (mm, relative to the surface centre) and free moment (N·m) for one
 * sample from F/M (plate frame, N and N·m); all three NaN while
 * Fz < fz_threshold_n or Fz <= 0.
 */
void fp_cop(const struct fp_plate_calib *pc, const double fm[6],
	    double *copx_mm, double *copy_mm, double *tz_nm);

/*
 * Belt correction (DESIGN §2): COP along the direction of travel relative
 * to the foot, y_foot = y_plate + v·(t − t_contact), in mm.
 */
double fp_cop_foot_y(double copy_mm, double belt_speed_mps, double dt_s);

/* Build the 6x8 matrix of a Kistler-style plate from a, b, az0 (mm) and
 * per-channel sensitivities (N/V). */
void fp_calib_kistler_matrix(struct fp_plate_calib *pc, double a_mm, double b_mm,
			     double az0_mm, const double sens_n_per_v[8]);

#ifdef __cplusplus
}
#endif
#endif /* FPLATE_CALIB_H */
