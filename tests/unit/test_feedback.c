// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_feedback.c - the cue logic of `fplate feedback` (daemon/cli/feedback.c,
 * compiled in here: the CLI is not a library). contact-ml is a signed
 * position (negative = lateral): a cue is the distance from the target,
 * medial and lateral alike, never "above the target".
 */
#include <math.h>

#include "fp_test.h"
#include "../../daemon/cli/feedback.c"

static int over(struct fb_state *st, char foot, double v)
{
	struct fb_cue c;

	fb_step(st, foot, v, &c);
	CU_ASSERT(c.shown);
	return c.over;
}

static void test_contact_ml_absolute(void)
{
	struct fb_state st;

	fb_init(&st);
	st.metric = FB_CONTACT_ML;
	st.target_abs = 0;              /* land on the line of progression */
	CU_ASSERT_DOUBLE_EQUAL(st.tolerance, FB_TOL_DEFAULT, 0);
	CU_ASSERT(over(&st, 'L', -8));  /* 8 mm lateral */
	CU_ASSERT(over(&st, 'L', 8));   /* 8 mm medial */
	CU_ASSERT(!over(&st, 'R', -3));
	CU_ASSERT(!over(&st, 'R', 3));
	CU_ASSERT(!over(&st, 'R', 5));  /* on the band's edge: not farther than it */
	st.target_abs = 4;
	CU_ASSERT(!over(&st, 'L', 8));
	CU_ASSERT(over(&st, 'L', -2));
}

static void test_contact_ml_baseline(void)
{
	struct fb_state st;
	struct fb_cue c;

	fb_init(&st);
	st.metric = FB_CONTACT_ML;
	st.baseline_steps = 2;
	st.change_pct = 20;             /* 20 % nearer the line: target -8 mm */
	fb_step(&st, 'L', -12, &c);
	CU_ASSERT(c.baseline);
	fb_step(&st, 'L', -8, &c);
	CU_ASSERT(c.baseline);
	CU_ASSERT_DOUBLE_EQUAL(st.foot[0].target, -8, 1e-12);
	CU_ASSERT(!over(&st, 'L', -8.5));
	CU_ASSERT(over(&st, 'L', -2));  /* 6 mm medial of the target */
	CU_ASSERT(over(&st, 'L', -14)); /* 6 mm lateral of it */
	fb_adjust(&st, 1);              /* '+': 0.5 mm wider */
	CU_ASSERT_DOUBLE_EQUAL(st.tolerance, FB_TOL_DEFAULT + FB_TOL_STEP, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(st.foot[0].target, -8, 1e-12);
	CU_ASSERT(!over(&st, 'L', -2.7));
	for (int i = 0; i < 40; i++)
		fb_adjust(&st, -1);
	CU_ASSERT_DOUBLE_EQUAL(st.tolerance, FB_TOL_STEP, 1e-12);
}

static void test_loading_rate_direction(void)
{
	struct fb_state st;

	fb_init(&st);
	st.target_abs = 60;             /* VALR: over means higher */
	CU_ASSERT(over(&st, 'L', 61));
	CU_ASSERT(!over(&st, 'L', 30));
	st.metric = FB_CADENCE;         /* cadence: over the target is good */
	st.target_abs = 170;
	CU_ASSERT(over(&st, 'R', 160));
	CU_ASSERT(!over(&st, 'R', 180));
}

void fp_suite_feedback(void)
{
	FP_ADD_SUITE("feedback",
		     { "contact-ml: distance from an absolute target", test_contact_ml_absolute },
		     { "contact-ml: baseline target and tolerance keys", test_contact_ml_baseline },
		     { "loading rate and cadence direction", test_loading_rate_direction });
}
