// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * comedi_wiring.c - load the JSON wiring file of the comedi:// backend
 * (format in docs/comedi.md). A lab writes it once: which card channels
 * carry which plate's outputs, their ranges and references, the belt-speed
 * and sync channels, and which plate calibration file goes with them.
 *
 * Every error names the file, the field (JSON path such as
 * plates[1].channels[2]) and the value, and unknown fields are refused so
 * that a typo is not silently ignored.
 */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <comedi.h>
#include <jansson.h>

#include "comedi_map.h"

#define FP_WIRING_VERSION 1

struct wctx {
	const char *path;
	char *msg;
	size_t msg_len;
};

__attribute__((format(printf, 3, 4)))
static int werr(const struct wctx *w, const char *field, const char *fmt, ...)
{
	char what[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (w->msg && w->msg_len) {
		/* keep the field and the reason when the path is very long */
		size_t pl = strlen(w->path);

		snprintf(w->msg, w->msg_len, "%s%s: field '%s': %s", pl > 160 ? "..." : "",
			 pl > 160 ? w->path + pl - 157 : w->path, field, what);
	}
	return -EINVAL;
}

/* The value a field holds, for messages: 2000, "2000" (a string), an object... */
static const char *value_text(const json_t *v, char *buf, size_t len)
{
	switch (json_typeof(v)) {
	case JSON_INTEGER:
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(buf, len, "%.10g", json_real_value(v));
		break;
	case JSON_STRING:
		snprintf(buf, len, "\"%.40s\" (a string)", json_string_value(v));
		break;
	case JSON_OBJECT: snprintf(buf, len, "an object"); break;
	case JSON_ARRAY:  snprintf(buf, len, "a list"); break;
	case JSON_TRUE:
	case JSON_FALSE:  snprintf(buf, len, "a boolean"); break;
	default:          snprintf(buf, len, "null"); break;
	}
	return buf;
}

/* Refuse keys of obj not in allowed (NULL-terminated). */
static int check_keys(const struct wctx *w, json_t *obj, const char *where,
		      const char *const *allowed)
{
	const char *key;
	json_t *val;

	json_object_foreach(obj, key, val) {
		const char *const *a;
		char field[96];

		for (a = allowed; *a && strcmp(*a, key); a++)
			;
		if (*a)
			continue;
		snprintf(field, sizeof(field), "%s%s%s", where, *where ? "." : "", key);
		return werr(w, field, "unknown field (misspelt?)");
	}
	return 0;
}

static int get_number(const struct wctx *w, json_t *obj, const char *key, const char *field,
		      double min, double max, double *out)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (!json_is_number(v) || !(json_number_value(v) >= min) ||
	    !(json_number_value(v) <= max)) {
		char got[64];

		return werr(w, field, "value %s: expected a number from %.10g to %.10g",
			    value_text(v, got, sizeof(got)), min, max);
	}
	*out = json_number_value(v);
	return 0;
}

/* "range": index (integer) or "10V"; "aref": "ground" ... */
static int get_range_aref(const struct wctx *w, json_t *obj, const char *where,
			  struct fp_cmap_chan *ch)
{
	json_t *r = json_object_get(obj, "range"), *a = json_object_get(obj, "aref");
	char field[96];

	if (r) {
		char text[32];

		snprintf(field, sizeof(field), "%s%srange", where, *where ? "." : "");
		if (json_is_integer(r))
			snprintf(text, sizeof(text), "%lld", (long long)json_integer_value(r));
		else if (json_is_string(r))
			snprintf(text, sizeof(text), "%s", json_string_value(r));
		else
			value_text(r, text, sizeof(text));   /* refused below, named */
		if (!(json_is_integer(r) || json_is_string(r)) || fp_cmap_parse_range(text, ch))
			return werr(w, field, "value '%s': expected a range index (0, 1, ...) or volts such as \"10V\"",
				    text);
	}
	if (a) {
		snprintf(field, sizeof(field), "%s%saref", where, *where ? "." : "");
		if (!json_is_string(a) || fp_cmap_parse_aref(json_string_value(a), &ch->aref)) {
			char got[64];

			return werr(w, field, "value '%s': expected \"ground\", \"common\", \"diff\" or \"other\"",
				    json_is_string(a) ? json_string_value(a) :
				    value_text(a, got, sizeof(got)));
		}
	}
	return 0;
}

