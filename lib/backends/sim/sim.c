// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sim.c - the sim:// backend: a runner on an instrumented treadmill.
 *
 * The device owns a time line of samples. Steps are planned one at a time
 * at their touchdown (sim_model.c) and their waveforms precomputed in
 * volts through the inverse of the device's stored calibration, so the
 * per-sample work is a handful of additions: step volts + static load +
 * tare/drift offset + ADC noise, then quantisation to 24-bit counts. The
 * library's calibration (fp_get_calibration() + fp_calib_apply()) turns
 * the counts back into forces, so the whole pipeline is exercised.
 *
 * pace=realtime sleeps to absolute deadlines (clock_nanosleep with
 * TIMER_ABSTIME on CLOCK_MONOTONIC) so the delivered rate does not drift
 * with scheduling delays; pace=fast delivers as fast as it is read.
 * Parameters and the model: docs/simulator.md.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util_int.h"
#include "backend.h"
#include "prefault_int.h"
#include "sim_model.h"
#include "sim.h"

#define SIM_FIRST_TD_S 0.1       /* the first touchdown after start / runner=1 */
#define SIM_NOISE_BITS 10
#define SIM_NOISE_TAB (1 << SIM_NOISE_BITS)

struct sim_load {
	int on;
	double mass_kg, x_mm, y_mm;
};

struct sim_dev {
	/* configuration */
	struct sim_runner run;
	struct sim_config cfg;
	int runner_on;
	double belt_mps;             /* set belt speed */
	int belt_follows;            /* belt speed follows the running speed */
	double rate_hz;
	uint32_t plates;
	int pace_fast;
	uint32_t chunk;              /* realtime: deliver at least this many */
	double sync_hz;
	double noise_n, tare_n, drift_n_per_min;
	uint64_t seed;
	struct sim_load load[FP_MAX_PLATES];

	/* derived from the calibration (fixed at open) */
	struct fp_calib cal;
	uint32_t channels;                   /* 6, or 8 (Kistler layout) */
	/* F/M -> volts: (pseudo-)inverse of the channels x 6 matrix */
	double fm_to_v[FP_MAX_PLATES][FP_MAX_CHANNELS][6];
	double offset_v[FP_MAX_PLATES][FP_MAX_CHANNELS]; /* volts per N of Fz offset */
	double load_fm[FP_MAX_PLATES][6];
	double load_v[FP_MAX_PLATES][FP_MAX_CHANNELS];
	double noise_v;                      /* RMS volts per channel */
	double noise_tab[SIM_NOISE_TAB];     /* unit-RMS Gaussian values */
	double noise_scaled[SIM_NOISE_TAB];  /* noise_tab · noise_v */
	double counts_per_v;

	/* time line */
	uint64_t next_sample;
	uint64_t next_td;
	uint64_t step_index;                 /* steps planned */
	double belt_now;                     /* belt speed of the current step */
	struct sim_rng rng_step, rng_noise;
	int active;                          /* a foot is on the treadmill */
	uint64_t td;                         /* its touchdown sample */
	struct sim_plan plan;
	double *wave_fm, *wave_cop, *wave_v; /* owned; n x 6, n x 3, n x channels */
	uint32_t wave_cap;

	/* ground truth: ring of planned steps, owned */
	struct fp_sim_step *truth;
	struct fp_frames *truth_frames;      /* caller's, may be NULL */

	uint64_t sync_k, sync_next;          /* next pulse: number and sample */
	int64_t t0_ns;                       /* CLOCK_MONOTONIC at fp_start() */
	struct fp_counters cnt;
};

extern const struct fp_backend_ops fp_sim_ops;

/* ---- parameters ------------------------------------------------------- */

static const char *const strikes[] = { "rear", "mid", "fore", NULL };
static const char *const pushoffs[] = { "medial", "lateral", NULL };
static const char *const paces[] = { "realtime", "fast", NULL };

