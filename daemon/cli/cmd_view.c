// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_view.c - `fplate view`: a live terminal picture of the running session.
 *
 * Subscribes to the daemon's force, step and status topics and redraws, at
 * --hz times a second (default 20), per plate the vertical force of the
 * last two seconds, the COP path of the last completed contact (in the foot
 * frame: belt motion added back), and rolling left/right loading-rate bars
 * from the step events. Plain ANSI escapes, no curses library: it runs on
 * any terminal. When stdout is not a terminal (or with --plain) it hands
 * over to `fplate watch` (one line a second). Quit with q or Ctrl-C.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <zmq.h>

#include "fplate/calib.h"
#include "fplate/wire.h"

#include "client.h"
#include "ctl_client.h"
#include "opts.h"

int fp_cmd_view(int argc, char **argv);
int fp_cmd_watch(int argc, char **argv);
const char fp_cmd_view_help[] = "live terminal view: Fz traces, last COP path, L/R loading rates";

#define VIEW_COLS      60      /* Fz chart width (columns = 2 s) */
#define VIEW_ROWS      6       /* Fz chart height, at most (less in a small terminal) */
#define PATH_W         21      /* COP box width */
#define PATH_H         11      /* COP box height, at most */
#define PATH_H_MIN     5       /* ... and at least (the L/R rates sit in rows 1 and 3) */
#define PATH_MAX_PTS   1024
#define LR_KEEP        20      /* steps per foot in the rolling mean */
#define CONTACT_ON_N   50.0
#define CONTACT_OFF_N  20.0

struct plate_view {
	double col_max[VIEW_COLS];   /* Fz peak per column, newest at head */
	unsigned int head;
	double col_samples;          /* samples folded into the current column */
	double fz_now, fz_peak_1s, peak_acc;
	double cop_x, cop_y;
	int in_contact;
	double contact_t;            /* seconds since start at contact */
	unsigned int n_pts, n_last;
	float pts[PATH_MAX_PTS][2], last[PATH_MAX_PTS][2];
};

