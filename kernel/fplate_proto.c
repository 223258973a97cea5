// SPDX-License-Identifier: GPL-2.0
/*
 * fplate_proto.c - the packet validator and sequence checker of the usb://
 * backend (lib/amp/usb_proto.c, docs/protocol.md sections 4 and 5), built into
 * the module, so both paths judge packets and gaps by the same code. The
 * build copies lib/amp/usb_proto.c and usb_parse.h beside this file
 * (kernel/kernel.mk, DKMS); in the source tree they come from ../lib.
 */
#include "usb_proto.c"
