/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * c3d_lab.h - what `fplate c3d-info` shows for lining a recording up with
 * other lab systems: the FPLATE metadata (start time, subject, session,
 * body mass, device) and the edges of the SYNC channel.
 */
#ifndef FPC_C3D_LAB_H
#define FPC_C3D_LAB_H

#include <stdint.h>

#include "fplate/c3d.h"

struct fpc_c3d_lab {
	int64_t start_time_ns;      /* 0: unknown */
	char start_time[40];        /* ISO 8601, "" unknown */
	char subject[64], session[64], device[128], serial[64], calib_id[64];
	char trigger[32];           /* FPLATE:TRIGGER "rising 0", "" none */
	double body_mass_kg, belt_speed_mps;   /* NaN unknown */
	int have_first_sample;
	uint64_t first_sample;
	long sync_channel;          /* 0-based, -1 none */
	uint64_t *edges;            /* rising edges of bit 0: 0-based sample in the file */
	uint64_t n_edges;
};

/* -ENOMEM only; fpc_c3d_lab_free() after. */
int fpc_c3d_lab_read(const struct fp_c3d *c, struct fpc_c3d_lab *lab);
void fpc_c3d_lab_free(struct fpc_c3d_lab *lab);
/* Print for c3d-info: text lines, or JSON members ("lab" and "sync") after a comma. */
void fpc_c3d_lab_text(const struct fp_c3d *c, const struct fpc_c3d_lab *lab);
void fpc_c3d_lab_json(const struct fp_c3d *c, const struct fpc_c3d_lab *lab);
/* s as a JSON string on stdout: quotes, backslashes and control bytes escaped. */
void fpc_json_str(const char *s);

#endif
