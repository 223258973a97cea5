// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test_usb_proto.c - the USB packet parser (lib/amp/usb_proto.c): the wire
 * layout byte for byte against a vector made independently (Python's
 * struct + zlib), every rejection reason, every single-bit corruption, the
 * sequence-gap verdicts, and the usb:// URI errors users see.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fp_test.h"
#include "usb_parse.h"
#include "fplate/fplate.h"

/*
 * 1 plate x 6 channels, 2 records, seq 0x01020304, flags SATURATED,
 * first_sample 0x1122334455667788; counts 0 -1 INT32_MAX INT32_MIN 123456
 * -654321 / 10..60, sync 1 / 2. Made with struct.pack('<IBBBBIIQHHI'...)
 * and zlib.crc32.
 */
static const uint8_t golden[88] = {
	0x46, 0x50, 0x4c, 0x54, 0x01, 0x20, 0x01, 0x06, 0x04, 0x03, 0x02, 0x01, 0x01, 0x00,
	0x00, 0x00, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x02, 0x00, 0x00, 0x00,
	0x97, 0x3a, 0xe5, 0x62, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x00, 0x00, 0x80, 0x40, 0xe2, 0x01, 0x00,
	0x0f, 0x04, 0xf6, 0xff, 0x02, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x14, 0x00,
	0x00, 0x00, 0x1e, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x32, 0x00, 0x00, 0x00,
	0x3c, 0x00, 0x00, 0x00,
};
static const uint32_t golden_sync[2] = { 1, 2 };
static const int32_t golden_counts[12] = {
	0, -1, INT32_MAX, INT32_MIN, 123456, -654321, 10, 20, 30, 40, 50, 60,
};

static void test_crc_check_value(void)
{
	CU_ASSERT_EQUAL(fp_usb_crc32(0, "123456789", 9), 0xcbf43926u);
	CU_ASSERT_EQUAL(fp_usb_crc32(0, "", 0), 0u);
	/* incremental == one shot */
	CU_ASSERT_EQUAL(fp_usb_crc32(fp_usb_crc32(0, "1234", 4), "56789", 5), 0xcbf43926u);
}

static void test_layout_matches_doc(void)
{
	CU_ASSERT_EQUAL(sizeof(struct fp_usb_pkt_hdr), 32);
	CU_ASSERT_EQUAL(offsetof(struct fp_usb_pkt_hdr, seq), 8);
	CU_ASSERT_EQUAL(offsetof(struct fp_usb_pkt_hdr, first_sample), 16);
	CU_ASSERT_EQUAL(offsetof(struct fp_usb_pkt_hdr, n_samples), 24);
	CU_ASSERT_EQUAL(offsetof(struct fp_usb_pkt_hdr, crc32), 28);
	CU_ASSERT_EQUAL(offsetof(struct fp_usb_info, plates), 88);
	CU_ASSERT_EQUAL(offsetof(struct fp_usb_info, rate_hz), 92);
	CU_ASSERT_EQUAL(offsetof(struct fp_usb_info, caps), 106);
	CU_ASSERT_EQUAL(offsetof(struct fp_usb_plate_cal, matrix), 8);
	CU_ASSERT_EQUAL(offsetof(struct fp_usb_plate_cal, surface_h_mm), 200);
	CU_ASSERT_EQUAL(offsetof(struct fp_usb_plate_cal, cal_id), 220);
	CU_ASSERT_EQUAL(sizeof(struct fp_usb_counters), 16);
	CU_ASSERT_EQUAL(FP_USB_PKT_SIZE(10, 2, 6), 552);
}

static void test_build_is_golden(void)
{
	uint8_t buf[FP_USB_PKT_MAX];
	size_t len = fp_usb_pkt_build(buf, 0x01020304, FP_USB_PKT_SATURATED,
				      0x1122334455667788ull, 2, 1, 6, golden_sync, golden_counts);

	CU_ASSERT_EQUAL(len, sizeof(golden));
	CU_ASSERT_EQUAL(memcmp(buf, golden, sizeof(golden)), 0);
}