/* Parameters fp_set() may change while running; the URI takes them all
 * and a few more that fix the device's shape. */
#define SIM_RUNTIME_KEYS \
	"speed", "belt", "belt_speed", "cadence", "mass", "strike", "lr", "contact", \
	"supination", "roll", "pushoff", "pushoff_mm", "stepwidth", "variability", \
	"runner_y", "noise", "tare", "drift", "sync_hz", "runner", "load"
static const char *const runtime_keys[] = { SIM_RUNTIME_KEYS, NULL };
static const char *const open_keys[] = {
	SIM_RUNTIME_KEYS, "plates", "channels", "rate", "seed", "pace", "chunk", NULL
};

static int parse_load(struct sim_dev *sd, const char *value, char *msg, size_t len)
{
	char buf[256], *save = NULL, *tok;
	double v[4] = { 0, 0, 0, 1 };
	int n = 0;

	if (!strcmp(value, "off")) {
		memset(sd->load, 0, sizeof(sd->load));
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", value);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n >= 4 || fp_parse_double(tok, &v[n]))
			goto bad;
		n++;
	}
	if (n < 3 || v[0] < 0 || v[0] > 1000 || fabs(v[1]) > 5000 || fabs(v[2]) > 5000 ||
	    v[3] != floor(v[3]) || v[3] < 1 || v[3] > sd->plates)
		goto bad;
	sd->load[(int)v[3] - 1] = (struct sim_load){ 1, v[0], v[1], v[2] };
	return 0;
bad:
	snprintf(msg, len, "sim://: parameter 'load' value '%s' is not "
		 "'mass_kg,x_mm,y_mm[,plate]' (mass 0..1000, |x|,|y| <= 5000, plate 1..%u) or 'off'",
		 value, sd->plates);
	return -EINVAL;
}

/*
 * Apply every parameter present in u (the URI at open, or one key=value
 * from fp_set()); absent ones keep their current value.
 */
static int apply_params(struct sim_dev *sd, const struct fp_uri *u, char *msg, size_t len)
{
	struct sim_runner *r = &sd->run;
	const char *s;
	long l;
	int ret = 0;

#define D(key, field, lo, hi) \
	if (!ret) ret = fp_uri_get_double(u, key, field, lo, hi, &field, msg, len)
	D("speed", r->speed_mps, 0.5, 12);
	D("cadence", r->cadence_spm, 100, 260);
	D("mass", r->mass_kg, 20, 250);
	D("lr", r->lr_bw_s, 0, 400);
	D("contact", r->contact_ms, 0, 600);
	D("supination", r->supination_mm, -30, 40);
	D("roll", r->roll_mmps, 10, 5000);
	D("pushoff_mm", r->pushoff_mm, 0, 40);
	D("stepwidth", r->step_width_mm, 0, 400);
	D("variability", r->variability, 0, 0.2);
	D("runner_y", r->runner_y_mm, -800, 800);
	D("noise", sd->noise_n, 0, 1000);
	D("tare", sd->tare_n, -5000, 5000);
	D("drift", sd->drift_n_per_min, -1000, 1000);
	D("sync_hz", sd->sync_hz, 0, sd->rate_hz / 2);
#undef D
	if (!ret && ((s = fp_uri_get(u, "belt")) || (s = fp_uri_get(u, "belt_speed")))) {
		const char *key = fp_uri_get(u, "belt") ? "belt" : "belt_speed";

		ret = fp_uri_get_double(u, key, 0, 0, 12, &sd->belt_mps, msg, len);
		sd->belt_follows = 0;
	} else if (!ret && fp_uri_get(u, "speed") && sd->belt_follows) {
		sd->belt_mps = r->speed_mps;
	}
	if (!ret)
		ret = fp_uri_get_choice(u, "strike", r->strike, strikes, &r->strike, msg, len);
	if (!ret)
		ret = fp_uri_get_choice(u, "pushoff", r->pushoff_lateral, pushoffs,
					&r->pushoff_lateral, msg, len);
	if (!ret)
		ret = fp_uri_get_bool(u, "runner", sd->runner_on, &sd->runner_on, msg, len);
	if (!ret && (s = fp_uri_get(u, "load")))
		ret = parse_load(sd, s, msg, len);
	if (!ret && (ret = fp_uri_get_long(u, "seed", (long)sd->seed, 0, 0x7fffffffL, &l,
					   msg, len)) == 0)
		sd->seed = (uint64_t)l;
	return ret;
}

