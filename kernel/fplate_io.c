// SPDX-License-Identifier: GPL-2.0
/*
 * fplate_io.c - the packet path (URB completion, atomic context: check
 * each packet, store its samples in the ring), control requests and
 * starting/stopping the stream (process context). Locking: fplate.h.
 */
#include "fplate_drv.h"

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

void fplate_read_complete(struct urb *urb)
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
	case -EPIPE:		/* endpoint stalled: clear it in process context */
		dev->counters.urb_errors++;
		if (!dev->halted && !dev->disconnected) {
			dev->halted = true;
			schedule_work(&dev->halt_work);
		}
		goto out;
	case -EPROTO:		/* bit error or unplug in progress: try again */
	case -EILSEQ:
	case -ETIME:
	case -EOVERFLOW:	/* packet larger than announced */
		dev->counters.urb_errors++;
		break;
	default:		/* anything worse: stop, let read() report */
		dev->counters.urb_errors++;
		dev->io_error = status;
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

int fplate_ctrl_out(struct fplate_dev *dev, u8 request, u16 value)
{
	return usb_control_msg_send(dev->udev, 0, request,
				    USB_DIR_OUT | USB_TYPE_VENDOR | USB_RECIP_INTERFACE,
				    value, dev->interface->cur_altsetting->desc.bInterfaceNumber,
				    NULL, 0, FPLATE_CTRL_TIMEOUT_MS, GFP_KERNEL);
}

int fplate_ctrl_in(struct fplate_dev *dev, struct usb_interface *intf,
		   u8 request, u16 value, void *data, u16 size)
{
	return usb_control_msg_recv(dev->udev, 0, request,
				    USB_DIR_IN | USB_TYPE_VENDOR | USB_RECIP_INTERFACE,
				    value, intf->cur_altsetting->desc.bInterfaceNumber,
				    data, size, FPLATE_CTRL_TIMEOUT_MS, GFP_KERNEL);
}

/* Submit every URB; on failure kill those already queued. */
int fplate_submit_all(struct fplate_dev *dev)
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

void fplate_halt_urbs(struct fplate_dev *dev, bool suspend)
{
	spin_lock_irq(&dev->lock);
	if (suspend)
		dev->suspended = true;
	else
		dev->streaming = false;
	spin_unlock_irq(&dev->lock);
	usb_kill_anchored_urbs(&dev->anchor);
}

/*
 * The device stalled its bulk endpoint (docs/protocol.md: the host clears
 * the halt and resubmits; the device keeps its FIFO, so nothing is lost).
 * URB completion cannot sleep, so it defers to here.
 */
void fplate_halt_work(struct work_struct *work)
{
	struct fplate_dev *dev = container_of(work, struct fplate_dev, halt_work);
	bool resubmit;
	int ret;

	mutex_lock(&dev->io_mutex);
	if (dev->disconnected || !dev->halted)
		goto out;
	/* The other URBs may sit behind the stall: take them all back. */
	usb_kill_anchored_urbs(&dev->anchor);
	ret = usb_clear_halt(dev->udev, usb_rcvbulkpipe(dev->udev, dev->ep_in));
	if (ret) {
		dev_err(&dev->interface->dev, "cannot clear the stalled endpoint: %d\n", ret);
		spin_lock_irq(&dev->lock);
		dev->io_error = -EPIPE;
		dev->streaming = false;
		spin_unlock_irq(&dev->lock);
		wake_up_interruptible_all(&dev->read_wait);
		goto out;
	}
	spin_lock_irq(&dev->lock);
	dev->halted = false;
	resubmit = dev->streaming && !dev->suspended;
	spin_unlock_irq(&dev->lock);
	if (resubmit && fplate_submit_all(dev) == 0)
		goto out;
	if (resubmit) {
		spin_lock_irq(&dev->lock);
		dev->io_error = -EIO;
		dev->streaming = false;
		spin_unlock_irq(&dev->lock);
		wake_up_interruptible_all(&dev->read_wait);
	}
out:
	mutex_unlock(&dev->io_mutex);
}

int fplate_start(struct fplate_dev *dev)
{
	int ret;

	if (dev->streaming)
		return 0;
	/* After a stream died on an error some URBs may still be queued. */
	usb_kill_anchored_urbs(&dev->anchor);
	if (dev->halted) {
		ret = usb_clear_halt(dev->udev, usb_rcvbulkpipe(dev->udev, dev->ep_in));
		if (ret)
			return ret;
		spin_lock_irq(&dev->lock);
		dev->halted = false;
		spin_unlock_irq(&dev->lock);
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

int fplate_stop(struct fplate_dev *dev)
{
	int ret;

	if (!dev->streaming && !dev->io_error)
		return 0;
	ret = fplate_ctrl_out(dev, FP_USB_REQ_STOP, 0);
	fplate_halt_urbs(dev, false);
	wake_up_interruptible_all(&dev->read_wait);
	return ret;
}