static void test_parse_golden(void)
{
	struct fp_usb_pkt_view v;
	uint32_t sync;
	int32_t counts[6];

	CU_ASSERT_EQUAL(fp_usb_pkt_parse(golden, sizeof(golden), 1, 6, 0, &v), 0);
	CU_ASSERT_EQUAL(v.seq, 0x01020304u);
	CU_ASSERT_EQUAL(v.flags, FP_USB_PKT_SATURATED);
	CU_ASSERT_EQUAL(v.first_sample, 0x1122334455667788ull);
	CU_ASSERT_EQUAL(v.n_samples, 2);
	CU_ASSERT_EQUAL(v.record_size, 28);
	for (uint32_t i = 0; i < 2; i++) {
		fp_usb_pkt_record(&v, i, &sync, counts);
		CU_ASSERT_EQUAL(sync, golden_sync[i]);
		CU_ASSERT_EQUAL(memcmp(counts, &golden_counts[6 * i], sizeof(counts)), 0);
	}
	/* at an odd address: the parser reads bytes, never words */
	{
		uint8_t shifted[sizeof(golden) + 1];

		memcpy(shifted + 1, golden, sizeof(golden));
		CU_ASSERT_EQUAL(fp_usb_pkt_parse(shifted + 1, sizeof(golden), 1, 6, 0, &v), 0);
	}
}

/* Rebuild after patching a header byte, so only that check can fail. */
static int parse_patched(size_t off, uint8_t val, uint32_t plates, uint32_t channels,
			 uint32_t max_k)
{
	uint8_t buf[sizeof(golden)];
	struct fp_usb_pkt_view v;
	uint32_t crc;

	memcpy(buf, golden, sizeof(buf));
	buf[off] = val;
	memset(buf + 28, 0, 4);
	crc = fp_usb_crc32(0, buf, sizeof(buf));
	for (int i = 0; i < 4; i++)
		buf[28 + i] = (uint8_t)(crc >> (8 * i));
	return fp_usb_pkt_parse(buf, sizeof(buf), plates, channels, max_k, &v);
}

static void test_rejections(void)
{
	struct fp_usb_pkt_view v;

	CU_ASSERT_EQUAL(fp_usb_pkt_parse(golden, 31, 1, 6, 0, &v), -FP_USB_PKT_E_SHORT);
	CU_ASSERT_EQUAL(parse_patched(0, 'X', 1, 6, 0), -FP_USB_PKT_E_MAGIC);
	CU_ASSERT_EQUAL(parse_patched(4, 2, 1, 6, 0), -FP_USB_PKT_E_VERSION);
	CU_ASSERT_EQUAL(parse_patched(5, 36, 1, 6, 0), -FP_USB_PKT_E_HDRLEN);
	CU_ASSERT_EQUAL(parse_patched(6, 2, 1, 6, 0), -FP_USB_PKT_E_LAYOUT);
	CU_ASSERT_EQUAL(parse_patched(7, 8, 1, 6, 0), -FP_USB_PKT_E_LAYOUT);
	CU_ASSERT_EQUAL(fp_usb_pkt_parse(golden, sizeof(golden), 2, 6, 0, &v), -FP_USB_PKT_E_LAYOUT);
	CU_ASSERT_EQUAL(parse_patched(24, 0, 1, 6, 0), -FP_USB_PKT_E_COUNT);
	CU_ASSERT_EQUAL(parse_patched(24, 3, 1, 6, 0), -FP_USB_PKT_E_LENGTH);
	CU_ASSERT_EQUAL(parse_patched(24, 2, 1, 6, 1), -FP_USB_PKT_E_COUNT); /* K = 1 */
	CU_ASSERT_EQUAL(parse_patched(25, 1, 1, 6, 0), -FP_USB_PKT_E_COUNT); /* 258 > 4 KiB */
	CU_ASSERT_EQUAL(parse_patched(26, 1, 1, 6, 0), -FP_USB_PKT_E_RESERVED);
	CU_ASSERT_EQUAL(fp_usb_pkt_parse(golden, sizeof(golden) - 1, 1, 6, 0, &v),
			-FP_USB_PKT_E_LENGTH);
	CU_ASSERT_EQUAL(parse_patched(40, 0x12, 1, 6, 0), 0); /* a count: CRC fixed, valid */
	CU_ASSERT_STRING_EQUAL(fp_usb_pkt_strerror(-FP_USB_PKT_E_CRC), "CRC mismatch");
	CU_ASSERT_STRING_EQUAL(fp_usb_pkt_strerror(-999), "unknown packet error");
}

