/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fpgen.h - the sample source of the USB device emulator, shared with the
 * VM test readers so that they can recompute exactly what the emulator sent.
 *
 * Two kinds of source:
 *  - "builtin[:SEED]": a pure function of (seed, sample index, channel), so
 *    any sample can be recomputed from its index alone;
 *  - any libfplate URI (normally "sim://?plates=2&rate=2000&pace=fast&seed=1"):
 *    read sample by sample, raw values rounded to int32 counts. A reader that
 *    opens the same URI gets the same sequence if the source is deterministic.
 * The sync word is generated here in both cases: bit 0 (FP_USB_SYNC_IN) is
 * high for the first `sync_width` samples of every `sync_period` samples, as
 * a camera's exposure pulse would be; bit 1 (trigger) is high from sample
 * `trigger_at` on (0: never).
 *
 * Header-only (static functions) because every tests/vm/bin/NAME.c is its
 * own program.
 */
#ifndef FPLATE_TESTS_VM_FPGEN_H
#define FPLATE_TESTS_VM_FPGEN_H

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fplate/fplate.h"
#include "fplate/usb_proto.h"

struct fpgen {
	int builtin;             /* 1: builtin function, 0: libfplate source */
	uint32_t seed;
	uint32_t plates, channels;
	uint32_t sync_period, sync_width;
	uint64_t trigger_at;
	uint64_t index;          /* index of the next sample produced */
	struct fp_device *dev;   /* owned, libfplate source */
	struct fp_block blk;     /* owned */
	uint32_t blk_pos;
};

static inline uint64_t fpgen_mix(uint64_t x)
{
	/* splitmix64 finaliser: a cheap, well-spread hash */
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Builtin counts: a slow triangle per channel (a few thousand counts) plus noise. */
static inline int32_t fpgen_builtin_count(uint32_t seed, uint64_t idx, uint32_t ch)
{
	uint64_t period = 2000 + 137 * (uint64_t)ch;
	int64_t ph = (int64_t)((idx + 31 * (uint64_t)ch) % period);
	int64_t tri = ph < (int64_t)period / 2 ? ph : (int64_t)period - ph;
	int64_t noise = (int64_t)(fpgen_mix(((uint64_t)seed << 40) ^ (idx << 4) ^ ch) & 0xff) - 128;

	return (int32_t)(tri * 8 - 4000 + noise + 1000 * (int64_t)ch);
}

static inline uint32_t fpgen_sync(const struct fpgen *g, uint64_t idx)
{
	uint32_t s = 0;

	if (g->sync_period && idx % g->sync_period < g->sync_width)
		s |= FP_USB_SYNC_IN;
	if (g->trigger_at && idx >= g->trigger_at)
		s |= FP_USB_SYNC_TRIGGER;
	return s;
}

/* Open a source; msg gets one line on error. */
static inline int fpgen_open(struct fpgen *g, const char *source, uint32_t plates,
			     uint32_t channels, char *msg, size_t msg_len)
{
	struct fp_info info;
	int ret;

	g->index = 0;
	g->dev = NULL;
	g->blk_pos = 0;
	memset(&g->blk, 0, sizeof(g->blk));
	if (!strncmp(source, "builtin", 7) && (source[7] == '\0' || source[7] == ':')) {
		g->builtin = 1;
		g->seed = source[7] ? (uint32_t)strtoul(source + 8, NULL, 0) : 1;
		g->plates = plates;
		g->channels = channels;
		return 0;
	}
	g->builtin = 0;
	ret = fp_open(source, &g->dev, msg, msg_len);
	if (ret)
		return ret;
	fp_info(g->dev, &info);
	if (info.plates != plates) {
		snprintf(msg, msg_len, "source '%s' has %u plates, the device is set up for %u",
			 source, info.plates, plates);
		fp_close(g->dev);
		g->dev = NULL;
		return -EINVAL;
	}
	g->plates = info.plates;
	g->channels = info.channels;
	ret = fp_block_init(&g->blk, &info, 256);
	if (!ret)
		ret = fp_start(g->dev);
	if (ret) {
		snprintf(msg, msg_len, "source '%s': %s", source, fp_strerror(ret));
		fp_block_release(&g->blk);
		fp_close(g->dev);
		g->dev = NULL;
	}
	return ret;
}

/* The next sample: its sync word and plates*channels counts. */
static inline int fpgen_next(struct fpgen *g, uint32_t *sync, int32_t *counts)
{
	uint32_t nc = g->plates * g->channels, k;

	if (g->builtin) {
		for (k = 0; k < nc; k++)
			counts[k] = fpgen_builtin_count(g->seed, g->index, k);
	} else {
		if (g->blk_pos >= g->blk.n) {
			int n = fp_read(g->dev, &g->blk, 1000);

			if (n <= 0)
				return n ? n : -ETIMEDOUT;
			g->blk_pos = 0;
		}
		for (k = 0; k < nc; k++) {
			double v = g->blk.raw[(size_t)g->blk_pos * nc + k];

			counts[k] = (int32_t)lrint(fmax(fmin(v, 2147483647.0), -2147483648.0));
		}
		g->blk_pos++;
	}
	*sync = fpgen_sync(g, g->index);
	g->index++;
	return 0;
}

static inline void fpgen_close(struct fpgen *g)
{
	if (g->dev) {
		fp_block_release(&g->blk);
		fp_close(g->dev);
		g->dev = NULL;
	}
}

#endif
