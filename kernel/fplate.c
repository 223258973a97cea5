// SPDX-License-Identifier: GPL-2.0
/*
 * fplate.c - USB driver for fplate force-plate amplifiers.
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
 *    state shared with the URB completion handler, which never sleeps;
 *  - one open file at a time (-EBUSY): the ring is consumed by read(), and
 *    a second reader would steal records. Counters are in sysfs for others.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/crc32.h>
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

#include "fplate/usb_proto.h"
#include "fplate/fplate_ioctl.h"

/* Without CONFIG_USB_DYNAMIC_MINORS (Debian has it) minors start here. */
#define FPLATE_MINOR_BASE	232
#define FPLATE_CTRL_TIMEOUT_MS	1000
#define FPLATE_MAX_URBS		32
#define FPLATE_MAX_RATE_HZ	100000
#define FPLATE_RING_MAX_BYTES	(64u << 20)

static unsigned int ring_ms = 2000;
module_param(ring_ms, uint, 0444);
MODULE_PARM_DESC(ring_ms,
		 "ring capacity in ms of data at the device's maximum rate (100..60000, default 2000)");

static unsigned int n_urbs = 8;
module_param(n_urbs, uint, 0444);
MODULE_PARM_DESC(n_urbs, "bulk IN transfers kept in flight per device (2..32, default 8)");

struct fplate_dev {
	struct usb_device *udev;
	struct usb_interface *interface;	/* NULL once disconnected */
	struct kref kref;
	struct mutex io_mutex;		/* open/read/ioctl vs disconnect */
	spinlock_t lock;		/* ring, counters, stream state */
	wait_queue_head_t read_wait;
	struct usb_anchor anchor;
	struct urb *urbs[FPLATE_MAX_URBS];
	unsigned int n_urbs;
	unsigned int pkt_size;		/* URB buffer length, bytes */
	unsigned int maxp;		/* wMaxPacketSize of the bulk IN endpoint */
	__u8 ep_in;

	struct fplate_info info;	/* cached from GET_INFO, under io_mutex */

	/* ring of info.ring_records records of info.record_size bytes */
	u8 *ring;			/* vmalloc, freed by fplate_delete() */
	u32 ring_head;			/* next record written (completion) */
	u32 ring_tail;			/* next record read (read()) */
	u32 ring_count;

	/* stream state, under lock */
	bool open;			/* under io_mutex */
	bool disconnected;		/* set under io_mutex and lock */
	bool streaming;
	bool suspended;
	bool synced;			/* first packet of this run seen */
	bool halted;			/* the endpoint stalled: clear it at START */
	u32 next_seq;
	u64 next_sample;
	u32 pending_flags;		/* FPLATE_REC_* for the next stored record */
	int io_error;			/* fatal URB status for read() to report */
	struct fplate_counters counters;
};

static struct usb_driver fplate_driver;

static void fplate_delete(struct kref *kref)
{
	struct fplate_dev *dev = container_of(kref, struct fplate_dev, kref);
	unsigned int i;

	for (i = 0; i < dev->n_urbs; i++) {
		struct urb *urb = dev->urbs[i];

		if (!urb)
			continue;
		usb_free_coherent(dev->udev, dev->pkt_size, urb->transfer_buffer,
				  urb->transfer_dma);
		usb_free_urb(urb);
	}
	vfree(dev->ring);
	usb_put_dev(dev->udev);
	kfree(dev);
}

/* ---- packet path (atomic context) ---- */

/* zlib's crc32() of the packet with its crc32 field taken as 0. */
static u32 fplate_pkt_crc(const u8 *buf, unsigned int len)
{
	static const u8 zero[4];
	const unsigned int off = offsetof(struct fp_usb_pkt_hdr, crc32);
	u32 crc;

	crc = crc32_le(~0u, buf, off);
	crc = crc32_le(crc, zero, sizeof(zero));
	crc = crc32_le(crc, buf + off + 4, len - off - 4);
	return ~crc;
}

/* Checks the header against the device; returns n_samples or 0 if malformed. */
static unsigned int fplate_pkt_check(struct fplate_dev *dev, const u8 *buf,
				     unsigned int len)
{
	const struct fp_usb_pkt_hdr *hdr = (const void *)buf;
	unsigned int n;

	if (len < FP_USB_PKT_HDR_SIZE)
		return 0;
	n = le16_to_cpu(hdr->n_samples);
	if (le32_to_cpu(hdr->magic) != FP_USB_PKT_MAGIC ||
	    hdr->version != FP_USB_PROTO_VERSION ||
	    hdr->header_len != FP_USB_PKT_HDR_SIZE ||
	    hdr->plates != dev->info.plates || hdr->channels != dev->info.channels ||
	    n == 0 || n > dev->info.samples_per_packet || hdr->reserved ||
	    len != FP_USB_PKT_SIZE(n, hdr->plates, hdr->channels))
		return 0;
	if (fplate_pkt_crc(buf, len) != le32_to_cpu(hdr->crc32))
		return 0;
	return n;
}