/* Every single-bit error anywhere in a packet is caught. */
static void test_every_bit_flip_rejected(void)
{
	uint8_t buf[sizeof(golden)];
	struct fp_usb_pkt_view v;
	unsigned accepted = 0;

	for (size_t i = 0; i < sizeof(golden); i++)
		for (int b = 0; b < 8; b++) {
			memcpy(buf, golden, sizeof(buf));
			buf[i] ^= (uint8_t)(1u << b);
			accepted += fp_usb_pkt_parse(buf, sizeof(buf), 1, 6, 0, &v) == 0;
		}
	CU_ASSERT_EQUAL(accepted, 0);
}

static struct fp_usb_pkt_view view(uint32_t seq, uint64_t first, uint32_t n)
{
	struct fp_usb_pkt_view v = { .seq = seq, .first_sample = first, .n_samples = n };

	return v;
}

static void test_sequence_verdicts(void)
{
	struct fp_usb_seq st;
	struct fp_usb_seq_result r;
	struct fp_usb_pkt_view v;

	fp_usb_seq_reset(&st);
	v = view(0, 0, 10);
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_IN_ORDER);
	v = view(1, 10, 10);
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_IN_ORDER);
	/* packets 2 and 3 lost */
	v = view(4, 40, 10);
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_GAP);
	CU_ASSERT_EQUAL(r.lost_packets, 2);
	CU_ASSERT_EQUAL(r.lost_samples, 20);
	/* device overrun: seq contiguous, 500 samples skipped inside the device */
	v = view(5, 550, 10);
	v.flags = FP_USB_PKT_OVERRUN;
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_GAP);
	CU_ASSERT_EQUAL(r.lost_packets, 0);
	CU_ASSERT_EQUAL(r.lost_samples, 500);
	/* a repeat of packet 5 is stale and does not move the state */
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_STALE);
	v = view(6, 560, 10);
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_IN_ORDER);
	/* the device restarted by itself */
	v = view(0, 0, 10);
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_RESTART);
	v = view(1, 10, 10);
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_IN_ORDER);
	/* packet 0 once more right after it: a repeat, not a restart */
	fp_usb_seq_reset(&st);
	v = view(0, 0, 10);
	fp_usb_seq_check(&st, &v, &r);
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_STALE);
	/* and packet 1 is in order after it */
	v = view(1, 10, 10);
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_IN_ORDER);
	/* seq wraps around 2^32 */
	st.next_seq = 0xffffffffu;
	st.next_sample = 20;
	v = view(0xffffffffu, 20, 10);
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_IN_ORDER);
	v = view(0, 30, 10);
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_IN_ORDER);
	/* a first packet that is not packet 0: its predecessors are lost */
	fp_usb_seq_reset(&st);
	v = view(3, 30, 10);
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_GAP);
	CU_ASSERT_EQUAL(r.lost_packets, 3);
	CU_ASSERT_EQUAL(r.lost_samples, 30);
}

/*
 * One packet with an index that cannot be right must not stop the stream:
 * a jump ahead further than the packets missing by seq could hold, with no
 * device overrun, is dropped and the expected index stays.
 */
