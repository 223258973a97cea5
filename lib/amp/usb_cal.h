/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * usb_cal.h - an amplifier's stored calibration (struct fp_usb_plate_cal,
 * docs/protocol.md GET_CALIB) as one plate of a struct fp_calib. Shared by
 * the usb:// backend (read with libusb) and kmod:// (read through the
 * kernel module's ioctl): the record is the same bytes either way.
 */
#ifndef FPLATE_LIB_USB_CAL_H
#define FPLATE_LIB_USB_CAL_H

#include <stddef.h>
#include <stdint.h>

#include "fplate/calib.h"
#include "fplate/usb_proto.h"

/*
 * Check and decode the record of plate `plate`: magic, plate, channel
 * count, size, NUL-terminated id, finite numbers. Raw counts scale to volts
 * by full_scale_v / 2^(adc_bits - 1). Returns 0, or -EPROTO with one line in
 * msg naming what is wrong.
 */
int fp_usb_cal_decode(const struct fp_usb_plate_cal *in, uint32_t plate, uint32_t channels,
		      uint32_t adc_bits, double full_scale_v, struct fp_plate_calib *out,
		      char *msg, size_t msg_len);

#endif
