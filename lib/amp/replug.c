// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * replug.c - one continuous sample index and one device identity across an
 * unplug/replug, for every amplifier backend (usb://, kmod://).
 *
 * Identity: a backend pins the serial number of the device it opened first
 * (usb:// without serial=, kmod:// always, since /dev/fplate0 is whichever
 * amplifier probed first). A device with another serial that shows up
 * later is refused: streaming it would apply this plate's calibration to
 * another plate.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "replug.h"

uint64_t fp_replug_resume(uint64_t next_index, int64_t gone_ns, int64_t back_ns,
			  double rate_hz, uint64_t *offset)
{
	double lost = back_ns > gone_ns ? (double)(back_ns - gone_ns) * 1e-9 * rate_hz : 0.0;
	uint64_t n = isfinite(lost) && lost > 0 ? (uint64_t)llround(lost) : 0;

	*offset = next_index + n;
	return n;
}

uint64_t fp_replug_clock_resume(uint64_t next_index, uint64_t clock_index, int64_t gone_ns,
				int64_t back_ns, double rate_hz, uint64_t *lost)
{
	uint64_t floor;

	fp_replug_resume(next_index, gone_ns, back_ns, rate_hz, &floor);
	if (clock_index < floor)
		clock_index = floor;
	*lost = clock_index - next_index;
	return clock_index;
}

int fp_replug_same(const char *where, const char *pinned, const char *found, char *msg,
		   size_t msg_len)
{
	if (!pinned[0] || !strcmp(pinned, found))
		return 1;
	if (msg && msg_len)
		snprintf(msg, msg_len,
			 "%s: found amplifier '%s', not '%s' (the serial pinned at first open); not using it, waiting for '%s'",
			 where, found, pinned, pinned);
	return 0;
}

int fp_replug_same_layout(const char *where, const struct fp_info *was,
			  const struct fp_info *now, char *msg, size_t msg_len)
{
	if (now->plates == was->plates && now->channels == was->channels &&
	    now->rate_hz == was->rate_hz && !now->external_clock == !was->external_clock)
		return 1;
	if (msg && msg_len)
		snprintf(msg, msg_len,
			 "%s: the device came back as %u plates x %u channels at %g Hz, %s clock (was %u x %u at %g Hz, %s clock); not resuming",
			 where, now->plates, now->channels, now->rate_hz,
			 now->external_clock ? "external" : "internal", was->plates, was->channels,
			 was->rate_hz, was->external_clock ? "external" : "internal");
	return 0;
}
