// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test_replug.c - lib/amp/replug.c: the host sample index across an
 * unplug/replug and the serial pinned at first open, shared by usb:// and
 * kmod://. The backends' use of it is tested in the VM
 * (kmod_time_axis, kmod_replug_swap, usb_replug_swap, usb_daemon).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fp_test.h"
#include "replug.h"
#include "fplate/fplate.h"

static void test_resume_index(void)
{
	uint64_t off = 0;

	/* 1.5 s away at 1000 Hz: the amplifier made 1500 samples meanwhile,
	 * so its sample 0 is host index 12345 + 1500. */
	CU_ASSERT_EQUAL(fp_replug_resume(12345, 2000000000LL, 3500000000LL, 1000.0, &off), 1500);
	CU_ASSERT_EQUAL(off, 12345 + 1500);
	/* Rounded to the nearest sample: 0.25 ms and 0.75 ms at 2 kHz. */
	CU_ASSERT_EQUAL(fp_replug_resume(0, 0, 10250000LL, 2000.0, &off), 21);
	CU_ASSERT_EQUAL(fp_replug_resume(0, 0, 10200000LL, 2000.0, &off), 20);
	/* A clock that did not advance (or a bogus earlier time) loses none,
	 * and the index never goes back. */
	CU_ASSERT_EQUAL(fp_replug_resume(777, 5000, 5000, 1000.0, &off), 0);
	CU_ASSERT_EQUAL(off, 777);
	CU_ASSERT_EQUAL(fp_replug_resume(777, 5000, 1000, 1000.0, &off), 0);
	CU_ASSERT_EQUAL(off, 777);
}

static void test_clock_resume(void)
{
	uint64_t lost = 0;

	/* 2 s away at 2000 Hz; the host clock says the card is at 1 000 000,
	 * 4000 samples past the last one delivered: the clock is right. */
	CU_ASSERT_EQUAL(fp_replug_clock_resume(996000, 1000000, 0, 2000000000LL, 2000.0, &lost),
			1000000);
	CU_ASSERT_EQUAL(lost, 4000);
	/* A card fast by 50 ppm for 3 days at 2 kHz has delivered
	 * 3 * 86400 * 2000 * 50e-6 = 25920 samples more than the host clock
	 * predicts. A 1 s outage: the clock's index is 23920 behind the next
	 * one. The index must not go back and must skip the outage. */
	uint64_t next = 518400000ull + 25920;

	CU_ASSERT_EQUAL(fp_replug_clock_resume(next, 518400000ull + 2000, 5000000000LL,
					       6000000000LL, 2000.0, &lost),
			next + 2000);
	CU_ASSERT_EQUAL(lost, 2000);
	/* No time passed (a clock that stood still): never back, nothing lost. */
	CU_ASSERT_EQUAL(fp_replug_clock_resume(100, 0, 7, 7, 2000.0, &lost), 100);
	CU_ASSERT_EQUAL(lost, 0);
}

static void test_same_serial(void)
{
	char msg[FP_MSG_MAX] = "";

	CU_ASSERT_EQUAL(fp_replug_same("kmod:///dev/fplate0", "FP001", "FP001", msg, sizeof(msg)), 1);
	CU_ASSERT_STRING_EQUAL(msg, "");
	/* Nothing pinned yet: the first device is taken. */
	CU_ASSERT_EQUAL(fp_replug_same("usb://", "", "FP002", msg, sizeof(msg)), 1);
	CU_ASSERT_EQUAL(fp_replug_same("kmod:///dev/fplate0", "FP001", "FP002", msg, sizeof(msg)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "kmod:///dev/fplate0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "found amplifier 'FP002', not 'FP001'"));
	/* A prefix is another serial. */
	CU_ASSERT_EQUAL(fp_replug_same("usb://", "FP001", "FP0011", NULL, 0), 0);
}

static void test_same_layout(void)
{
	struct fp_info was = { .plates = 2, .channels = 6, .rate_hz = 2000.0 }, now = was;
	char msg[FP_MSG_MAX] = "";

	CU_ASSERT_EQUAL(fp_replug_same_layout("usb://", &was, &now, msg, sizeof(msg)), 1);
	CU_ASSERT_STRING_EQUAL(msg, "");
	/* Power-cycled to another default rate: not the same time axis. */
	now.rate_hz = 1000.0;
	CU_ASSERT_EQUAL(fp_replug_same_layout("usb://", &was, &now, msg, sizeof(msg)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "usb://: the device came back as 2 plates x 6 channels at 1000 Hz"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "(was 2 x 6 at 2000 Hz, internal clock); not resuming"));
	/* Slaved to the external clock now, or not any more. */
	now = was;
	now.external_clock = 1;
	CU_ASSERT_EQUAL(fp_replug_same_layout("kmod:///dev/fplate0", &was, &now, msg, sizeof(msg)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "kmod:///dev/fplate0: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "external clock (was"));
	CU_ASSERT_EQUAL(fp_replug_same_layout("usb://", &now, &was, NULL, 0), 0);
	/* Layout, as before. */
	now = was;
	now.plates = 1;
	CU_ASSERT_EQUAL(fp_replug_same_layout("usb://", &was, &now, NULL, 0), 0);
	now = was;
	now.channels = 8;
	CU_ASSERT_EQUAL(fp_replug_same_layout("usb://", &was, &now, NULL, 0), 0);
	/* What is not part of the time axis or layout does not matter. */
	now = was;
	now.external_clock = was.external_clock;
	snprintf(now.firmware, sizeof(now.firmware), "2.0");
	CU_ASSERT_EQUAL(fp_replug_same_layout("usb://", &was, &now, NULL, 0), 1);
}

void fp_suite_replug(void)
{
	FP_ADD_SUITE("replug",
		     { "host index after a replug", test_resume_index },
		     { "host-clock index after an outage", test_clock_resume },
		     { "pinned serial", test_same_serial },
		     { "rate, clock and layout of a replugged device", test_same_layout });
}
