// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gait_config.c - one gait configuration from a device, its calibration and
 * a program's options (fp_gait_config_build). fplated's gait stage and
 * `fplate analyze` both build theirs here, so the same data gives the same
 * step records live and offline (tests/integration/test_gait_identity.py).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fplate/gait.h"

/* Zero-lag filters need their cutoff well below Nyquist. */
#define MAX_CUTOFF_OF_RATE 0.4

void fp_gait_options_default(struct fp_gait_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->cutoff_hz = opt->cop_cutoff_hz = NAN;
	opt->belt_speed_mps = opt->body_mass_kg = NAN;
	opt->on_n = opt->off_n = NAN;
	opt->toe_out_deg[0] = opt->toe_out_deg[1] = NAN;
	opt->drift_correction = -1;
}

int fp_gait_config_build(struct fp_gait_config *cfg, const struct fp_info *info,
			 const struct fp_calib *cal, const struct fp_gait_options *opt,
			 char *msg, size_t msg_len)
{
	double top = MAX_CUTOFF_OF_RATE * info->rate_hz;

	fp_gait_config_default(cfg, info->plates, info->rate_hz);
	if (!isnan(opt->cutoff_hz))
		cfg->cutoff_hz = opt->cutoff_hz;
	cfg->cutoff_hz = fmin(cfg->cutoff_hz, top);
	if (!isnan(opt->cop_cutoff_hz))
		cfg->cop_cutoff_hz = opt->cop_cutoff_hz;
	/* the COP path is never smoothed less than the forces it comes from */
	cfg->cop_cutoff_hz = fmin(fmin(cfg->cop_cutoff_hz, cfg->cutoff_hz), top);
	if (!isnan(opt->on_n))
		cfg->on_n = opt->on_n;
	if (!isnan(opt->off_n))
		cfg->off_n = opt->off_n;
	cfg->body_mass_kg = isnan(opt->body_mass_kg) ? 0 : opt->body_mass_kg;
	cfg->belt_speed_mps = opt->belt_speed_mps;
	cfg->toe_out_deg[0] = opt->toe_out_deg[0];
	cfg->toe_out_deg[1] = opt->toe_out_deg[1];
	if (opt->drift_correction >= 0)
		cfg->drift_correction = !!opt->drift_correction;
	for (uint32_t p = 0; p < info->plates && p < FP_MAX_PLATES; p++) {
		char f = opt->plate_foot[p];

		if (f && f != 'L' && f != 'R') {
			snprintf(msg, msg_len, "plate %u foot '%c': must be L or R", p + 1, f);
			return -EINVAL;
		}
		cfg->plate_foot[p] = f;
	}
	cfg->calib = cal;
	for (uint32_t p = 0; cal && p < info->plates && p < FP_MAX_PLATES; p++)
		for (int k = 0; k < 2; k++) {
			double c = 0;

			for (int j = 0; j < 4; j++)
				c += cal->plate[p].corners_mm[j][k];
			cfg->plate_centre_mm[p][k] = isfinite(c) ? c / 4 : 0;
		}
	return 0;
}