struct view {
	struct plate_view plate[FP_WIRE_MAX_PLATES];
	unsigned int plates;
	double rate_hz, samples_per_col;
	uint64_t samples;
	double belt_mps;
	double valr[2][LR_KEEP];     /* [L/R] rolling VALR, BW/s */
	unsigned int n_valr[2], i_valr[2];
	char status_line[160];
	unsigned long steps;
	struct fpc_run run;          /* which run of fplated */
	char restart[128];           /* the last restart, shown in the title */
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static double sample_time(const struct fp_wire_frame *f, uint32_t s, double rate)
{
	return (double)(f->h.first_sample + s) / rate;
}

/* Contact tracking and COP path of one plate for one sample. */
static void track_contact(struct plate_view *pv, double fz, double x, double y, double t,
			  double belt, int keep)
{
	if (!pv->in_contact && fz > CONTACT_ON_N) {
		pv->in_contact = 1;
		pv->contact_t = t;
		pv->n_pts = 0;
	} else if (pv->in_contact && fz < CONTACT_OFF_N) {
		pv->in_contact = 0;
		if (pv->n_pts > 2) {
			memcpy(pv->last, pv->pts, sizeof(pv->pts[0]) * pv->n_pts);
			pv->n_last = pv->n_pts;
		}
	}
	if (pv->in_contact && keep && pv->n_pts < PATH_MAX_PTS && isfinite(x) && isfinite(y)) {
		/* foot frame: the belt carried the foot back by v*(t - t_contact) */
		double yf = y + (isfinite(belt) ? belt * (t - pv->contact_t) * 1000.0 : 0.0);

		pv->pts[pv->n_pts][0] = (float)x;
		pv->pts[pv->n_pts][1] = (float)yf;
		pv->n_pts++;
	}
}

static void on_force(struct view *v, const struct fp_wire_frame *f)
{
	double rate = f->h.period_ns > 0 ? 1e9 / f->h.period_ns : 2000.0;

	if (v->rate_hz == 0 || fabs(v->rate_hz - rate) > 0.01 * rate) {
		v->rate_hz = rate;
		v->samples_per_col = 2.0 * rate / VIEW_COLS;
	}
	v->plates = f->h.n_plates < FP_WIRE_MAX_PLATES ? f->h.n_plates : FP_WIRE_MAX_PLATES;
	v->belt_mps = f->h.belt_speed_mps;
	for (uint32_t s = 0; s < f->h.n_samples; s++) {
		double t = sample_time(f, s, v->rate_hz);

		for (uint32_t p = 0; p < v->plates; p++) {
			struct plate_view *pv = &v->plate[p];
			double fz = fp_wire_value(f, s, p, FP_FZ);

			pv->fz_now = fz;
			pv->cop_x = fp_wire_value(f, s, p, FP_COPX);
			pv->cop_y = fp_wire_value(f, s, p, FP_COPY);
			if (fz > pv->col_max[pv->head])
				pv->col_max[pv->head] = fz;
			if (fz > pv->peak_acc)
				pv->peak_acc = fz;
			if (++pv->col_samples >= v->samples_per_col) {
				pv->col_samples = 0;
				pv->head = (pv->head + 1) % VIEW_COLS;
				pv->col_max[pv->head] = 0;
			}
			track_contact(pv, fz, pv->cop_x, pv->cop_y, t, v->belt_mps, (s & 3) == 0);
		}
		v->samples++;
		if (v->rate_hz > 0 && v->samples % (uint64_t)v->rate_hz == 0)
			for (uint32_t p = 0; p < v->plates; p++) {
				v->plate[p].fz_peak_1s = v->plate[p].peak_acc;
				v->plate[p].peak_acc = 0;
			}
	}
}

/*
 * fplated restarted: sample indices start again, so a contact in progress
 * (its start time, its COP path in the foot frame) would mix both runs:
 * drop it. The Fz traces and the L/R loading rates (the runner's) stay.
 */
static void on_restart(struct view *v)
{
	for (unsigned int p = 0; p < FP_WIRE_MAX_PLATES; p++) {
		v->plate[p].in_contact = 0;
		v->plate[p].n_pts = 0;
	}
	fpc_run_what(&v->run, v->restart, sizeof(v->restart));
}

static void on_step(struct view *v, const char *text, size_t len)
{
	json_t *j = json_loadb(text, len, 0, NULL);
	const char *foot;
	double valr;
	int k;

	if (!j)
		return;
	foot = json_string_value(json_object_get(j, "foot"));
	valr = json_number_value(json_object_get(j, "valr_bw_s"));
	if (foot && (foot[0] == 'L' || foot[0] == 'R') && isfinite(valr) && valr > 0) {
		k = foot[0] == 'R';
		v->valr[k][v->i_valr[k]] = valr;
		v->i_valr[k] = (v->i_valr[k] + 1) % LR_KEEP;
		if (v->n_valr[k] < LR_KEEP)
			v->n_valr[k]++;
	}
	v->steps++;
	json_decref(j);
}

static void on_status(struct view *v, const char *text, size_t len)
{
	json_t *j = json_loadb(text, len, 0, NULL);

	if (!j)
		return;
	snprintf(v->status_line, sizeof(v->status_line),
		 "rate %.1f Hz  samples %lld  gaps %lld  dropped %lld",
		 json_number_value(json_object_get(j, "rate_hz")),
		 json_integer_value(json_object_get(j, "samples")),
		 json_integer_value(json_object_get(j, "gaps")),
		 json_integer_value(json_object_get(j, "dropped")));
	json_decref(j);
}

static double rolling_mean(const struct view *v, int k)
{
	double sum = 0;

	for (unsigned int i = 0; i < v->n_valr[k]; i++)
		sum += v->valr[k][i];
	return v->n_valr[k] ? sum / v->n_valr[k] : NAN;
}

static void draw_fz(const struct plate_view *pv, double full, int rows)
{
	static const char *const blocks[] = { " ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };

	for (int r = rows - 1; r >= 0; r--) {
		printf("  %5.0f |", full * (r + 1) / rows);
		for (unsigned int c = 0; c < VIEW_COLS; c++) {
			double val = pv->col_max[(pv->head + 1 + c) % VIEW_COLS] / full * rows - r;
			int eighths = val <= 0 ? 0 : val >= 1 ? 8 : (int)(val * 8);

			fputs(blocks[eighths], stdout);
		}
		printf("\033[K\n");
	}
}

static void draw_path(const struct view *v, char grid[PATH_H][PATH_W + 1], int ph)
{
	const struct plate_view *pv = &v->plate[0];
	float xmin = 1e9f, xmax = -1e9f, ymin = 1e9f, ymax = -1e9f;

	for (int r = 0; r < ph; r++) {
		memset(grid[r], '.', PATH_W);
		grid[r][PATH_W] = '\0';
	}
	for (unsigned int p = 0; p < v->plates; p++)
		if (v->plate[p].n_last > pv->n_last)
			pv = &v->plate[p];
	for (unsigned int i = 0; i < pv->n_last; i++) {
		xmin = fminf(xmin, pv->last[i][0]);
		xmax = fmaxf(xmax, pv->last[i][0]);
		ymin = fminf(ymin, pv->last[i][1]);
		ymax = fmaxf(ymax, pv->last[i][1]);
	}
	if (pv->n_last < 2)
		return;
	/* equal scale on both axes, centred */
	float span = fmaxf(fmaxf(xmax - xmin, ymax - ymin), 20.0f);
	float cx = (xmin + xmax) / 2, cy = (ymin + ymax) / 2;

	for (unsigned int i = 0; i < pv->n_last; i++) {
		int c = (int)lrintf((pv->last[i][0] - cx) / span * (PATH_W - 1) + (PATH_W - 1) / 2.0f);
		int r = (int)lrintf((cy - pv->last[i][1]) / span * (ph - 1) + (ph - 1) / 2.0f);

		if (c >= 0 && c < PATH_W && r >= 0 && r < ph)
			grid[r][c] = i == 0 ? 'C' : i + 1 == pv->n_last ? 'T' : '*';
	}
}

/*
 * Chart and COP-box heights that fit the terminal: the title, one line per
 * plate, the COP title and the step count take 3 + plates lines; the rest
 * goes to the Fz charts (up to VIEW_ROWS each) and the COP box (PATH_H_MIN
 * to PATH_H), so the title stays on screen at 80 x 24.
 */
static void fit_layout(unsigned int plates, int *fz_rows, int *path_rows, int *cols)
{
	struct winsize ws;
	int rows = 50, left, n = plates ? (int)plates : 1;

	*cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) {
		rows = ws.ws_row;
		*cols = ws.ws_col;
	}
	left = rows - 3 - n;
	*path_rows = PATH_H;
	*fz_rows = (left - *path_rows) / n;
	if (*fz_rows < VIEW_ROWS) {      /* share the shortage between both */
		*path_rows = (int)fmax(PATH_H_MIN, left - n * VIEW_ROWS);
		if (*path_rows > PATH_H)
			*path_rows = PATH_H;
		*fz_rows = (left - *path_rows) / n;
	}
	if (*fz_rows > VIEW_ROWS)
		*fz_rows = VIEW_ROWS;
	if (*fz_rows < 1)
		*fz_rows = 1;
}

static void draw(const struct view *v, const char *endpoint)
{
	char grid[PATH_H][PATH_W + 1], title[512];
	double full = 500;
	int fz_rows, ph, cols, room;

	fit_layout(v->plates, &fz_rows, &ph, &cols);
	for (unsigned int p = 0; p < v->plates; p++)
		for (unsigned int c = 0; c < VIEW_COLS; c++)
			if (v->plate[p].col_max[c] > full)
				full = v->plate[p].col_max[c];
	full = ceil(full / 500.0) * 500.0;
	/* one line, cut to the width: a wrapped title would scroll the view */
	snprintf(title, sizeof(title), "  %s%s%s  (q quits)  %s",
		 v->status_line[0] ? v->status_line : "waiting for status...",
		 v->restart[0] ? "  " : "", v->restart, endpoint);
	room = cols - (int)strlen("fplate view") - 1;
	printf("\033[H\033[1mfplate view\033[0m%.*s\033[K\n", room > 0 ? room : 0, title);
	for (unsigned int p = 0; p < v->plates; p++) {
		const struct plate_view *pv = &v->plate[p];

		printf("\033[1mPlate %u\033[0m  Fz %7.1f N  peak(1 s) %7.1f N  COP %7.1f %7.1f mm%s\033[K\n",
		       p + 1, pv->fz_now, pv->fz_peak_1s, pv->cop_x, pv->cop_y,
		       pv->in_contact ? "  [contact]" : "");
		draw_fz(pv, full, fz_rows);
	}
	draw_path(v, grid, ph);
	printf("Last contact COP (C strike, T toe-off)   Loading rate, last %d steps\033[K\n",
	       LR_KEEP);
	for (int r = 0; r < ph; r++) {
		printf("  %s%s", r == 0 ? "toe " : r == ph - 1 ? "heel" : "    ", grid[r]);
		if (r == 1 || r == 3) {
			int k = r == 3;
			double m = rolling_mean(v, k);
			int len = isfinite(m) ? (int)fmin(m / 4.0, 30) : 0;

			if (len > cols - 56)   /* the bar stops at the right edge */
				len = cols - 56 > 0 ? cols - 56 : 0;
			printf("      \033[%dm%c VALR %6.1f BW/s ", k ? 31 : 34, k ? 'R' : 'L',
			       isfinite(m) ? m : 0.0);
			for (int i = 0; i < len; i++)
				fputs("█", stdout);
			fputs("\033[0m", stdout);
		}
		printf("\033[K\n");
	}
	/* no newline after the last line: at the bottom row it would scroll */
	printf("steps %lu\033[K\033[J", v->steps);
	fflush(stdout);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: fplate view [--endpoint E] [--seconds N] [--hz N] [--plain]\n\n"
		"%s.\n\n"
		"  --endpoint E  fplated publish endpoint (default $FPLATE_ENDPOINT or %s)\n"
		"  --seconds N   stop after N seconds (default: until q or Ctrl-C)\n"
		"  --hz N        redraws per second, 1..60 (default 20)\n"
		"  --plain       one line a second (fplate watch) instead of the picture\n"
		"                (the default when stdout is not a terminal)\n\n"
		"When fplated restarts (a new stream_id), the title line says so and the\n"
		"contact in progress is dropped (its sample times belong to the old run); the\n"
		"Fz traces and the loading-rate means (the runner's) go on.\n",
		fp_cmd_view_help, FP_DEFAULT_ENDPOINT);
}

