// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * comedi_map.c - the wiring of force plates to a DAQ card: URI channel
 * lists, the JSON wiring file, plates x channels inference and the raw ->
 * volts converter. Pure parsing and arithmetic, so it is unit-tested
 * without a card (tests/unit/test_comedi_map.c); comedi.c applies the
 * result to a real device.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <comedi.h>
#include <jansson.h>

#include "comedi_map.h"

#include "util_int.h"

void fp_cmap_init(struct fp_comedi_map *map)
{
	memset(map, 0, sizeof(*map));
	snprintf(map->device, sizeof(map->device), "/dev/comedi0");
	map->subdevice = -1;
	map->rate_hz = 2000;
	map->default_range = 0;
	map->default_aref = AREF_GROUND;
	map->sync_threshold_v = 2.5;
	map->belt.range = FP_CMAP_RANGE_DEFAULT;
	map->belt.aref = -1;
	map->sync.range = FP_CMAP_RANGE_DEFAULT;
	map->sync.aref = -1;
}

static void chan_init(struct fp_cmap_chan *ch, unsigned int chan)
{
	ch->chan = chan;
	ch->range = FP_CMAP_RANGE_DEFAULT;
	ch->range_v = 0;
	ch->aref = -1;
}

int fp_cmap_parse_chanlist(const char *text, const char *field, unsigned int *out,
			   unsigned int max, unsigned int *n, char *msg, size_t msg_len)
{
	const char *p = text;

	*n = 0;
	if (!text || !*text) {
		MSG("%s: empty channel list (expected e.g. 0-5,8-13)", field);
		return -EINVAL;
	}
	while (*p) {
		char tok[32], *dash;
		size_t len = strcspn(p, ",");
		long a, b;

		if (len == 0 || len >= sizeof(tok)) {
			MSG("%s: bad entry in '%s' (expected channel numbers or ranges A-B separated by commas)",
			    field, text);
			return -EINVAL;
		}
		memcpy(tok, p, len);
		tok[len] = '\0';
		dash = strchr(tok, '-');
		if (dash)
			*dash = '\0';
		if (fp_parse_long(tok, &a) || (dash && fp_parse_long(dash + 1, &b))) {
			MSG("%s: '%.*s' in '%s' is not a channel number or range A-B", field,
			    (int)len, p, text);
			return -EINVAL;
		}
		if (!dash)
			b = a;
		if (a < 0 || b > FP_CMAP_MAX_CARD_CHAN || a > b) {
			MSG("%s: '%.*s' in '%s' is not a valid channel range (0..%d, ascending)",
			    field, (int)len, p, text, FP_CMAP_MAX_CARD_CHAN);
			return -EINVAL;
		}
		for (long c = a; c <= b; c++) {
			for (unsigned int i = 0; i < *n; i++) {
				if (out[i] == (unsigned int)c) {
					MSG("%s: channel %ld is listed twice in '%s'", field, c, text);
					return -EINVAL;
				}
			}
			if (*n >= max) {
				MSG("%s: '%s' lists more than %u channels", field, text, max);
				return -EINVAL;
			}
			out[(*n)++] = (unsigned int)c;
		}
		p += len;
		if (*p == ',') {
			p++;
			if (!*p) {
				MSG("%s: trailing comma in '%s'", field, text);
				return -EINVAL;
			}
		}
	}
	return 0;
}

int fp_cmap_parse_aref(const char *text, int *aref)
{
	static const struct { const char *name; int aref; } names[] = {
		{ "ground", AREF_GROUND }, { "common", AREF_COMMON },
		{ "diff", AREF_DIFF }, { "differential", AREF_DIFF },
		{ "other", AREF_OTHER },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (text && !strcmp(text, names[i].name)) {
			*aref = names[i].aref;
			return 0;
		}
	}
	return -EINVAL;
}