static void fm_to_volts(const struct sim_dev *sd, uint32_t p, const double fm[6], double *v)
{
	const double (*m)[6] = (const double (*)[6])sd->fm_to_v[p];

	for (uint32_t c = 0; c < sd->channels; c++)
		v[c] = m[c][0] * fm[0] + m[c][1] * fm[1] + m[c][2] * fm[2] +
		       m[c][3] * fm[3] + m[c][4] * fm[4] + m[c][5] * fm[5];
}

/*
 * ADC noise comes from a table of Gaussian values indexed by random bits:
 * one generator call yields the noise of all six channels of a plate,
 * which keeps pace=fast well above 1000x real time. The table is scaled
 * to zero mean and unit RMS exactly.
 */
static void sim_build_noise(struct sim_dev *sd)
{
	struct sim_rng r = { 0x5eed5eedULL };
	double mean = 0, rms = 0;

	for (int i = 0; i < SIM_NOISE_TAB; i++) {
		sd->noise_tab[i] = sim_rng_gauss(&r);
		mean += sd->noise_tab[i] / SIM_NOISE_TAB;
	}
	for (int i = 0; i < SIM_NOISE_TAB; i++) {
		sd->noise_tab[i] -= mean;
		rms += sd->noise_tab[i] * sd->noise_tab[i] / SIM_NOISE_TAB;
	}
	for (int i = 0; i < SIM_NOISE_TAB; i++)
		sd->noise_tab[i] /= sqrt(rms);
}

/* Refresh everything derived from parameters (after open or fp_set). */
static void sim_refresh(struct sim_dev *sd)
{
	double fz_gain = 0;

	sim_configure(&sd->run, sd->rate_hz, &sd->cfg);
	/* noise: the same RMS volts on every channel, sized to noise_n on Fz */
	for (uint32_t c = 0; c < sd->channels; c++)
		fz_gain += sd->cal.plate[0].matrix[2][c] * sd->cal.plate[0].matrix[2][c];
	sd->noise_v = sd->noise_n / sqrt(fz_gain);
	for (int i = 0; i < SIM_NOISE_TAB; i++)
		sd->noise_scaled[i] = sd->noise_v * sd->noise_tab[i];
	for (uint32_t p = 0; p < sd->plates; p++) {
		const struct fp_plate_calib *pc = &sd->cal.plate[p];
		const struct sim_load *ld = &sd->load[p];
		double fz = ld->on ? ld->mass_kg * SIM_G : 0;
		double px = (ld->x_mm + pc->origin_mm[0]) * 1e-3;
		double py = (ld->y_mm + pc->origin_mm[1]) * 1e-3;
		double *fm = sd->load_fm[p];

		fm[0] = fm[1] = fm[5] = 0;
		fm[2] = fz;
		fm[3] = py * fz;
		fm[4] = -px * fz;
		fm_to_volts(sd, p, fm, sd->load_v[p]);
	}
	if (!sd->runner_on && !sd->active)
		sd->belt_now = sd->belt_mps;
}

/* ---- open / close ----------------------------------------------------- */