static int parse_args(int argc, char **argv, const char **endpoint, double *seconds,
		      int *hz, int *plain)
{
	static const struct option opts[] = {
		FPC_OPT_ENDPOINT, FPC_OPT_SECONDS,
		{ "hz", required_argument, NULL, 'z' },
		{ "plain", no_argument, NULL, 'p' },
		FPC_OPT_HELP, FPC_OPT_END
	};
	long v;
	int c;

	fpc_opts_begin();
	while ((c = fpc_getopt(argc, argv, "", opts)) != -1) {
		switch (c) {
		case FPC_KEY_ENDPOINT:
			*endpoint = optarg;
			break;
		case FPC_KEY_SECONDS:
			if ((*seconds = fpc_parse_seconds("view", "--seconds", optarg)) < 0)
				return 2;
			break;
		case 'z':
			if (fpc_opt_int("view", "--hz", optarg, 1, 60, &v))
				return 2;
			*hz = (int)v;
			break;
		case 'p':
			*plain = 1;
			break;
		case FPC_KEY_HELP:
			usage(stdout);
			return 1;
		default:
			return 2;
		}
	}
	return fpc_no_args("view", argc, argv) ? 2 : 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Receive one [topic][payload] message (non-blocking); 1 if one was handled. */
static int receive_one(void *sub, struct view *v)
{
	char topic[16];
	zmq_msg_t msg;
	int n = zmq_recv(sub, topic, sizeof(topic) - 1, ZMQ_DONTWAIT);
	int more = 0;
	size_t more_len = sizeof(more);

	if (n < 0)
		return 0;
	topic[n < (int)sizeof(topic) - 1 ? n : (int)sizeof(topic) - 1] = '\0';
	zmq_getsockopt(sub, ZMQ_RCVMORE, &more, &more_len);
	if (!more)
		return 1;
	zmq_msg_init(&msg);
	if (zmq_msg_recv(&msg, sub, 0) >= 0) {
		const char *data = zmq_msg_data(&msg);
		size_t len = zmq_msg_size(&msg);
		struct fp_wire_frame f;

		if (!strcmp(topic, FP_TOPIC_FORCE)) {
			if (fp_wire_decode(data, len, &f, NULL, 0) == 0) {
				if (fpc_run_force(&v->run, &f.h))
					on_restart(v);
				on_force(v, &f);
			}
		} else if (!strcmp(topic, FP_TOPIC_STEP)) {
			on_step(v, data, len);
		} else if (!strcmp(topic, FP_TOPIC_STATUS)) {
			if (fpc_run_status(&v->run, data, len))
				on_restart(v);
			on_status(v, data, len);
		}
	}
	zmq_msg_close(&msg);
	return 1;
}

int fp_cmd_view(int argc, char **argv)
{
	const char *endpoint = fpc_endpoint(NULL);
	double seconds = 0, start, next_draw;
	int hz = 20, plain = !isatty(STDOUT_FILENO), ret, tty_in = isatty(STDIN_FILENO);
	struct termios saved, raw;
	struct view *v;
	void *ctx, *sub;

	ret = parse_args(argc, argv, &endpoint, &seconds, &hz, &plain);
	if (ret)
		return ret == 1 ? 0 : ret;
	if (plain) {
		char secs[32];
		char *wargv[] = { "watch", "--endpoint", (char *)endpoint, "--seconds", secs, NULL };

		snprintf(secs, sizeof(secs), "%g", seconds);
		optind = 1;
		return fp_cmd_watch(seconds > 0 ? 5 : 3, wargv);
	}
	v = calloc(1, sizeof(*v));
	if (v)
		fpc_run_init(&v->run);
	ctx = zmq_ctx_new();
	sub = ctx ? zmq_socket(ctx, ZMQ_SUB) : NULL;
	if (sub && fp_ctl_curve_client(sub, "view")) {
		free(v);
		zmq_close(sub);
		zmq_ctx_term(ctx);
		return 1;
	}
	if (!v || !sub || zmq_connect(sub, endpoint)) {
		fprintf(stderr, "fplate view: cannot connect to '%s': %s\n", endpoint,
			zmq_strerror(zmq_errno()));
		free(v);
		if (ctx)
			zmq_ctx_term(ctx);
		return 1;
	}
	zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (tty_in && tcgetattr(STDIN_FILENO, &saved) == 0) {
		raw = saved;
		raw.c_lflag &= ~(unsigned int)(ICANON | ECHO);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	} else {
		tty_in = 0;
	}
	printf("\033[2J\033[?25l");
	start = now_s();
	next_draw = start;
	while (!stop_flag && (seconds == 0 || now_s() - start < seconds)) {
		struct pollfd pfd[2] = { { .events = POLLIN }, { .fd = STDIN_FILENO, .events = POLLIN } };
		size_t fd_len = sizeof(pfd[0].fd);

		zmq_getsockopt(sub, ZMQ_FD, &pfd[0].fd, &fd_len);
		poll(pfd, tty_in ? 2 : 1, 1000 / hz);
		while (receive_one(sub, v))
			;
		if (tty_in && (pfd[1].revents & POLLIN)) {
			char ch;

			if (read(STDIN_FILENO, &ch, 1) == 1 && (ch == 'q' || ch == 'Q'))
				break;
		}
		if (now_s() >= next_draw) {
			draw(v, endpoint);
			next_draw += 1.0 / hz;
			if (next_draw < now_s())
				next_draw = now_s();
		}
	}
	printf("\033[?25h\n");
	if (tty_in)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	zmq_close(sub);
	zmq_ctx_term(ctx);
	free(v);
	return 0;
}
