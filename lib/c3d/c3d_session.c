// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * c3d_session.c - lay out an fplate session for the C3D writer: 6 analog
 * channels per plate, FORCE_PLATFORM type 2 (Fx..Mz) or type 4 (volts and
 * CAL_MATRIX), geometry from the calibration, values converted from the
 * fplate plate frame (z up, N·m) to the file's (z down, N·mm).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "c3d_int.h"
#include "calib_int.h"

static const char *const fm_names[6] = { "Fx", "Fy", "Fz", "Mx", "My", "Mz" };

void fp_c3d_iso_time(int64_t t_ns, char *buf, size_t len)
{
	time_t secs = (time_t)(t_ns / 1000000000);
	struct tm tm;

	if (!len)
		return;
	buf[0] = '\0';
	if (t_ns <= 0 || !gmtime_r(&secs, &tm))
		return;
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)(t_ns / 1000000 % 1000));
}

int fp_c3d_wdesc_session(struct fp_c3d_wdesc *d, const struct fp_calib *cal, int volts,
			 double rate_hz, struct fp_c3d_wchannel *ch,
			 struct fp_c3d_wplate *plate, char *msg, size_t msg_len)
{
	static const double sgn[6] = { 1, -1, -1, 1, -1, -1 };
	struct fp_plate_calib geo;
	double spf;

	memset(d, 0, sizeof(*d));
	if (!cal || cal->plates < 1 || cal->plates > FP_MAX_PLATES) {
		if (msg && msg_len)
			snprintf(msg, msg_len, "c3d writer: calibration has %u plates",
				 cal ? cal->plates : 0);
		return -EINVAL;
	}
	/* about 100 point frames per second: analog rate = spf x point rate */
	spf = floor(rate_hz / 100.0 + 0.5);
	d->analog_rate = rate_hz;
	d->analog_spf = spf < 1 ? 1 : (uint32_t)spf;
	d->n_analog = 6 * cal->plates;
	d->n_plates = cal->plates;
	d->ch = ch;
	d->plate = plate;
	d->belt_speed_mps = NAN;
	snprintf(d->calib_id, sizeof(d->calib_id), "%s", cal->id);
	for (uint32_t p = 0; p < cal->plates; p++) {
		const struct fp_plate_calib *pc = &cal->plate[p];
		struct fp_c3d_wplate *pl = &plate[p];
		int any = 0;

		if (volts && pc->channels != 6) {
			if (msg && msg_len)
				snprintf(msg, msg_len, "c3d writer: plate %u has %u channels; "
					 "type 4 (volts) needs 6", p + 1, pc->channels);
			return -EINVAL;
		}
		memset(pl, 0, sizeof(*pl));
		pl->type = volts ? 4 : 2;
		for (int k = 0; k < 6; k++) {
			struct fp_c3d_wchannel *c = &ch[6 * p + k];

			memset(c, 0, sizeof(*c));
			snprintf(c->label, sizeof(c->label), "%s%u", fm_names[k], p + 1);
			snprintf(c->units, sizeof(c->units), "%s", volts ? "V" : k < 3 ? "N" : "Nmm");
			snprintf(c->desc, sizeof(c->desc), "plate %u %s", p + 1,
				 volts ? "amplifier volts, tared" : "c3d plate frame (z down)");
			c->scale = 1.0;
			pl->channel[k] = 6 * p + (uint32_t)k;
			/* our frame -> c3d frame (z down), moments N·m -> N·mm */
			for (int j = 0; j < 6 && volts; j++)
				pl->cal[k][j] = sgn[k] * pc->matrix[k][j] * (k >= 3 ? 1000.0 : 1.0);
		}
		pl->origin[0] = pc->origin_mm[0] + 0.0; /* + 0.0: no -0 in the file */
		pl->origin[1] = -pc->origin_mm[1] + 0.0;
		pl->origin[2] = -pc->surface_h_mm + 0.0;
		for (int k = 0; k < 12; k++)
			any |= pc->corners_mm[k / 3][k % 3] != 0;
		if (!any) {
			/* none given: plates side by side along x (fp_calib_default's) */
			geo = *pc;
			fp_calib_corners(&geo, ((double)p - (cal->plates - 1) / 2.0) * pc->width_mm, 0);
			pc = &geo;
		}
		/* quadrants of the fplate frame -> of the file frame (y flipped) */
		for (int k = 0; k < 4; k++)
			memcpy(pl->corners[k], pc->corners_mm[3 - k], sizeof(pl->corners[k]));
	}
	return 0;
}

void fp_c3d_session_values(const double *fields, uint32_t plates, float *out)
{
	static const double conv[6] = { 1, -1, -1, 1000, -1000, -1000 };

	for (uint32_t p = 0; p < plates; p++)
		for (int k = 0; k < 6; k++)
			out[6 * p + k] = (float)(fields[p * FP_NFIELDS + k] * conv[k]);
}
