/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * replug.h - what an amplifier backend does when its device comes back
 * after an unplug (lib/amp/replug.c). Shared by usb:// and kmod:// so both
 * keep the same time axis and refuse the same wrong devices.
 */
#ifndef FPLATE_LIB_REPLUG_H
#define FPLATE_LIB_REPLUG_H

#include <stddef.h>
#include <stdint.h>

#include "fplate/fplate.h"

/*
 * The device restarts at sample 0 after a replug; the host's sample index
 * goes on. The samples the amplifier would have produced while it was away
 * are estimated from the host time of the outage at the nominal rate:
 * lost = round((back_ns - gone_ns) * rate_hz / 1e9) (0 for a negative
 * outage). *offset becomes the host index of the device's sample 0, i.e.
 * next_index + lost. Returns lost.
 */
uint64_t fp_replug_resume(uint64_t next_index, int64_t gone_ns, int64_t back_ns,
			  double rate_hz, uint64_t *offset);

/*
 * Where a stream whose index follows the host clock (comedi://: elapsed
 * host time x rate since start) resumes after an outage from gone_ns to
 * back_ns: at clock_index, but never before next_index plus the outage's
 * length at the nominal rate (fp_replug_resume()). So the index never goes
 * back (a card clock fast by tens of ppm has delivered more samples than
 * the host clock predicts after days) and always skips the outage, which
 * consumers need to see it (fplated's NaN fill, the C3D's gap). Returns
 * the new index; *lost = new index - next_index.
 */
uint64_t fp_replug_clock_resume(uint64_t next_index, uint64_t clock_index, int64_t gone_ns,
				int64_t back_ns, double rate_hz, uint64_t *lost);

/*
 * Is `found` the amplifier whose serial was pinned at first open? An empty
 * pin accepts any device. Returns 1 if it is; else 0 with one line in msg:
 * "WHERE: found amplifier FOUND, not PINNED ...".
 */
int fp_replug_same(const char *where, const char *pinned, const char *found, char *msg,
		   size_t msg_len);

/*
 * Does the device that came back stream like the one that left: the same
 * plates, channels, rate and clock source? A device that power-cycled to
 * another default rate (or clock) must not be resumed: the host's index
 * and the daemon's rate would no longer be a time axis. Returns 1 if it
 * does; else 0 with one line in msg: "WHERE: the device came back as
 * P plates x C channels at R Hz, internal clock (was ...); not resuming".
 */
int fp_replug_same_layout(const char *where, const struct fp_info *was,
			  const struct fp_info *now, char *msg, size_t msg_len);

#endif
