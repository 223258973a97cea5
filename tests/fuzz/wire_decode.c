// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * wire_decode.c - libFuzzer target for the force-frame decoder (lib/wire/wire.c).
 *
 * Oracles beyond "no crash, no UB, no read outside the message": a frame
 * the decoder accepts has exactly the size its header announces; every
 * value and sync word of the view can be read; and encoding the decoded
 * header and values again gives a frame that decodes to the same header
 * and the same values, bit for bit (NaNs compared as NaN). The decoder is
 * included as source so this file builds alone.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/wire/wire.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_header(const struct fp_wire_header *a, const struct fp_wire_header *b)
{
	return a->stream_id == b->stream_id && a->flags == b->flags &&
	       a->sequence == b->sequence && a->first_sample == b->first_sample &&
	       a->t0_ns == b->t0_ns && a->t_recv_ns == b->t_recv_ns &&
	       a->n_samples == b->n_samples && a->n_plates == b->n_plates &&
	       a->n_fields == b->n_fields &&
	       !memcmp(&a->period_ns, &b->period_ns, sizeof(double)) &&
	       (isnan(a->belt_speed_mps) ? isnan(b->belt_speed_mps) :
		a->belt_speed_mps == b->belt_speed_mps);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_wire_frame f, g;
	size_t nv;
	double *v;
	uint32_t *sync;
	unsigned char *again;
	long len;

	if (fp_wire_decode(data, size, &f, NULL, 0))
		return 0;
	nv = (size_t)f.h.n_samples * f.h.n_plates * f.h.n_fields;
	if (size != f.h.header_len + 4 * nv + (f.sync ? 4 * (size_t)f.h.n_samples : 0))
		abort();
	v = malloc(nv * sizeof(double));
	sync = malloc(f.h.n_samples * sizeof(uint32_t));
	again = malloc(size + 64);
	for (uint32_t s = 0; s < f.h.n_samples; s++) {
		sync[s] = fp_wire_sync(&f, s);
		for (uint32_t p = 0; p < f.h.n_plates; p++)
			for (uint32_t k = 0; k < f.h.n_fields; k++)
				v[((size_t)s * f.h.n_plates + p) * f.h.n_fields + k] =
					fp_wire_value(&f, s, p, k);
	}
	len = fp_wire_encode(&f.h, v, f.sync ? sync : NULL, again, size + 64);
	if (len < 0 || fp_wire_decode(again, (size_t)len, &g, NULL, 0) ||
	    !same_header(&f.h, &g.h))
		abort();
	for (size_t i = 0; i < nv; i++) {
		uint32_t s = (uint32_t)(i / ((size_t)f.h.n_plates * f.h.n_fields));
		uint32_t p = (uint32_t)(i / f.h.n_fields % f.h.n_plates);
		uint32_t k = (uint32_t)(i % f.h.n_fields);
		float a = fp_wire_value(&f, s, p, k), b = fp_wire_value(&g, s, p, k);

		if (isnan(a) ? !isnan(b) : memcmp(&a, &b, sizeof(a)))
			abort();
	}
	for (uint32_t s = 0; f.sync && s < f.h.n_samples; s++)
		if (fp_wire_sync(&g, s) != sync[s])
			abort();
	free(v);
	free(sync);
	free(again);
	return 0;
}
