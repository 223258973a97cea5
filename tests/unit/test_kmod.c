// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test_kmod.c - the kmod:// backend without a kernel: records from
 * /dev/fplateN into contiguous blocks, counters, calibration decoding, and
 * the errors fp_open() gives for nodes that are missing or not ours. The
 * driver itself is tested in the VM (tests/vm/cases/kmod_*.sh).
 */
#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "fp_test.h"
#include "kmod.h"
#include "usb_cal.h"
#include "fplate/fplate.h"

#define PLATES 2
#define CHANNELS 6
#define RS FPLATE_RECORD_SIZE(PLATES, CHANNELS)

static uint8_t records[32 * RS];

/* Record i: sample index, flags, sync = 1000 + sample, counts = sample*100 + v - 6. */
static void put_record(size_t i, uint64_t sample, uint32_t flags)
{
	struct fplate_record rec = { .sample = sample, .flags = flags,
				     .sync = (uint32_t)(1000 + sample) };
	int32_t counts[PLATES * CHANNELS];

	for (int v = 0; v < PLATES * CHANNELS; v++)
		counts[v] = (int32_t)(sample * 100) + v - 6;
	memcpy(records + i * RS, &rec, sizeof(rec));
	memcpy(records + i * RS + sizeof(rec), counts, sizeof(counts));
}

static void init_block(struct fp_block *blk, uint32_t capacity)
{
	struct fp_info info = { .plates = PLATES, .channels = CHANNELS };

	CU_ASSERT_EQUAL_FATAL(fp_block_init(blk, &info, capacity), 0);
}

static void test_take_splits_at_gaps(void)
{
	struct fp_kmod_records r = { .buf = records, .record_size = RS };
	struct fp_block blk;
	uint64_t next = UINT64_MAX;
	size_t i = 0;

	CU_ASSERT_EQUAL(RS, 16 + 4 * PLATES * CHANNELS);
	for (uint64_t s = 0; s < 10; s++)
		put_record(i++, s, 0);
	put_record(i++, 15, FPLATE_REC_GAP);            /* 5 samples lost */
	for (uint64_t s = 16; s < 20; s++)
		put_record(i++, s, s == 17 ? FPLATE_REC_SATURATED : 0);
	put_record(i++, 23, 0);                         /* jump without a flag */
	r.n_records = i;
	init_block(&blk, 8);

	CU_ASSERT_EQUAL(fp_kmod_take(&r, &blk, &next), 8);
	CU_ASSERT_EQUAL(blk.first_sample, 0);
	CU_ASSERT_EQUAL(blk.flags, 0);
	CU_ASSERT_EQUAL(blk.sync[7], 1007);
	CU_ASSERT_DOUBLE_EQUAL(blk.raw[7 * PLATES * CHANNELS + 11], 700 + 11 - 6, 0);
	CU_ASSERT_DOUBLE_EQUAL(blk.raw[0], -6, 0);
	CU_ASSERT_EQUAL(next, 8);

	blk.flags = 0;
	CU_ASSERT_EQUAL(fp_kmod_take(&r, &blk, &next), 2);
	CU_ASSERT_EQUAL(blk.first_sample, 8);
	CU_ASSERT_EQUAL(blk.flags, 0);

	blk.flags = 0;
	CU_ASSERT_EQUAL(fp_kmod_take(&r, &blk, &next), 5);
	CU_ASSERT_EQUAL(blk.first_sample, 15);
	CU_ASSERT_EQUAL(blk.flags, FP_BLK_GAP | FP_BLK_SATURATED);
	CU_ASSERT_EQUAL(next, 20);

	blk.flags = 0;
	CU_ASSERT_EQUAL(fp_kmod_take(&r, &blk, &next), 1);
	CU_ASSERT_EQUAL(blk.first_sample, 23);
	CU_ASSERT_EQUAL(blk.flags, FP_BLK_GAP);

	blk.flags = 0;
	CU_ASSERT_EQUAL(fp_kmod_take(&r, &blk, &next), 0);
	CU_ASSERT_EQUAL(blk.n, 0);
	fp_block_release(&blk);
}

static void test_take_overrun_flags(void)
{
	struct fp_kmod_records r = { .buf = records, .record_size = RS };
	struct fp_block blk;
	uint64_t next = 4;

	put_record(0, 4, 0);
	put_record(1, 5, FPLATE_REC_DEV_OVERRUN);
	put_record(2, 4000, FPLATE_REC_RING_OVERRUN | FPLATE_REC_GAP);
	put_record(3, 4001, 0);
	r.n_records = 4;
	init_block(&blk, 16);

	CU_ASSERT_EQUAL(fp_kmod_take(&r, &blk, &next), 2);
	CU_ASSERT_EQUAL(blk.flags, FP_BLK_OVERRUN);   /* device overrun, no index jump */
	blk.flags = 0;
	CU_ASSERT_EQUAL(fp_kmod_take(&r, &blk, &next), 2);
	CU_ASSERT_EQUAL(blk.first_sample, 4000);
	CU_ASSERT_EQUAL(blk.flags, FP_BLK_OVERRUN | FP_BLK_GAP);
	CU_ASSERT_EQUAL(next, 4002);
	fp_block_release(&blk);
}

/* The driver resynced on a moved device index: the block that starts there
 * is a resume for the caller (the time fit restarts). */
