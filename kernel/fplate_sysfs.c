// SPDX-License-Identifier: GPL-2.0
/*
 * fplate_sysfs.c - sysfs attributes of the bound interface: device
 * information and the stream counters (readable while another process
 * streams).
 */
#include "fplate_drv.h"

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

const struct attribute_group *fplate_groups[] = {
	&fplate_attr_group,
	&fplate_counter_group,
	NULL,
};
