/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * calib_int.h - calibration helpers shared inside libfplate (calib.c,
 * calib_file.c, sim_calib.c); not part of the public API.
 */
#ifndef FPLATE_LIB_CALIB_INT_H
#define FPLATE_LIB_CALIB_INT_H

#include "fplate/calib.h"

/*
 * corners_mm of a flat plate of pc->width_mm x pc->length_mm centred at
 * (cx_mm, cy_mm), z = 0, in C3D corner order +x+y, -x+y, -x-y, +x-y.
 */
void fp_calib_corners(struct fp_plate_calib *pc, double cx_mm, double cy_mm);

#endif