static int sim_open(struct fp_device *dev, const struct fp_uri *u)
{
	struct sim_dev *sd;
	char *msg = dev->msg;
	size_t len = sizeof(dev->msg);
	long plates, chunk, channels;
	double rate;
	int pace, ret;

	ret = fp_uri_check_keys(u, open_keys, msg, len);
	if (ret)
		return ret;
	if (u->path[0] && strcmp(u->path, "/"))
		return fp_dev_err(dev, -EINVAL, "sim://: unexpected path '%s' (use sim://?key=value)",
				  u->path);
	if ((ret = fp_uri_get_long(u, "plates", 2, 1, 2, &plates, msg, len)) ||
	    (ret = fp_uri_get_long(u, "channels", 6, 6, 8, &channels, msg, len)) ||
	    (ret = fp_uri_get_double(u, "rate", 2000, 100, 100000, &rate, msg, len)) ||
	    (ret = fp_uri_get_choice(u, "pace", 0, paces, &pace, msg, len)))
		return ret;
	ret = fp_uri_get_long(u, "chunk", (long)fmax(1, floor(rate / 1000)), 1, 100000,
			      &chunk, msg, len);
	if (ret)
		return ret;
	if (channels == 7)
		return fp_dev_err(dev, -EINVAL, "sim://: parameter 'channels' value '7' is not 6 or 8");
	sd = calloc(1, sizeof(*sd));
	if (!sd)
		return -ENOMEM;
	/* FP_SIM_TRUTH_KEEP steps (1.1 MB), written one step at a time:
	 * prefaulted so the simulator's RSS is flat (prefault.h). */
	sd->truth = calloc(FP_SIM_TRUTH_KEEP, sizeof(*sd->truth));
	if (!sd->truth) {
		free(sd);
		return -ENOMEM;
	}
	fp_prefault(sd->truth, FP_SIM_TRUTH_KEEP * sizeof(*sd->truth));
	sd->plates = (uint32_t)plates;
	sd->channels = (uint32_t)channels;
	sd->rate_hz = rate;
	sd->pace_fast = pace == 1;
	sd->chunk = (uint32_t)chunk;
	sd->run = (struct sim_runner){
		.speed_mps = 3.5, .mass_kg = 70, .strike = FP_SIM_REAR,
		.supination_mm = 6, .roll_mmps = 250, .pushoff_mm = 10,
		.step_width_mm = 90, .variability = 0.02,
	};
	sd->runner_on = 1;
	sd->belt_follows = 1;
	sd->belt_mps = sd->run.speed_mps;
	sd->noise_n = 0.5;
	sd->sync_hz = 100;
	sd->seed = 1;
	ret = apply_params(sd, u, msg, len);
	if (ret) {
		free(sd->truth);
		free(sd);
		return ret;
	}
	if (sim_calibration(sd->plates, sd->channels, &sd->cal, sd->fm_to_v, sd->offset_v)) {
		free(sd->truth);
		free(sd);
		return fp_dev_err(dev, -EINVAL, "sim://: singular simulated calibration");
	}
	sd->counts_per_v = 1.0 / sd->cal.plate[0].scale_v[0];
	sim_build_noise(sd);
	sim_refresh(sd);
	sd->belt_now = sd->belt_mps;

	dev->priv = sd;
	snprintf(dev->info.model, sizeof(dev->info.model), "fplate simulated %s-belt treadmill",
		 sd->plates == 2 ? "split" : "single");
	snprintf(dev->info.serial, sizeof(dev->info.serial), "SIM-%llu",
		 (unsigned long long)sd->seed);
	snprintf(dev->info.firmware, sizeof(dev->info.firmware), "sim-1");
	dev->info.plates = sd->plates;
	dev->info.channels = sd->channels;
	dev->info.rate_hz = rate;
	dev->info.unit = FP_RAW_COUNTS;
	dev->info.adc_bits = SIM_ADC_BITS;
	dev->info.full_scale_v = SIM_FULL_SCALE_V;
	dev->info.paced = !sd->pace_fast;
	dev->info.has_sync = sd->sync_hz > 0;
	dev->info.external_clock = 0;
	return 0;
}

