/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * facing.h - which way the runner faces in a recording's plate frame.
 *
 * fplate's plate frame has y in the direction of travel (calib.h), and the
 * gait metrics (left/right, medial, heel-to-toe) rely on it. Recordings made
 * elsewhere need not follow it: in a C3D file the runner may face -y. The
 * centre of pressure tells: during a stance on a moving belt it travels
 * backward by about v * contact time (far more than a foot is long), while
 * overground it moves forward from heel to toe. The stances and that travel
 * are the gait module's (struct fp_step.cop_y_travel_mm): one stance
 * detector for fplated, fplate analyze and this.
 */
#ifndef FPLATE_CLI_FACING_H
#define FPLATE_CLI_FACING_H

#include "fplate/calib.h"
#include "fplate/fplate.h"

/*
 * Scan up to max_s seconds of the source at uri (opened anew, so only for
 * replayable sources: c3d://, sim://) and return +1 when the runner faces
 * +y, -1 when -y, 0 when it cannot tell (fewer than 3 complete steps,
 * up to 64 are used). belt_mps: the belt
 * speed if known (NaN or 0: unknown). *median_dy_mm gets the median COP
 * travel along y over a stance.
 */
int fp_facing_detect(const char *uri, double belt_mps, double max_s, double *median_dy_mm);

/* Turn frames 180 degrees about z: Fx Fy Mx My COPx COPy change sign. */
void fp_facing_turn_frames(struct fp_frames *f);

/* The same turn for a calibration's geometry (origin and corners). */
void fp_facing_turn_calib(struct fp_calib *cal);

/*
 * Back a block's and its frames' buffers with memory at once (one madvise
 * each, prefault.h): a pass over a file fills them to their capacity, and
 * each new page would otherwise be a page fault (~10 µs in a VM).
 */
void fp_cli_prefault_io(struct fp_block *blk, struct fp_frames *fr);

#endif
