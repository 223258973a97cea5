/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * read_frames.h - the calibrated frames of a source, all in memory, for the
 * tools that push them through the gait module at their own pace
 * (gait_bench.c, gait_dump.c). Header-only, public API only, so that
 * gait_identity.sh can build gait_dump.c against another commit's library.
 */
#ifndef FPLATE_READ_FRAMES_H
#define FPLATE_READ_FRAMES_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fplate/fplate.h"
#include "fplate/calib.h"

/*
 * Up to `seconds` of uri (less if a file ends first) into all, which this
 * initialises; info and cal are the source's. 0, or -1 with a message on
 * stderr prefixed with prog.
 */
static inline int ref_read_frames(const char *prog, const char *uri, double seconds,
				  struct fp_frames *all, struct fp_info *info,
				  struct fp_calib *cal)
{
	struct fp_device *dev;
	struct fp_block blk;
	struct fp_frames fr;
	char msg[FP_MSG_MAX];
	uint64_t total;
	int ret = 0;

	if (fp_open(uri, &dev, msg, sizeof(msg))) {
		fprintf(stderr, "%s: %s\n", prog, msg);
		return -1;
	}
	fp_info(dev, info);
	fp_get_calibration(dev, cal);
	total = (uint64_t)(seconds * info->rate_hz);
	if (fp_block_init(&blk, info, 1000) || fp_frames_init(&fr, info->plates, 1000) ||
	    fp_frames_init(all, info->plates, (uint32_t)total) || fp_start(dev)) {
		fprintf(stderr, "%s: %s: out of memory, or it does not start\n", prog, uri);
		fp_close(dev);
		return -1;
	}
	while (all->n < total) {
		int n = fp_read(dev, &blk, 1000);
		uint32_t take;

		if (n < 0 && all->n)
			break;          /* a file ended */
		if (n < 0 || fp_calib_apply(cal, info->unit, &blk, &fr)) {
			fprintf(stderr, "%s: %s: %s\n", prog, uri,
				n < 0 ? fp_strerror(n) : "calibration failed");
			ret = -1;
			break;
		}
		take = (uint32_t)fmin(n, (double)(total - all->n));
		memcpy(all->v + (size_t)all->n * info->plates * FP_NFIELDS, fr.v,
		       (size_t)take * info->plates * FP_NFIELDS * sizeof(double));
		all->n += take;
	}
	fp_stop(dev);
	fp_block_release(&blk);
	fp_frames_release(&fr);
	fp_close(dev);
	return ret;
}

#endif
