// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * main.c - fplate-gadget: configfs gadget, FunctionFS descriptors, main.
 * See gadget.h for the whole picture.
 */
#include "gadget.h"

volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	if (sig != SIGUSR1)
		stop_signal = 1;
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fplate-gadget: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

int64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT, 0644), ret = 0;
	size_t len = strlen(text);

	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		ret = -errno;
	close(fd);
	return ret;
}

static void wfile(const struct gadget *g, const char *rel, const char *fmt, ...)
{
	char path[512], text[256];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", g->dir, rel);
	ret = write_file(path, text);
	if (ret)
		die("writing '%s' to %s: %s", text, path, strerror(-ret));
}

static void mkdirs(const struct gadget *g, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", g->dir, rel);
	if (mkdir(path, 0755) && errno != EEXIST)
		die("mkdir %s: %s", path, strerror(errno));
}

/* ---- configfs gadget ---------------------------------------------------- */

static void configfs_setup(struct gadget *g)
{
	char src[512], dst[512];

	snprintf(g->dir, sizeof(g->dir), "/sys/kernel/config/usb_gadget/%s", g->o.name);
	if (access("/sys/kernel/config/usb_gadget", F_OK))
		die("/sys/kernel/config/usb_gadget missing: mount configfs and load libcomposite");
	if (mkdir(g->dir, 0755) && errno != EEXIST)
		die("mkdir %s: %s", g->dir, strerror(errno));
	wfile(g, "idVendor", "0x%04x", FP_USB_VID);
	wfile(g, "idProduct", "0x%04x", FP_USB_PID);
	wfile(g, "bcdDevice", "0x0100");
	wfile(g, "bcdUSB", "0x0200");
	mkdirs(g, "strings/0x409");
	wfile(g, "strings/0x409/serialnumber", "%s", g->o.serial);
	wfile(g, "strings/0x409/manufacturer", "fplate project");
	wfile(g, "strings/0x409/product", "fplate USB amplifier (emulated)");
	mkdirs(g, "configs/c.1");
	mkdirs(g, "configs/c.1/strings/0x409");
	wfile(g, "configs/c.1/strings/0x409/configuration", "fplate");
	wfile(g, "configs/c.1/MaxPower", "100");
	snprintf(src, sizeof(src), "%s/functions/ffs.%s", g->dir, g->o.name);
	if (mkdir(src, 0755) && errno != EEXIST)
		die("mkdir %s: %s (is usb_f_fs loaded?)", src, strerror(errno));
	snprintf(dst, sizeof(dst), "%s/configs/c.1/ffs.%s", g->dir, g->o.name);
	if (symlink(src, dst) && errno != EEXIST)
		die("symlink %s: %s", dst, strerror(errno));
	snprintf(g->ffs_dir, sizeof(g->ffs_dir), "/dev/ffs-%s", g->o.name);
	if (mkdir(g->ffs_dir, 0755) && errno != EEXIST)
		die("mkdir %s: %s", g->ffs_dir, strerror(errno));
	if (mount(g->o.name, g->ffs_dir, "functionfs", 0, NULL) && errno != EBUSY)
		die("mount -t functionfs %s %s: %s", g->o.name, g->ffs_dir, strerror(errno));
}

static void udc_bind(struct gadget *g)
{
	char udc[64] = "";
	FILE *f;

	if (g->o.udc) {
		snprintf(udc, sizeof(udc), "%s", g->o.udc);
	} else {
		f = popen("ls /sys/class/udc 2>/dev/null", "r");
		if (!f || !fgets(udc, sizeof(udc), f))
			die("no USB device controller in /sys/class/udc (is dummy_hcd loaded?)");
		pclose(f);
		udc[strcspn(udc, "\n")] = '\0';
	}
	wfile(g, "UDC", "%s", udc);
}

static void configfs_teardown(struct gadget *g)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/UDC", g->dir);
	write_file(path, "\n");
	if (g->ep1 >= 0)
		close(g->ep1);
	close(g->ep0);
	umount(g->ffs_dir);
	rmdir(g->ffs_dir);
	snprintf(path, sizeof(path), "%s/configs/c.1/ffs.%s", g->dir, g->o.name);
	unlink(path);
	snprintf(path, sizeof(path), "%s/configs/c.1/strings/0x409", g->dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/configs/c.1", g->dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/functions/ffs.%s", g->dir, g->o.name);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/strings/0x409", g->dir);
	rmdir(path);
	rmdir(g->dir);
}

/* ---- FunctionFS descriptors ------------------------------------------- */

struct ep_descs {
	struct usb_interface_descriptor intf;
	struct usb_endpoint_descriptor_no_audio in;
} __attribute__((packed));

