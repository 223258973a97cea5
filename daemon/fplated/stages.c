// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * stages.c - the frame consumers of fplated, run on the main thread, in
 * this order, for every block after calibration and after its force frame
 * was published (process.c). A stage is one file (stage_NAME.c) defining a
 * `const struct fpd_stage` and one line in the list below.
 */
#include <errno.h>
#include <stddef.h>

#include "fplated.h"

extern const struct fpd_stage fpd_stage_window, fpd_stage_record, fpd_stage_gait;

const struct fpd_stage *const fpd_stages[] = {
	&fpd_stage_window,
	&fpd_stage_record,
	&fpd_stage_gait,
	NULL
};

int fpd_stages_init(struct fpd *d)
{
	/* stages_ready counts those started, so fini undoes only them. */
	for (int i = 0; fpd_stages[i]; i++) {
		int ret;

		if (i >= FPD_MAX_STAGES)
			return -E2BIG;
		ret = fpd_stages[i]->init ? fpd_stages[i]->init(d, &d->stage_priv[i]) : 0;
		if (ret < 0) {
			fpd_err("stage %s: %s", fpd_stages[i]->name, fp_strerror(ret));
			return ret;
		}
		d->stages_ready = i + 1;
	}
	return 0;
}

void fpd_stages_frames(struct fpd *d, const struct fp_block *blk, const struct fp_frames *f)
{
	for (int i = 0; fpd_stages[i]; i++)
		if (fpd_stages[i]->frames)
			fpd_stages[i]->frames(d, d->stage_priv[i], blk, f);
}

void fpd_stages_status(struct fpd *d, json_t *status)
{
	for (int i = 0; fpd_stages[i]; i++)
		if (fpd_stages[i]->status)
			fpd_stages[i]->status(d, d->stage_priv[i], status);
}

void fpd_stages_fini(struct fpd *d)
{
	for (int i = 0; i < d->stages_ready; i++)
		if (fpd_stages[i]->fini)
			fpd_stages[i]->fini(d, d->stage_priv[i]);
	d->stages_ready = 0;
}
