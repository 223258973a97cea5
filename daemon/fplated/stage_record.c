// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * stage_record.c - the recording stage: write the calibrated stream to a C3D
 * file from inside the daemon (docs/control.md, docs/c3d.md), so a slow
 * client cannot lose samples. One recording at a time, started and stopped
 * by control.c (record start/stop) through fpd_record_start/stop.
 *
 * Each plate is written as a type-2 FORCE_PLATFORM (Fx Fy Fz in N, Mx My Mz
 * in N·mm) by lib/c3d/c3d_write.c, which keeps the file valid after every block:
 * a daemon killed mid-recording leaves a readable file. Samples lost before
 * a block (a gap in the device sample index) are written as NaN so the time
 * axis of the file stays true, up to MAX_GAP_S; a longer gap ends the
 * recording with a warning.
 *
 * For lining the file up with motion capture (docs/c3d.md): the sync word
 * of each sample is the analog channel SYNC, each rising edge of its bit 0
 * an event "Sync", FPLATE:START_TIME the host time of the first sample
 * from the time fit (the t0_ns of the wire). With a trigger (start_on) the
 * file starts at the first such edge of opt.sync_bit, on the edge sample,
 * and with stop_on it ends before the next one.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fplated.h"
#include "fplate/c3d.h"

#define MAX_GAP_S 10.0
#define MAX_EVENTS 2000        /* the writer's limit */

int fpd_record_start(struct fpd *d, const char *name, double seconds, char *emsg, size_t elen)
{
	const char *dir = d->cfg.record_dir;
	char path[sizeof(d->rec.path)];
	int fd, dfd = -1;
	struct fpd_rec *r = &d->rec;
	struct fp_c3d_wchannel ch[6 * FP_MAX_PLATES + 1];
	struct fp_c3d_wplate plate[FP_MAX_PLATES];
	struct fp_c3d_wdesc desc;
	char msg[FP_MSG_MAX * 2];
	int ret;

	if (r->w) {
		snprintf(emsg, elen, "already recording to %s (record stop first)", r->path);
		return -EBUSY;
	}
	if (r->opt.start_on && !d->info.has_sync) {
		snprintf(emsg, elen, "start_on_sync: device %s has no sync input", d->info.uri);
		return -ENOTSUP;
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
		desc.body_mass_kg = d->settings.body_mass_kg;
		snprintf(desc.subject, sizeof(desc.subject), "%s", r->opt.subject);
		snprintf(desc.session, sizeof(desc.session), "%s", r->opt.session);
		desc.max_events = MAX_EVENTS;
		if (d->info.has_sync)
			fp_c3d_wdesc_add_sync(&desc, ch);
		if (r->opt.start_on)
			snprintf(desc.trigger, sizeof(desc.trigger), "%s %u",
				 fp_edge_name(r->opt.start_on), r->opt.sync_bit);
	}
	if (ret) {
		snprintf(emsg, elen, "%s", msg);
		return ret;
	}
	/* a new regular file in record_dir, never an existing one (files.c) */
	fd = fpd_file_open("record", dir, name, O_WRONLY | O_CREAT | O_EXCL, &dfd, emsg, elen);
	if (fd < 0)
		return fd;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ret = fp_c3d_writer_open_fd(fd, path, &desc, &r->w, msg, sizeof(msg));
	if (ret) {
		unlinkat(dfd, name, 0);  /* no empty file left behind */
		close(dfd);
		snprintf(emsg, elen, "%s", msg);
		return ret;
	}
	close(dfd);
	r->values = calloc((size_t)d->block_samples * desc.n_analog, sizeof(float));
	if (!r->values) {
		fp_c3d_writer_close(r->w, msg, sizeof(msg));
		r->w = NULL;
		snprintf(emsg, elen, "out of memory");
		return -ENOMEM;
	}
	r->n_analog = desc.n_analog;
	r->has_sync = d->info.has_sync;
	r->armed = r->opt.start_on != FP_EDGE_NONE;
	r->sync_edges = r->sync_events_dropped = 0;
	r->samples = 0;
	r->spf = desc.analog_spf;
	/* a C3D file holds whole point frames: the limit is rounded up to one
	 * (10 ms at 2 kHz), so that no sample asked for is cut at close */
	r->limit = seconds > 0 ? (uint64_t)llround(seconds * d->info.rate_hz) : 0;
	r->limit = (r->limit + r->spf - 1) / r->spf * r->spf;
	r->have_next = 0;
	r->error[0] = '\0';
	snprintf(r->path, sizeof(r->path), "%s", path);
	fpd_info("recording to %s%s%s", path, seconds > 0 ? " (time-limited)" : "",
		 r->armed ? " at the next sync edge" : "");
	return 0;
}