static void sim_close(struct fp_device *dev)
{
	struct sim_dev *sd = dev->priv;

	if (!sd)
		return;
	free(sd->wave_fm);
	free(sd->wave_cop);
	free(sd->wave_v);
	free(sd->truth);
	free(sd);
	dev->priv = NULL;
}

static int sim_start(struct fp_device *dev)
{
	struct sim_dev *sd = dev->priv;

	/* the same seed gives the same run after every start */
	sd->rng_step.s = sd->seed * 0x2545f4914f6cdd1dULL + 1;
	sd->rng_noise.s = sd->seed * 0x9e3779b97f4a7c15ULL + 7;
	sd->next_sample = 0;
	sd->step_index = 0;
	sd->active = 0;
	sd->next_td = (uint64_t)llround(SIM_FIRST_TD_S * sd->rate_hz);
	sd->belt_now = sd->belt_mps;
	sd->sync_k = 0;
	sd->sync_next = 0;
	memset(&sd->cnt, 0, sizeof(sd->cnt));
	sd->t0_ns = fp_clock_ns(CLOCK_MONOTONIC);
	return 0;
}

static int sim_stop(struct fp_device *dev)
{
	(void)dev;
	return 0;
}

/* ---- the time line ---------------------------------------------------- */

static int begin_step(struct sim_dev *sd, uint64_t td)
{
	struct sim_plan *p = &sd->plan;
	const struct fp_plate_calib *pc;
	struct fp_sim_step *t;
	uint32_t i;

	sim_plan_step(&sd->run, &sd->cfg, sd->rate_hz, sd->belt_mps, sd->plates,
		      sd->step_index, &sd->rng_step, p);
	pc = &sd->cal.plate[p->plate];
	if (p->n > sd->wave_cap) {
		double *fm = realloc(sd->wave_fm, p->n * 6 * sizeof(double));
		double *cop = fm ? realloc(sd->wave_cop, p->n * 3 * sizeof(double)) : NULL;
		double *v = cop ? realloc(sd->wave_v, p->n * sd->channels * sizeof(double)) : NULL;

		if (fm)
			sd->wave_fm = fm;
		if (cop)
			sd->wave_cop = cop;
		if (!v)
			return -ENOMEM;
		sd->wave_v = v;
		sd->wave_cap = p->n;
	}
	sim_sample_step(p, pc->surface_h_mm, pc->origin_mm, sd->wave_fm, sd->wave_cop);
	for (i = 0; i < p->n; i++)
		fm_to_volts(sd, p->plate, sd->wave_fm + i * 6, sd->wave_v + i * sd->channels);

	t = &sd->truth[sd->step_index % FP_SIM_TRUTH_KEEP];
	memset(t, 0, sizeof(*t));
	sim_step_truth(p, sd->wave_fm, sd->wave_cop, t);
	t->index = sd->step_index;
	t->touchdown_sample = td;
	t->liftoff_sample = td + p->n;
	t->impact_peak_sample += td;
	t->active_peak_sample += td;
	t->contact_sample += td;
	t->toeoff_sample += td;
	t->offset_fz_n = sd->tare_n + sd->drift_n_per_min * (td / sd->rate_hz) / 60.0;

	sd->active = 1;
	sd->td = td;
	sd->belt_now = p->belt_mps;
	sd->next_td = td + p->step_samples;
	sd->step_index++;
	return 0;
}

static inline double quantise(double v, double counts_per_v)
{
	static const double max_c = (double)((1L << (SIM_ADC_BITS - 1)) - 1);
	double c = v * counts_per_v;

	/* clip to the ADC range first: the integer cast must not overflow */
	if (c >= max_c)
		return max_c;
	if (c <= -max_c - 1)
		return -max_c - 1;
	return c >= 0 ? (double)(int64_t)(c + 0.5) : (double)(int64_t)(c - 0.5);
}

