/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * c3d_int.h - helpers shared by the C3D reader, parameter parser, force
 * plate module and writer (internal to libfplate).
 */
#ifndef FPLATE_LIB_C3D_INT_H
#define FPLATE_LIB_C3D_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "fplate/c3d.h"

#define C3D_BLOCK 512u
#define C3D_KEY 0x50

/* Write "NAME: text" to msg; returns -EBADMSG. */
int c3d_err(char *msg, size_t msg_len, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

uint16_t c3d_u16(const uint8_t *p, int proc);
float c3d_f32(const uint8_t *p, int proc);
/* One stored marker (x y z residual at p) as c->points holds it. */
void c3d_point_decode(const struct fp_c3d *c, const uint8_t *p, float out[4]);

/* Parse the parameter section sec[0..len) into c->groups / c->params. */
int c3d_params_parse(struct fp_c3d *c, const uint8_t *sec, size_t len,
		     char *msg, size_t msg_len);
void c3d_params_free(struct fp_c3d *c);

/*
 * Values of GROUP:NAME, GROUP:NAME2, GROUP:NAME3 ... concatenated (the
 * convention for more than 255 entries). Numeric: *vals malloc'd doubles.
 * Returns the count, 0 when absent, negative errno.
 */
long c3d_param_nums(const struct fp_c3d *c, const char *group, const char *name,
		    double **vals);
/* Strings of a CHAR parameter family; *strs is a malloc'd array of malloc'd
 * strings. Returns the count. */
long c3d_param_strs(const struct fp_c3d *c, const char *group, const char *name,
		    char ***strs);
void c3d_strs_free(char **s, long n);

/* Force plate parameters -> c->plate (c3d_fp.c). */
int c3d_plates_parse(struct fp_c3d *c, char *msg, size_t msg_len);

#endif