int fp_cmap_parse_range(const char *text, struct fp_cmap_chan *ch)
{
	size_t len = text ? strlen(text) : 0;
	long idx;

	if (len == 0 || len > 30)
		return -EINVAL;
	if (text[len - 1] == 'V' || text[len - 1] == 'v') {
		char num[32];
		double v;

		memcpy(num, text, len - 1);
		num[len - 1] = '\0';
		if (fp_parse_double(num, &v) || !(v > 0) || v > 1000)
			return -EINVAL;
		ch->range = FP_CMAP_RANGE_DEFAULT;
		ch->range_v = v;
		return 0;
	}
	if (fp_parse_long(text, &idx) || idx < 0 || idx > 255)
		return -EINVAL;
	ch->range = (int)idx;
	ch->range_v = 0;
	return 0;
}

void fp_cmap_format_chanlist(const unsigned int *chans, unsigned int n, char *buf, size_t len)
{
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	for (unsigned int i = 0; i < n && used < len; i++) {
		unsigned int j = i;

		while (j + 1 < n && chans[j + 1] == chans[j] + 1)
			j++;
		if (j >= i + 2) {
			used += (size_t)snprintf(buf + used, len - used, "%s%u-%u",
						 i ? "," : "", chans[i], chans[j]);
		} else {
			used += (size_t)snprintf(buf + used, len - used, "%s%u",
						 i ? "," : "", chans[i]);
			j = i;
		}
		i = j;
	}
}

/* "range" / "aref": one value for every plate channel or one per channel. */
static int apply_list(struct fp_comedi_map *map, const char *key, const char *text,
		      char *msg, size_t msg_len)
{
	char copy[256], *save = NULL, *tok;
	unsigned int count = 0;
	int is_range = !strcmp(key, "range");

	snprintf(copy, sizeof(copy), "%s", text);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		count++;
	if (count != 1 && count != map->n_plate_chans) {
		MSG("comedi://: parameter '%s' value '%s': give one value or one per channel (%u)",
		    key, text, map->n_plate_chans);
		return -EINVAL;
	}
	snprintf(copy, sizeof(copy), "%s", text);
	tok = strtok_r(copy, ",", &save);
	for (unsigned int i = 0; tok; i++, tok = strtok_r(NULL, ",", &save)) {
		struct fp_cmap_chan tmp = { 0 };
		int aref;

		if (is_range ? fp_cmap_parse_range(tok, &tmp) : fp_cmap_parse_aref(tok, &aref)) {
			MSG("comedi://: parameter '%s' value '%s' (expected %s)", key, tok,
			    is_range ? "a range index such as 0 or volts such as 10V"
				     : "ground, common, diff or other");
			return -EINVAL;
		}
		if (count == 1) {
			if (is_range) {
				map->default_range = tmp.range;
				map->default_range_v = tmp.range_v;
			} else {
				map->default_aref = aref;
			}
			break;
		}
		if (is_range) {
			map->plate_chan[i].range = tmp.range;
			map->plate_chan[i].range_v = tmp.range_v;
		} else {
			map->plate_chan[i].aref = aref;
		}
	}
	return 0;
}

static const char *const wiring_owned[] = {
	"channels", "range", "aref", "plates", "belt", "belt_scale", "belt_offset",
	"sync", "sync_threshold", NULL
};