static int get_chan_number(const struct wctx *w, json_t *v, const char *field,
			   unsigned int *chan)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > FP_CMAP_MAX_CARD_CHAN) {
		char got[64];

		return werr(w, field, "value %s: expected a card channel number 0..%d",
			    value_text(v, got, sizeof(got)), FP_CMAP_MAX_CARD_CHAN);
	}
	*chan = (unsigned int)json_integer_value(v);
	return 0;
}

static void chan_clear(struct fp_cmap_chan *ch)
{
	memset(ch, 0, sizeof(*ch));
	ch->range = FP_CMAP_RANGE_DEFAULT;
	ch->aref = -1;
}

/* plates[i].channels: "0-5", [0, 1, ...] or [{"channel": 0, "range": ...}, ...]. */
static int load_plate_channels(const struct wctx *w, json_t *chans, const char *where,
			       const struct fp_cmap_chan *plate_default,
			       struct fp_comedi_map *map, unsigned int *count)
{
	unsigned int list[FP_MAX_CHANNELS + 1];
	char field[96];
	size_t i;
	json_t *v;

	snprintf(field, sizeof(field), "%s.channels", where);
	*count = 0;
	if (json_is_string(chans)) {
		char m[160];

		if (fp_cmap_parse_chanlist(json_string_value(chans), "channel list", list,
					   FP_MAX_CHANNELS + 1, count, m, sizeof(m)))
			return werr(w, field, "%s", m);
		for (i = 0; i < *count && *count <= FP_MAX_CHANNELS; i++) {
			struct fp_cmap_chan *ch = &map->plate_chan[map->n_plate_chans + i];

			*ch = *plate_default;
			ch->chan = list[i];
		}
	} else if (json_is_array(chans)) {
		json_array_foreach(chans, i, v) {
			struct fp_cmap_chan *ch;
			char ef[112];

			if (i >= FP_MAX_CHANNELS)
				break;
			ch = &map->plate_chan[map->n_plate_chans + i];
			*ch = *plate_default;
			snprintf(ef, sizeof(ef), "%s[%zu]", field, i);
			if (json_is_object(v)) {
				static const char *const keys[] = { "channel", "range", "aref", NULL };
				json_t *c = json_object_get(v, "channel");
				char cf[128];

				snprintf(cf, sizeof(cf), "%s.channel", ef);
				if (check_keys(w, v, ef, keys))
					return -EINVAL;
				if (!c)
					return werr(w, cf, "missing");
				if (get_chan_number(w, c, cf, &ch->chan) ||
				    get_range_aref(w, v, ef, ch))
					return -EINVAL;
			} else if (get_chan_number(w, v, ef, &ch->chan)) {
				return -EINVAL;
			}
		}
		*count = (unsigned int)json_array_size(chans);
	} else {
		return werr(w, field, "expected a list of channels such as \"0-5\" or [0, 1, 2, 3, 4, 5]");
	}
	if (*count != 6 && *count != 8)
		return werr(w, field, "%u channels: a plate has 6 or 8", *count);
	return 0;
}