static void test_sequence_bogus_jump(void)
{
	struct fp_usb_seq st;
	struct fp_usb_seq_result r;
	struct fp_usb_pkt_view v;

	fp_usb_seq_reset(&st);
	for (uint32_t s = 0; s < 5; s++) {
		v = view(s, 10 * s, 10);
		fp_usb_seq_check(&st, &v, &r);
		CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_IN_ORDER);
	}
	/* packet 5 says sample 10^9: dropped */
	v = view(5, 1000000000ull, 10);
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_STALE);
	/* packet 6 goes on: packet 5's 10 samples are lost, nothing is stale */
	v = view(6, 60, 10);
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_GAP);
	CU_ASSERT_EQUAL(r.lost_packets, 1);
	CU_ASSERT_EQUAL(r.lost_samples, 10);
	for (uint32_t s = 7; s < 40; s++) {
		v = view(s, 10 * s, 10);
		fp_usb_seq_check(&st, &v, &r);
		CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_IN_ORDER);
	}
	/* Two packets lost on the bus hold at most 2 x 10 samples ... */
	v = view(42, 420, 10);
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_GAP);
	CU_ASSERT_EQUAL(r.lost_samples, 20);
	/* ... not 21 without an overrun */
	v = view(45, 451, 10);
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_STALE);
	/* seq back but the index in order: nothing is skipped, nothing to doubt */
	v = view(40, 430, 10);
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_GAP);
	CU_ASSERT_EQUAL(r.lost_samples, 0);
	v = view(41, 440, 10);
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_IN_ORDER);
	/* with the OVERRUN flag any jump ahead is the device's own skip */
	v = view(42, 100000, 10);
	v.flags = FP_USB_PKT_OVERRUN;
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_GAP);
	CU_ASSERT_EQUAL(r.lost_samples, 100000 - 450);
}

/*
 * The device's index really moved: a clock restart whose packet 0 was lost
 * (seq 1 at sample 10 mid-stream), or a bogus jump accepted with an
 * overrun. The packets that follow continue each other: after
 * FP_USB_SEQ_RESYNC_RUN of them the stream resyncs on them instead of
 * dropping everything until the old index is caught up.
 */