/* Caller holds dev->lock. */
static void fplate_store_records(struct fplate_dev *dev, const u8 *buf,
				 unsigned int n, u64 first, u32 pkt_flags)
{
	const unsigned int values = dev->info.plates * dev->info.channels;
	const unsigned int in_size = FP_USB_RECORD_SIZE(dev->info.plates,
							 dev->info.channels);
	const u8 *in = buf + FP_USB_PKT_HDR_SIZE;
	u32 flags = 0;
	unsigned int i, v;

	if (pkt_flags & FP_USB_PKT_SATURATED)
		flags |= FPLATE_REC_SATURATED;
	if (pkt_flags & FP_USB_PKT_EXT_CLOCK)
		flags |= FPLATE_REC_EXT_CLOCK;

	for (i = 0; i < n; i++, in += in_size) {
		struct fplate_record *rec;
		__s32 *counts;
		/* 4-byte aligned: coherent buffer, 32-byte header, 4n records */
		const __le32 *src = (const __le32 *)in;

		if (dev->ring_count == dev->info.ring_records) {
			/* Drop the newest: the reader copies without the lock. */
			if (!(dev->pending_flags & FPLATE_REC_RING_OVERRUN))
				dev->counters.ring_overruns++;
			dev->counters.overrun_samples += n - i;
			dev->pending_flags |= FPLATE_REC_RING_OVERRUN | FPLATE_REC_GAP;
			return;
		}
		rec = (void *)(dev->ring + (size_t)dev->ring_head * dev->info.record_size);
		counts = (__s32 *)(rec + 1);
		rec->sample = first + i;
		rec->flags = flags | dev->pending_flags;
		rec->sync = le32_to_cpu(src[0]);
		for (v = 0; v < values; v++)
			counts[v] = (__s32)le32_to_cpu(src[1 + v]);
		dev->pending_flags = 0;
		if (++dev->ring_head == dev->info.ring_records)
			dev->ring_head = 0;
		dev->ring_count++;
	}
}

/* Caller holds dev->lock. Returns true if records were stored. */
static bool fplate_process_packet(struct fplate_dev *dev, const u8 *buf,
				  unsigned int len)
{
	const struct fp_usb_pkt_hdr *hdr = (const void *)buf;
	unsigned int n = fplate_pkt_check(dev, buf, len);
	u32 seq, pkt_flags;
	u64 first;

	if (!n) {
		dev->counters.malformed++;
		return false;
	}
	seq = le32_to_cpu(hdr->seq);
	pkt_flags = le32_to_cpu(hdr->flags);
	first = le64_to_cpu(hdr->first_sample);

	if (!dev->synced) {
		/*
		 * START restarts the sample index at 0; a packet with a later
		 * index was queued by the device before it (previous run).
		 */
		if (first != 0 && !(pkt_flags & FP_USB_PKT_OVERRUN)) {
			dev->counters.stale++;
			return false;
		}
		dev->synced = true;
		dev->next_seq = seq;
	}
	if (first < dev->next_sample) {
		/* An old or repeated packet, or the device restarted its clock. */
		if ((s32)(seq - dev->next_seq) < 0) {
			dev->counters.stale++;
			return false;
		}
		dev->counters.seq_gaps++;
		dev->pending_flags |= FPLATE_REC_GAP;
		dev->next_sample = first;
	}
	dev->counters.packets++;
	dev->counters.samples += n;
	if (seq != dev->next_seq) {
		dev->counters.seq_gaps++;
		dev->pending_flags |= FPLATE_REC_GAP;
	}
	if (first > dev->next_sample) {
		dev->counters.lost_samples += first - dev->next_sample;
		dev->pending_flags |= FPLATE_REC_GAP;
	}
	if (pkt_flags & FP_USB_PKT_OVERRUN) {
		dev->counters.dev_overruns++;
		dev->pending_flags |= FPLATE_REC_DEV_OVERRUN;
	}
	dev->next_seq = seq + 1;
	dev->next_sample = first + n;
	fplate_store_records(dev, buf, n, first, pkt_flags);
	return true;
}

