// SPDX-License-Identifier: GPL-2.0
/*
 * fplate_io.c - the packet path (URB completion, atomic context: check
 * each packet, store its samples in the ring), control requests and
 * starting/stopping the stream (process context). Locking: fplate_drv.h.
 */
#include "fplate_drv.h"

/* ---- packet path (atomic context) ---- */

/* Caller holds dev->lock. */
static void fplate_store_records(struct fplate_dev *dev,
				 const struct fp_usb_pkt_view *v, u64 first)
{
	const unsigned int n = v->n_samples;
	u32 flags = 0;
	unsigned int i;

	if (v->flags & FP_USB_PKT_SATURATED)
		flags |= FPLATE_REC_SATURATED;
	if (v->flags & FP_USB_PKT_EXT_CLOCK)
		flags |= FPLATE_REC_EXT_CLOCK;

	for (i = 0; i < n; i++) {
		struct fplate_record *rec;
		u32 sync;

		if (dev->ring_count == dev->info.ring_records) {
			/* Drop the newest: the reader copies without the lock. */
			if (!(dev->pending_flags & FPLATE_REC_RING_OVERRUN))
				dev->counters.ring_overruns++;
			dev->counters.overrun_samples += n - i;
			dev->pending_flags |= FPLATE_REC_RING_OVERRUN | FPLATE_REC_GAP;
			return;
		}
		rec = (void *)(dev->ring + (size_t)dev->ring_head * dev->info.record_size);
		fp_usb_pkt_record(v, i, &sync, (__s32 *)(rec + 1));
		rec->sample = first + i;
		rec->flags = flags | dev->pending_flags;
		rec->sync = sync;
		dev->pending_flags = 0;
		if (++dev->ring_head == dev->info.ring_records)
			dev->ring_head = 0;
		dev->ring_count++;
	}
}

/*
 * Caller holds dev->lock. Returns true if records were stored. The packet
 * is checked and its sequence judged by lib/amp/usb_proto.c, as on usb://
 * (docs/protocol.md section 5): the first valid packet after START is
 * taken whatever its index (samples before it count as lost); a device
 * clock restart is delivered with the record index continuing; a repeat
 * is dropped, never delivered twice.
 */
static bool fplate_process_packet(struct fplate_dev *dev, const u8 *buf,
				  unsigned int len)
{
	struct fp_usb_seq_result res;
	struct fp_usb_pkt_view v;

	if (fp_usb_pkt_parse(buf, len, dev->info.plates, dev->info.channels,
			     dev->info.samples_per_packet, &v)) {
		dev->counters.malformed++;
		return false;
	}
	dev->err_run = 0;	/* the device talks again: errors start over */
	fp_usb_seq_check(&dev->seq, &v, &res);
	switch (res.verdict) {
	case FP_USB_SEQ_STALE:
		dev->counters.stale++;
		return false;
	case FP_USB_SEQ_RESTART:
		dev->offset = dev->next_index - v.first_sample;
		dev->counters.seq_gaps++;
		dev->pending_flags |= FPLATE_REC_GAP;
		break;
	case FP_USB_SEQ_RESYNC:
		/* the device's index moved and stayed: go on past the dropped run */
		dev->offset = dev->next_index + res.lost_samples - v.first_sample;
		dev->counters.seq_gaps++;
		dev->counters.lost_samples += res.lost_samples;
		dev->pending_flags |= FPLATE_REC_GAP | FPLATE_REC_RESYNC;
		break;
	case FP_USB_SEQ_GAP:
		/* seq jumped past a dropped repeat: no sample is missing */
		if (res.lost_packets)
			dev->counters.seq_gaps++;
		dev->counters.lost_samples += res.lost_samples;
		if (res.lost_samples)
			dev->pending_flags |= FPLATE_REC_GAP;
		break;
	case FP_USB_SEQ_IN_ORDER:
		break;
	}
	dev->counters.packets++;
	dev->counters.samples += v.n_samples;
	if (v.flags & FP_USB_PKT_OVERRUN) {
		dev->counters.dev_overruns++;
		dev->pending_flags |= FPLATE_REC_DEV_OVERRUN;
	}
	dev->next_index = v.first_sample + v.n_samples + dev->offset;
	fplate_store_records(dev, &v, v.first_sample + dev->offset);
	return true;
}

/*
 * Caller holds dev->lock. The stream is failing from now on: no URB is
 * resubmitted, and fail_work reports `status` after the grace period unless
 * disconnect() comes first (an unplug reads as ENODEV, not as an error).
 */
static void fplate_fail(struct fplate_dev *dev, int status)
{
	if (dev->failing || !dev->streaming || dev->disconnected)
		return;
	dev->failing = true;
	dev->fail_status = status;
	mod_delayed_work(system_wq, &dev->fail_work,
			 msecs_to_jiffies(FPLATE_FAIL_GRACE_MS));
}

/*
 * Caller holds dev->lock. Count a failed transfer; true when the run of
 * failures since the last valid packet is long enough to give up (every URB
 * failed FPLATE_ERR_ROUNDS times): this bounds the resubmission of -EPROTO
 * while a device is being unplugged, and a device that keeps stalling.
 */