static void truth_sample(struct sim_dev *sd, uint32_t k, uint32_t p, int on_plate,
			 uint32_t i)
{
	struct fp_frames *tf = sd->truth_frames;
	double *o = tf->v + ((size_t)k * sd->plates + p) * FP_NFIELDS;
	const struct sim_load *ld = &sd->load[p];
	const double *lf = sd->load_fm[p];

	for (int f = 0; f < 6; f++)
		o[f] = lf[f] + (on_plate ? sd->wave_fm[i * 6 + f] : 0);
	o[FP_COPX] = o[FP_COPY] = o[FP_TZ] = NAN;
	if (on_plate && !ld->on) {
		o[FP_COPX] = sd->wave_cop[i * 3];
		o[FP_COPY] = sd->wave_cop[i * 3 + 1];
		o[FP_TZ] = sd->wave_cop[i * 3 + 2];
	} else if (on_plate || ld->on) {
		/* several loads: Fz-weighted point of application, Tz about it */
		double fw = on_plate ? sd->wave_fm[i * 6 + 2] : 0, fl = lf[2];
		double x = on_plate ? sd->wave_cop[i * 3] : 0;
		double y = on_plate ? sd->wave_cop[i * 3 + 1] : 0;
		const double *org = sd->cal.plate[p].origin_mm;

		if (fw + fl <= 0)
			return;
		o[FP_COPX] = (fw * x + fl * ld->x_mm) / (fw + fl);
		o[FP_COPY] = (fw * y + fl * ld->y_mm) / (fw + fl);
		o[FP_TZ] = o[5] - ((o[FP_COPX] + org[0]) * o[1] -
				   (o[FP_COPY] + org[1]) * o[0]) * 1e-3;
	}
}

static int generate(struct sim_dev *sd, struct fp_block *blk, uint32_t n)
{
	uint32_t P = sd->plates, ch = sd->channels;
	double period = sd->sync_hz > 0 ? sd->rate_hz / sd->sync_hz : 0;
	int ret;

	for (uint32_t k = 0; k < n; k++) {
		uint64_t s = sd->next_sample + k;
		double off_n = sd->tare_n + sd->drift_n_per_min * (s / sd->rate_hz) / 60.0;
		uint32_t i = 0;

		if (sd->active && s >= sd->td + sd->plan.n)
			sd->active = 0;
		if (!sd->active && sd->runner_on && s >= sd->next_td &&
		    (ret = begin_step(sd, s)) < 0)
			return ret;
		if (sd->active)
			i = (uint32_t)(s - sd->td);
		for (uint32_t p = 0; p < P; p++) {
			double *raw = blk->raw + ((size_t)k * P + p) * ch;
			int on_plate = sd->active && sd->plan.plate == p;
			const double *w = on_plate ? sd->wave_v + (size_t)i * ch : NULL;
			double v[FP_MAX_CHANNELS];

			for (uint32_t c = 0; c < ch; c++)
				v[c] = sd->load_v[p][c] + off_n * sd->offset_v[p][c] +
				       (w ? w[c] : 0);
			if (sd->noise_v > 0) {
				uint64_t bits = 0;

				/* 10 random bits per channel, 6 channels per draw */
				for (uint32_t c = 0; c < ch; c++, bits >>= SIM_NOISE_BITS) {
					if (c % 6 == 0)
						bits = sim_rng_next(&sd->rng_noise);
					v[c] += sd->noise_scaled[bits & (SIM_NOISE_TAB - 1)];
				}
			}
			for (uint32_t c = 0; c < ch; c++)
				raw[c] = quantise(v[c], sd->counts_per_v);
			if (sd->truth_frames)
				truth_sample(sd, k, p, on_plate, i);
		}
		/* sync pulse k on sample ceil(k · rate / sync_hz): bit 0 for one sample */
		blk->sync[k] = 0;
		if (period > 0 && s >= sd->sync_next) {
			blk->sync[k] = 1;
			sd->sync_k++;
			sd->sync_next = (uint64_t)ceil(sd->sync_k * period - 1e-9);
		}
	}
	return 0;
}