/*
 * Close the file; returns the samples in it: whole point frames (a manual
 * stop inside a frame leaves out its < spf samples, as docs/c3d.md says;
 * what the status and the log report is what the file holds).
 */
uint64_t fpd_record_stop(struct fpd *d)
{
	struct fpd_rec *r = &d->rec;
	char msg[FP_MSG_MAX * 2];
	uint64_t n;

	if (!r->w)
		return 0;
	n = fp_c3d_writer_frames(r->w) * r->spf;
	r->samples = n;
	fp_c3d_writer_set_sync_edges(r->w, r->sync_edges);
	if (r->sync_events_dropped)
		fpd_warn("record: %llu sync edges, the first %llu are events (SYNC channel has all)",
			 (unsigned long long)r->sync_edges,
			 (unsigned long long)(r->sync_edges - r->sync_events_dropped));
	if (fp_c3d_writer_close(r->w, msg, sizeof(msg))) {
		fpd_warn("record: closing %s: %s", r->path, msg);
		snprintf(r->error, sizeof(r->error), "closing: %.*s", (int)sizeof(r->error) - 16, msg);
	} else {
		fpd_info("recording %s closed: %llu samples", r->path, (unsigned long long)n);
	}
	r->w = NULL;
	free(r->values);
	r->values = NULL;
	return n;
}

/* n rows from fields (NULL: NaN rows) and sync words (NULL: 0). */
static int write_rows(struct fpd *d, const double *fields, const uint32_t *sync, uint32_t n)
{
	struct fpd_rec *r = &d->rec;
	uint32_t P = d->info.plates;

	for (uint32_t s = 0; s < n; s++) {
		float *row = r->values + (size_t)s * r->n_analog;

		fp_c3d_session_values(fields ? fields + (size_t)s * P * FP_NFIELDS : r->nan_fields,
				      P, row);
		if (r->has_sync) /* exact in a float: bits 16-31 are 0 */
			row[6 * P] = sync ? (float)(sync[s] & 0xffffff) : 0.0f;
	}
	return fp_c3d_writer_write(r->w, r->values, n);
}

/* An event at every rising edge of the sync input among samples [a, b). */
static void sync_events(struct fpd *d, const uint32_t *sync, uint64_t first_sample,
			uint32_t a, uint32_t b)
{
	struct fpd_rec *r = &d->rec;
	long s = a;

	while ((s = fp_edge_find(&r->track, sync, (uint32_t)s, b, 0, FP_EDGE_RISING)) >= 0) {
		double t = (double)(first_sample + (uint64_t)s - r->first_sample) / d->info.rate_hz;

		r->sync_edges++;
		if (fp_c3d_writer_add_event(r->w, "General", FP_C3D_SYNC_EVENT, t))
			r->sync_events_dropped++;
		s++;
	}
}

/*
 * The part of this block that goes into the file: [*a, *b). Returns 0 when
 * nothing (still waiting for the start edge), 1 to write, 2 to write and
 * stop (the stop edge is at *b).
 */
static int trigger_range(struct fpd *d, const struct fp_block *blk, uint32_t *a, uint32_t *b)
{
	struct fpd_rec *r = &d->rec;
	const uint32_t *sync = d->info.has_sync ? blk->sync : NULL;
	uint32_t from = 0;
	long s;

	*a = 0;
	*b = blk->n;
	if (r->armed) {
		s = fp_edge_find(&r->track, sync, 0, blk->n, r->opt.sync_bit, r->opt.start_on);
		if (s < 0)
			return 0;
		*a = (uint32_t)s;
		from = *a + 1; /* the start edge itself does not stop */
		r->armed = 0;
		r->have_next = 0;
	}
	if (r->opt.stop_on) {
		s = fp_edge_find(&r->track, sync, from, blk->n, r->opt.sync_bit, r->opt.stop_on);
		if (s >= 0) {
			*b = (uint32_t)s;
			return 2;
		}
	}
	return 1;
}