static void test_take_resync(void)
{
	struct fp_kmod_records r = { .buf = records, .record_size = RS };
	struct fp_block blk;
	uint64_t next = 0;

	put_record(0, 0, 0);
	put_record(1, 1, 0);
	/* contiguous here, so only the flag splits the block */
	put_record(2, 2, FPLATE_REC_RESYNC);
	put_record(3, 3, 0);
	r.n_records = 4;
	init_block(&blk, 16);

	CU_ASSERT_EQUAL(fp_kmod_take(&r, &blk, &next), 2);
	CU_ASSERT_EQUAL(blk.flags, 0);
	blk.flags = 0;
	CU_ASSERT_EQUAL(fp_kmod_take(&r, &blk, &next), 2);
	CU_ASSERT_EQUAL(blk.first_sample, 2);
	CU_ASSERT_EQUAL(blk.flags, FP_BLK_GAP | FP_BLK_RESUMED);
	fp_block_release(&blk);
}

static void test_counters_sum(void)
{
	struct fplate_counters k = { .packets = 10, .samples = 200, .ring_overruns = 2,
				     .overrun_samples = 300, .seq_gaps = 3, .lost_samples = 60,
				     .malformed = 4, .stale = 9, .dev_overruns = 1 };
	struct fp_counters sum = { .packets = 1, .disconnects = 7 };

	fp_kmod_counters_add(&sum, &k);
	CU_ASSERT_EQUAL(sum.packets, 11);
	CU_ASSERT_EQUAL(sum.gaps, 5);
	CU_ASSERT_EQUAL(sum.lost_samples, 360);
	CU_ASSERT_EQUAL(sum.malformed, 4);
	CU_ASSERT_EQUAL(sum.overruns, 3);
	CU_ASSERT_EQUAL(sum.disconnects, 7);
}

static uint32_t le_float_bits(float f)
{
	uint32_t bits;

	memcpy(&bits, &f, sizeof(bits));
	return htole32(bits);
}

static void test_calib_decode(void)
{
	struct fplate_info info = { .plates = 1, .channels = 6, .adc_bits = 24,
				    .full_scale_uv = 10000000 };
	struct fp_usb_plate_cal in;
	struct fp_plate_calib out;
	char msg[FP_MSG_MAX] = "";

	memset(&in, 0, sizeof(in));
	in.magic = htole32(FP_USB_CAL_MAGIC);
	in.channels = 6;
	in.size = htole16(sizeof(in));
	in.matrix[2][2] = le_float_bits(-500.25f);
	in.surface_h_mm = le_float_bits(-41.5f);
	in.size_mm[0] = le_float_bits(500.0f);
	in.size_mm[1] = le_float_bits(1500.0f);
	CU_ASSERT_EQUAL(fp_usb_cal_decode(&in, 0, 6, info.adc_bits, info.full_scale_uv * 1e-6, &out, msg, sizeof(msg)), 0);
	CU_ASSERT_DOUBLE_EQUAL(out.matrix[2][2], -500.25, 0);
	CU_ASSERT_DOUBLE_EQUAL(out.surface_h_mm, -41.5, 0);
	CU_ASSERT_DOUBLE_EQUAL(out.width_mm, 500.0, 0);
	CU_ASSERT_DOUBLE_EQUAL(out.length_mm, 1500.0, 0);
	/* 10 V full scale over 2^23 counts */
	CU_ASSERT_DOUBLE_EQUAL(out.scale_v[5], 10.0 / 8388608.0, 1e-15);
	CU_ASSERT_EQUAL(out.channels, 6);

	in.channels = 8;
	CU_ASSERT_EQUAL(fp_usb_cal_decode(&in, 0, 6, info.adc_bits, info.full_scale_uv * 1e-6, &out, msg, sizeof(msg)), -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "8 channels"));
	in.channels = 6;
	in.magic = 0;
	CU_ASSERT_EQUAL(fp_usb_cal_decode(&in, 0, 6, info.adc_bits, info.full_scale_uv * 1e-6, &out, msg, sizeof(msg)), -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "magic 0"));
}

static void test_open_errors(void)
{
	struct fp_device *dev = NULL;
	char msg[FP_MSG_MAX];

	CU_ASSERT_EQUAL(fp_open("kmod:///nonexistent/fplate9", &dev, msg, sizeof(msg)),
			-ENOENT);
	CU_ASSERT_PTR_NULL(dev);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "/nonexistent/fplate9"));

	/* A node that exists but is not ours: the ioctl says ENOTTY. */
	CU_ASSERT_EQUAL(fp_open("kmod:///dev/null", &dev, msg, sizeof(msg)), -ENODEV);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "not an fplate device"));

	CU_ASSERT_EQUAL(fp_open("kmod:///dev/fplate0?rte=100", &dev, msg, sizeof(msg)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "rte"));
	CU_ASSERT_EQUAL(fp_open("kmod:///dev/fplate0?rate=0", &dev, msg, sizeof(msg)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "rate"));
	/* SET_RATE carries 16 bits (docs/protocol.md), as for usb://. */
	CU_ASSERT_EQUAL(fp_open("kmod:///dev/fplate0?rate=65536", &dev, msg, sizeof(msg)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "65536"));
	CU_ASSERT_PTR_NOT_NULL(fp_scheme_help("kmod"));
}

void fp_suite_kmod(void)
{
	FP_ADD_SUITE("kmod",
		     { "take splits at gaps", test_take_splits_at_gaps },
		     { "take overrun flags", test_take_overrun_flags },
		     { "take: a resync is a resume", test_take_resync },
		     { "counters sum", test_counters_sum },
		     { "calibration decode", test_calib_decode },
		     { "open errors", test_open_errors });
}
