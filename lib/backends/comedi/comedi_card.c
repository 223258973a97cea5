// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * comedi_card.c - what a comedi card offers, in words: its ranges and
 * analog references (for the comedi:// backend's error messages) and the
 * enumeration behind `fplate list`.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <comedilib.h>

#include "comedi_card.h"

/* "0=[-10,10] V, 1=[-5,5] V" */
void fp_comedi_format_ranges(comedi_t *cdev, unsigned int sub, unsigned int chan,
			  char *buf, size_t len)
{
	int n = comedi_get_n_ranges(cdev, sub, chan);
	size_t used = 0;

	buf[0] = '\0';
	for (int r = 0; r < n && used < len; r++) {
		comedi_range *rg = comedi_get_range(cdev, sub, chan, (unsigned int)r);

		if (rg)
			used += (size_t)snprintf(buf + used, len - used, "%s%d=[%g,%g]%s",
						 r ? ", " : "", r, rg->min, rg->max,
						 rg->unit == UNIT_volt ? " V" :
						 rg->unit == UNIT_mA ? " mA" : "");
	}
}

void fp_comedi_format_arefs(int flags, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s", flags & SDF_GROUND ? " ground" : "",
		 flags & SDF_COMMON ? " common" : "", flags & SDF_DIFF ? " diff" : "",
		 flags & SDF_OTHER ? " other" : "");
}

/* One line per analog-input subdevice of every comedi device present. */
int fp_comedi_list(fp_list_cb cb, void *arg)
{
	int count = 0;

	for (int minor = 0; minor < 48; minor++) {
		char path[32], uri[64], desc[320], ranges[160], arefs[48];
		comedi_t *cdev;
		int nsub;

		snprintf(path, sizeof(path), "/dev/comedi%d", minor);
		if (access(path, F_OK) != 0)
			continue;
		cdev = comedi_open(path);
		if (!cdev) {
			snprintf(uri, sizeof(uri), "comedi://%s", path);
			snprintf(desc, sizeof(desc), "comedi device, cannot open: %s",
				 strerror(errno));
			cb(uri, desc, arg);
			count++;
			continue;
		}
		nsub = comedi_get_n_subdevices(cdev);
		for (int s = 0; s < nsub; s++) {
			int flags;
			lsampl_t maxdata;
			int bits = 0;

			if (comedi_get_subdevice_type(cdev, (unsigned int)s) != COMEDI_SUBD_AI)
				continue;
			flags = comedi_get_subdevice_flags(cdev, (unsigned int)s);
			maxdata = comedi_get_maxdata(cdev, (unsigned int)s, 0);
			while (bits < 32 && ((uint64_t)1 << bits) <= maxdata)
				bits++;
			fp_comedi_format_ranges(cdev, (unsigned int)s, 0, ranges, sizeof(ranges));
			fp_comedi_format_arefs(flags, arefs, sizeof(arefs));
			snprintf(uri, sizeof(uri), "comedi://%s?subdevice=%d", path, s);
			snprintf(desc, sizeof(desc),
				 "%s (%s) analog input, %d channels, %d-bit, ranges %s, aref%s%s",
				 comedi_get_board_name(cdev), comedi_get_driver_name(cdev),
				 comedi_get_n_channels(cdev, (unsigned int)s), bits, ranges, arefs,
				 (flags & SDF_CMD_READ) ? ", streaming" : ", no streaming (unusable)");
			cb(uri, desc, arg);
			count++;
		}
		comedi_close(cdev);
	}
	return count;
}

