/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * c3d.h - read and write C3D files (the biomechanics exchange format) and
 * turn their FORCE_PLATFORM data into forces, moments and centre of pressure.
 *
 * Reading: fp_c3d_open() maps a whole file into memory and checks every
 * count, pointer and dimension against the file's size before using it; a
 * malformed file gives -EBADMSG and one line "FILE: section: what is wrong".
 * Intel, DEC (VAX floats) and MIPS (big-endian) processor formats, integer
 * and float storage, ANALOG:SCALE/OFFSET/GEN_SCALE/FORMAT are handled.
 * The header is authoritative for counts and rates where the parameters
 * disagree (docs/c3d.md lists every rule).
 *
 * Frames: fp_c3d_fp_sample() reports each plate in the fplate plate frame
 * (calib.h: x right, y forward, z up, Fz > 0 when loaded, COP in mm relative
 * to the centre of the working surface) and in the file's lab frame.
 *
 * Writing: fp_c3d_writer_*() streams analog data into an Intel REAL file and
 * keeps the header and frame counts consistent after every block, so a
 * recorder killed at any moment leaves a valid file.
 */
#ifndef FPLATE_C3D_H
#define FPLATE_C3D_H

#include <stddef.h>
#include <stdint.h>
#include "calib.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FP_C3D_NAME_MAX 128       /* group / parameter names (spec: <= 127) */
#define FP_C3D_MAX_FRAMES 0x7fffffffu

enum fp_c3d_processor { FP_C3D_INTEL = 84, FP_C3D_DEC = 85, FP_C3D_MIPS = 86 };
enum fp_c3d_ptype { FP_C3D_CHAR = -1, FP_C3D_BYTE = 1, FP_C3D_INT16 = 2, FP_C3D_FLOAT = 4 };

struct fp_c3d_group {
	int id;                         /* positive group number */
	char name[FP_C3D_NAME_MAX];
	char *desc;                     /* owned by the fp_c3d */
	int locked;
};

struct fp_c3d_param {
	int group_id;
	const char *group;              /* group name ("?" if the group is missing) */
	char name[FP_C3D_NAME_MAX];
	char *desc;
	int type;                       /* enum fp_c3d_ptype */
	int locked;
	uint8_t ndim;
	uint8_t dim[7];
	uint32_t count;                 /* product of dims (1 for a scalar) */
	/* values converted to host order: char/byte as bytes, int16, float */
	union { char *c; int8_t *b; int16_t *i; float *f; void *p; } v;
};

struct fp_c3d_event {
	char context[32];
	char label[32];
	double time_s;
};

struct fp_c3d_plate {
	int type;                       /* FORCE_PLATFORM:TYPE (1..4 computed) */
	uint32_t nch;                   /* channels it uses: 6, or 8 for type 3 */
	uint32_t channel[8];            /* 0-based analog channel indexes */
	double corners[4][3];           /* lab frame, as stored */
	double origin_file[3];          /* ORIGIN as stored */
	double origin[3];               /* used: negated when z > 0 (docs/c3d.md) */
	int origin_negated;
	double cal[6][8];               /* type 4: CAL_MATRIX row-major (c3d frame) */
	int zero[2];                    /* FORCE_PLATFORM:ZERO frame range (0 0: none) */
	double baseline[8];             /* mean of each channel over ZERO (scaled units) */
	double moment_scale;            /* channel moments -> N·m (0.001 for N·mm) */
	double rot[3][3];               /* plate -> lab rotation from CORNERS */
	double centre[3];               /* mean of the corners */
	int lab_ok;                     /* 0: CORNERS degenerate, lab values are NaN */
};

