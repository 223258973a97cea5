// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * facing.c - detect and undo a recording whose runner faces -y (facing.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fplate/gait.h"
#include "facing.h"
#include "prefault_int.h"

#define MAX_STANCES   64
#define FOOT_MAX_MM   350.0  /* no foot rolls further than this from heel to toe */

/* Steps whose stance was cut short or is not a step at all say nothing. */
#define NOT_A_STANCE (FP_STEP_TOO_SHORT | FP_STEP_TOO_LONG | FP_STEP_TRUNCATED | FP_STEP_GAP)

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Pop the gait module's step records, keeping each stance's COP y travel. */
static void collect(struct fp_gait *g, double *dy, size_t *n)
{
	struct fp_step s;

	while (fp_gait_next_step(g, &s) == 1)
		if (*n < MAX_STANCES && !(s.flags & NOT_A_STANCE) && isfinite(s.cop_y_travel_mm))
			dy[(*n)++] = s.cop_y_travel_mm;
}

int fp_facing_detect(const char *uri, double belt_mps, double max_s, double *median_dy_mm)
{
	double dy[MAX_STANCES], med;
	struct fp_device *dev = NULL;
	struct fp_gait *gait = NULL;
	struct fp_block blk = { 0 };
	struct fp_frames fr = { 0 };
	struct fp_gait_options opt;
	struct fp_gait_config cfg;
	struct fp_calib cal;
	struct fp_info info;
	char msg[FP_MSG_MAX];
	uint64_t done = 0;
	double source_belt = NAN;
	size_t n = 0;
	int ret, moving;

	*median_dy_mm = NAN;
	if (fp_open(uri, &dev, NULL, 0))
		return 0;
	fp_info(dev, &info);
	/* The stances as fplate analyze sees them; the gait module is given no
	 * belt speed, so cop_y_travel_mm is uncorrected. */
	fp_gait_options_default(&opt);
	ret = fp_get_calibration(dev, &cal);
	if (!ret)
		ret = fp_gait_config_build(&cfg, &info, &cal, &opt, msg, sizeof(msg));
	if (!ret)
		ret = fp_gait_open(&cfg, &gait, msg, sizeof(msg));
	if (!ret)
		ret = fp_block_init(&blk, &info, 4096);
	if (!ret)
		ret = fp_frames_init(&fr, info.plates, 4096);
	if (!ret)
		fp_cli_prefault_io(&blk, &fr);
	if (!ret)
		ret = fp_start(dev);
	while (!ret && n < MAX_STANCES && (double)done < max_s * info.rate_hz) {
		int got = fp_read(dev, &blk, 1000);

		if (got <= 0 || fp_calib_apply(&cal, info.unit, &blk, &fr) ||
		    fp_gait_push(gait, &fr) < 0)
			break;
		collect(gait, dy, &n);
		done += (uint64_t)got;
		/* a source that knows the belt's speed (sim://, a c3d:// belt
		 * channel, a comedi tachometer) says whether it moves */
		if (isfinite(fr.belt_speed_mps) && !(source_belt >= fabs(fr.belt_speed_mps)))
			source_belt = fabs(fr.belt_speed_mps);
	}
	if (gait && !ret && fp_gait_flush(gait) >= 0)
		collect(gait, dy, &n);
	fp_gait_close(gait);
	fp_frames_release(&fr);
	fp_block_release(&blk);
	fp_close(dev);
	if (n < 3)
		return 0;
	qsort(dy, n, sizeof(dy[0]), cmp_double);
	med = dy[n / 2];
	*median_dy_mm = med;
	/* On a moving belt the COP goes backward; overground, forward. The
	 * belt is the caller's (--belt-speed), else the source's. */
	if (!isfinite(belt_mps))
		belt_mps = source_belt;
	moving = fabs(med) > FOOT_MAX_MM || (isfinite(belt_mps) && belt_mps > 0.5);
	if (moving)
		return med > 0 ? -1 : 1;
	return med < 0 ? -1 : 1;
}

void fp_facing_turn_frames(struct fp_frames *f)
{
	static const int turned[] = { FP_FX, FP_FY, FP_MX, FP_MY, FP_COPX, FP_COPY };

	for (size_t i = 0; i < (size_t)f->n * f->plates; i++)
		for (size_t k = 0; k < sizeof(turned) / sizeof(turned[0]); k++)
			f->v[i * FP_NFIELDS + turned[k]] = -f->v[i * FP_NFIELDS + turned[k]];
}

void fp_facing_turn_calib(struct fp_calib *cal)
{
	for (uint32_t p = 0; p < cal->plates; p++) {
		struct fp_plate_calib *pc = &cal->plate[p];

		double old[4][3];

		pc->origin_mm[0] = -pc->origin_mm[0];
		pc->origin_mm[1] = -pc->origin_mm[1];
		/* corners keep their order +x+y, -x+y, -x-y, +x-y: turned, the
		 * old -x-y corner is the new +x+y one, and so on */
		memcpy(old, pc->corners_mm, sizeof(old));
		for (int c = 0; c < 4; c++) {
			pc->corners_mm[c][0] = -old[(c + 2) % 4][0];
			pc->corners_mm[c][1] = -old[(c + 2) % 4][1];
			pc->corners_mm[c][2] = old[(c + 2) % 4][2];
		}
	}
}

void fp_cli_prefault_io(struct fp_block *blk, struct fp_frames *fr)
{
	fp_prefault(blk->raw, (size_t)blk->capacity * blk->plates * blk->channels *
		    sizeof(*blk->raw));
	fp_prefault(blk->sync, (size_t)blk->capacity * sizeof(*blk->sync));
	fp_prefault(fr->v, (size_t)fr->capacity * fr->plates * FP_NFIELDS * sizeof(*fr->v));
	fp_prefault(fr->sync, (size_t)fr->capacity * sizeof(*fr->sync));
}
