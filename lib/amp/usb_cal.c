// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * usb_cal.c - decode an amplifier's stored calibration record (usb_cal.h).
 * Nothing from the device is trusted: every field is checked first.
 */
#include <endian.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "usb_cal.h"

static double le_f32(__le32 bits_le)
{
	uint32_t bits = le32toh(bits_le);
	float f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

#define BAD(...) do { if (msg && msg_len) snprintf(msg, msg_len, __VA_ARGS__); \
		      return -EPROTO; } while (0)

int fp_usb_cal_decode(const struct fp_usb_plate_cal *in, uint32_t plate, uint32_t channels,
		      uint32_t adc_bits, double full_scale_v, struct fp_plate_calib *out,
		      char *msg, size_t msg_len)
{
	double volts_per_count;

	if (le32toh(in->magic) != FP_USB_CAL_MAGIC || in->channels != channels)
		BAD("calibration of plate %u: magic %#x, %u channels (expected %#x, %u)",
		    plate, le32toh(in->magic), in->channels, FP_USB_CAL_MAGIC, channels);
	if (in->plate != plate || le16toh(in->size) != sizeof(*in))
		BAD("calibration of plate %u: record for plate %u of %u bytes (expected %zu)",
		    plate, in->plate, le16toh(in->size), sizeof(*in));
	if (!memchr(in->cal_id, '\0', sizeof(in->cal_id)))
		BAD("calibration of plate %u: id not NUL-terminated", plate);
	if (channels < 1 || channels > FP_MAX_CHANNELS || adc_bits < 2 || adc_bits > 32 ||
	    !(full_scale_v > 0))
		BAD("calibration of plate %u: device reports %u channels, %u-bit ADC, %g V",
		    plate, channels, adc_bits, full_scale_v);
	volts_per_count = full_scale_v / ldexp(1.0, (int)adc_bits - 1);
	memset(out, 0, sizeof(*out));
	out->channels = channels;
	for (uint32_t c = 0; c < channels; c++)
		out->scale_v[c] = volts_per_count;
	for (int row = 0; row < 6; row++)
		for (uint32_t c = 0; c < channels; c++) {
			out->matrix[row][c] = le_f32(in->matrix[row][c]);
			if (!isfinite(out->matrix[row][c]))
				BAD("calibration of plate %u: matrix[%d][%u] is not finite",
				    plate, row, c);
		}
	out->surface_h_mm = le_f32(in->surface_h_mm);
	out->origin_mm[0] = le_f32(in->origin_mm[0]);
	out->origin_mm[1] = le_f32(in->origin_mm[1]);
	out->width_mm = le_f32(in->size_mm[0]);
	out->length_mm = le_f32(in->size_mm[1]);
	if (!isfinite(out->surface_h_mm) || !isfinite(out->origin_mm[0]) ||
	    !isfinite(out->origin_mm[1]) || !isfinite(out->width_mm) || !isfinite(out->length_mm))
		BAD("calibration of plate %u: geometry is not finite", plate);
	out->fz_threshold_n = 20.0;
	out->saturation_v = full_scale_v;
	return 0;
}