static void fplate_read_complete(struct urb *urb)
{
	struct fplate_dev *dev = urb->context;
	unsigned long flags;
	bool wake = false;
	int status = urb->status;
	int ret;

	spin_lock_irqsave(&dev->lock, flags);
	switch (status) {
	case 0:
		/* a zero-length packet ends a transfer of a multiple of wMaxPacketSize */
		if (urb->actual_length)
			wake = fplate_process_packet(dev, urb->transfer_buffer,
						     urb->actual_length);
		break;
	case -ENOENT:		/* killed: stop, suspend or disconnect */
	case -ECONNRESET:
	case -ESHUTDOWN:	/* host controller or device gone */
		spin_unlock_irqrestore(&dev->lock, flags);
		return;
	case -EPROTO:		/* bit error or unplug in progress: try again */
	case -EILSEQ:
	case -ETIME:
	case -EOVERFLOW:	/* packet larger than announced */
		dev->counters.urb_errors++;
		break;
	default:		/* -EPIPE (stall) and worse: stop, let read() report */
		dev->counters.urb_errors++;
		dev->io_error = status;
		if (status == -EPIPE)
			dev->halted = true;
		dev->streaming = false;
		wake = true;
		goto out;
	}
	if (dev->streaming && !dev->suspended && !dev->disconnected) {
		usb_anchor_urb(urb, &dev->anchor);
		ret = usb_submit_urb(urb, GFP_ATOMIC);
		if (ret) {
			usb_unanchor_urb(urb);
			if (ret != -EPERM && ret != -ENODEV) {
				dev->io_error = ret;
				dev->streaming = false;
				wake = true;
			}
		}
	}
out:
	spin_unlock_irqrestore(&dev->lock, flags);
	if (wake)
		wake_up_interruptible_all(&dev->read_wait);
}

/* ---- control requests (process context, io_mutex held) ---- */

static int fplate_ctrl_out(struct fplate_dev *dev, u8 request, u16 value)
{
	return usb_control_msg_send(dev->udev, 0, request,
				    USB_DIR_OUT | USB_TYPE_VENDOR | USB_RECIP_INTERFACE,
				    value, dev->interface->cur_altsetting->desc.bInterfaceNumber,
				    NULL, 0, FPLATE_CTRL_TIMEOUT_MS, GFP_KERNEL);
}

static int fplate_ctrl_in(struct fplate_dev *dev, struct usb_interface *intf,
			  u8 request, u16 value, void *data, u16 size)
{
	return usb_control_msg_recv(dev->udev, 0, request,
				    USB_DIR_IN | USB_TYPE_VENDOR | USB_RECIP_INTERFACE,
				    value, intf->cur_altsetting->desc.bInterfaceNumber,
				    data, size, FPLATE_CTRL_TIMEOUT_MS, GFP_KERNEL);
}

/* Submit every URB; on failure kill those already queued. */
static int fplate_submit_all(struct fplate_dev *dev)
{
	unsigned int i;
	int ret;

	for (i = 0; i < dev->n_urbs; i++) {
		usb_anchor_urb(dev->urbs[i], &dev->anchor);
		ret = usb_submit_urb(dev->urbs[i], GFP_KERNEL);
		if (ret) {
			usb_unanchor_urb(dev->urbs[i]);
			usb_kill_anchored_urbs(&dev->anchor);
			return ret;
		}
	}
	return 0;
}

static void fplate_halt_urbs(struct fplate_dev *dev, bool suspend)
{
	spin_lock_irq(&dev->lock);
	if (suspend)
		dev->suspended = true;
	else
		dev->streaming = false;
	spin_unlock_irq(&dev->lock);
	usb_kill_anchored_urbs(&dev->anchor);
}

static int fplate_start(struct fplate_dev *dev)
{
	int ret;

	if (dev->streaming)
		return 0;
	if (dev->halted) {
		ret = usb_clear_halt(dev->udev, usb_rcvbulkpipe(dev->udev, dev->ep_in));
		if (ret)
			return ret;
		dev->halted = false;
	}
	spin_lock_irq(&dev->lock);
	dev->ring_head = 0;
	dev->ring_tail = 0;
	dev->ring_count = 0;
	dev->synced = false;
	dev->next_sample = 0;
	dev->pending_flags = 0;
	dev->io_error = 0;
	dev->streaming = true;
	spin_unlock_irq(&dev->lock);

	ret = fplate_submit_all(dev);
	if (!ret)
		ret = fplate_ctrl_out(dev, FP_USB_REQ_START, 0);
	if (ret) {
		fplate_halt_urbs(dev, false);
		dev_err(&dev->interface->dev, "start failed: %d\n", ret);
	}
	return ret;
}

static int fplate_stop(struct fplate_dev *dev)
{
	int ret;

	if (!dev->streaming && !dev->io_error)
		return 0;
	ret = fplate_ctrl_out(dev, FP_USB_REQ_STOP, 0);
	fplate_halt_urbs(dev, false);
	wake_up_interruptible_all(&dev->read_wait);
	return ret;
}

/* ---- file operations ---- */