static int uri_channels(const struct fp_uri *uri, struct fp_comedi_map *map,
			char *msg, size_t msg_len)
{
	unsigned int chans[FP_CMAP_PLATE_CHANS];
	const char *v;
	long l;
	int ret;

	ret = fp_cmap_parse_chanlist(fp_uri_get(uri, "channels") ? fp_uri_get(uri, "channels")
				     : "0-5", "comedi://: parameter 'channels'", chans,
				     FP_CMAP_PLATE_CHANS, &map->n_plate_chans, msg, msg_len);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < map->n_plate_chans; i++)
		chan_init(&map->plate_chan[i], chans[i]);
	if ((v = fp_uri_get(uri, "range")) && (ret = apply_list(map, "range", v, msg, msg_len)))
		return ret;
	if ((v = fp_uri_get(uri, "aref")) && (ret = apply_list(map, "aref", v, msg, msg_len)))
		return ret;
	if (fp_uri_get(uri, "belt")) {
		ret = fp_uri_get_long(uri, "belt", 0, 0, FP_CMAP_MAX_CARD_CHAN, &l, msg, msg_len);
		if (ret)
			return ret;
		map->has_belt = 1;
		chan_init(&map->belt, (unsigned int)l);
		if (!fp_uri_get(uri, "belt_scale")) {
			MSG("comedi://: parameter 'belt=%ld' needs belt_scale=M/S_PER_VOLT", l);
			return -EINVAL;
		}
		ret = fp_uri_get_double(uri, "belt_scale", 1, -1e6, 1e6,
					&map->belt_scale_mps_per_v, msg, msg_len);
		ret = ret ? ret : fp_uri_get_double(uri, "belt_offset", 0, -1e3, 1e3,
						    &map->belt_offset_v, msg, msg_len);
		if (ret)
			return ret;
	} else if (fp_uri_get(uri, "belt_scale") || fp_uri_get(uri, "belt_offset")) {
		MSG("comedi://: parameter 'belt_scale'/'belt_offset' without belt=CHANNEL");
		return -EINVAL;
	}
	if (fp_uri_get(uri, "sync")) {
		ret = fp_uri_get_long(uri, "sync", 0, 0, FP_CMAP_MAX_CARD_CHAN, &l, msg, msg_len);
		if (ret)
			return ret;
		map->has_sync = 1;
		chan_init(&map->sync, (unsigned int)l);
	}
	return fp_uri_get_double(uri, "sync_threshold", map->sync_threshold_v, -1e3, 1e3,
				 &map->sync_threshold_v, msg, msg_len);
}

int fp_cmap_from_uri(const struct fp_uri *uri, struct fp_comedi_map *map,
		     char *msg, size_t msg_len)
{
	static const char *const keys[] = {
		"subdevice", "channels", "plates", "range", "aref", "rate", "wiring",
		"belt", "belt_scale", "belt_offset", "sync", "sync_threshold", "buffer_kb", NULL
	};
	const char *wiring = fp_uri_get(uri, "wiring");
	long plates = 0, l;
	int ret;

	fp_cmap_init(map);
	ret = fp_uri_check_keys(uri, keys, msg, msg_len);
	if (ret)
		return ret;
	if (wiring) {
		for (const char *const *k = wiring_owned; *k; k++) {
			if (fp_uri_get(uri, *k)) {
				MSG("comedi://: parameter '%s' conflicts with wiring=%s (the wiring file describes the channels)",
				    *k, wiring);
				return -EINVAL;
			}
		}
		ret = fp_cmap_load_wiring(wiring, map, msg, msg_len);
	} else {
		ret = uri_channels(uri, map, msg, msg_len);
		ret = ret ? ret : fp_uri_get_long(uri, "plates", 0, 1, FP_MAX_PLATES, &plates,
						  msg, msg_len);
	}
	if (ret)
		return ret;
	if (uri->path[0])
		snprintf(map->device, sizeof(map->device), "%s", uri->path);
	ret = fp_uri_get_long(uri, "subdevice", map->subdevice, 0, 255, &l, msg, msg_len);
	if (ret)
		return ret;
	map->subdevice = (int)l;
	ret = fp_uri_get_double(uri, "rate", map->rate_hz, 0.01, 1e7, &map->rate_hz, msg, msg_len);
	ret = ret ? ret : fp_uri_get_long(uri, "buffer_kb", map->buffer_kb, 0, 1 << 20, &l,
					  msg, msg_len);
	if (ret)
		return ret;
	map->buffer_kb = (unsigned int)l;
	return fp_cmap_finish(map, (uint32_t)plates, msg, msg_len);
}

/* Where a card channel is used, for "used twice" messages. */
static void describe_use(const struct fp_comedi_map *map, unsigned int idx, char *buf, size_t len)
{
	if (idx < map->n_plate_chans && map->plate_name[idx / map->channels][0])
		snprintf(buf, len, "plate '%s' channel %u", map->plate_name[idx / map->channels],
			 idx % map->channels + 1);
	else if (idx < map->n_plate_chans)
		snprintf(buf, len, "plate %u channel %u", idx / map->channels + 1,
			 idx % map->channels + 1);
	else if (idx == map->n_plate_chans && map->has_belt)
		snprintf(buf, len, "belt");
	else
		snprintf(buf, len, "sync");
}