static int load_plates(const struct wctx *w, json_t *plates, struct fp_comedi_map *map)
{
	static const char *const keys[] = { "name", "channels", "range", "aref", NULL };
	unsigned int first_count = 0;
	size_t i;
	json_t *p;

	if (!json_is_array(plates) || json_array_size(plates) < 1 ||
	    json_array_size(plates) > FP_MAX_PLATES)
		return werr(w, "plates", "expected a list of 1 to %d plates", FP_MAX_PLATES);
	json_array_foreach(plates, i, p) {
		struct fp_cmap_chan plate_default;
		unsigned int count;
		char where[32], field[48];
		json_t *name, *chans;

		snprintf(where, sizeof(where), "plates[%zu]", i);
		if (!json_is_object(p))
			return werr(w, where, "expected an object with \"channels\"");
		if (check_keys(w, p, where, keys))
			return -EINVAL;
		name = json_object_get(p, "name");
		if (name && (!json_is_string(name) ||
			     strlen(json_string_value(name)) >= sizeof(map->plate_name[0]))) {
			snprintf(field, sizeof(field), "%s.name", where);
			return werr(w, field, "expected a string of at most %zu characters",
				    sizeof(map->plate_name[0]) - 1);
		}
		snprintf(map->plate_name[i], sizeof(map->plate_name[i]), "%s",
			 name ? json_string_value(name) : "");
		chan_clear(&plate_default);
		if (get_range_aref(w, p, where, &plate_default))
			return -EINVAL;
		chans = json_object_get(p, "channels");
		if (!chans) {
			snprintf(field, sizeof(field), "%s.channels", where);
			return werr(w, field, "missing");
		}
		if (load_plate_channels(w, chans, where, &plate_default, map, &count))
			return -EINVAL;
		if (i > 0 && count != first_count) {
			snprintf(field, sizeof(field), "%s.channels", where);
			return werr(w, field, "%u channels but plates[0] has %u: all plates of one card need the same layout",
				    count, first_count);
		}
		first_count = count;
		map->n_plate_chans += count;
	}
	map->file_plates = (uint32_t)json_array_size(plates);
	return 0;
}

static int load_aux(const struct wctx *w, json_t *obj, const char *where,
		    struct fp_cmap_chan *ch)
{
	char field[48];
	json_t *c;

	if (!json_is_object(obj))
		return werr(w, where, "expected an object with \"channel\"");
	snprintf(field, sizeof(field), "%s.channel", where);
	c = json_object_get(obj, "channel");
	if (!c)
		return werr(w, field, "missing");
	chan_clear(ch);
	if (get_chan_number(w, c, field, &ch->chan))
		return -EINVAL;
	return get_range_aref(w, obj, where, ch);
}

static int load_belt_sync(const struct wctx *w, json_t *root, struct fp_comedi_map *map)
{
	static const char *const belt_keys[] = {
		"channel", "range", "aref", "scale_mps_per_v", "offset_v", NULL
	};
	static const char *const sync_keys[] = {
		"channel", "range", "aref", "threshold_v", NULL
	};
	json_t *belt = json_object_get(root, "belt"), *sync = json_object_get(root, "sync");

	if (belt) {
		if (load_aux(w, belt, "belt", &map->belt) ||
		    check_keys(w, belt, "belt", belt_keys))
			return -EINVAL;
		if (!json_object_get(belt, "scale_mps_per_v"))
			return werr(w, "belt.scale_mps_per_v", "missing (belt speed in m/s per volt)");
		if (get_number(w, belt, "scale_mps_per_v", "belt.scale_mps_per_v", -1e6, 1e6,
			       &map->belt_scale_mps_per_v) ||
		    get_number(w, belt, "offset_v", "belt.offset_v", -1e3, 1e3,
			       &map->belt_offset_v))
			return -EINVAL;
		map->has_belt = 1;
	}
	if (sync) {
		if (load_aux(w, sync, "sync", &map->sync) ||
		    check_keys(w, sync, "sync", sync_keys) ||
		    get_number(w, sync, "threshold_v", "sync.threshold_v", -1e3, 1e3,
			       &map->sync_threshold_v))
			return -EINVAL;
		map->has_sync = 1;
	}
	return 0;
}

