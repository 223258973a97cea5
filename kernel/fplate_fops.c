// SPDX-License-Identifier: GPL-2.0
/*
 * fplate_fops.c - /dev/fplateN: open (one reader), read() of whole
 * records, poll(), and the ioctls of include/fplate/fplate_ioctl.h
 * (docs/kernel.md).
 */
#include "fplate_drv.h"

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

/*
 * SET_RATE, then GET_INFO again: the device picks samples_per_packet (K)
 * for the rate, and packets are checked against it. A device that answers
 * with another layout is not streamed from.
 */
static int fplate_set_rate(struct fplate_dev *dev, u32 rate)
{
	struct fplate_info *now;
	int ret;

	ret = fplate_ctrl_out(dev, FP_USB_REQ_SET_RATE, rate);
	if (ret)
		return ret;
	now = kzalloc(sizeof(*now), GFP_KERNEL);
	if (!now)
		return -ENOMEM;
	ret = fplate_read_info(dev, dev->interface, now);
	if (!ret && (now->plates != dev->info.plates || now->channels != dev->info.channels ||
		     now->max_rate_hz != dev->info.max_rate_hz || now->rate_hz != rate)) {
		dev_err(&dev->interface->dev,
			"after SET_RATE %u: device reports %u plates x %u channels at %u Hz (max %u), had %u x %u (max %u)\n",
			rate, now->plates, now->channels, now->rate_hz, now->max_rate_hz,
			dev->info.plates, dev->info.channels, dev->info.max_rate_hz);
		ret = -EPROTO;
	}
	if (!ret) {
		spin_lock_irq(&dev->lock);
		dev->info.rate_hz = now->rate_hz;
		dev->info.samples_per_packet = now->samples_per_packet;
		spin_unlock_irq(&dev->lock);
	}
	kfree(now);
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
		/* max_rate_hz <= FPLATE_MAX_RATE_HZ (probe): fits wValue */
		if (value < 1 || value > dev->info.max_rate_hz) {
			ret = -EINVAL;
			break;
		}
		if (dev->streaming) {
			ret = -EBUSY;
			break;
		}
		ret = fplate_set_rate(dev, value);
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

struct usb_class_driver fplate_class = {
	.name = "fplate%d",
	.fops = &fplate_fops,
};