static int infer_layout(struct fp_comedi_map *map, uint32_t plates, char *msg, size_t msg_len)
{
	uint32_t n = map->n_plate_chans;
	int fits6 = n % 6 == 0 && n / 6 >= 1 && n / 6 <= FP_MAX_PLATES;
	int fits8 = n % 8 == 0 && n / 8 >= 1 && n / 8 <= FP_MAX_PLATES;

	if (map->file_plates)
		plates = map->file_plates;
	if (plates) {
		if (n == plates * 6 || n == plates * 8) {
			map->plates = plates;
			map->channels = n / plates;
			return 0;
		}
		MSG("comedi://: %u plate channels do not make %u plate(s) of 6 or 8 channels",
		    n, plates);
		return -EINVAL;
	}
	if (fits6 && fits8) {
		MSG("comedi://: %u channels could be %u plates x 6 or %u plates x 8: add plates=N",
		    n, n / 6, n / 8);
		return -EINVAL;
	}
	if (!fits6 && !fits8) {
		MSG("comedi://: %u plate channels: expected 6 or 8 per plate, 1 to %d plates (belt and sync go in belt= and sync=)",
		    n, FP_MAX_PLATES);
		return -EINVAL;
	}
	map->channels = fits6 ? 6 : 8;
	map->plates = n / map->channels;
	return 0;
}

static void fill_defaults(const struct fp_comedi_map *map, struct fp_cmap_chan *ch)
{
	if (ch->range == FP_CMAP_RANGE_DEFAULT && !(ch->range_v > 0)) {
		ch->range = map->default_range;
		ch->range_v = map->default_range_v;
	}
	if (ch->aref < 0)
		ch->aref = map->default_aref;
}

int fp_cmap_finish(struct fp_comedi_map *map, uint32_t plates, char *msg, size_t msg_len)
{
	struct fp_cmap_chan scan[FP_CMAP_MAX_SCAN];
	unsigned int n;
	int ret, bi, si;

	if (map->n_plate_chans == 0) {
		MSG("comedi://: no force-plate channels (channels=... or a wiring file)");
		return -EINVAL;
	}
	ret = infer_layout(map, plates, msg, msg_len);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < map->n_plate_chans; i++)
		fill_defaults(map, &map->plate_chan[i]);
	if (map->has_belt)
		fill_defaults(map, &map->belt);
	if (map->has_sync)
		fill_defaults(map, &map->sync);
	n = fp_cmap_scan(map, scan, &bi, &si);
	for (unsigned int i = 0; i < n; i++) {
		for (unsigned int j = 0; j < i; j++) {
			char a[64], b[64];

			if (scan[i].chan != scan[j].chan)
				continue;
			describe_use(map, j, a, sizeof(a));
			describe_use(map, i, b, sizeof(b));
			MSG("comedi://: card channel %u is used twice (%s and %s)", scan[i].chan, a, b);
			return -EINVAL;
		}
	}
	return 0;
}

unsigned int fp_cmap_scan(const struct fp_comedi_map *map, struct fp_cmap_chan *out,
			  int *belt_index, int *sync_index)
{
	unsigned int n = map->n_plate_chans;

	memcpy(out, map->plate_chan, n * sizeof(*out));
	*belt_index = *sync_index = -1;
	if (map->has_belt) {
		*belt_index = (int)n;
		out[n++] = map->belt;
	}
	if (map->has_sync) {
		*sync_index = (int)n;
		out[n++] = map->sync;
	}
	return n;
}

void fp_cconv_linear(struct fp_cconv *c, double min_v, double max_v, uint32_t maxdata)
{
	memset(c, 0, sizeof(*c));
	c->order = 1;
	c->coef[0] = min_v;
	c->coef[1] = maxdata ? (max_v - min_v) / maxdata : 0;
	c->maxdata = maxdata;
}

int fp_cconv_poly(struct fp_cconv *c, const double *coef, unsigned int order,
		  double origin, uint32_t maxdata)
{
	if (order > FP_CCONV_MAX_ORDER)
		return -EINVAL;
	for (unsigned int i = 0; i <= order; i++)
		if (!isfinite(coef[i]))
			return -EINVAL;
	if (!isfinite(origin))
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	memcpy(c->coef, coef, (order + 1) * sizeof(double));
	c->order = order;
	c->origin = origin;
	c->maxdata = maxdata;
	return 0;
}
