// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * error.c - fp_strerror(): words for the negative errno values libfplate
 * returns, phrased for a lab user rather than a C programmer.
 */
#include <errno.h>
#include "fplate/fplate.h"

const char *fp_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case 0:               return "success";
	case EINVAL:          return "invalid argument or value";
	case ENOMEM:          return "out of memory";
	case ENOENT:          return "no such file, device or entry";
	case ENODEV:          return "device not present (unplugged or removed)";
	case EACCES:          return "permission denied (is the user in group fplate?)";
	case EPERM:           return "operation not permitted";
	case EBUSY:           return "device busy (opened by another program?)";
	case EIO:             return "input/output error";
	case EPIPE:           return "end of stream";
	case ETIMEDOUT:       return "timed out";
	case EAGAIN:          return "no data yet, try again";
	case EPROTONOSUPPORT: return "unknown device URI scheme";
	case EPROTO:          return "protocol error (malformed data from device)";
	case ERANGE:          return "value out of range";
	case ENOTSUP:         return "operation not supported by this device";
	case EALREADY:        return "already started";
	case EBADFD:          return "device not started";
	case EOVERFLOW:       return "buffer overrun, samples were lost";
	case ENOSPC:          return "no space left";
	case EINTR:           return "interrupted";
	case ENAMETOOLONG:    return "name or value too long";
	case EBADMSG:         return "malformed file or message";
	case ENOSYS:          return "not available in this build";
	default:              return "unknown error";
	}
}
