// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * usb_pkt.c - libFuzzer target for the USB packet parser (lib/amp/usb_proto.c).
 *
 * The first byte picks the device layout the host believes in (plates,
 * channels, K), the rest is the packet. Oracles beyond "no crash, no UB":
 * a packet the parser accepts must decode into records that, rebuilt with
 * fp_usb_pkt_build(), give back exactly the same bytes (so nothing in an
 * accepted packet is ignored or misread), and the sequence accounting must
 * stay consistent. The parser is included as source so this file builds
 * alone with any fuzz fragment's link line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/amp/usb_proto.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fp_usb_seq seq;
	struct fp_usb_pkt_view v;
	struct fp_usb_seq_result r;
	uint32_t plates, channels, max_k, nc;
	static uint32_t sync[FP_USB_PKT_MAX / 4];
	static int32_t counts[FP_USB_PKT_MAX / 4];
	static uint8_t again[FP_USB_PKT_MAX];

	if (size < 1)
		return 0;
	plates = 1 + (data[0] & 3);
	channels = (data[0] & 4) ? 8 : 6;
	max_k = data[0] >> 3;            /* 0: whatever fits */
	data++;
	size--;
	if (fp_usb_pkt_parse(data, size, plates, channels, max_k, &v))
		return 0;
	nc = plates * channels;
	if (size > FP_USB_PKT_MAX || v.n_samples == 0 || (max_k && v.n_samples > max_k))
		abort();
	for (uint32_t i = 0; i < v.n_samples; i++)
		fp_usb_pkt_record(&v, i, &sync[i], &counts[(size_t)i * nc]);
	if (fp_usb_pkt_build(again, v.seq, v.flags, v.first_sample, v.n_samples, plates,
			     channels, sync, counts) != size || memcmp(again, data, size))
		abort();
	fp_usb_seq_check(&seq, &v, &r);
	if (r.verdict != FP_USB_SEQ_STALE &&
	    (seq.next_seq != v.seq + 1 || seq.next_sample != v.first_sample + v.n_samples))
		abort();
	return 0;
}