static void write_descriptors(struct gadget *g)
{
	struct {
		struct usb_functionfs_descs_head_v2 head;
		__le32 fs_count, hs_count;
		struct ep_descs fs, hs;
	} __attribute__((packed)) d;
	struct {
		struct usb_functionfs_strings_head head;
		__le16 lang;
		char str1[sizeof("fplate data")];
	} __attribute__((packed)) s;
	const struct usb_interface_descriptor intf = {
		.bLength = sizeof(intf), .bDescriptorType = USB_DT_INTERFACE,
		.bInterfaceNumber = 0, .bNumEndpoints = 1,
		.bInterfaceClass = FP_USB_IFACE_CLASS,
		.bInterfaceSubClass = FP_USB_IFACE_SUBCLASS,
		.bInterfaceProtocol = FP_USB_IFACE_PROTOCOL, .iInterface = 1,
	};
	char path[256];

	memset(&d, 0, sizeof(d));
	d.head.magic = htole32(FUNCTIONFS_DESCRIPTORS_MAGIC_V2);
	d.head.length = htole32(sizeof(d));
	d.head.flags = htole32(FUNCTIONFS_HAS_FS_DESC | FUNCTIONFS_HAS_HS_DESC);
	d.fs_count = d.hs_count = htole32(2);
	d.fs.intf = d.hs.intf = intf;
	d.fs.in.bLength = d.hs.in.bLength = sizeof(d.fs.in);
	d.fs.in.bDescriptorType = d.hs.in.bDescriptorType = USB_DT_ENDPOINT;
	d.fs.in.bEndpointAddress = d.hs.in.bEndpointAddress = FP_USB_EP_DATA_IN;
	d.fs.in.bmAttributes = d.hs.in.bmAttributes = USB_ENDPOINT_XFER_BULK;
	d.fs.in.wMaxPacketSize = htole16(FP_USB_MPS_FS);
	d.hs.in.wMaxPacketSize = htole16(FP_USB_MPS_HS);

	memset(&s, 0, sizeof(s));
	s.head.magic = htole32(FUNCTIONFS_STRINGS_MAGIC);
	s.head.length = htole32(sizeof(s));
	s.head.str_count = htole32(1);
	s.head.lang_count = htole32(1);
	s.lang = htole16(0x0409);
	memcpy(s.str1, "fplate data", sizeof(s.str1));

	snprintf(path, sizeof(path), "%s/ep0", g->ffs_dir);
	g->ep0 = open(path, O_RDWR);
	if (g->ep0 < 0)
		die("open %s: %s", path, strerror(errno));
	if (write(g->ep0, &d, sizeof(d)) != sizeof(d))
		die("writing descriptors to %s: %s", path, strerror(errno));
	if (write(g->ep0, &s, sizeof(s)) != sizeof(s))
		die("writing strings to %s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/ep1", g->ffs_dir);
	g->ep1 = open(path, O_RDWR);
	if (g->ep1 < 0)
		die("open %s: %s", path, strerror(errno));
}

int main(int argc, char **argv)
{
	static struct gadget g = {
		.o = {
			.name = "fplate", .serial = "FPEMU0001", .source = "builtin:1",
			.plates = 2, .channels = 6, .rate = 2000, .max_rate = 10000,
			.fifo_ms = 1000, .sync_period = 200, .sync_width = 20,
			.restart_after = -1,
		},
		.ep0 = -1, .ep1 = -1,
		.lock = PTHREAD_MUTEX_INITIALIZER,
	};
	struct sigaction sa = { .sa_handler = on_signal };
	pthread_condattr_t ca;
	char msg[FP_MSG_MAX] = "";
	int ret;

	parse_options(&g.o, argc, argv);
	if (!g.o.ext_rate)
		g.o.ext_rate = g.o.rate;
	g.rate = g.o.rate;
	ret = fpgen_open(&g.gen, g.o.source, g.o.plates, g.o.channels, msg, sizeof(msg));
	if (ret)
		die("--source %s: %s", g.o.source, msg[0] ? msg : fp_strerror(ret));
	g.o.channels = g.gen.channels;
	g.gen.sync_period = g.o.sync_period;
	g.gen.sync_width = g.o.sync_width;
	g.gen.trigger_at = g.o.trigger_at;
	load_calibration(&g);

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g.cond, &ca);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL); /* interrupts write(): no SA_RESTART */

	configfs_setup(&g);
	write_descriptors(&g);
	if (pthread_create(&g.stream_thread, NULL, stream_main, &g))
		die("pthread_create failed");
	udc_bind(&g);
	fprintf(stderr, "fplate-gadget: serial %s, %u plates x %u channels, %u Hz, K=%u, source %s\n",
		g.o.serial, g.o.plates, g.o.channels, g.o.rate, pick_k(&g, g.o.rate), g.o.source);

	ep0_loop(&g);

	stop_stream(&g);
	pthread_mutex_lock(&g.lock);
	g.quit = 1;
	pthread_cond_broadcast(&g.cond);
	pthread_mutex_unlock(&g.lock);
	configfs_teardown(&g); /* unbinding fails the pending write, if any */
	pthread_join(g.stream_thread, NULL);
	write_stats(&g);
	fpgen_close(&g.gen);
	return 0;
}