static int sim_read(struct fp_device *dev, struct fp_block *blk, int timeout_ms)
{
	struct sim_dev *sd = dev->priv;
	uint64_t n = blk->capacity;
	int ret;

	if (!sd->pace_fast) {
		int64_t start = fp_clock_ns(CLOCK_MONOTONIC);
		int64_t limit = timeout_ms >= 0 ? start + (int64_t)timeout_ms * 1000000 : INT64_MAX;
		uint64_t want = sd->chunk < blk->capacity ? sd->chunk : blk->capacity;

		for (;;) {
			int64_t now = fp_clock_ns(CLOCK_MONOTONIC);
			uint64_t due = (uint64_t)((double)(now - sd->t0_ns) * sd->rate_hz * 1e-9);
			int64_t deadline;
			struct timespec ts;

			if (due >= sd->next_sample + want) {
				n = due - sd->next_sample;
				break;
			}
			deadline = sd->t0_ns + (int64_t)ceil((double)(sd->next_sample + want) *
							      1e9 / sd->rate_hz);
			if (deadline > limit) {
				if (now >= limit) {
					/* timed out: hand over what is due, if anything */
					if (due <= sd->next_sample)
						return 0;
					n = due - sd->next_sample;
					break;
				}
				deadline = limit;
			}
			ts.tv_sec = deadline / 1000000000LL;
			ts.tv_nsec = deadline % 1000000000LL;
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		}
		if (n > blk->capacity)
			n = blk->capacity;
	}
	if (sd->truth_frames && sd->truth_frames->capacity < n)
		return fp_dev_err(dev, -EINVAL, "sim: truth frames hold %u samples, block %llu",
				  sd->truth_frames->capacity, (unsigned long long)n);
	ret = generate(sd, blk, (uint32_t)n);
	if (ret)
		return ret;
	blk->n = (uint32_t)n;
	blk->first_sample = sd->next_sample;
	blk->t_host_ns = fp_clock_ns(CLOCK_REALTIME);
	blk->belt_speed_mps = sd->belt_now;
	if (sd->truth_frames) {
		struct fp_frames *tf = sd->truth_frames;

		tf->n = blk->n;
		tf->first_sample = blk->first_sample;
		tf->t_host_ns = blk->t_host_ns;
		tf->flags = 0;
		tf->belt_speed_mps = blk->belt_speed_mps;
		if (tf->sync)
			memcpy(tf->sync, blk->sync, n * sizeof(uint32_t));
	}
	sd->next_sample += n;
	sd->cnt.samples += n;
	sd->cnt.packets++;
	return (int)n;
}

/* ---- calibration, counters, run-time parameters ------------------------ */

static int sim_get_calibration(struct fp_device *dev, struct fp_calib *cal)
{
	struct sim_dev *sd = dev->priv;

	*cal = sd->cal;
	return 0;
}

static int sim_get_counters(struct fp_device *dev, struct fp_counters *c)
{
	struct sim_dev *sd = dev->priv;

	*c = sd->cnt;
	return 0;
}

