// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test_comedi_map.c - the comedi:// wiring outside the VM: channel lists,
 * URI parameters, the JSON wiring file (and the errors a lab would see),
 * plates x channels inference, and the raw -> volts converters checked
 * against comedilib's own conversion functions.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <comedilib.h>

#include "fp_test.h"
#include "comedi_map.h"
#include "fplate/calib.h"
#include "uri.h"

static int map_from(const char *text, struct fp_comedi_map *map, char *msg, size_t len)
{
	struct fp_uri uri;
	int ret = fp_uri_parse(text, &uri, msg, len);

	return ret ? ret : fp_cmap_from_uri(&uri, map, msg, len);
}

/* Write text to a temporary wiring file; returns its path (static buffer). */
static const char *wiring_file(const char *text)
{
	static char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/fp-wiring-%d.json", (int)getpid());
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_chanlist(void)
{
	unsigned int ch[16], n;
	char msg[256], text[64];

	CU_ASSERT_EQUAL(fp_cmap_parse_chanlist("0-5,8-13", "channels", ch, 16, &n, msg,
					       sizeof(msg)), 0);
	CU_ASSERT_EQUAL(n, 12);
	CU_ASSERT_EQUAL(ch[5], 5);
	CU_ASSERT_EQUAL(ch[6], 8);
	CU_ASSERT_EQUAL(ch[11], 13);
	fp_cmap_format_chanlist(ch, n, text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "0-5,8-13");
	CU_ASSERT_EQUAL(fp_cmap_parse_chanlist("7,3,4", "channels", ch, 16, &n, msg,
					       sizeof(msg)), 0);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(ch[0], 7);
	fp_cmap_format_chanlist(ch, n, text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "7,3,4");

	CU_ASSERT_EQUAL(fp_cmap_parse_chanlist("0-5,x", "channels", ch, 16, &n, msg,
					       sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'x' in '0-5,x' is not a channel number"));
	CU_ASSERT_EQUAL(fp_cmap_parse_chanlist("5-3", "channels", ch, 16, &n, msg,
					       sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'5-3'"));
	CU_ASSERT_EQUAL(fp_cmap_parse_chanlist("0-5,3", "channels", ch, 16, &n, msg,
					       sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "channel 3 is listed twice"));
	CU_ASSERT_EQUAL(fp_cmap_parse_chanlist("0-20", "channels", ch, 16, &n, msg,
					       sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "more than 16"));
	CU_ASSERT_EQUAL(fp_cmap_parse_chanlist("1,", "channels", ch, 16, &n, msg,
					       sizeof(msg)), -EINVAL);
	CU_ASSERT_EQUAL(fp_cmap_parse_chanlist("", "channels", ch, 16, &n, msg,
					       sizeof(msg)), -EINVAL);
	CU_ASSERT_EQUAL(fp_cmap_parse_chanlist("-1", "channels", ch, 16, &n, msg,
					       sizeof(msg)), -EINVAL);
}

static void test_uri_plates(void)
{
	struct fp_comedi_map m;
	char msg[256];

	CU_ASSERT_EQUAL(map_from("comedi:///dev/comedi1?channels=0-5,8-13&rate=1000", &m, msg,
				 sizeof(msg)), 0);
	CU_ASSERT_STRING_EQUAL(m.device, "/dev/comedi1");
	CU_ASSERT_EQUAL(m.plates, 2);
	CU_ASSERT_EQUAL(m.channels, 6);
	FP_ASSERT_CLOSE(m.rate_hz, 1000, 0);
	CU_ASSERT_EQUAL(m.subdevice, -1);
	CU_ASSERT_EQUAL(m.plate_chan[6].chan, 8);
	CU_ASSERT_EQUAL(m.plate_chan[6].range, 0);
	CU_ASSERT_EQUAL(m.plate_chan[6].aref, AREF_GROUND);

	CU_ASSERT_EQUAL(map_from("comedi://?channels=0-15", &m, msg, sizeof(msg)), 0);
	CU_ASSERT_STRING_EQUAL(m.device, "/dev/comedi0");
	CU_ASSERT_EQUAL(m.plates, 2);
	CU_ASSERT_EQUAL(m.channels, 8);
	CU_ASSERT_EQUAL(map_from("comedi://?channels=0-23", &m, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "4 plates x 6 or 3 plates x 8: add plates=N"));
	CU_ASSERT_EQUAL(map_from("comedi://?channels=0-23&plates=3", &m, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(m.channels, 8);
	CU_ASSERT_EQUAL(map_from("comedi://?channels=0-6", &m, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "7 plate channels: expected 6 or 8 per plate"));
	CU_ASSERT_EQUAL(map_from("comedi://?channels=0-11&plates=3", &m, msg, sizeof(msg)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "12 plate channels do not make 3 plate(s)"));
	CU_ASSERT_EQUAL(map_from("comedi://?channels=0-5&sped=3", &m, msg, sizeof(msg)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "unknown parameter 'sped'"));
	CU_ASSERT_EQUAL(map_from("comedi://?channels=0-5&rate=0", &m, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'rate'"));
}

static void test_uri_range_aref_aux(void)
{
	struct fp_comedi_map m;
	char msg[256];

	CU_ASSERT_EQUAL(map_from("comedi://?channels=0-5&range=1,1,1,0,0,0&aref=diff"
				 "&belt=8&belt_scale=0.5&belt_offset=0.1&sync=9&sync_threshold=1.5",
				 &m, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(m.plate_chan[0].range, 1);
	CU_ASSERT_EQUAL(m.plate_chan[3].range, 0);
	CU_ASSERT_EQUAL(m.plate_chan[5].aref, AREF_DIFF);
	CU_ASSERT_TRUE(m.has_belt);
	CU_ASSERT_EQUAL(m.belt.chan, 8);
	CU_ASSERT_EQUAL(m.belt.aref, AREF_DIFF);
	FP_ASSERT_CLOSE(m.belt_scale_mps_per_v, 0.5, 0);
	FP_ASSERT_CLOSE(m.belt_offset_v, 0.1, 0);
	CU_ASSERT_TRUE(m.has_sync);
	FP_ASSERT_CLOSE(m.sync_threshold_v, 1.5, 0);

	CU_ASSERT_EQUAL(map_from("comedi://?channels=0-5&range=10V", &m, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(m.plate_chan[2].range, FP_CMAP_RANGE_DEFAULT);
	FP_ASSERT_CLOSE(m.plate_chan[2].range_v, 10, 0);

	CU_ASSERT_EQUAL(map_from("comedi://?channels=0-5&range=0,1", &m, msg, sizeof(msg)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "one value or one per channel (6)"));
	CU_ASSERT_EQUAL(map_from("comedi://?channels=0-5&range=big", &m, msg, sizeof(msg)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'range' value 'big'"));
	CU_ASSERT_EQUAL(map_from("comedi://?channels=0-5&aref=floating", &m, msg, sizeof(msg)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "ground, common, diff or other"));
	CU_ASSERT_EQUAL(map_from("comedi://?channels=0-5&belt=3&belt_scale=1", &m, msg,
				 sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "card channel 3 is used twice (plate 1 channel 4 and belt)"));
	CU_ASSERT_EQUAL(map_from("comedi://?channels=0-5&belt=6", &m, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "needs belt_scale"));
	CU_ASSERT_EQUAL(map_from("comedi://?channels=0-5&belt=6&belt_scale=1&sync=6", &m, msg,
				 sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "(belt and sync)"));
}

static const char lab_wiring[] =
	"{ \"fplate_wiring\": 1, \"device\": \"/dev/comedi2\", \"rate_hz\": 1000,\n"
	"  \"aref\": \"diff\", \"range\": \"10V\", \"calibration\": \"amti.json\",\n"
	"  \"plates\": [\n"
	"    { \"name\": \"left\", \"channels\": \"0-5\" },\n"
	"    { \"name\": \"right\", \"channels\": [8, 9, 10, {\"channel\": 11, \"range\": 1,"
	" \"aref\": \"ground\"}, 12, 13] } ],\n"
	"  \"belt\": { \"channel\": 16, \"scale_mps_per_v\": 0.25, \"aref\": \"ground\" },\n"
	"  \"sync\": { \"channel\": 17, \"threshold_v\": 1.2 } }\n";

static void test_wiring_file(void)
{
	struct fp_comedi_map m;
	char msg[256], uri[128];
	const char *path = wiring_file(lab_wiring);

	fp_cmap_init(&m);
	CU_ASSERT_EQUAL_FATAL(fp_cmap_load_wiring(path, &m, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(m.n_plate_chans, 12);
	CU_ASSERT_EQUAL(m.file_plates, 2);
	snprintf(uri, sizeof(uri), "comedi://?wiring=%s&rate=500", path);
	CU_ASSERT_EQUAL_FATAL(map_from(uri, &m, msg, sizeof(msg)), 0);
	CU_ASSERT_STRING_EQUAL(m.device, "/dev/comedi2");
	FP_ASSERT_CLOSE(m.rate_hz, 500, 0);          /* the URI overrides the file */
	CU_ASSERT_EQUAL(m.plates, 2);
	CU_ASSERT_EQUAL(m.channels, 6);
	CU_ASSERT_STRING_EQUAL(m.plate_name[1], "right");
	CU_ASSERT_EQUAL(m.plate_chan[9].chan, 11);
	CU_ASSERT_EQUAL(m.plate_chan[9].range, 1);
	CU_ASSERT_EQUAL(m.plate_chan[9].aref, AREF_GROUND);
	CU_ASSERT_EQUAL(m.plate_chan[8].aref, AREF_DIFF);
	FP_ASSERT_CLOSE(m.plate_chan[8].range_v, 10, 0);
	CU_ASSERT_EQUAL(m.belt.chan, 16);
	CU_ASSERT_EQUAL(m.belt.aref, AREF_GROUND);
	FP_ASSERT_CLOSE(m.belt_scale_mps_per_v, 0.25, 0);
	CU_ASSERT_EQUAL(m.sync.chan, 17);
	FP_ASSERT_CLOSE(m.sync_threshold_v, 1.2, 0);
	CU_ASSERT_STRING_EQUAL(m.calibration, "/tmp/amti.json");

	snprintf(uri, sizeof(uri), "comedi://?wiring=%s&channels=0-5", path);
	CU_ASSERT_EQUAL(map_from(uri, &m, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'channels' conflicts with wiring="));
	unlink(path);
	snprintf(uri, sizeof(uri), "comedi://?wiring=%s", path);
	CU_ASSERT_EQUAL(map_from(uri, &m, msg, sizeof(msg)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "cannot open wiring file"));
}

/* One bad wiring file -> the error must name this field (and value). */
static void expect_wiring_error(const char *text, const char *field, const char *what)
{
	struct fp_comedi_map m;
	char msg[256], want[96];
	const char *path = wiring_file(text);

	fp_cmap_init(&m);
	CU_ASSERT_EQUAL(fp_cmap_load_wiring(path, &m, msg, sizeof(msg)), -EINVAL);
	snprintf(want, sizeof(want), "field '%s'", field);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, what));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, path));
	if (!strstr(msg, want) || !strstr(msg, what))
		fprintf(stderr, "\n  got: %s\n  want: %s ... %s\n", msg, want, what);
	unlink(path);
}

/*
 * A relative "calibration" is resolved against the wiring file's folder;
 * a wiring path too long for that buffer used to be cut silently, which
 * pointed at a calibration in some other folder.
 */
static void test_wiring_long_path(void)
{
	char dir[700], path[800], msg[512], seg[201];
	struct fp_comedi_map m;
	size_t n;
	FILE *f;

	memset(seg, 'd', 200);
	seg[200] = '\0';
	n = (size_t)snprintf(dir, sizeof(dir), "/tmp/fp-wiring-long-%d", (int)getpid());
	CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
	for (int i = 0; i < 3; i++) {
		n += (size_t)snprintf(dir + n, sizeof(dir) - n, "/%s", seg);
		CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
	}
	snprintf(path, sizeof(path), "%s/w.json", dir);
	CU_ASSERT(strlen(path) >= 512);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("{\"fplate_wiring\": 1, \"calibration\": \"cal.json\","
	      " \"plates\": [{\"channels\": \"0-5\"}]}", f);
	fclose(f);
	fp_cmap_init(&m);
	CU_ASSERT_EQUAL(fp_cmap_load_wiring(path, &m, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "field 'calibration': value 'cal.json': the wiring "
				       "file's path is too long"));
	/* an absolute calibration path needs no folder */
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("{\"fplate_wiring\": 1, \"calibration\": \"/etc/fplate/cal.json\","
	      " \"plates\": [{\"channels\": \"0-5\"}]}", f);
	fclose(f);
	fp_cmap_init(&m);
	CU_ASSERT_EQUAL(fp_cmap_load_wiring(path, &m, msg, sizeof(msg)), 0);
	CU_ASSERT_STRING_EQUAL(m.calibration, "/etc/fplate/cal.json");
	unlink(path);
	for (int i = 0; i < 4; i++) {
		rmdir(dir);
		*strrchr(dir, '/') = '\0';
	}
}

static void test_wiring_errors(void)
{
	struct fp_comedi_map m;
	char msg[256], uri[128];
	const char *path;

	expect_wiring_error("{\"fplate_wiring\": 2, \"plates\": []}", "fplate_wiring",
			    "value 2: expected the format version 1");
	expect_wiring_error("{\"plates\": []}", "fplate_wiring",
			    "value missing: expected the format version 1");
	/* every refused value is named, whatever its JSON type */
	expect_wiring_error("{\"fplate_wiring\": 1, \"plates\": [{\"channels\": \"0-5\"}],"
			    " \"rate_hz\": \"2000\"}", "rate_hz",
			    "value \"2000\" (a string): expected a number from 0.01 to 10000000");
	expect_wiring_error("{\"fplate_wiring\": 1, \"plates\": [{\"channels\": \"0-5\"}],"
			    " \"buffer_kb\": -1}", "buffer_kb",
			    "value -1: expected a number from 0 to 1048576");
	expect_wiring_error("{\"fplate_wiring\": 1, \"plates\": [{\"channels\": \"0-5\"}],"
			    " \"range\": 1.5}", "range", "value '1.5': expected a range index");
	expect_wiring_error("{\"fplate_wiring\": 1, \"plates\": [{\"channels\": \"0-5\","
			    " \"aref\": 3}]}", "plates[0].aref", "value '3': expected \"ground\"");
	expect_wiring_error("{\"fplate_wiring\": 1, \"plates\": [{\"channels\": \"0-5\"}],"
			    " \"rate\": 5}", "rate", "unknown field");
	expect_wiring_error("{\"fplate_wiring\": 1, \"plates\": [{\"channels\": \"0-4\"}]}",
			    "plates[0].channels", "5 channels: a plate has 6 or 8");
	expect_wiring_error("{\"fplate_wiring\": 1, \"plates\": [{\"channels\": \"0-5\"},"
			    " {\"channels\": \"8-15\"}]}", "plates[1].channels",
			    "all plates of one card need the same layout");
	expect_wiring_error("{\"fplate_wiring\": 1, \"plates\": [{\"channels\": [0,1,2,3,4,"
			    "{\"channel\": 5, \"aref\": \"float\"}]}]}",
			    "plates[0].channels[5].aref", "\"diff\"");
	expect_wiring_error("{\"fplate_wiring\": 1, \"plates\": [{\"channels\": [0,1,2,3,4,"
			    "\"five\"]}]}", "plates[0].channels[5]",
			    "value \"five\" (a string): expected a card channel number");
	expect_wiring_error("{\"fplate_wiring\": 1, \"plates\": [{\"channels\": \"0-5\","
			    " \"range\": \"12Q\"}]}", "plates[0].range", "value '12Q'");
	expect_wiring_error("{\"fplate_wiring\": 1, \"plates\": [{\"channels\": \"0-5\"}],"
			    " \"belt\": {\"channel\": 6}}", "belt.scale_mps_per_v", "missing");
	expect_wiring_error("{\"fplate_wiring\": 1, \"plates\": [{\"channels\": \"0-5\"}],"
			    " \"sync\": {\"chan\": 6}}", "sync.channel", "missing");
	expect_wiring_error("{\"fplate_wiring\": 1, \"plates\": [{\"channels\": \"0-5,x\"}]}",
			    "plates[0].channels", "'x' in '0-5,x'");
	expect_wiring_error("{\"fplate_wiring\": 1, \"plates\": [{\"channels\": [0, 1.5]}]}",
			    "plates[0].channels[1]", "value 1.5: expected a card channel number");
	expect_wiring_error("{\"fplate_wiring\": 1, \"subdevice\": 1.5,"
			    " \"plates\": [{\"channels\": \"0-5\"}]}", "subdevice",
			    "value 1.5: expected an integer");

	/* a channel wired to two plates, named in the message */
	path = wiring_file("{\"fplate_wiring\": 1, \"plates\": [{\"name\": \"left\","
			   " \"channels\": \"0-5\"}, {\"name\": \"right\", \"channels\": \"5-10\"}]}");
	snprintf(uri, sizeof(uri), "comedi://?wiring=%s", path);
	CU_ASSERT_EQUAL(map_from(uri, &m, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "card channel 5 is used twice (plate 'left' channel 6 and plate 'right' channel 1)"));
	unlink(path);

	/* not JSON: the line number is given */
	path = wiring_file("{\"fplate_wiring\": 1,\n \"plates\": [}\n");
	fp_cmap_init(&m);
	CU_ASSERT_EQUAL(fp_cmap_load_wiring(path, &m, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, ":2: not valid JSON"));
	unlink(path);
}

/* The README's example files parse and agree with each other. */
static void test_example_files(void)
{
	struct fp_comedi_map m;
	struct fp_calib cal;
	char path[512], uri[600], msg[256];

	snprintf(path, sizeof(path), "%s/scripts/examples/two-amti-plates.wiring.json",
		 fp_test_source_dir());
	snprintf(uri, sizeof(uri), "comedi://?wiring=%s", path);
	CU_ASSERT_EQUAL_FATAL(map_from(uri, &m, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(m.plates, 2);
	CU_ASSERT_EQUAL(m.channels, 6);
	CU_ASSERT_EQUAL(m.plate_chan[6].chan, 16);
	CU_ASSERT_EQUAL(m.plate_chan[6].aref, AREF_DIFF);
	CU_ASSERT_TRUE(m.has_belt);
	CU_ASSERT_EQUAL(m.belt.chan, 6);
	FP_ASSERT_CLOSE(m.belt.range_v, 5, 0);
	CU_ASSERT_EQUAL(fp_calib_load(m.calibration, &cal, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(cal.plates, m.plates);
	CU_ASSERT_EQUAL(cal.plate[1].channels, m.channels);
}

static void test_conv_linear(void)
{
	comedi_range rg = { .min = -10, .max = 10, .unit = UNIT_volt };
	struct fp_cconv c;
	const lsampl_t maxdata = 65535;

	fp_cconv_linear(&c, rg.min, rg.max, maxdata);
	FP_ASSERT_CLOSE(fp_cconv_volts(&c, 0), -10, 1e-12);
	FP_ASSERT_CLOSE(fp_cconv_volts(&c, maxdata), 10, 1e-12);
	FP_ASSERT_CLOSE(fp_cconv_volts(&c, 32768), 20.0 * 32768 / 65535 - 10, 1e-12);
	/* comedi_test's 1 V square wave: offset 32767 +- 65535*1/20 counts */
	FP_ASSERT_CLOSE(fp_cconv_volts(&c, 32767 + 3276), 0.99962, 1e-5);
	CU_ASSERT_TRUE(fp_cconv_saturated(&c, 0));
	CU_ASSERT_TRUE(fp_cconv_saturated(&c, maxdata));
	CU_ASSERT_FALSE(fp_cconv_saturated(&c, 1));
	/* same numbers as comedilib's comedi_to_phys (away from the rails, where
	 * comedilib returns NaN by default and we flag saturation instead) */
	for (lsampl_t raw = 1; raw < maxdata; raw += 4093)
		FP_ASSERT_CLOSE(fp_cconv_volts(&c, raw), comedi_to_phys(raw, &rg, maxdata), 1e-9);
	rg.min = 0;
	rg.max = 5;
	fp_cconv_linear(&c, rg.min, rg.max, 4095);
	for (lsampl_t raw = 1; raw < 4095; raw += 97)
		FP_ASSERT_CLOSE(fp_cconv_volts(&c, raw), comedi_to_phys(raw, &rg, 4095), 1e-9);
}

static void test_conv_poly(void)
{
	comedi_polynomial_t poly = {
		.coefficients = { 0.0123, 3.05e-4, -2e-11, 4e-16 },
		.expansion_origin = 32768, .order = 3,
	};
	struct fp_cconv c;
	double bad[2] = { NAN, 1 };

	CU_ASSERT_EQUAL_FATAL(fp_cconv_poly(&c, poly.coefficients, poly.order,
					    poly.expansion_origin, 65535), 0);
	for (lsampl_t raw = 0; raw <= 65535; raw += 1111) {
		double x = (double)raw - 32768;
		double want = 0.0123 + 3.05e-4 * x - 2e-11 * x * x + 4e-16 * x * x * x;

		FP_ASSERT_CLOSE(fp_cconv_volts(&c, raw), want, 1e-9);
		FP_ASSERT_CLOSE(fp_cconv_volts(&c, raw), comedi_to_physical(raw, &poly), 1e-9);
	}
	poly.order = 1;
	CU_ASSERT_EQUAL(fp_cconv_poly(&c, poly.coefficients, 1, poly.expansion_origin, 65535), 0);
	FP_ASSERT_CLOSE(fp_cconv_volts(&c, 40000), comedi_to_physical(40000, &poly), 1e-12);
	CU_ASSERT_EQUAL(fp_cconv_poly(&c, poly.coefficients, 4, 0, 65535), -EINVAL);
	CU_ASSERT_EQUAL(fp_cconv_poly(&c, bad, 1, 0, 65535), -EINVAL);
}

static void test_open_errors(void)
{
	struct fp_device *dev = NULL;
	char msg[256];

	/* parsing errors come before the card is touched */
	CU_ASSERT_EQUAL(fp_open("comedi:///dev/comedi0?channels=0-6", &dev, msg, sizeof(msg)),
			-EINVAL);
	CU_ASSERT_PTR_NULL(dev);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "7 plate channels"));
	CU_ASSERT_EQUAL(fp_open("comedi:///nonexistent/comedi9", &dev, msg, sizeof(msg)),
			-ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "comedi:///nonexistent/comedi9: cannot open"));
}

void fp_suite_comedi_map(void)
{
	FP_ADD_SUITE("comedi_map",
		     { "channel lists", test_chanlist },
		     { "URI plates inference", test_uri_plates },
		     { "URI range, aref, belt, sync", test_uri_range_aref_aux },
		     { "wiring file", test_wiring_file },
		     { "wiring file errors", test_wiring_errors },
		     { "wiring file with a long path", test_wiring_long_path },
		     { "README example files", test_example_files },
		     { "linear converter vs comedi_to_phys", test_conv_linear },
		     { "polynomial converter vs comedi_to_physical", test_conv_poly },
		     { "open errors", test_open_errors });
}
