/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fplate_drv.h - what the files of fplate.ko, the USB driver for fplate
 * force-plate amplifiers, share.
 *
 * The device streams packets (include/fplate/usb_proto.h) on one bulk IN
 * endpoint. This driver keeps several bulk URBs in flight, checks every
 * packet in the completion handler (magic, version, lengths, CRC-32,
 * sequence) and copies its samples as fixed-size records into a per-device
 * ring, so acquisition keeps up while userspace stalls. /dev/fplateN hands
 * out whole records with read() and poll(), and is controlled with the
 * ioctls of include/fplate/fplate_ioctl.h. docs/kernel.md is the ABI.
 *
 * Locking and lifetime (after drivers/usb/usb-skeleton.c):
 *  - struct fplate_dev is reference counted (kref): one reference for the
 *    bound interface, one per open file. The last kref_put frees it, so a
 *    file may outlive the device;
 *  - io_mutex serialises open/read/ioctl/release against disconnect();
 *    disconnect() sets `disconnected` under it, kills the URBs and wakes
 *    every waiter, which then returns -ENODEV;
 *  - lock (a spinlock) protects the ring indices, counters and stream
 *    state shared with the URB completion handler, which never sleeps
 *    (a stalled endpoint is cleared by halt_work, in process context);
 *  - one open file at a time (-EBUSY): the ring is consumed by read(), and
 *    a second reader would steal records. Counters are in sysfs for others.
 *
 * Stream state (docs/kernel.md): idle (after probe or STOP) -> streaming
 * (START: STOP, submit, START; `streaming`) -> failing (FPLATE_ERR_ROUNDS *
 * n_urbs transfer errors in a row, or a stall that could not be cleared:
 * `failing`, nothing resubmitted; disconnect() within FPLATE_FAIL_GRACE_MS
 * makes it an unplug, ENODEV) -> error (fail_work: `io_error` set,
 * `streaming` false; a fatal URB status goes here at once) -> stopped (STOP
 * or release: STOP is always sent, so a device left streaming by a dead
 * stream accepts the next START).
 *
 * Files: fplate_main.c (module, probe, disconnect, power management),
 * fplate_io.c (packet path, control requests, streaming), fplate_fops.c
 * (the character device), fplate_sysfs.c (attributes), fplate_proto.c
 * (lib/amp/usb_proto.c: the packet validator and sequence checker that the
 * usb:// backend uses too).
 */
#ifndef FPLATE_KMOD_H
#define FPLATE_KMOD_H

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kref.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/usb.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "fplate/usb_proto.h"
#include "fplate/fplate_ioctl.h"
#include "usb_parse.h"		/* lib/amp/usb_proto.c, built in as fplate_proto.c */


#define FPLATE_CTRL_TIMEOUT_MS	1000
#define FPLATE_MAX_URBS		32
/* SET_RATE carries the rate in wValue (16 bits): no device can be set higher. */
#define FPLATE_MAX_RATE_HZ	65535
#define FPLATE_RING_MAX_BYTES	(64u << 20)
/*
 * A stream fails after FPLATE_ERR_ROUNDS * n_urbs transfers in a row failed
 * (no valid packet between): every URB failed that many times over, so the
 * bus or the device is not coming back by itself. The verdict waits
 * FPLATE_FAIL_GRACE_MS: an unplug shows first as transfer errors (-EPROTO)
 * and only later as disconnect() (a hub reports it at its next poll, up to
 * 256 ms), and an unplug must read as ENODEV, not EIO.
 */
#define FPLATE_ERR_ROUNDS	4
#define FPLATE_FAIL_GRACE_MS	500


struct fplate_dev {
	struct usb_device *udev;
	struct usb_interface *interface;	/* NULL once disconnected */
	struct kref kref;
	struct mutex io_mutex;		/* open/read/ioctl vs disconnect */
	spinlock_t lock;		/* ring, counters, stream state */
	wait_queue_head_t read_wait;
	struct usb_anchor anchor;
	struct work_struct halt_work;	/* clears a stalled endpoint */
	struct delayed_work fail_work;	/* declares a failing stream dead */
	struct urb *urbs[FPLATE_MAX_URBS];
	unsigned int n_urbs;
	unsigned int pkt_size;		/* URB buffer length: the largest packet */
	unsigned int maxp;		/* wMaxPacketSize of the bulk IN endpoint */
	__u8 ep_in;

	struct fplate_info info;	/* cached from GET_INFO, under io_mutex */

	/* ring of info.ring_records records of info.record_size bytes */
	u8 *ring;			/* vmalloc, freed by fplate_delete(); URBs
					 * and their buffers go at disconnect */
	u32 ring_head;			/* next record written (completion) */
	u32 ring_tail;			/* next record read (read()) */
	u32 ring_count;

	/* stream state, under lock */
	bool open;			/* under io_mutex */
	bool disconnected;		/* set under io_mutex and lock */
	bool streaming;
	bool suspended;
	bool halted;			/* stalled: halt_work clears it and resubmits */
	bool failing;			/* too many errors: no resubmit, fail_work
					 * sets io_error unless disconnect() comes */
	int fail_status;		/* io_error that fail_work reports */
	unsigned int err_run;		/* transfers failed since the last valid packet */
	struct fp_usb_seq seq;		/* device seq / sample index expected next */
	u64 offset;			/* record index - device index (restarts) */
	u64 next_index;			/* record index expected next */
	u32 pending_flags;		/* FPLATE_REC_* for the next stored record */
	int io_error;			/* fatal URB status for read() to report */
	struct fplate_counters counters;
};

/* fplate_main.c */
extern struct usb_driver fplate_driver;
void fplate_delete(struct kref *kref);
int fplate_read_info(struct fplate_dev *dev, struct usb_interface *intf,
		     struct fplate_info *out);

/* fplate_io.c */
void fplate_read_complete(struct urb *urb);
int fplate_ctrl_out(struct fplate_dev *dev, u8 request, u16 value);
int fplate_ctrl_in(struct fplate_dev *dev, struct usb_interface *intf,
		   u8 request, u16 value, void *data, u16 size);
int fplate_submit_all(struct fplate_dev *dev);
void fplate_halt_urbs(struct fplate_dev *dev, bool suspend);
void fplate_halt_work(struct work_struct *work);
void fplate_fail_work(struct work_struct *work);
int fplate_start(struct fplate_dev *dev);
int fplate_stop(struct fplate_dev *dev);

/* fplate_fops.c */
extern struct usb_class_driver fplate_class;

/* fplate_sysfs.c */
extern const struct attribute_group *fplate_groups[];

#endif /* FPLATE_KMOD_H */
