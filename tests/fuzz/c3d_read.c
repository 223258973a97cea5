// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * c3d_read.c - libFuzzer target for the C3D reader: any byte string must
 * parse or fail cleanly; what parses is run through the force plate
 * computations too (first, middle and last sample of every plate). The
 * lazy read (fp_c3d_open's: values decoded where read) must accept and
 * refuse exactly what the eager one does and give the same values.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fplate/c3d.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_c3d *c;
	char msg[FP_MSG_MAX];

	struct fp_c3d *lz;
	int ret = fp_c3d_parse(data, size, "fuzz.c3d", &c, msg, sizeof(msg));
	int lret = fp_c3d_parse_flags(data, size, "fuzz.c3d",
				      FP_C3D_LAZY_POINTS | FP_C3D_LAZY_ANALOG, &lz, msg, sizeof(msg));

	if ((ret == 0) != (lret == 0))
		abort();                        /* the lazy read judged the file otherwise */
	if (ret)
		return 0;
	for (uint64_t i = 0, n = fp_c3d_analog_samples(c); n && i < 3; i++)
		for (uint32_t ch = 0; ch < c->n_analog; ch++) {
			double a = fp_c3d_analog(c, i * (n - 1) / 2, ch);
			double b = fp_c3d_analog(lz, i * (n - 1) / 2, ch);

			if (memcmp(&a, &b, sizeof(a)) && !(isnan(a) && isnan(b)))
				abort();
		}
	for (uint32_t f = 0; c->n_plates && f < c->n_frames && f < 3; f++)
		for (uint32_t pt = 0; pt < c->n_points && pt < 8; pt++) {
			double a[2] = { 0, 0 }, b[2] = { 0, 0 };
			int ra = fp_c3d_point_plate(c, 0, f, pt, a), rb = fp_c3d_point_plate(lz, 0, f, pt, b);

			if (ra != rb || (memcmp(a, b, sizeof(a)) && !(isnan(a[0]) && isnan(b[0]))))
				abort();
		}
	fp_c3d_free(lz);
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