struct fp_c3d {
	char name[256];                 /* file name used in messages */
	int processor;                  /* enum fp_c3d_processor */
	int is_float;                   /* data stored as REAL (header scale < 0) */
	uint32_t first_frame;           /* 1-based */
	uint32_t n_frames;
	uint32_t n_points;
	uint32_t n_analog;              /* analog channels */
	uint32_t analog_spf;            /* analog samples per point frame */
	double point_rate;              /* frames per second */
	double analog_rate;             /* = point_rate * analog_spf */
	float point_scale;
	uint32_t data_start;            /* 1-based 512-byte block */
	float *points;                  /* [n_frames][n_points][4]: x y z residual (-1 invalid);
					 * NULL after fp_c3d_open() until fp_c3d_load_points() */
	float *analog;                  /* [n_frames * spf][n_analog] stored values;
					 * NULL after fp_c3d_open() until fp_c3d_load_analog() */
	double *an_scale;               /* per channel SCALE */
	double *an_offset;              /* per channel OFFSET */
	double gen_scale;
	int an_unsigned;                /* ANALOG:FORMAT = UNSIGNED */
	char **an_label;                /* [n_analog], "" when absent */
	char **an_units;
	char **pt_label;                /* [n_points] */
	uint32_t n_groups, n_params;
	struct fp_c3d_group *groups;
	struct fp_c3d_param *params;
	uint32_t n_plates;
	struct fp_c3d_plate *plate;
	uint32_t n_events;
	struct fp_c3d_event *events;
	/* the data section while markers are left undecoded (NULL otherwise) */
	const uint8_t *data;
	uint64_t frame_bytes;           /* bytes per frame there */
	void *map;                      /* fp_c3d_open()'s mapping of the file */
	size_t map_len;
};

/*
 * Open path / parse a buffer. On success *out is owned by the caller
 * (fp_c3d_free()). Errors: -ENOENT/-EACCES/-EIO from the file system,
 * -EINVAL not a regular file, -EFBIG larger than the 2 GiB read into memory,
 * -EBADMSG malformed file, -ENOMEM; msg gets "NAME: what is wrong".
 *
 * fp_c3d_open() maps the file and decodes its data only where it is read:
 * fp_c3d_analog() and fp_c3d_point_plate() decode the value asked for (an
 * analysis of the plates reads a few channels of a file that may hold
 * dozens, and a few markers), fp_c3d_load_analog() and
 * fp_c3d_load_points() fill c->analog and c->points. Every check is the
 * same as for an eager parse. The file stays mapped until fp_c3d_free():
 * truncating it meanwhile makes a later read of what was left in it fault
 * (SIGBUS), as with any mapped file; load what a long-lived reader needs.
 * fp_c3d_parse() converts everything and keeps no pointer into buf;
 * fp_c3d_parse_flags() with FP_C3D_LAZY_* leaves that part in buf, which
 * must then outlive *out.
 */
int fp_c3d_open(const char *path, struct fp_c3d **out, char *msg, size_t msg_len);
int fp_c3d_parse(const uint8_t *buf, size_t len, const char *name,
		 struct fp_c3d **out, char *msg, size_t msg_len);
#define FP_C3D_LAZY_POINTS 1u
#define FP_C3D_LAZY_ANALOG 2u
int fp_c3d_parse_flags(const uint8_t *buf, size_t len, const char *name, unsigned flags,
		       struct fp_c3d **out, char *msg, size_t msg_len);
/* Decode every marker into c->points / every analog value into c->analog
 * (no-op when done or eager). -ENOMEM. */
int fp_c3d_load_points(struct fp_c3d *c);
int fp_c3d_load_analog(struct fp_c3d *c);
void fp_c3d_free(struct fp_c3d *c);

/* Parameter lookup (case-insensitive); NULL when absent. */
const struct fp_c3d_param *fp_c3d_param(const struct fp_c3d *c, const char *group,
					const char *name);
/* Element i of a numeric parameter as double (NAN when out of range). */
double fp_c3d_param_num(const struct fp_c3d_param *p, uint32_t i);
/* String i of a CHAR parameter (dims[0] = length), trailing blanks cut. */
int fp_c3d_param_str(const struct fp_c3d_param *p, uint32_t i, char *buf, size_t len);

