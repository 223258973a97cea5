/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * timefit.h - host time of each sample from its device sample index.
 *
 * A block's host timestamp (when fp_read() returned) carries scheduling
 * jitter of a millisecond or more, while the device sample clock is steady.
 * As LSL's dejittering does, fit t_host = a + b * index by exponentially
 * weighted least squares over recent blocks and report fitted times: they
 * are smooth, and the slope b (the real sample period in host nanoseconds)
 * makes the device clock's drift against the host clock visible.
 *
 * The fit keeps weighted means and co-moments (Welford form) rather than raw
 * sums, so hours of samples (index ~1e8, time ~1e13 ns) lose no precision.
 * Arrival delays are one-sided: an observation more than 5 ms later than
 * the fit is a scheduling stall and is left out (counted in outliers);
 * late observations for 2 s of samples in a row mean time really moved
 * (device paused) and restart the fit, as do a sample index that goes
 * backward and an observation more than 10 ms earlier than the fit (the
 * host clock stepped back).
 */
#ifndef FPLATE_LIB_TIMEFIT_H
#define FPLATE_LIB_TIMEFIT_H

#include <stdint.h>

struct fp_timefit {
	double nominal_period_ns;  /* 1e9 / nominal rate: used until the fit has data */
	double forget;             /* weight kept per update, 0 < forget < 1 */
	uint64_t points;           /* updates since the last reset */
	uint64_t last_index;
	int64_t origin_ns;         /* times are fitted relative to this */
	uint64_t origin_index;
	double weight;             /* sum of weights */
	double mean_x, mean_y;     /* weighted means of index and time (rel. origin) */
	double cxx, cxy;           /* weighted co-moments */
	uint32_t late_run;         /* consecutive late observations left out */
	uint64_t late_since;       /* index of the first of them */
	uint64_t outliers;         /* late observations left out since init */
};

/* time_constant_points: about how many updates the fit remembers (e.g. 2000). */
void fp_timefit_init(struct fp_timefit *tf, double nominal_rate_hz,
		     double time_constant_points);
void fp_timefit_reset(struct fp_timefit *tf);

/* Add an observation: sample `index` was seen at host time t_ns. */
void fp_timefit_update(struct fp_timefit *tf, uint64_t index, int64_t t_ns);

/* Fitted host time of a sample index (needs at least one update). */
int64_t fp_timefit_time(const struct fp_timefit *tf, uint64_t index);

/* Fitted sample period in host ns (the nominal one until the fit is ready). */
double fp_timefit_period_ns(const struct fp_timefit *tf);

#endif