static int fplate_open(struct inode *inode, struct file *file)
{
	struct usb_interface *interface;
	struct fplate_dev *dev;
	int ret = 0;

	interface = usb_find_interface(&fplate_driver, iminor(inode));
	if (!interface)
		return -ENODEV;
	dev = usb_get_intfdata(interface);
	if (!dev)
		return -ENODEV;

	mutex_lock(&dev->io_mutex);
	if (dev->disconnected)
		ret = -ENODEV;
	else if (dev->open)
		ret = -EBUSY;
	if (!ret) {
		dev->open = true;
		kref_get(&dev->kref);
		file->private_data = dev;
	}
	mutex_unlock(&dev->io_mutex);
	if (!ret)
		ret = stream_open(inode, file);
	return ret;
}

static int fplate_release(struct inode *inode, struct file *file)
{
	struct fplate_dev *dev = file->private_data;

	mutex_lock(&dev->io_mutex);
	if (!dev->disconnected)
		fplate_stop(dev);
	dev->open = false;
	mutex_unlock(&dev->io_mutex);
	kref_put(&dev->kref, fplate_delete);
	return 0;
}

/* Why a reader should stop waiting. */
static bool fplate_readable(struct fplate_dev *dev)
{
	bool ready;

	spin_lock_irq(&dev->lock);
	ready = dev->ring_count || dev->disconnected || !dev->streaming ||
		dev->io_error;
	spin_unlock_irq(&dev->lock);
	return ready;
}

/* Copy n records from the tail. Only read() moves the tail (io_mutex). */
static int fplate_copy_records(struct fplate_dev *dev, char __user *buf,
			       u32 n)
{
	const size_t rs = dev->info.record_size;
	u32 first = min(n, dev->info.ring_records - dev->ring_tail);

	if (copy_to_user(buf, dev->ring + dev->ring_tail * rs, first * rs))
		return -EFAULT;
	if (n > first &&
	    copy_to_user(buf + first * rs, dev->ring, (n - first) * rs))
		return -EFAULT;
	return 0;
}

static ssize_t fplate_read(struct file *file, char __user *buf, size_t count,
			   loff_t *ppos)
{
	struct fplate_dev *dev = file->private_data;
	u32 avail, n;
	int err, ret;

	if (count < dev->info.record_size)
		return -EINVAL;
retry:
	ret = mutex_lock_interruptible(&dev->io_mutex);
	if (ret)
		return ret;
	if (dev->disconnected) {
		ret = -ENODEV;
		goto out;
	}
	spin_lock_irq(&dev->lock);
	avail = dev->ring_count;
	err = dev->io_error;
	spin_unlock_irq(&dev->lock);

	if (avail) {
		n = min_t(size_t, avail, count / dev->info.record_size);
		ret = fplate_copy_records(dev, buf, n);
		if (ret)
			goto out;
		spin_lock_irq(&dev->lock);
		dev->ring_tail = (dev->ring_tail + n) % dev->info.ring_records;
		dev->ring_count -= n;
		spin_unlock_irq(&dev->lock);
		ret = n * dev->info.record_size;
		goto out;
	}
	if (err) {
		/* Report a dead stream once; STOP/START clears it. */
		ret = err == -EPIPE ? -EPIPE : -EIO;
		spin_lock_irq(&dev->lock);
		dev->io_error = 0;
		spin_unlock_irq(&dev->lock);
		goto out;
	}
	if (!dev->streaming) {
		ret = 0;	/* end of stream until the next START */
		goto out;
	}
	if (file->f_flags & O_NONBLOCK) {
		ret = -EAGAIN;
		goto out;
	}
	mutex_unlock(&dev->io_mutex);
	ret = wait_event_interruptible(dev->read_wait, fplate_readable(dev));
	if (ret)
		return ret;
	goto retry;
out:
	mutex_unlock(&dev->io_mutex);
	return ret;
}

static __poll_t fplate_poll(struct file *file, poll_table *wait)
{
	struct fplate_dev *dev = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &dev->read_wait, wait);
	spin_lock_irq(&dev->lock);
	if (dev->disconnected)
		mask = EPOLLIN | EPOLLRDNORM | EPOLLHUP | EPOLLERR;
	else if (dev->ring_count)
		mask = EPOLLIN | EPOLLRDNORM;
	else if (dev->io_error)
		mask = EPOLLIN | EPOLLERR;
	else if (!dev->streaming)
		mask = EPOLLHUP;
	spin_unlock_irq(&dev->lock);
	return mask;
}

