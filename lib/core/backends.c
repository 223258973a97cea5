// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * backends.c - the registry of URI schemes. A new backend is one folder,
 * lib/backends/<scheme>/, whose code defines one `const struct
 * fp_backend_ops`, and one line here.
 */
#include <stddef.h>
#include "backend.h"

extern const struct fp_backend_ops fp_sim_ops;
extern const struct fp_backend_ops fp_c3d_backend;
extern const struct fp_backend_ops fp_usb_ops;
extern const struct fp_backend_ops fp_kmod_ops;
extern const struct fp_backend_ops fp_comedi_ops;

const struct fp_backend_ops *const fp_backends[] = {
	&fp_sim_ops,
	&fp_c3d_backend,
	&fp_usb_ops,
	&fp_kmod_ops,
	&fp_comedi_ops,
	NULL
};
