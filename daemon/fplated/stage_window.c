// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * stage_window.c - the control socket's data windows (average, tare;
 * docs/control.md) as a processing stage: while such a request is pending
 * (d->ctl.busy), sum every calibrated field and every channel's volts of
 * the next d->ctl.need samples into d->ctl.acc. control.c starts the
 * window (fpd_window_start) and answers when it is full.
 */
#include <math.h>
#include <string.h>

#include "fplated.h"

void fpd_window_start(struct fpd *d, uint64_t samples)
{
	struct fpd_ctl *c = &d->ctl;

	memset(&c->acc, 0, sizeof(c->acc));
	c->need = samples ? samples : 1;
}

static void window_frames(struct fpd *d, void *priv, const struct fp_block *blk,
			  const struct fp_frames *f)
{
	struct fpd_ctl *c = &d->ctl;
	struct fpd_ctl_acc *a = &c->acc;
	uint32_t P = f->plates, ch = blk->channels;

	(void)priv;
	if (!c->busy || (c->req.cmd != FP_CTL_AVERAGE && c->req.cmd != FP_CTL_TARE))
		return;
	for (uint32_t s = 0; s < f->n && a->n < c->need; s++, a->n++) {
		for (uint32_t p = 0; p < P; p++) {
			const double *v = f->v + ((size_t)s * P + p) * FP_NFIELDS;
			const double *raw = blk->raw + ((size_t)s * P + p) * ch;
			double scale;

			for (int k = 0; k < FP_NFIELDS; k++) {
				if (!isfinite(v[k]))
					continue;
				a->sum[p][k] += v[k];
				a->sumsq[p][k] += v[k] * v[k];
				a->finite[p][k]++;
			}
			for (uint32_t k = 0; k < ch && k < FP_MAX_CHANNELS; k++) {
				scale = d->info.unit == FP_RAW_COUNTS ? d->cal.plate[p].scale_v[k] : 1.0;
				a->volts[p][k] += raw[k] * scale;
			}
		}
	}
}

const struct fpd_stage fpd_stage_window = {
	.name = "window",
	.frames = window_frames,
};