static int fplate_ioctl_calib(struct fplate_dev *dev, void __user *argp)
{
	struct fplate_calib *c;
	int ret;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	ret = -EFAULT;
	if (copy_from_user(c, argp, offsetof(struct fplate_calib, cal)))
		goto out;
	ret = -EINVAL;
	if (c->reserved || c->plate >= dev->info.plates)
		goto out;
	ret = fplate_ctrl_in(dev, dev->interface, FP_USB_REQ_GET_CALIB, c->plate,
			     &c->cal, sizeof(c->cal));
	if (ret)
		goto out;
	if (le32_to_cpu(c->cal.magic) != FP_USB_CAL_MAGIC ||
	    c->cal.plate != c->plate || c->cal.channels != dev->info.channels ||
	    le16_to_cpu(c->cal.size) != sizeof(c->cal)) {
		dev_warn(&dev->interface->dev,
			 "plate %u: calibration record has magic %#x plate %u channels %u size %u\n",
			 c->plate, le32_to_cpu(c->cal.magic), c->cal.plate,
			 c->cal.channels, le16_to_cpu(c->cal.size));
		ret = -EPROTO;
		goto out;
	}
	ret = copy_to_user(argp, c, sizeof(*c)) ? -EFAULT : 0;
out:
	kfree(c);
	return ret;
}

static long fplate_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct fplate_dev *dev = file->private_data;
	void __user *argp = (void __user *)arg;
	struct fplate_counters counters;
	u32 value;
	long ret;

	if (_IOC_TYPE(cmd) != FPLATE_IOC_MAGIC)
		return -ENOTTY;
	ret = mutex_lock_interruptible(&dev->io_mutex);
	if (ret)
		return ret;
	if (dev->disconnected) {
		ret = -ENODEV;
		goto out;
	}
	switch (cmd) {
	case FPLATE_IOC_GET_VERSION:
		value = FPLATE_ABI_VERSION;
		ret = put_user(value, (__u32 __user *)argp);
		break;
	case FPLATE_IOC_GET_INFO:
		dev->info.streaming = dev->streaming;
		ret = copy_to_user(argp, &dev->info, sizeof(dev->info)) ? -EFAULT : 0;
		break;
	case FPLATE_IOC_GET_CALIB:
		ret = fplate_ioctl_calib(dev, argp);
		break;
	case FPLATE_IOC_SET_RATE:
		if (get_user(value, (__u32 __user *)argp)) {
			ret = -EFAULT;
			break;
		}
		if (value < 1 || value > dev->info.max_rate_hz || value > U16_MAX) {
			ret = -EINVAL;
			break;
		}
		if (dev->streaming) {
			ret = -EBUSY;
			break;
		}
		ret = fplate_ctrl_out(dev, FP_USB_REQ_SET_RATE, value);
		if (!ret)
			dev->info.rate_hz = value;
		break;
	/*
	 * _IO commands take no argument; whatever a caller passes (often
	 * nothing, i.e. a stale register) is ignored.
	 */
	case FPLATE_IOC_START:
		ret = fplate_start(dev);
		break;
	case FPLATE_IOC_STOP:
		ret = fplate_stop(dev);
		break;
	case FPLATE_IOC_ZERO:
		ret = fplate_ctrl_out(dev, FP_USB_REQ_ZERO, 0);
		break;
	case FPLATE_IOC_RESET_COUNTERS:
		spin_lock_irq(&dev->lock);
		memset(&dev->counters, 0, sizeof(dev->counters));
		spin_unlock_irq(&dev->lock);
		ret = 0;
		break;
	case FPLATE_IOC_GET_COUNTERS:
		spin_lock_irq(&dev->lock);
		counters = dev->counters;
		spin_unlock_irq(&dev->lock);
		ret = copy_to_user(argp, &counters, sizeof(counters)) ? -EFAULT : 0;
		break;
	default:
		ret = -ENOTTY;
		break;
	}
out:
	mutex_unlock(&dev->io_mutex);
	return ret;
}

static const struct file_operations fplate_fops = {
	.owner = THIS_MODULE,
	.open = fplate_open,
	.release = fplate_release,
	.read = fplate_read,
	.poll = fplate_poll,
	.unlocked_ioctl = fplate_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct usb_class_driver fplate_class = {
	.name = "fplate%d",
	.fops = &fplate_fops,
	.minor_base = FPLATE_MINOR_BASE,
};

/* ---- sysfs: attributes of the usb interface ---- */

static struct fplate_dev *fplate_from_dev(struct device *d)
{
	return usb_get_intfdata(to_usb_interface(d));
}

#define FPLATE_INFO_ATTR(name, fmt)						\
static ssize_t name##_show(struct device *d, struct device_attribute *attr,	\
			   char *buf)						\
{										\
	return sysfs_emit(buf, fmt "\n", fplate_from_dev(d)->info.name);	\
}										\
static DEVICE_ATTR_RO(name)

FPLATE_INFO_ATTR(serial, "%s");
FPLATE_INFO_ATTR(firmware, "%s");
FPLATE_INFO_ATTR(model, "%s");
FPLATE_INFO_ATTR(plates, "%u");
FPLATE_INFO_ATTR(channels, "%u");
FPLATE_INFO_ATTR(ring_records, "%u");