/* calibration path relative to the wiring file's folder. */
static int set_calibration(const struct wctx *w, json_t *cal, struct fp_comedi_map *map)
{
	char dir_buf[512];
	const char *file;
	int n;

	if (!json_is_string(cal) || !*json_string_value(cal))
		return werr(w, "calibration", "expected the path of a calibration file");
	file = json_string_value(cal);
	/* a cut wiring path would put the calibration in another folder */
	if (file[0] != '/' &&
	    (size_t)snprintf(dir_buf, sizeof(dir_buf), "%s", w->path) >= sizeof(dir_buf))
		return werr(w, "calibration", "value '%.40s': the wiring file's path is too long "
			    "to resolve a relative path; give an absolute one", file);
	if (file[0] == '/')
		n = snprintf(map->calibration, sizeof(map->calibration), "%s", file);
	else
		n = snprintf(map->calibration, sizeof(map->calibration), "%s/%s",
			     dirname(dir_buf), file);
	if (n < 0 || (size_t)n >= sizeof(map->calibration))
		return werr(w, "calibration", "path too long");
	return 0;
}

static int load_top(const struct wctx *w, json_t *root, struct fp_comedi_map *map)
{
	static const char *const keys[] = {
		"fplate_wiring", "device", "subdevice", "rate_hz", "range", "aref",
		"buffer_kb", "calibration", "plates", "belt", "sync", NULL
	};
	struct fp_cmap_chan def;
	json_t *v;
	double d;

	if (!json_is_object(root))
		return werr(w, "(top)", "expected a JSON object");
	if (check_keys(w, root, "", keys))
		return -EINVAL;
	v = json_object_get(root, "fplate_wiring");
	if (!json_is_integer(v) || json_integer_value(v) != FP_WIRING_VERSION) {
		char got[64];

		return werr(w, "fplate_wiring", "value %s: expected the format version %d",
			    v ? value_text(v, got, sizeof(got)) : "missing", FP_WIRING_VERSION);
	}
	v = json_object_get(root, "device");
	if (v) {
		if (!json_is_string(v) || strlen(json_string_value(v)) >= sizeof(map->device))
			return werr(w, "device", "expected a device path such as \"/dev/comedi0\"");
		snprintf(map->device, sizeof(map->device), "%s", json_string_value(v));
	}
	d = map->subdevice;
	if (get_number(w, root, "subdevice", "subdevice", 0, 255, &d) ||
	    get_number(w, root, "rate_hz", "rate_hz", 0.01, 1e7, &map->rate_hz))
		return -EINVAL;
	if (d != floor(d))
		return werr(w, "subdevice", "value %.10g: expected an integer", d);
	map->subdevice = (int)d;
	d = map->buffer_kb;
	if (get_number(w, root, "buffer_kb", "buffer_kb", 0, 1 << 20, &d))
		return -EINVAL;
	map->buffer_kb = (unsigned int)d;
	chan_clear(&def);
	if (get_range_aref(w, root, "", &def))
		return -EINVAL;
	if (def.range != FP_CMAP_RANGE_DEFAULT || def.range_v > 0) {
		map->default_range = def.range;
		map->default_range_v = def.range_v;
	}
	if (def.aref >= 0)
		map->default_aref = def.aref;
	if ((v = json_object_get(root, "calibration")) && set_calibration(w, v, map))
		return -EINVAL;
	if (!json_object_get(root, "plates"))
		return werr(w, "plates", "missing (list of plates with their channels)");
	if (load_plates(w, json_object_get(root, "plates"), map))
		return -EINVAL;
	return load_belt_sync(w, root, map);
}

int fp_cmap_load_wiring(const char *path, struct fp_comedi_map *map, char *msg, size_t msg_len)
{
	struct wctx w = { path, msg, msg_len };
	struct fp_comedi_map tmp = *map;
	json_error_t jerr;
	json_t *root;
	int ret;

	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (msg && msg_len) {
			if (json_error_code(&jerr) == json_error_cannot_open_file)
				snprintf(msg, msg_len, "%s: cannot open wiring file: %s", path,
					 jerr.text);
			else
				snprintf(msg, msg_len, "%s:%d: not valid JSON: %s", path,
					 jerr.line, jerr.text);
		}
		return json_error_code(&jerr) == json_error_cannot_open_file ? -ENOENT : -EINVAL;
	}
	tmp.n_plate_chans = 0;
	tmp.file_plates = 0;
	ret = load_top(&w, root, &tmp);
	json_decref(root);
	if (ret == 0)
		*map = tmp;
	return ret;
}