static int sim_set(struct fp_device *dev, const char *key, const char *value)
{
	struct sim_dev *sd = dev->priv;
	struct fp_uri *u;
	int was_on = sd->runner_on, ret, known = 0;

	for (const char *const *k = runtime_keys; *k; k++)
		known |= !strcmp(*k, key);
	if (!known) {
		for (const char *const *k = open_keys; *k; k++)
			if (!strcmp(*k, key))
				return fp_dev_err(dev, -ENOTSUP,
						  "sim://: parameter '%s' can only be given in the URI",
						  key);
		return fp_dev_err(dev, -ENOTSUP, "sim://: no run-time parameter '%s'", key);
	}
	if (strlen(key) >= sizeof(u->key[0]) || strlen(value) >= sizeof(u->value[0]))
		return fp_dev_err(dev, -EINVAL, "sim://: value of '%s' too long", key);
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	/* one key=value through the same validated parsing as the URI */
	snprintf(u->scheme, sizeof(u->scheme), "sim");
	snprintf(u->key[0], sizeof(u->key[0]), "%s", key);
	snprintf(u->value[0], sizeof(u->value[0]), "%s", value);
	u->n_params = 1;
	ret = apply_params(sd, u, dev->msg, sizeof(dev->msg));
	free(u);
	if (ret)
		return ret;
	if (sd->runner_on && !was_on && dev->started) {
		uint64_t first = sd->next_sample + (uint64_t)llround(SIM_FIRST_TD_S * sd->rate_hz);

		if (sd->next_td < first)
			sd->next_td = first;
	}
	if (!strcmp(key, "sync_hz") && sd->sync_hz > 0) {
		/* the next pulse on the new period's grid */
		double period = sd->rate_hz / sd->sync_hz;

		sd->sync_k = (uint64_t)ceil(sd->next_sample / period - 1e-9);
		sd->sync_next = (uint64_t)ceil(sd->sync_k * period - 1e-9);
	}
	dev->info.has_sync = sd->sync_hz > 0;
	sim_refresh(sd);
	return 0;
}

const struct fp_backend_ops fp_sim_ops = {
	.scheme = "sim",
	.help = "simulated treadmill runner: sim://?speed=3.5&cadence=&mass=70&strike=rear|mid|fore"
		"&lr=&plates=2&belt=&rate=2000&noise=0.5&tare=0&drift=0&seed=1&pace=realtime|fast"
		"&sync_hz=100&runner=1&load=kg,x,y[,plate] (docs/simulator.md)",
	.open = sim_open,
	.close = sim_close,
	.start = sim_start,
	.stop = sim_stop,
	.read = sim_read,
	.get_calibration = sim_get_calibration,
	.get_counters = sim_get_counters,
	.set = sim_set,
};

/* ---- ground truth (sim.h) --------------------------------------------- */

static struct sim_dev *sim_of(struct fp_device *dev)
{
	return dev && dev->ops == &fp_sim_ops ? dev->priv : NULL;
}

/* Steps whose lift-off has been delivered. */
static uint64_t completed(const struct sim_dev *sd)
{
	uint64_t n = sd->step_index;

	if (n && sd->active && sd->td + sd->plan.n > sd->next_sample)
		n--;
	return n;
}

long fp_sim_truth_count(struct fp_device *dev)
{
	struct sim_dev *sd = sim_of(dev);

	return sd ? (long)completed(sd) : -ENOTSUP;
}

int fp_sim_truth_steps(struct fp_device *dev, struct fp_sim_step *out, size_t max)
{
	struct sim_dev *sd = sim_of(dev);
	uint64_t done, first;
	size_t k = 0;

	if (!sd)
		return -ENOTSUP;
	if (!out && max)
		return -EINVAL;
	done = completed(sd);
	/* one slot of the ring belongs to the step in progress */
	first = done > FP_SIM_TRUTH_KEEP - 1 ? done - (FP_SIM_TRUTH_KEEP - 1) : 0;
	for (uint64_t i = first; i < done && k < max; i++, k++)
		out[k] = sd->truth[i % FP_SIM_TRUTH_KEEP];
	return (int)k;
}

int fp_sim_truth_frames(struct fp_device *dev, struct fp_frames *truth)
{
	struct sim_dev *sd = sim_of(dev);

	if (!sd)
		return -ENOTSUP;
	if (truth && (truth->plates != sd->plates || !truth->v))
		return -EINVAL;
	sd->truth_frames = truth;
	return 0;
}
