// SPDX-License-Identifier: GPL-2.0
/*
 * fplate_main.c - USB driver for fplate force-plate amplifiers: module
 * parameters, probe (device information, ring and URBs), disconnect,
 * suspend/resume. The files and the locking rules: fplate_drv.h.
 */
#include "fplate_drv.h"

static unsigned int ring_ms = 2000;
module_param(ring_ms, uint, 0444);
MODULE_PARM_DESC(ring_ms,
		 "ring capacity in ms of data at the device's maximum rate (100..60000, default 2000)");

static unsigned int n_urbs = 8;
module_param(n_urbs, uint, 0444);
MODULE_PARM_DESC(n_urbs, "bulk IN transfers kept in flight per device (2..32, default 8)");

/*
 * The URBs and their coherent buffers belong to the host controller: freed
 * at disconnect (or a failed probe), never at the last close, by which time
 * the controller may be gone (dock unplugged, xhci unbound).
 */
static void fplate_free_urbs(struct fplate_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->n_urbs; i++) {
		struct urb *urb = dev->urbs[i];

		if (!urb)
			continue;
		if (urb->transfer_buffer)
			usb_free_coherent(dev->udev, dev->pkt_size, urb->transfer_buffer,
					  urb->transfer_dma);
		usb_free_urb(urb);
		dev->urbs[i] = NULL;
	}
	dev->n_urbs = 0;
}

void fplate_delete(struct kref *kref)
{
	struct fplate_dev *dev = container_of(kref, struct fplate_dev, kref);

	fplate_free_urbs(dev);	/* only a failed probe left any */
	vfree(dev->ring);
	usb_put_dev(dev->udev);
	kfree(dev);
}

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
		FPLATE_REFUSE("max_rate_hz (1..65535)", max_rate);
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

/* GET_INFO, checked, into *out (probe, and after SET_RATE: K follows the rate). */
int fplate_read_info(struct fplate_dev *dev, struct usb_interface *intf,
		     struct fplate_info *out)
{
	struct fp_usb_info *in;
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
	if (strchr(out->serial, '/'))
		dev_warn(&intf->dev,
			 "serial \"%s\" contains '/': no /dev/fplate/by-serial link (60-fplate.rules)\n",
			 out->serial);
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
	 * room for the largest packet the protocol allows (FP_USB_PKT_MAX,
	 * whatever K the rate gives later) plus one wMaxPacketSize, so a
	 * packet that fills whole USB packets still ends with its ZLP.
	 * wMaxPacketSize need not be a power of two: roundup(), not round_up().
	 */
	dev->pkt_size = roundup(FP_USB_PKT_MAX, dev->maxp) + dev->maxp;
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
	INIT_WORK(&dev->halt_work, fplate_halt_work);
	INIT_DELAYED_WORK(&dev->fail_work, fplate_fail_work);
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

	ret = fplate_read_info(dev, interface, &dev->info);
	if (ret)
		goto error;
	/*
	 * The device may still stream for a driver that went away (rmmod,
	 * rebind after a reset at resume): STOP it, so START works later.
	 */
	ret = fplate_ctrl_out(dev, FP_USB_REQ_STOP, 0);
	if (ret)
		dev_warn(&interface->dev, "STOP at probe failed: %d\n", ret);
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

	/* Not under io_mutex: the work takes it. It sees `disconnected`. */
	cancel_work_sync(&dev->halt_work);
	/* A failing stream was this unplug: read() says ENODEV, not EIO. */
	cancel_delayed_work_sync(&dev->fail_work);
	usb_kill_anchored_urbs(&dev->anchor);
	/* Nothing submits after `disconnected`; an open file keeps only the ring. */
	fplate_free_urbs(dev);
	wake_up_interruptible_all(&dev->read_wait);
	dev_info(&interface->dev, "fplate disconnected\n");
	kref_put(&dev->kref, fplate_delete);
}

static int fplate_suspend(struct usb_interface *intf, pm_message_t message)
{
	struct fplate_dev *dev = usb_get_intfdata(intf);

	if (!dev)
		return 0;
	/* A pending endpoint clear would resubmit behind our back. */
	cancel_work_sync(&dev->halt_work);
	fplate_halt_urbs(dev, true);
	return 0;
}

static int fplate_resume(struct usb_interface *intf)
{
	struct fplate_dev *dev = usb_get_intfdata(intf);
	bool streaming, halted;
	int ret = 0;

	if (!dev)
		return 0;
	spin_lock_irq(&dev->lock);
	dev->suspended = false;
	streaming = dev->streaming && !dev->failing;	/* fail_work ends it */
	halted = dev->halted;
	spin_unlock_irq(&dev->lock);
	/* A stall seen before suspend: clear it first, the work resubmits. */
	if (halted)
		schedule_work(&dev->halt_work);
	else if (streaming)	/* packets lost meanwhile show as a gap */
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
struct usb_driver fplate_driver = {
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