static bool fplate_count_error(struct fplate_dev *dev)
{
	dev->counters.urb_errors++;
	if (++dev->err_run < FPLATE_ERR_ROUNDS * dev->n_urbs)
		return dev->failing;
	fplate_fail(dev, -EIO);
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
		if (!fplate_count_error(dev) && !dev->halted && !dev->disconnected) {
			dev->halted = true;
			schedule_work(&dev->halt_work);
		} else if (dev->failing) {
			dev->halted = true;	/* START clears it */
		}
		goto out;
	case -EPROTO:		/* bit error or unplug in progress: try again, */
	case -EILSEQ:		/* a bounded number of times */
	case -ETIME:
	case -EOVERFLOW:	/* packet larger than announced */
		if (fplate_count_error(dev))
			goto out;
		break;
	default:		/* anything worse: stop, let read() report */
		dev->counters.urb_errors++;
		dev->io_error = status;
		dev->streaming = false;
		wake = true;
		goto out;
	}
	if (dev->streaming && !dev->suspended && !dev->disconnected && !dev->failing) {
		usb_anchor_urb(urb, &dev->anchor);
		ret = usb_submit_urb(urb, GFP_ATOMIC);
		if (ret) {
			usb_unanchor_urb(urb);
			/*
			 * Killed, device gone, host controller going away
			 * (ESHUTDOWN) or device being removed (EHOSTUNREACH):
			 * disconnect() follows and read() reports ENODEV, not
			 * a stream error.
			 */
			if (ret != -EPERM && ret != -ENODEV && ret != -ESHUTDOWN &&
			    ret != -EHOSTUNREACH) {
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
		/* An unplug fails the clear too: fail_work tells them apart. */
		dev_err(&dev->interface->dev, "cannot clear the stalled endpoint: %d\n", ret);
		spin_lock_irq(&dev->lock);
		fplate_fail(dev, -EPIPE);
		spin_unlock_irq(&dev->lock);
		goto out;
	}
	spin_lock_irq(&dev->lock);
	dev->halted = false;
	resubmit = dev->streaming && !dev->suspended && !dev->failing;
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

/*
 * failing -> error: no valid packet came back and the device was not
 * unplugged meanwhile (disconnect() sets `disconnected` and cancels this),
 * so the stream is dead: read() reports it (EIO, EPIPE for a stall that
 * could not be cleared) once the ring is empty. STOP + START recover.
 */
void fplate_fail_work(struct work_struct *work)
{
	struct fplate_dev *dev = container_of(to_delayed_work(work),
					      struct fplate_dev, fail_work);
	bool failed = false;

	spin_lock_irq(&dev->lock);
	if (dev->failing && dev->streaming && !dev->disconnected) {
		dev->io_error = dev->fail_status;
		dev->streaming = false;
		failed = true;
		/* interface is cleared only after `disconnected` is set */
		dev_err(&dev->interface->dev,
			"stream failed: %u transfers in a row failed without a valid packet; read() reports %d\n",
			dev->err_run, dev->fail_status);
	}
	dev->failing = false;
	spin_unlock_irq(&dev->lock);
	if (failed)
		wake_up_interruptible_all(&dev->read_wait);
}

/*
 * idle/stopped/error -> streaming. A device still streaming (a stream that
 * died on an error, a reader that crashed) refuses START, so STOP it first:
 * the protocol allows STOP when stopped, and STOP discards whatever the
 * device had not sent yet, so every packet after START is of this run.
 */
int fplate_start(struct fplate_dev *dev)
{
	int ret;

	if (dev->streaming)
		return 0;
	/* After a stream died on an error some URBs may still be queued. */
	usb_kill_anchored_urbs(&dev->anchor);
	ret = fplate_ctrl_out(dev, FP_USB_REQ_STOP, 0);
	if (ret) {
		dev_err(&dev->interface->dev, "STOP before START failed: %d\n", ret);
		return ret;
	}
	/*
	 * After STOP: a device that kept halting its endpoint has stopped now.
	 * If the last transfers failed, the endpoint may have been halted again
	 * after halt_work cleared it: clear it anyway (harmless when not halted).
	 */
	if (dev->halted || dev->err_run) {
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
	fp_usb_seq_reset(&dev->seq);
	dev->offset = 0;
	dev->next_index = 0;
	dev->pending_flags = 0;
	dev->io_error = 0;
	dev->failing = false;
	dev->err_run = 0;
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

/*
 * Any state -> stopped. STOP goes to the device whatever the driver
 * thinks: after an error `streaming` is already false while the device
 * may still stream, and would then refuse the next START.
 */
int fplate_stop(struct fplate_dev *dev)
{
	int ret;

	ret = fplate_ctrl_out(dev, FP_USB_REQ_STOP, 0);
	fplate_halt_urbs(dev, false);
	wake_up_interruptible_all(&dev->read_wait);
	return ret;
}
