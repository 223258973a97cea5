// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * calib_file.c - the JSON calibration file (docs/calibration.md).
 *
 * Parsed with jansson. Every error names the file, the field (as a JSON
 * path such as plates[1].matrix) and what was wrong, because the person
 * who reads it is a technician editing the file by hand. Unknown fields
 * are errors too, so a misspelt optional field is not silently ignored.
 * Vendor axis conventions are mapped into the fplate frame at load time;
 * the file written by fp_calib_save() is always in the fplate frame.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "calib_int.h"

struct ctx {
	const char *path;
	char *msg;
	size_t msg_len;
};

#define FAIL(c, ...) fail((c), __VA_ARGS__)

static int fail(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->msg || !c->msg_len)
		return -EINVAL;
	n = snprintf(c->msg, c->msg_len, "%s: ", c->path);
	if (n < 0 || (size_t)n >= c->msg_len)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(c->msg + n, c->msg_len - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:  return "an object";
	case JSON_ARRAY:   return "an array";
	case JSON_STRING:  return "a string";
	case JSON_INTEGER:
	case JSON_REAL:    return "a number";
	case JSON_TRUE:
	case JSON_FALSE:   return "a boolean";
	default:           return "null";
	}
}

/* A finite number at j; field names it in the message. */
static int number(struct ctx *c, const json_t *j, const char *field, double *out)
{
	if (!json_is_number(j)) {
		if (json_is_string(j))
			return FAIL(c, "%s: expected a number, got string \"%s\"", field,
				    json_string_value(j));
		return FAIL(c, "%s: expected a number, got %s", field, type_name(j));
	}
	*out = json_number_value(j);
	if (!isfinite(*out))
		return FAIL(c, "%s: value %g is not finite", field, *out);
	return 0;
}

static int opt_number(struct ctx *c, const json_t *obj, const char *prefix, const char *key,
		      int required, double def, double *out)
{
	const json_t *j = json_object_get(obj, key);
	char field[256];

	snprintf(field, sizeof(field), "%s.%s", prefix, key);
	if (!j) {
		if (required)
			return FAIL(c, "%s: missing (required)", field);
		*out = def;
		return 0;
	}
	return number(c, j, field, out);
}

