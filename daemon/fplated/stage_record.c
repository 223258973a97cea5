// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * stage_record.c - the recording stage: write the calibrated stream to a C3D
 * file from inside the daemon (docs/control.md, docs/c3d.md), so a slow
 * client cannot lose samples. One recording at a time, started and stopped
 * by control.c (record start/stop) through fpd_record_start/stop.
 *
 * Each plate is written as a type-2 FORCE_PLATFORM (Fx Fy Fz in N, Mx My Mz
 * in N·mm) by lib/c3d_write.c, which keeps the file valid after every block:
 * a daemon killed mid-recording leaves a readable file. Samples lost before
 * a block (a gap in the device sample index) are written as NaN so the time
 * axis of the file stays true, up to MAX_GAP_S; a longer gap ends the
 * recording with a warning.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fplated.h"
#include "fplate/c3d.h"

#define MAX_GAP_S 10.0

int fpd_record_start(struct fpd *d, const char *path, double seconds, char *emsg, size_t elen)
{
	struct fpd_rec *r = &d->rec;
	struct fp_c3d_wchannel ch[6 * FP_MAX_PLATES];
	struct fp_c3d_wplate plate[FP_MAX_PLATES];
	struct fp_c3d_wdesc desc;
	struct timespec now;
	char msg[FP_MSG_MAX * 2];
	int ret;

	if (r->w) {
		snprintf(emsg, elen, "already recording to %s (record stop first)", r->path);
		return -EBUSY;
	}
	ret = fp_c3d_wdesc_session(&desc, &d->cal, 0, d->info.rate_hz, ch, plate, msg,
				   sizeof(msg));
	if (!ret) {
		/* metadata fields are fixed-size in the file: long URIs are cut */
		snprintf(desc.device, sizeof(desc.device), "%.*s", (int)sizeof(desc.device) - 1,
			 d->info.uri);
		snprintf(desc.serial, sizeof(desc.serial), "%.*s", (int)sizeof(desc.serial) - 1,
			 d->info.serial);
		snprintf(desc.software, sizeof(desc.software), "fplated %s", FP_VERSION_STRING);
		snprintf(desc.calib_id, sizeof(desc.calib_id), "%.*s",
			 (int)sizeof(desc.calib_id) - 1, d->cal.id);
		desc.belt_speed_mps = d->settings.belt_speed_mps;
		clock_gettime(CLOCK_REALTIME, &now);   /* the next block's first sample, to ms */
		fp_c3d_iso_time((int64_t)now.tv_sec * 1000000000 + now.tv_nsec, desc.start_time,
				sizeof(desc.start_time));
		ret = fp_c3d_writer_open(path, &desc, &r->w, msg, sizeof(msg));
	}
	if (ret) {
		snprintf(emsg, elen, "%s", msg);
		return ret;
	}
	r->values = calloc((size_t)d->block_samples * desc.n_analog, sizeof(float));
	if (!r->values) {
		fp_c3d_writer_close(r->w, msg, sizeof(msg));
		r->w = NULL;
		snprintf(emsg, elen, "out of memory");
		return -ENOMEM;
	}
	r->n_analog = desc.n_analog;
	r->samples = 0;
	r->limit = seconds > 0 ? (uint64_t)llround(seconds * d->info.rate_hz) : 0;
	r->have_next = 0;
	snprintf(r->path, sizeof(r->path), "%s", path);
	fpd_info("recording to %s%s", path, seconds > 0 ? " (time-limited)" : "");
	return 0;
}

/* Close the file; returns the samples written. */
uint64_t fpd_record_stop(struct fpd *d)
{
	struct fpd_rec *r = &d->rec;
	char msg[FP_MSG_MAX * 2];
	uint64_t n = r->samples;

	if (!r->w)
		return 0;
	if (fp_c3d_writer_close(r->w, msg, sizeof(msg)))
		fpd_warn("record: closing %s: %s", r->path, msg);
	else
		fpd_info("recording %s closed: %llu samples", r->path, (unsigned long long)n);
	r->w = NULL;
	free(r->values);
	r->values = NULL;
	return n;
}

static int write_rows(struct fpd *d, const double *fields, uint32_t n)
{
	struct fpd_rec *r = &d->rec;
	uint32_t P = d->info.plates;

	for (uint32_t s = 0; s < n; s++)
		fp_c3d_session_values(fields ? fields + (size_t)s * P * FP_NFIELDS : r->nan_fields,
				      P, r->values + (size_t)s * r->n_analog);
	return fp_c3d_writer_write(r->w, r->values, n);
}

static void record_frames(struct fpd *d, void *priv, const struct fp_block *blk,
			  const struct fp_frames *f)
{
	struct fpd_rec *r = &d->rec;
	uint32_t n = f->n;
	int ret = 0;

	(void)priv;
	(void)blk;
	if (!r->w)
		return;
	if (!r->have_next)
		fp_c3d_writer_set_first_sample(r->w, f->first_sample);
	if (r->have_next && f->first_sample > r->next_sample) {
		uint64_t lost = f->first_sample - r->next_sample;

		if (lost > MAX_GAP_S * d->info.rate_hz) {
			fpd_warn("record: %llu samples lost, longer than %g s: recording ended",
				 (unsigned long long)lost, MAX_GAP_S);
			fpd_record_stop(d);
			return;
		}
		for (size_t k = 0; k < FP_MAX_PLATES * FP_NFIELDS; k++)
			r->nan_fields[k] = NAN;
		while (lost && !ret) {
			uint32_t chunk = lost > d->block_samples ? d->block_samples : (uint32_t)lost;

			ret = write_rows(d, NULL, chunk);
			r->samples += chunk;
			lost -= chunk;
		}
	}
	r->next_sample = f->first_sample + f->n;
	r->have_next = 1;
	if (r->limit && r->samples + n > r->limit)
		n = (uint32_t)(r->limit - r->samples);
	if (!ret && n)
		ret = write_rows(d, f->v, n);
	r->samples += n;
	if (ret) {
		fpd_err("record: writing %s: %s; recording ended", r->path, fp_strerror(ret));
		fpd_record_stop(d);
	} else if (r->limit && r->samples >= r->limit) {
		fpd_record_stop(d);
	}
}

static void record_fini(struct fpd *d, void *priv)
{
	(void)priv;
	fpd_record_stop(d);
}

const struct fpd_stage fpd_stage_record = {
	.name = "record",
	.frames = record_frames,
	.fini = record_fini,
};
