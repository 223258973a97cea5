/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* comedi_card.h - describe a comedi card's subdevices (internal, comedi_card.c). */
#ifndef FPLATE_LIB_COMEDI_CARD_H
#define FPLATE_LIB_COMEDI_CARD_H

#include <stddef.h>
#include <comedilib.h>

#include "fplate/fplate.h"

/* "0=[-10,10] V, 1=[-5,5] V" for one channel of a subdevice. */
void fp_comedi_format_ranges(comedi_t *cdev, unsigned int sub, unsigned int chan,
			     char *buf, size_t len);
/* " ground diff" from subdevice flags. */
void fp_comedi_format_arefs(int sdflags, char *buf, size_t len);
/* The comedi backend's list op: one entry per analog-input subdevice. */
int fp_comedi_list(fp_list_cb cb, void *arg);

#endif
