// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * c3d_read.c - libFuzzer target for the C3D reader: any byte string must
 * parse or fail cleanly; what parses is run through the force plate
 * computations too (first, middle and last sample of every plate).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fplate/c3d.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_c3d *c;
	char msg[FP_MSG_MAX];

	if (fp_c3d_parse(data, size, "fuzz.c3d", &c, msg, sizeof(msg)))
		return 0;
	for (uint32_t p = 0; p < c->n_plates; p++) {
		uint64_t n = fp_c3d_analog_samples(c);
		struct fp_c3d_fp_sample s;
		struct fp_plate_calib pc;
		double v[6];

		fp_c3d_plate_calib(c, p, 0, &pc);
		fp_c3d_plate_calib(c, p, 1, &pc);
		for (uint64_t i = 0; n && i < 3; i++) {
			fp_c3d_fp_sample(c, p, i * (n - 1) / 2, FP_C3D_ZERO, 20, &s);
			fp_c3d_fp_volts(c, p, i * (n - 1) / 2, v);
		}
	}
	for (uint32_t i = 0; i < c->n_params; i++) {
		char buf[64];

		fp_c3d_param_str(&c->params[i], 0, buf, sizeof(buf));
		fp_c3d_param_num(&c->params[i], c->params[i].count ? c->params[i].count - 1 : 0);
	}
	fp_c3d_free(c);
	return 0;
}