/* rate_hz changes with FPLATE_IOC_SET_RATE, under io_mutex */
static ssize_t rate_show(struct device *d, struct device_attribute *attr, char *buf)
{
	struct fplate_dev *dev = fplate_from_dev(d);
	u32 rate;

	mutex_lock(&dev->io_mutex);
	rate = dev->info.rate_hz;
	mutex_unlock(&dev->io_mutex);
	return sysfs_emit(buf, "%u\n", rate);
}
static DEVICE_ATTR_RO(rate);

static struct attribute *fplate_attrs[] = {
	&dev_attr_serial.attr,
	&dev_attr_firmware.attr,
	&dev_attr_model.attr,
	&dev_attr_plates.attr,
	&dev_attr_channels.attr,
	&dev_attr_ring_records.attr,
	&dev_attr_rate.attr,
	NULL,
};

static const struct attribute_group fplate_attr_group = {
	.attrs = fplate_attrs,
};

#define FPLATE_COUNTER_ATTR(name)						\
static ssize_t name##_show(struct device *d, struct device_attribute *attr,	\
			   char *buf)						\
{										\
	struct fplate_dev *dev = fplate_from_dev(d);				\
	u64 value;								\
										\
	spin_lock_irq(&dev->lock);						\
	value = dev->counters.name;						\
	spin_unlock_irq(&dev->lock);						\
	return sysfs_emit(buf, "%llu\n", value);				\
}										\
static DEVICE_ATTR_RO(name)

FPLATE_COUNTER_ATTR(packets);
FPLATE_COUNTER_ATTR(samples);
FPLATE_COUNTER_ATTR(ring_overruns);
FPLATE_COUNTER_ATTR(overrun_samples);
FPLATE_COUNTER_ATTR(seq_gaps);
FPLATE_COUNTER_ATTR(lost_samples);
FPLATE_COUNTER_ATTR(malformed);
FPLATE_COUNTER_ATTR(stale);
FPLATE_COUNTER_ATTR(dev_overruns);
FPLATE_COUNTER_ATTR(urb_errors);

static struct attribute *fplate_counter_attrs[] = {
	&dev_attr_packets.attr,
	&dev_attr_samples.attr,
	&dev_attr_ring_overruns.attr,
	&dev_attr_overrun_samples.attr,
	&dev_attr_seq_gaps.attr,
	&dev_attr_lost_samples.attr,
	&dev_attr_malformed.attr,
	&dev_attr_stale.attr,
	&dev_attr_dev_overruns.attr,
	&dev_attr_urb_errors.attr,
	NULL,
};

/* /sys/bus/usb/devices/<intf>/counters/<name> */
static const struct attribute_group fplate_counter_group = {
	.name = "counters",
	.attrs = fplate_counter_attrs,
};

static const struct attribute_group *fplate_groups[] = {
	&fplate_attr_group,
	&fplate_counter_group,
	NULL,
};

/* ---- probe / disconnect ---- */

/* Refuse what the driver cannot stream; names the field and the value. */
static int fplate_check_info(struct usb_interface *intf, const struct fp_usb_info *in)
{
	const char *field;
	u32 value;
	u32 rate = le32_to_cpu(in->rate_hz), max_rate = le32_to_cpu(in->max_rate_hz);
	u16 k = le16_to_cpu(in->samples_per_packet);

#define FPLATE_REFUSE(f, v) do { field = (f); value = (v); goto bad; } while (0)
	if (le32_to_cpu(in->magic) != FP_USB_INFO_MAGIC)
		FPLATE_REFUSE("magic", le32_to_cpu(in->magic));
	if (le16_to_cpu(in->proto_version) != FP_USB_PROTO_VERSION)
		FPLATE_REFUSE("proto_version", le16_to_cpu(in->proto_version));
	if (le16_to_cpu(in->size) != sizeof(*in))
		FPLATE_REFUSE("size", le16_to_cpu(in->size));
	if (in->plates < 1 || in->plates > 4)
		FPLATE_REFUSE("plates (1..4)", in->plates);
	if (in->channels != 6 && in->channels != 8)
		FPLATE_REFUSE("channels (6 or 8)", in->channels);
	if (in->adc_bits < 16 || in->adc_bits > 32)
		FPLATE_REFUSE("adc_bits (16..32)", in->adc_bits);
	if (in->clock > FP_USB_CLOCK_EXTERNAL)
		FPLATE_REFUSE("clock", in->clock);
	if (max_rate < 1 || max_rate > FPLATE_MAX_RATE_HZ)
		FPLATE_REFUSE("max_rate_hz (1..100000)", max_rate);
	if (rate < 1 || rate > max_rate)
		FPLATE_REFUSE("rate_hz (1..max_rate_hz)", rate);
	if (!le32_to_cpu(in->full_scale_uv))
		FPLATE_REFUSE("full_scale_uv", 0);
	if (k < 1 || FP_USB_PKT_SIZE(k, in->plates, in->channels) > FP_USB_PKT_MAX)
		FPLATE_REFUSE("samples_per_packet (packet <= 4096 bytes)", k);
	if (!memchr(in->serial, 0, sizeof(in->serial)) ||
	    !memchr(in->firmware, 0, sizeof(in->firmware)) ||
	    !memchr(in->model, 0, sizeof(in->model)))
		FPLATE_REFUSE("serial/firmware/model NUL terminator", 0);
#undef FPLATE_REFUSE
	return 0;
bad:
	dev_err(&intf->dev, "refusing device: info field %s has nonsense value %u (%#x)\n",
		field, value, value);
	return -EINVAL;
}