/* Scaled analog value: (stored - OFFSET) * GEN_SCALE * SCALE. */
double fp_c3d_analog(const struct fp_c3d *c, uint64_t sample, uint32_t ch);
static inline uint64_t fp_c3d_analog_samples(const struct fp_c3d *c)
{
	return (uint64_t)c->n_frames * c->analog_spf;
}

/* One plate at one analog sample. */
struct fp_c3d_fp_sample {
	double plate[FP_NFIELDS];       /* fplate plate frame (calib.h units) */
	double lab_f[3];                /* N, lab frame */
	double lab_m[3];                /* N·m about the surface centre, lab axes */
	double lab_cop[3];              /* mm, lab frame (NaN below threshold) */
	double lab_tz[3];               /* N·m, free moment vector (along the plate normal) */
};
#define FP_C3D_ZERO 1u             /* subtract the FORCE_PLATFORM:ZERO baseline */

/* -EINVAL bad index, -ENOTSUP plate type not computable. */
int fp_c3d_fp_sample(const struct fp_c3d *c, uint32_t plate, uint64_t sample,
		     unsigned flags, double fz_threshold_n, struct fp_c3d_fp_sample *out);
/* Fx Fy Fz (N) Mx My Mz (N·m about the transducer origin), fplate frame. */
int fp_c3d_fm(const struct fp_c3d *c, uint32_t plate, uint64_t sample, unsigned flags,
	      double fm[6]);
/* The plate's geometry as an fplate calibration: FP_RAW_FM (identity matrix)
 * or, for type 4 with volts = 1, FP_RAW_VOLTS with the CAL_MATRIX. */
int fp_c3d_plate_calib(const struct fp_c3d *c, uint32_t plate, int volts,
		       struct fp_plate_calib *pc);
/*
 * A POINT marker at a point frame in the fplate plate frame of `plate`
 * (calib.h: x right, y forward, mm from the surface centre; the plane
 * position, z dropped). xy NaN when the marker is invalid there (residual
 * < 0, or all zeros). -EINVAL bad index, -ENOTSUP CORNERS degenerate.
 */
int fp_c3d_point_plate(const struct fp_c3d *c, uint32_t plate, uint32_t frame, uint32_t point,
		       double xy[2]);
/* Type 4: the 6 volts of a sample as the fplate volts path expects. */
int fp_c3d_fp_volts(const struct fp_c3d *c, uint32_t plate, uint64_t sample, double v[6]);

/* ---- writing ---------------------------------------------------------- */

struct fp_c3d_wchannel {
	char label[32];
	char units[8];
	char desc[64];
	double scale;                   /* ANALOG:SCALE (0 means 1) */
	int16_t offset;                 /* ANALOG:OFFSET */
};

struct fp_c3d_wplate {
	int type;                       /* 2 (F/M channels) or 4 (volts + cal) */
	uint32_t channel[6];            /* 0-based analog channels */
	double corners[4][3];
	double origin[3];               /* c3d plate frame, z <= 0 */
	double cal[6][6];               /* type 4, row-major, c3d frame, N and N·mm per V */
};

struct fp_c3d_wdesc {
	double analog_rate;             /* Hz */
	uint32_t analog_spf;            /* samples per frame (point rate = rate / spf) */
	uint32_t n_analog;
	const struct fp_c3d_wchannel *ch;
	uint32_t n_plates;
	const struct fp_c3d_wplate *plate;
	uint32_t max_events;            /* room reserved for events (<= 2000) */
	/* FPLATE group (our metadata); empty strings / NaN are left out. */
	char device[64];
	char serial[64];
	double belt_speed_mps;
	char software[32];
	char calib_id[64];
	uint64_t first_sample;          /* device sample index of the first sample */
	/* Lab metadata (docs/c3d.md "Lining up with motion capture"). */
	int64_t start_time_ns;          /* UTC of sample 1 (CLOCK_REALTIME ns), 0 unknown */
	double body_mass_kg;            /* > 0 known; also PROCESSING:Bodymass */
	char subject[64];               /* also SUBJECTS:NAMES */
	char session[64];
	uint64_t sync_edges;            /* rising edges of SYNC bit 0 in the file */
	char trigger[32];               /* "rising 0": the file starts on that edge of bit 0 */
};