static void record_frames(struct fpd *d, void *priv, const struct fp_block *blk,
			  const struct fp_frames *f)
{
	struct fpd_rec *r = &d->rec;
	const uint32_t *sync = d->info.has_sync ? blk->sync : NULL;
	uint32_t a, b, n, ev_from;
	int ret = 0, range;

	(void)priv;
	/* the word before a gap says nothing about an edge after it */
	if (f->first_sample != r->track_next)
		r->track.have_prev = 0;
	r->track_next = f->first_sample + f->n;
	if (!r->w || !(range = trigger_range(d, blk, &a, &b))) {
		fp_edge_advance(&r->track, sync, f->n);
		return;
	}
	/* a file that does not start on a trigger has no edge on its first
	 * sample: nothing before it is in the file */
	ev_from = !r->have_next && !r->opt.start_on ? a + 1 : a;
	if (!r->have_next) {
		r->first_sample = f->first_sample + a;
		fp_c3d_writer_set_first_sample(r->w, r->first_sample);
		fp_c3d_writer_set_start_time(r->w, fp_timefit_time(&d->proc.fit, r->first_sample));
	}
	if (r->have_next && f->first_sample > r->next_sample) {
		uint64_t lost = f->first_sample - r->next_sample;

		if (lost > MAX_GAP_S * d->info.rate_hz) {
			fpd_warn("record: %llu samples lost, longer than %g s: recording ended",
				 (unsigned long long)lost, MAX_GAP_S);
			snprintf(r->error, sizeof(r->error), "%llu samples lost, longer than %g s",
				 (unsigned long long)lost, MAX_GAP_S);
			fpd_record_stop(d);
			return;
		}
		for (size_t k = 0; k < FP_MAX_PLATES * FP_NFIELDS; k++)
			r->nan_fields[k] = NAN;
		/* the lost samples are rows of NaN, up to the limit and no further */
		if (r->limit && lost > r->limit - r->samples)
			lost = r->limit - r->samples;
		while (lost && !ret) {
			uint32_t chunk = lost > d->block_samples ? d->block_samples : (uint32_t)lost;

			ret = write_rows(d, NULL, NULL, chunk);
			if (!ret)
				r->samples += chunk;
			lost -= chunk;
		}
	}
	r->next_sample = f->first_sample + f->n;
	r->have_next = 1;
	n = b - a;
	if (r->limit && r->samples + n > r->limit)
		n = r->samples < r->limit ? (uint32_t)(r->limit - r->samples) : 0;
	if (!ret && n) {
		ret = write_rows(d, f->v + (size_t)a * f->plates * FP_NFIELDS,
				 sync ? sync + a : NULL, n);
		if (!ret && sync && ev_from < a + n)
			sync_events(d, sync, f->first_sample, ev_from, a + n);
	}
	fp_edge_advance(&r->track, sync, f->n);
	if (ret) {
		/* r->samples counts what is in the file: not this block */
		fpd_err("record: writing %s: %s; recording ended after %llu samples", r->path,
			strerror(-ret), (unsigned long long)r->samples);
		fpd_record_stop(d);
		snprintf(r->error, sizeof(r->error), "writing: %s", strerror(-ret));
		return;
	}
	r->samples += n;
	if ((r->limit && r->samples >= r->limit) || (range == 2 && n == b - a))
		fpd_record_stop(d);
}

/* "recording" in status: what a client needs to notice a failed recording. */
static void record_status(struct fpd *d, void *priv, json_t *status)
{
	struct fpd_rec *r = &d->rec;
	json_t *o;

	(void)priv;
	if (!r->path[0])
		return;
	o = json_pack("{s:s, s:s, s:I, s:b, s:I}", "state", r->w ? "recording" :
		      r->error[0] ? "failed" : "stopped", "file", r->path,
		      "samples", (json_int_t)r->samples, "armed", r->w && r->armed,
		      "sync_edges", (json_int_t)r->sync_edges);
	if (o && r->error[0])
		json_object_set_new(o, "error", json_string(r->error));
	json_object_set_new(status, "recording", o);
}

static void record_fini(struct fpd *d, void *priv)
{
	(void)priv;
	fpd_record_stop(d);
}

const struct fpd_stage fpd_stage_record = {
	.name = "record",
	.frames = record_frames,
	.status = record_status,
	.fini = record_fini,
};