static int fplate_read_info(struct fplate_dev *dev, struct usb_interface *intf)
{
	struct fp_usb_info *in;
	struct fplate_info *out = &dev->info;
	int ret;

	in = kmalloc(sizeof(*in), GFP_KERNEL);
	if (!in)
		return -ENOMEM;
	ret = fplate_ctrl_in(dev, intf, FP_USB_REQ_GET_INFO, 0, in, sizeof(*in));
	if (ret) {
		dev_err(&intf->dev, "GET_INFO failed: %d\n", ret);
		goto out;
	}
	ret = fplate_check_info(intf, in);
	if (ret)
		goto out;
	out->abi_version = FPLATE_ABI_VERSION;
	out->plates = in->plates;
	out->channels = in->channels;
	out->record_size = FPLATE_RECORD_SIZE(in->plates, in->channels);
	out->adc_bits = in->adc_bits;
	out->clock = in->clock;
	out->rate_hz = le32_to_cpu(in->rate_hz);
	out->max_rate_hz = le32_to_cpu(in->max_rate_hz);
	out->full_scale_uv = le32_to_cpu(in->full_scale_uv);
	out->samples_per_packet = le16_to_cpu(in->samples_per_packet);
	strscpy(out->serial, in->serial, sizeof(out->serial));
	strscpy(out->firmware, in->firmware, sizeof(out->firmware));
	strscpy(out->model, in->model, sizeof(out->model));
out:
	kfree(in);
	return ret;
}

static int fplate_alloc_io(struct fplate_dev *dev)
{
	u64 records;
	unsigned int i;

	/* ring_ms of data at the maximum rate, and at least 4 packets */
	records = div_u64((u64)ring_ms * dev->info.max_rate_hz + 999, 1000);
	records = max_t(u64, records, 4ull * dev->info.samples_per_packet);
	if (records * dev->info.record_size > FPLATE_RING_MAX_BYTES)
		return -E2BIG;
	dev->info.ring_records = records;
	dev->ring = vzalloc(records * dev->info.record_size);
	if (!dev->ring)
		return -ENOMEM;

	/*
	 * One transfer is one packet, ended by a short USB packet (or a ZLP):
	 * room for a whole maximum packet plus one wMaxPacketSize, so a
	 * packet that fills whole USB packets still ends with its ZLP.
	 */
	dev->pkt_size = round_up(FP_USB_PKT_SIZE(dev->info.samples_per_packet,
						 dev->info.plates, dev->info.channels),
				 dev->maxp) + dev->maxp;
	for (i = 0; i < n_urbs; i++) {
		struct urb *urb = usb_alloc_urb(0, GFP_KERNEL);
		void *buf;

		if (!urb)
			return -ENOMEM;
		dev->urbs[i] = urb;
		dev->n_urbs = i + 1;
		buf = usb_alloc_coherent(dev->udev, dev->pkt_size, GFP_KERNEL,
					 &urb->transfer_dma);
		if (!buf)
			return -ENOMEM;
		usb_fill_bulk_urb(urb, dev->udev, usb_rcvbulkpipe(dev->udev, dev->ep_in),
				  buf, dev->pkt_size, fplate_read_complete, dev);
		urb->transfer_flags |= URB_NO_TRANSFER_DMA_MAP;
	}
	return 0;
}