static void test_sequence_resync(void)
{
	struct fp_usb_seq st;
	struct fp_usb_seq_result r;
	struct fp_usb_pkt_view v;
	uint32_t s;

	fp_usb_seq_reset(&st);
	for (s = 0; s < 1000; s++) {
		v = view(s, 10 * s, 10);
		fp_usb_seq_check(&st, &v, &r);
	}
	/* restart, packet 0 lost */
	for (s = 1; s < FP_USB_SEQ_RESYNC_RUN; s++) {
		v = view(s, 10 * s, 10);
		fp_usb_seq_check(&st, &v, &r);
		CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_STALE);
	}
	v = view(s, 10 * s, 10);
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_RESYNC);
	/* the run before it was dropped: packets 1..RUN-1 */
	CU_ASSERT_EQUAL(r.lost_packets, FP_USB_SEQ_RESYNC_RUN - 1);
	CU_ASSERT_EQUAL(r.lost_samples, 10 * (FP_USB_SEQ_RESYNC_RUN - 1));
	v = view(s + 1, 10 * (s + 1), 10);
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_IN_ORDER);

	/* A bogus jump ahead that came with OVERRUN is taken (GAP); the
	 * real packets after it are then behind, and continue each other. */
	fp_usb_seq_reset(&st);
	for (s = 0; s < 100; s++) {
		v = view(s, 10 * s, 10);
		fp_usb_seq_check(&st, &v, &r);
	}
	v = view(100, 1ull << 40, 10);
	v.flags = FP_USB_PKT_OVERRUN;
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_GAP);
	for (s = 101; s < 100 + FP_USB_SEQ_RESYNC_RUN; s++) {
		v = view(s, 10 * s, 10);
		fp_usb_seq_check(&st, &v, &r);
		CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_STALE);
	}
	v = view(s, 10 * s, 10);
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_RESYNC);
	v = view(s + 1, 10 * (s + 1), 10);
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_IN_ORDER);

	/* Repeats never resync, however many: each copy (seq + 1, the same
	 * samples) is followed by a packet that is in order by index. */
	fp_usb_seq_reset(&st);
	for (s = 0; s < 4 * FP_USB_SEQ_RESYNC_RUN; s++) {
		v = view(2 * s, 10 * s, 10);
		fp_usb_seq_check(&st, &v, &r);
		CU_ASSERT_NOT_EQUAL(r.verdict, FP_USB_SEQ_STALE);
		CU_ASSERT_NOT_EQUAL(r.verdict, FP_USB_SEQ_RESYNC);
		CU_ASSERT_EQUAL(r.lost_samples, 0);
		v = view(2 * s + 1, 10 * s, 10);
		fp_usb_seq_check(&st, &v, &r);
		CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_STALE);
	}
	/* nor do old packets that do not continue each other (every other
	 * one of a replay), nor a run broken by one good packet */
	for (uint32_t k = 0; k < 3 * FP_USB_SEQ_RESYNC_RUN; k++) {
		v = view(10 + 2 * k, 10 * k, 10);
		fp_usb_seq_check(&st, &v, &r);
		CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_STALE);
	}
	fp_usb_seq_reset(&st);
	for (s = 0; s < 10; s++) {
		v = view(s, 10 * s, 10);
		fp_usb_seq_check(&st, &v, &r);
	}
	for (uint32_t k = 0; k < FP_USB_SEQ_RESYNC_RUN - 1; k++) {
		v = view(1 + k, 10 * (1 + k), 10);
		fp_usb_seq_check(&st, &v, &r);
		CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_STALE);
	}
	v = view(10, 100, 10);   /* the stream as expected */
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_IN_ORDER);
	v = view(FP_USB_SEQ_RESYNC_RUN, 10 * FP_USB_SEQ_RESYNC_RUN, 10);
	fp_usb_seq_check(&st, &v, &r);
	CU_ASSERT_EQUAL(r.verdict, FP_USB_SEQ_STALE);
}

static void test_usb_uri_errors(void)
{
	struct fp_device *dev;
	char msg[FP_MSG_MAX];

	CU_ASSERT_EQUAL(fp_open("usb://?rate=fast", &dev, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'rate'"));
	CU_ASSERT_EQUAL(fp_open("usb://?sped=3", &dev, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "sped"));
	CU_ASSERT_EQUAL(fp_open("usb://?vid=0x12345", &dev, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'vid'"));
	CU_ASSERT_EQUAL(fp_open("usb://?clock=gps", &dev, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "clock"));
	CU_ASSERT_EQUAL(fp_open("usb://bus1", &dev, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "unexpected path"));
	CU_ASSERT_EQUAL(fp_open("usb://?transfers=1000", &dev, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_EQUAL(fp_open("usb://?rescan_ms=-1", &dev, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'rescan_ms'"));
	/* No amplifier on a build machine: the serial is named in the error. */
	if (fp_open("usb://?serial=NO-SUCH-PLATE", &dev, msg, sizeof(msg)) == -ENODEV)
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, "NO-SUCH-PLATE"));
}

void fp_suite_usb_proto(void)
{
	FP_ADD_SUITE("usb_proto",
		     { "crc check value", test_crc_check_value },
		     { "layout matches docs/protocol.md", test_layout_matches_doc },
		     { "build is the golden vector", test_build_is_golden },
		     { "parse the golden vector", test_parse_golden },
		     { "each rejection reason", test_rejections },
		     { "every bit flip rejected", test_every_bit_flip_rejected },
		     { "sequence verdicts", test_sequence_verdicts },
		     { "sequence: one bogus jump ahead is dropped", test_sequence_bogus_jump },
		     { "sequence: resync on a moved device index", test_sequence_resync },
		     { "usb:// URI errors", test_usb_uri_errors });
}