/* Label of the analog channel holding the per-sample sync word. */
#define FP_C3D_SYNC_LABEL "SYNC"
/* Label of the event at each rising edge of the sync input (bit 0). */
#define FP_C3D_SYNC_EVENT "Sync"

struct fp_c3d_writer;

/* Create path (truncating) and write the header and parameters. */
int fp_c3d_writer_open(const char *path, const struct fp_c3d_wdesc *d,
		       struct fp_c3d_writer **out, char *msg, size_t msg_len);
/* The same on a file the caller opened for writing (fd >= 0; the writer owns
 * it from now on, also on error); path names it in messages. */
int fp_c3d_writer_open_fd(int fd, const char *path, const struct fp_c3d_wdesc *d,
			  struct fp_c3d_writer **out, char *msg, size_t msg_len);
/*
 * Append n samples of n_analog stored values each. Complete frames are
 * written, then the frame counts are updated, so the file on disk is a
 * valid C3D after every call. A trailing partial frame waits for the next call.
 */
int fp_c3d_writer_write(struct fp_c3d_writer *w, const float *samples, uint32_t n);
/* Events are written at close. -ENOSPC past max_events. */
int fp_c3d_writer_add_event(struct fp_c3d_writer *w, const char *context,
			    const char *label, double time_s);
uint64_t fp_c3d_writer_frames(const struct fp_c3d_writer *w);
/*
 * Set FPLATE:FIRST_SAMPLE when the device index of the first sample is
 * known only after opening (fplated opens the file when asked to record,
 * before the next frame arrives); written by fp_c3d_writer_close().
 */
void fp_c3d_writer_set_first_sample(struct fp_c3d_writer *w, uint64_t first_sample);
/* Same for FPLATE:START_TIME (UTC ns of sample 1) and FPLATE:SYNC_EDGES. */
void fp_c3d_writer_set_start_time(struct fp_c3d_writer *w, int64_t utc_ns);
void fp_c3d_writer_set_sync_edges(struct fp_c3d_writer *w, uint64_t edges);
/* Rewrite the parameters with the events and close. Samples of an incomplete
 * last frame are dropped. Frees w. */
int fp_c3d_writer_close(struct fp_c3d_writer *w, char *msg, size_t msg_len);

/*
 * A description for an fplate session: per plate 6 analog channels, type 2
 * (Fx..Mz in N and N·mm) or, with volts = 1, type 4 (tared volts and the
 * calibration matrix as CAL_MATRIX). Channels and plates are written to
 * the arrays given (6 * plates and plates entries).
 */
int fp_c3d_wdesc_session(struct fp_c3d_wdesc *d, const struct fp_calib *cal, int volts,
			 double rate_hz, struct fp_c3d_wchannel *ch,
			 struct fp_c3d_wplate *plate, char *msg, size_t msg_len);
/*
 * Append the analog channel FP_C3D_SYNC_LABEL (the sync word of each sample,
 * stored exactly: bits 16-31 are 0) after the plate channels of a session;
 * ch must have room for d->n_analog + 1 channels. Returns its 0-based index.
 */
uint32_t fp_c3d_wdesc_add_sync(struct fp_c3d_wdesc *d, struct fp_c3d_wchannel *ch);
/* Format utc_ns as ISO 8601 "YYYY-MM-DDThh:mm:ss.nnnnnnnnnZ" (31 bytes). */
int fp_c3d_format_utc(int64_t utc_ns, char *buf, size_t len);
/* fplate frames (FP_NFIELDS per plate) -> stored values for a type 2 session. */
void fp_c3d_session_values(const double *fields, uint32_t plates, float *out);

#ifdef __cplusplus
}
#endif
#endif /* FPLATE_C3D_H */