static int fplate_probe(struct usb_interface *interface,
			const struct usb_device_id *id)
{
	struct usb_endpoint_descriptor *bulk_in;
	struct fplate_dev *dev;
	int ret;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	kref_init(&dev->kref);
	mutex_init(&dev->io_mutex);
	spin_lock_init(&dev->lock);
	init_waitqueue_head(&dev->read_wait);
	init_usb_anchor(&dev->anchor);
	dev->udev = usb_get_dev(interface_to_usbdev(interface));
	dev->interface = interface;

	ret = usb_find_common_endpoints(interface->cur_altsetting, &bulk_in,
					NULL, NULL, NULL);
	if (ret) {
		dev_err(&interface->dev, "no bulk IN endpoint\n");
		goto error;
	}
	dev->ep_in = bulk_in->bEndpointAddress;
	dev->maxp = usb_endpoint_maxp(bulk_in);
	if (!dev->maxp) {
		dev_err(&interface->dev, "bulk IN endpoint has wMaxPacketSize 0\n");
		ret = -EINVAL;
		goto error;
	}

	ret = fplate_read_info(dev, interface);
	if (ret)
		goto error;
	ret = fplate_alloc_io(dev);
	if (ret) {
		dev_err(&interface->dev, "cannot allocate ring of %u records or URBs: %d\n",
			dev->info.ring_records, ret);
		goto error;
	}

	usb_set_intfdata(interface, dev);
	ret = usb_register_dev(interface, &fplate_class);
	if (ret) {
		dev_err(&interface->dev, "no minor for the device node: %d\n", ret);
		usb_set_intfdata(interface, NULL);
		goto error;
	}
	dev_info(&interface->dev,
		 "%s serial %s firmware %s: %u plates x %u channels at %u Hz, ring %u records, /dev/%s\n",
		 dev->info.model, dev->info.serial, dev->info.firmware,
		 dev->info.plates, dev->info.channels, dev->info.rate_hz,
		 dev->info.ring_records, dev_name(interface->usb_dev));
	return 0;

error:
	kref_put(&dev->kref, fplate_delete);
	return ret;
}

static void fplate_disconnect(struct usb_interface *interface)
{
	struct fplate_dev *dev = usb_get_intfdata(interface);

	/* No new open() after this returns. */
	usb_deregister_dev(interface, &fplate_class);

	mutex_lock(&dev->io_mutex);
	spin_lock_irq(&dev->lock);
	dev->disconnected = true;
	dev->streaming = false;
	spin_unlock_irq(&dev->lock);
	dev->interface = NULL;
	mutex_unlock(&dev->io_mutex);

	usb_kill_anchored_urbs(&dev->anchor);
	wake_up_interruptible_all(&dev->read_wait);
	dev_info(&interface->dev, "fplate disconnected\n");
	kref_put(&dev->kref, fplate_delete);
}

static int fplate_suspend(struct usb_interface *intf, pm_message_t message)
{
	struct fplate_dev *dev = usb_get_intfdata(intf);

	if (dev)
		fplate_halt_urbs(dev, true);
	return 0;
}

static int fplate_resume(struct usb_interface *intf)
{
	struct fplate_dev *dev = usb_get_intfdata(intf);
	bool streaming;
	int ret = 0;

	if (!dev)
		return 0;
	spin_lock_irq(&dev->lock);
	dev->suspended = false;
	streaming = dev->streaming;
	spin_unlock_irq(&dev->lock);
	/* Packets sent meanwhile show up as a sequence gap. */
	if (streaming)
		ret = fplate_submit_all(dev);
	return ret;
}

static const struct usb_device_id fplate_table[] = {
	{ USB_DEVICE_AND_INTERFACE_INFO(FP_USB_VID, FP_USB_PID, FP_USB_IFACE_CLASS,
					FP_USB_IFACE_SUBCLASS, FP_USB_IFACE_PROTOCOL) },
	{ }
};
MODULE_DEVICE_TABLE(usb, fplate_table);

/*
 * No reset_resume: after a reset the device has forgotten the stream, so
 * the USB core unbinds and rebinds the driver and a reader sees -ENODEV.
 */
static struct usb_driver fplate_driver = {
	.name = "fplate",
	.probe = fplate_probe,
	.disconnect = fplate_disconnect,
	.suspend = fplate_suspend,
	.resume = fplate_resume,
	.id_table = fplate_table,
	.dev_groups = fplate_groups,
	.supports_autosuspend = 0,
};

static int __init fplate_init(void)
{
	if (ring_ms < 100 || ring_ms > 60000) {
		pr_err("ring_ms=%u out of range 100..60000\n", ring_ms);
		return -EINVAL;
	}
	if (n_urbs < 2 || n_urbs > FPLATE_MAX_URBS) {
		pr_err("n_urbs=%u out of range 2..%d\n", n_urbs, FPLATE_MAX_URBS);
		return -EINVAL;
	}
	return usb_register(&fplate_driver);
}

static void __exit fplate_exit(void)
{
	usb_deregister(&fplate_driver);
}

module_init(fplate_init);
module_exit(fplate_exit);

MODULE_AUTHOR("fplate developers");
MODULE_DESCRIPTION("fplate USB force-plate amplifier driver");
MODULE_LICENSE("GPL");
MODULE_VERSION("0.1.0");
