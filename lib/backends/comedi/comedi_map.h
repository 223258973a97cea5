/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * comedi_map.h - how force plates are wired to a DAQ card (internal).
 *
 * The comedi:// backend (comedi.c) talks to the card; this module only
 * describes the wiring and converts numbers, so that it can be tested
 * without a card:
 *  - the channel list syntax of the URI ("0-5,8-13");
 *  - the wiring file (JSON, docs/comedi.md) that a lab writes once for its
 *    plates, belt-speed and sync channels;
 *  - inference of plates x channels (6 or 8 per plate);
 *  - the raw sample -> volts converter (a polynomial in the raw value, as
 *    comedilib's soft calibration, or the linear map of a range).
 * Nothing here calls comedilib except for the AREF_* constants.
 */
#ifndef FPLATE_LIB_COMEDI_MAP_H
#define FPLATE_LIB_COMEDI_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "fplate/fplate.h"
#include "uri.h"

#define FP_CMAP_PLATE_CHANS (FP_MAX_PLATES * FP_MAX_CHANNELS)
#define FP_CMAP_MAX_SCAN    (FP_CMAP_PLATE_CHANS + 2) /* + belt + sync */
#define FP_CMAP_MAX_CARD_CHAN 1023                     /* sanity bound on channel numbers */
#define FP_CMAP_RANGE_DEFAULT (-1)

/* One analog input as wired: card channel, range, analog reference. */
struct fp_cmap_chan {
	unsigned int chan;
	int range;      /* range index, or FP_CMAP_RANGE_DEFAULT: use range_v / index 0 */
	double range_v; /* > 0: pick the card's range [-range_v, +range_v] */
	int aref;       /* AREF_GROUND/COMMON/DIFF/OTHER, or -1: the map's default */
};

struct fp_comedi_map {
	char device[512];          /* "/dev/comedi0" */
	int subdevice;             /* -1: first analog-input subdevice */
	double rate_hz;            /* scans per second requested */
	uint32_t plates;           /* filled by fp_cmap_finish() */
	uint32_t channels;         /* per plate, 6 or 8, filled by fp_cmap_finish() */
	uint32_t n_plate_chans;    /* plate channels in plate-major order */
	struct fp_cmap_chan plate_chan[FP_CMAP_PLATE_CHANS];
	char plate_name[FP_MAX_PLATES][32];
	uint32_t file_plates;      /* plates listed in a wiring file (0: from URI) */
	int has_belt;
	struct fp_cmap_chan belt;
	double belt_scale_mps_per_v; /* belt speed = scale * (v - offset) */
	double belt_offset_v;
	int has_sync;
	struct fp_cmap_chan sync;
	double sync_threshold_v;     /* sync word bit 0 = v >= threshold */
	int default_range;           /* for channels that say nothing */
	double default_range_v;
	int default_aref;
	unsigned int buffer_kb;      /* 0: the driver's default ring size */
	char calibration[512];       /* plate calibration file from the wiring file, "" none */
};

/* Defaults: subdevice -1, 2000 Hz, range 0, aref ground, sync threshold 2.5 V. */
void fp_cmap_init(struct fp_comedi_map *map);

/*
 * Parse a channel list "0-5,8-13,16" into out[] (at most max entries) in
 * the order given. Errors (-EINVAL, msg names `field` and the value): not a
 * number, descending range, channel above FP_CMAP_MAX_CARD_CHAN, a channel
 * listed twice, more than max channels.
 */
int fp_cmap_parse_chanlist(const char *text, const char *field, unsigned int *out,
			   unsigned int max, unsigned int *n, char *msg, size_t msg_len);

/* "ground", "common", "diff" (or "differential"), "other" -> AREF_*. -EINVAL. */
int fp_cmap_parse_aref(const char *text, int *aref);

/*
 * A range: "N" (index) or "±V" written "10V" / "10v" / "5.0V" (symmetric
 * range in volts). Sets ch->range or ch->range_v. -EINVAL on anything else.
 */
int fp_cmap_parse_range(const char *text, struct fp_cmap_chan *ch);

/*
 * Fill map from a comedi:// URI (path = device, query parameters as in the
 * backend's help). When wiring=FILE is given the file is loaded first
 * (channels/range/aref/belt/sync/plates in the URI are then refused, to
 * keep one source of truth; rate, subdevice and buffer_kb override it).
 * Calls fp_cmap_finish(). -EINVAL with msg naming the parameter.
 */
int fp_cmap_from_uri(const struct fp_uri *uri, struct fp_comedi_map *map,
		     char *msg, size_t msg_len);

/* Load a wiring file (JSON). -EINVAL/-errno with "FILE: field 'x': ..." in msg. */
int fp_cmap_load_wiring(const char *path, struct fp_comedi_map *map,
			char *msg, size_t msg_len);

/*
 * Check and complete a map: plates x channels from the number of plate
 * channels (6 or 8 per plate; `plates` > 0 forces the count, needed when
 * both fit, e.g. 24 channels), no card channel used twice across plates,
 * belt and sync; fills default range/aref into every channel.
 */
int fp_cmap_finish(struct fp_comedi_map *map, uint32_t plates, char *msg, size_t msg_len);

/* Channels of one scan in order: plate channels, then belt, then sync. */
unsigned int fp_cmap_scan(const struct fp_comedi_map *map, struct fp_cmap_chan *out,
			  int *belt_index, int *sync_index);

/* "0-5,8-13" for messages and descriptions. */
void fp_cmap_format_chanlist(const unsigned int *chans, unsigned int n, char *buf, size_t len);

/*
 * Raw sample -> volts: v = sum_i coef[i] * (raw - origin)^i, i <= order.
 * Built from a comedilib polynomial (soft or hardware calibration) or from
 * a range's [min, max] over [0, maxdata] (comedi_to_phys's linear map).
 * Raw values 0 and maxdata mean the input is at or beyond full scale.
 */
#define FP_CCONV_MAX_ORDER 3
struct fp_cconv {
	double coef[FP_CCONV_MAX_ORDER + 1];
	double origin;
	unsigned int order;
	uint32_t maxdata;
};

void fp_cconv_linear(struct fp_cconv *c, double min_v, double max_v, uint32_t maxdata);
int fp_cconv_poly(struct fp_cconv *c, const double *coef, unsigned int order,
		  double origin, uint32_t maxdata);

static inline double fp_cconv_volts(const struct fp_cconv *c, uint32_t raw)
{
	double x = (double)raw - c->origin;
	double v = c->coef[c->order];

	for (unsigned int i = c->order; i-- > 0;)
		v = v * x + c->coef[i];
	return v;
}

static inline int fp_cconv_saturated(const struct fp_cconv *c, uint32_t raw)
{
	return raw == 0 || raw >= c->maxdata;
}

#endif