/* Exactly n finite numbers. */
static int number_array(struct ctx *c, const json_t *j, const char *field, size_t n,
			double *out)
{
	if (!json_is_array(j))
		return FAIL(c, "%s: expected an array of %zu numbers, got %s", field, n,
			    type_name(j));
	if (json_array_size(j) != n)
		return FAIL(c, "%s: expected %zu numbers, got %zu", field, n, json_array_size(j));
	for (size_t i = 0; i < n; i++) {
		char f[512];
		int ret;

		snprintf(f, sizeof(f), "%s[%zu]", field, i);
		ret = number(c, json_array_get(j, i), f, &out[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int check_keys(struct ctx *c, const json_t *obj, const char *prefix,
		      const char *const *known)
{
	const char *key;
	json_t *val;

	json_object_foreach((json_t *)obj, key, val) {
		const char *const *k;

		(void)val;
		for (k = known; *k; k++)
			if (!strcmp(*k, key))
				break;
		if (!*k)
			return FAIL(c, "%s: unknown field '%s'", prefix, key);
	}
	return 0;
}

static int parse_matrix(struct ctx *c, const json_t *j, const char *prefix,
			struct fp_plate_calib *pc)
{
	char field[256];
	uint32_t ch = pc->channels;

	snprintf(field, sizeof(field), "%s.matrix", prefix);
	if (!json_is_array(j))
		return FAIL(c, "%s: expected 6 rows of %u numbers, got %s", field, ch,
			    type_name(j));
	if (json_array_size(j) != 6)
		return FAIL(c, "%s: expected 6 rows of %u numbers, got %zu rows", field, ch,
			    json_array_size(j));
	for (size_t r = 0; r < 6; r++) {
		const json_t *row = json_array_get(j, r);
		char f[512];
		int ret;

		if (!json_is_array(row))
			return FAIL(c, "%s: expected 6 rows of %u numbers, row %zu is %s",
				    field, ch, r, type_name(row));
		if (json_array_size(row) != ch)
			return FAIL(c, "%s: expected 6 rows of %u numbers, row %zu has %zu",
				    field, ch, r, json_array_size(row));
		snprintf(f, sizeof(f), "%s[%zu]", field, r);
		ret = number_array(c, row, f, ch, pc->matrix[r]);
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_kistler(struct ctx *c, const json_t *k, const char *prefix,
			 struct fp_plate_calib *pc)
{
	static const char *const known[] = { "a_mm", "b_mm", "az0_mm", "sensitivity_n_per_v",
					     NULL };
	char p[64], f[256];
	double a, b, az0, sens[8];
	int ret;

	snprintf(p, sizeof(p), "%s.kistler", prefix);
	if (!json_is_object(k))
		return FAIL(c, "%s: expected an object, got %s", p, type_name(k));
	if (pc->channels != 8)
		return FAIL(c, "%s: needs \"channels\": 8, plate has %u", p, pc->channels);
	snprintf(f, sizeof(f), "%s.sensitivity_n_per_v", p);
	if ((ret = check_keys(c, k, p, known)) ||
	    (ret = opt_number(c, k, p, "a_mm", 1, 0, &a)) ||
	    (ret = opt_number(c, k, p, "b_mm", 1, 0, &b)) ||
	    (ret = opt_number(c, k, p, "az0_mm", 1, 0, &az0)))
		return ret;
	if (!json_object_get(k, "sensitivity_n_per_v"))
		return FAIL(c, "%s: missing (required)", f);
	ret = number_array(c, json_object_get(k, "sensitivity_n_per_v"), f, 8, sens);
	if (ret)
		return ret;
	fp_calib_kistler_matrix(pc, a, b, az0, sens);
	return 0;
}

/* Per-channel value: one number for all channels, or an array. */
static int per_channel(struct ctx *c, const json_t *obj, const char *prefix, const char *key,
		       double def, struct fp_plate_calib *pc, double *out)
{
	const json_t *j = json_object_get(obj, key);
	char field[256];

	snprintf(field, sizeof(field), "%s.%s", prefix, key);
	if (!j || json_is_number(j)) {
		double v = def;
		int ret = j ? number(c, j, field, &v) : 0;

		for (uint32_t i = 0; i < pc->channels; i++)
			out[i] = v;
		return ret;
	}
	return number_array(c, j, field, pc->channels, out);
}

static const char *const plate_keys[] = {
	"channels", "axes", "scale_v", "tare_v", "matrix", "kistler", "surface_height_mm",
	"origin_mm", "size_mm", "corners_mm", "fz_threshold_n", "saturation_v", "comment", NULL
};

/*
 * "axes": "z-down" - the vendor frame is the fplate frame turned 180° about
 * x (y and z reversed) and the vendor reports the force the subject
 * applies to the plate (AMTI). fplate keeps the reaction in its own
 * frame: F = -R·F', M = -R·M' with R = diag(1, -1, -1), so the Fx and Mx
 * rows change sign; positions turn with R, so the origin's y changes sign.
 */
static void map_z_down(struct fp_plate_calib *pc)
{
	for (uint32_t ch = 0; ch < FP_MAX_CHANNELS; ch++) {
		pc->matrix[0][ch] = -pc->matrix[0][ch];
		pc->matrix[3][ch] = -pc->matrix[3][ch];
	}
	pc->origin_mm[1] = -pc->origin_mm[1];
}

/* height_required = 0: a Kistler plate already has it from az0. */
static int parse_geometry(struct ctx *c, const json_t *pj, const char *p,
			  struct fp_plate_calib *pc, int height_required)
{
	const json_t *j;
	double size[2], corners[12];
	char f[256];
	int ret;

	if ((ret = opt_number(c, pj, p, "surface_height_mm", height_required, pc->surface_h_mm,
			      &pc->surface_h_mm)))
		return ret;
	if (pc->surface_h_mm < 0)
		return FAIL(c, "%s.surface_height_mm: %g, expected >= 0 (the distance of the "
			    "surface above the transducer origin; for AMTI's negative az0 give "
			    "-az0)", p, pc->surface_h_mm);
	if ((j = json_object_get(pj, "origin_mm"))) {
		snprintf(f, sizeof(f), "%s.origin_mm", p);
		if ((ret = number_array(c, j, f, 2, pc->origin_mm)))
			return ret;
	}
	snprintf(f, sizeof(f), "%s.size_mm", p);
	if (!(j = json_object_get(pj, "size_mm")))
		return FAIL(c, "%s: missing (required)", f);
	if ((ret = number_array(c, j, f, 2, size)))
		return ret;
	if (size[0] <= 0 || size[1] <= 0)
		return FAIL(c, "%s: width and length must be > 0, got %g x %g", f, size[0], size[1]);
	pc->width_mm = size[0];
	pc->length_mm = size[1];
	if ((j = json_object_get(pj, "corners_mm"))) {
		snprintf(f, sizeof(f), "%s.corners_mm", p);
		if (!json_is_array(j) || json_array_size(j) != 4)
			return FAIL(c, "%s: expected 4 corners [x, y, z] (+x+y, -x+y, -x-y, +x-y)", f);
		for (size_t i = 0; i < 4; i++) {
			char fi[512];

			snprintf(fi, sizeof(fi), "%s[%zu]", f, i);
			if ((ret = number_array(c, json_array_get(j, i), fi, 3, &corners[i * 3])))
				return ret;
		}
		memcpy(pc->corners_mm, corners, sizeof(corners));
	} else {
		fp_calib_corners(pc, 0, 0);
	}
	return 0;
}

/* Physical bounds of a calibration: no load cell gives more than 1e9 N or
 * N·mm per volt, a plate is between 10 mm and 10 m wide, a volt is never
 * more than 1e6 raw units' worth. */
#define MATRIX_MAX   1e9
#define SIZE_MIN_MM  10.0
#define SIZE_MAX_MM  10000.0
#define SCALE_MAX_V  1e6

/*
 * Rank of the 6 x ch matrix by Gaussian elimination with partial pivoting;
 * a pivot below 1e-9 of the largest entry counts as zero (the entries are
 * all given to far fewer than 9 significant digits).
 */
static int matrix_rank(const struct fp_plate_calib *pc)
{
	double m[6][FP_MAX_CHANNELS], big = 0;
	int rank = 0;

	memcpy(m, pc->matrix, sizeof(m));
	for (int r = 0; r < 6; r++)
		for (uint32_t k = 0; k < pc->channels; k++)
			big = fmax(big, fabs(m[r][k]));
	if (!(big > 0))
		return 0;
	for (uint32_t col = 0; col < pc->channels && rank < 6; col++) {
		int piv = rank;

		for (int r = rank + 1; r < 6; r++)
			if (fabs(m[r][col]) > fabs(m[piv][col]))
				piv = r;
		if (fabs(m[piv][col]) <= 1e-9 * big)
			continue;
		for (uint32_t k = 0; k < pc->channels; k++) {
			double t = m[rank][k];

			m[rank][k] = m[piv][k];
			m[piv][k] = t;
		}
		for (int r = rank + 1; r < 6; r++) {
			double f = m[r][col] / m[rank][col];

			for (uint32_t k = col; k < pc->channels; k++)
				m[r][k] -= f * m[rank][k];
		}
		rank++;
	}
	return rank;
}

static int check_physics(struct ctx *c, const char *p, const struct fp_plate_calib *pc)
{
	int rank;

	for (uint32_t k = 0; k < pc->channels; k++)
		if (!(pc->scale_v[k] > 0 && pc->scale_v[k] <= SCALE_MAX_V))
			return FAIL(c, "%s.scale_v[%u]: %g, expected > 0 and <= %g (volts per raw unit)",
				    p, k, pc->scale_v[k], SCALE_MAX_V);
	for (int r = 0; r < 6; r++)
		for (uint32_t k = 0; k < pc->channels; k++)
			if (!(fabs(pc->matrix[r][k]) <= MATRIX_MAX))
				return FAIL(c, "%s.matrix[%d][%u]: %g, expected |value| <= %g "
					    "(N or N.mm per volt)", p, r, k, pc->matrix[r][k],
					    MATRIX_MAX);
	rank = matrix_rank(pc);
	if (rank < 6)
		return FAIL(c, "%s.matrix: singular (rank %d of 6): the channels cannot give "
			    "all of Fx Fy Fz Mx My Mz", p, rank);
	if (!(pc->width_mm >= SIZE_MIN_MM && pc->width_mm <= SIZE_MAX_MM &&
	      pc->length_mm >= SIZE_MIN_MM && pc->length_mm <= SIZE_MAX_MM))
		return FAIL(c, "%s.size_mm: %g x %g, expected %g..%g mm each", p, pc->width_mm,
			    pc->length_mm, SIZE_MIN_MM, SIZE_MAX_MM);
	return 0;
}

static int parse_plate(struct ctx *c, const json_t *pj, size_t idx, struct fp_plate_calib *pc)
{
	const json_t *j, *matrix, *kistler;
	char p[32], f[96];
	double ch;
	int ret, z_down = 0;

	snprintf(p, sizeof(p), "plates[%zu]", idx);
	if (!json_is_object(pj))
		return FAIL(c, "%s: expected an object, got %s", p, type_name(pj));
	if ((ret = check_keys(c, pj, p, plate_keys)) ||
	    (ret = opt_number(c, pj, p, "channels", 1, 0, &ch)))
		return ret;
	if (ch != 6 && ch != 8)
		return FAIL(c, "%s.channels: %g, expected 6 or 8", p, ch);
	pc->channels = (uint32_t)ch;
	if ((j = json_object_get(pj, "axes"))) {
		const char *s = json_string_value(j);

		if (!s || (strcmp(s, "z-up") && strcmp(s, "z-down")))
			return FAIL(c, "%s.axes: expected \"z-up\" or \"z-down\", got %s%s%s", p,
				    s ? "\"" : "", s ? s : type_name(j), s ? "\"" : "");
		z_down = !strcmp(s, "z-down");
	}
	matrix = json_object_get(pj, "matrix");
	kistler = json_object_get(pj, "kistler");
	if (!matrix == !kistler)
		return FAIL(c, "%s: give exactly one of \"matrix\" (6 x channels) or \"kistler\"", p);
	ret = matrix ? parse_matrix(c, matrix, p, pc) : parse_kistler(c, kistler, p, pc);
	if (ret)
		return ret;
	if ((ret = per_channel(c, pj, p, "scale_v", 1.0, pc, pc->scale_v)) ||
	    (ret = per_channel(c, pj, p, "tare_v", 0.0, pc, pc->tare_v)) ||
	    (ret = opt_number(c, pj, p, "fz_threshold_n", 0, 20, &pc->fz_threshold_n)) ||
	    (ret = opt_number(c, pj, p, "saturation_v", 0, 0, &pc->saturation_v)))
		return ret;
	if ((ret = parse_geometry(c, pj, p, pc, !kistler)))
		return ret;
	snprintf(f, sizeof(f), "%s.fz_threshold_n", p);
	if (pc->fz_threshold_n < 0)
		return FAIL(c, "%s: %g, expected >= 0", f, pc->fz_threshold_n);
	if (pc->saturation_v < 0)
		return FAIL(c, "%s.saturation_v: %g, expected >= 0", p, pc->saturation_v);
	if ((ret = check_physics(c, p, pc)))
		return ret;
	if (z_down)
		map_z_down(pc);
	return 0;
}

static int parse_root(struct ctx *c, const json_t *root, struct fp_calib *cal)
{
	static const char *const known[] = { "version", "id", "serial", "plates", "comment", NULL };
	const json_t *v, *plates;
	const char *id, *serial;
	int ret;

	if (!json_is_object(root))
		return FAIL(c, "expected a JSON object at the top, got %s", type_name(root));
	v = json_object_get(root, "version");
	if (!v)
		return FAIL(c, "version: missing (required, %d)", FP_CALIB_VERSION);
	if (!json_is_integer(v))
		return FAIL(c, "version: expected an integer, got %s", type_name(v));
	if (json_integer_value(v) != FP_CALIB_VERSION)
		return FAIL(c, "version: unknown version %lld (this library reads %d)",
			    (long long)json_integer_value(v), FP_CALIB_VERSION);
	if ((ret = check_keys(c, root, "(top)", known)))
		return ret;
	v = json_object_get(root, "id");
	if (!v)
		return FAIL(c, "id: missing (required)");
	id = json_string_value(v);
	if (!id || !*id || strlen(id) >= sizeof(cal->id))
		return FAIL(c, "id: expected a non-empty string of at most %zu characters",
			    sizeof(cal->id) - 1);
	snprintf(cal->id, sizeof(cal->id), "%s", id);
	if ((v = json_object_get(root, "serial"))) {
		serial = json_string_value(v);
		if (!serial || !*serial || strlen(serial) >= sizeof(cal->serial))
			return FAIL(c, "serial: expected a non-empty string of at most %zu characters",
				    sizeof(cal->serial) - 1);
		snprintf(cal->serial, sizeof(cal->serial), "%s", serial);
	}
	cal->version = FP_CALIB_VERSION;
	plates = json_object_get(root, "plates");
	if (!plates)
		return FAIL(c, "plates: missing (required)");
	if (!json_is_array(plates) || json_array_size(plates) < 1 ||
	    json_array_size(plates) > FP_MAX_PLATES)
		return FAIL(c, "plates: expected an array of 1..%d plates", FP_MAX_PLATES);
	cal->plates = (uint32_t)json_array_size(plates);
	for (size_t i = 0; i < cal->plates; i++) {
		ret = parse_plate(c, json_array_get(plates, i), i, &cal->plate[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int load_root(struct ctx *c, json_t *root, struct fp_calib *cal)
{
	struct fp_calib tmp;
	int ret;

	memset(&tmp, 0, sizeof(tmp));
	ret = parse_root(c, root, &tmp);
	json_decref(root);
	if (ret)
		return ret;
	*cal = tmp;
	return 0;
}

int fp_calib_load(const char *path, struct fp_calib *cal, char *msg, size_t msg_len)
{
	struct ctx c = { path ? path : "(null)", msg, msg_len };
	json_error_t jerr;
	json_t *root;
	FILE *f;
	int ret;

	if (msg && msg_len)
		msg[0] = '\0';
	if (!path || !cal)
		return -EINVAL;
	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		if (msg && msg_len)
			snprintf(msg, msg_len, "%s: cannot open: %s", path, strerror(-ret));
		return ret;
	}
	root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (!root) {
		if (msg && msg_len)
			snprintf(msg, msg_len, "%s:%d:%d: invalid JSON: %s", path, jerr.line,
				 jerr.column, jerr.text);
		return -EINVAL;
	}
	return load_root(&c, root, cal);
}

int fp_calib_loadb(const char *name, const char *text, size_t len, struct fp_calib *cal,
		   char *msg, size_t msg_len)
{
	struct ctx c = { name ? name : "(null)", msg, msg_len };
	json_error_t jerr;
	json_t *root;

	if (msg && msg_len)
		msg[0] = '\0';
	if (!text || !cal)
		return -EINVAL;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		/* position only: jansson's text quotes the file ("near 'root'") */
		if (msg && msg_len)
			snprintf(msg, msg_len, "%s:%d:%d: invalid JSON", c.path, jerr.line,
				 jerr.column);
		return -EINVAL;
	}
	return load_root(&c, root, cal);
}

/* Numbers round-trip exactly with 17 significant digits. */
static void put_array(FILE *f, const double *v, size_t n)
{
	fputc('[', f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%.17g", i ? ", " : "", v[i]);
	fputc(']', f);
}

/*
 * Written by hand rather than with json_dump so that a matrix row stays on
 * one line: the file is meant to be read and checked by a technician.
 */
static void put_plate(FILE *f, const struct fp_plate_calib *pc, int last)
{
	double size[2] = { pc->width_mm, pc->length_mm };

	fprintf(f, "    {\n      \"channels\": %u,\n      \"axes\": \"z-up\",\n", pc->channels);
	fputs("      \"scale_v\": ", f);
	put_array(f, pc->scale_v, pc->channels);
	fputs(",\n      \"tare_v\": ", f);
	put_array(f, pc->tare_v, pc->channels);
	fputs(",\n      \"matrix\": [\n", f);
	for (int r = 0; r < 6; r++) {
		fputs("        ", f);
		put_array(f, pc->matrix[r], pc->channels);
		fputs(r < 5 ? ",\n" : "\n", f);
	}
	fprintf(f, "      ],\n      \"surface_height_mm\": %.17g,\n", pc->surface_h_mm);
	fputs("      \"origin_mm\": ", f);
	put_array(f, pc->origin_mm, 2);
	fputs(",\n      \"size_mm\": ", f);
	put_array(f, size, 2);
	fputs(",\n      \"corners_mm\": [", f);
	for (int i = 0; i < 4; i++) {
		fputs(i ? ", " : "", f);
		put_array(f, pc->corners_mm[i], 3);
	}
	fprintf(f, "],\n      \"fz_threshold_n\": %.17g,\n      \"saturation_v\": %.17g\n    }%s\n",
		pc->fz_threshold_n, pc->saturation_v, last ? "" : ",");
}

/* The whole file body; shared by fp_calib_save() and fp_calib_dump(). */
static void put_calib(FILE *f, const struct fp_calib *cal)
{
	json_t *jid;
	char *id;

	jid = json_string(cal->id);
	id = jid ? json_dumps(jid, JSON_ENCODE_ANY) : NULL;   /* escaped */
	fprintf(f, "{\n  \"version\": %d,\n  \"id\": %s,\n", FP_CALIB_VERSION, id ? id : "\"\"");
	free(id);
	json_decref(jid);
	if (cal->serial[0]) {
		jid = json_string(cal->serial);
		id = jid ? json_dumps(jid, JSON_ENCODE_ANY) : NULL;
		fprintf(f, "  \"serial\": %s,\n", id ? id : "\"\"");
		free(id);
		json_decref(jid);
	}
	fputs("  \"plates\": [\n", f);
	for (uint32_t p = 0; p < cal->plates; p++)
		put_plate(f, &cal->plate[p], p + 1 == cal->plates);
	fputs("  ]\n}\n", f);
}

char *fp_calib_dump(const struct fp_calib *cal)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	put_calib(f, cal);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

int fp_calib_save(const char *path, const struct fp_calib *cal, char *msg, size_t msg_len)
{
	char tmp_path[4096];
	FILE *f;
	int ret, bad;

	if (msg && msg_len)
		msg[0] = '\0';
	if (!path || !cal)
		return -EINVAL;
	ret = fp_calib_check(cal, NULL, msg, msg_len);
	if (ret)
		return ret;
	/*
	 * Write beside and rename: a crash never leaves half a calibration. A
	 * truncated temporary name would rename some other file over path.
	 */
	if ((size_t)snprintf(tmp_path, sizeof(tmp_path), "%s.tmp", path) >= sizeof(tmp_path)) {
		if (msg && msg_len)
			snprintf(msg, msg_len, "%.64s...: path too long (%zu bytes)", path,
				 strlen(path));
		return -ENAMETOOLONG;
	}
	f = fopen(tmp_path, "w");
	if (!f) {
		ret = -errno;
		if (msg && msg_len)
			snprintf(msg, msg_len, "%s: cannot write: %s", tmp_path, strerror(-ret));
		return ret;
	}
	put_calib(f, cal);
	/*
	 * The data must be on disk before the rename makes it the calibration.
	 * Every step runs, in this order (the operands of one `|` expression
	 * are unsequenced: fclose could have come first).
	 */
	bad = fflush(f) != 0;
	bad |= fsync(fileno(f)) != 0;
	bad |= ferror(f) != 0;
	bad |= fclose(f) != 0;
	if (bad) {
		ret = -EIO;
		if (msg && msg_len)
			snprintf(msg, msg_len, "%s: cannot write: %s", tmp_path, strerror(EIO));
		remove(tmp_path);
		return ret;
	}
	if (rename(tmp_path, path) != 0) {
		ret = -errno;
		if (msg && msg_len)
			snprintf(msg, msg_len, "%s: cannot rename from %s: %s", path, tmp_path,
				 strerror(-ret));
		remove(tmp_path);
	}
	return ret;
}
