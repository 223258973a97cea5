// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_feedback.c - `fplate feedback`: real-time gait-retraining feedback.
 * Turns fplated's `impact` events (or `step` records, for cadence and
 * contact ML) into a cue per stance: a full-screen display readable from
 * the treadmill (big number, green under / red over the target, a bar of
 * the last steps), a tone on the steps over target (through `aplay` to an
 * ALSA device, or into a WAV file), faded schedules, and a CSV log of
 * every cue. Keys change the target and schedule while running. The cue
 * logic is feedback.c; the protocol is docs/feedback.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>

#include "fplate/wire.h"
#include "fplate/sub.h"
#include "client.h"
#include "opts.h"
#include "feedback.h"

int fp_cmd_feedback(int argc, char **argv);
const char fp_cmd_feedback_help[] = "gait-retraining cues per stance: display, tone, log";

#define SND_RATE 16000
#define SND_MS 150
#define SND_HZ 880.0
#define BAR_STEPS 30

struct fb_opts {
	const char *endpoint, *log, *sound_file, *audio_device;
	double seconds, timeout_s;
	int no_sound, plain;
	struct fb_state st;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: fplate feedback [--metric M] [--target X | --below PCT] [--baseline N]\n"
		"                       [--tolerance MM]\n"
		"                       [--schedule S] [--log FILE.csv] [--no-sound]\n"
		"                       [--audio-device DEV | --sound-file FILE.wav] [--plain]\n"
		"                       [--seconds N] [--endpoint E] [--timeout S]\n\n"
		"%s.\n\n"
		"  --metric M       valr (default), vilr, impact (BW/s, BW: from the impact event,\n"
		"                   before toe-off), cadence, contact-ml (from the step record)\n"
		"  --target X       absolute target in the metric's unit, both feet\n"
		"  --below PCT      target PCT %% better than each foot's baseline (default 20;\n"
		"                   lower for the loading rates, higher for cadence)\n"
		"  --baseline N     steps per foot measured for the baseline, without cues (20)\n"
		"  --tolerance MM   contact-ml only: a cue when the contact is more than MM from\n"
		"                   the target position, medial or lateral (default %g); its\n"
		"                   target is a position (--target, or the baseline mean moved\n"
		"                   PCT %% towards 0 by --below)\n"
		"  --schedule S     every (default), alternate, blocks:ON:OFF (steps with, then\n"
		"                   without feedback: faded feedback)\n"
		"  --log FILE.csv   every step's value, target and cue (put it beside the recording)\n"
		"  --no-sound       no tone\n"
		"  --audio-device D ALSA device for the tone, through aplay (default: default)\n"
		"  --sound-file F   write the tones into a WAV file instead: one %d ms slot per\n"
		"                   step with feedback, a %g Hz tone when over target, else silence\n"
		"  --plain          one line per step instead of the full-screen display\n"
		"  --seconds N      stop after N seconds (default: until q or Ctrl-C)\n"
		"  --endpoint E     fplated's PUB endpoint (default $FPLATE_ENDPOINT or %s)\n"
		"  --timeout S      give up when fplated sends nothing for S seconds (default %g)\n\n"
		"keys: + / - target 1 %% looser / stricter (contact-ml: tolerance %g mm wider /\n"
		"      narrower), b new baseline, s next schedule,\n"
		"      m sound on/off, q quit\n\n"
		"When fplated restarts (a new stream_id in its status) the session goes on: the\n"
		"baselines, targets and schedule belong to the runner, not to the stream, and\n"
		"are kept (b starts a new baseline). The restart is said on stderr (--plain) or\n"
		"in the status line; cues pause until the new daemon knows the body weight, and\n"
		"contact_s / contact_sample in the log start again from its start.\n",
		fp_cmd_feedback_help, FB_TOL_DEFAULT, SND_MS, SND_HZ, FP_DEFAULT_ENDPOINT,
		FPC_DEFAULT_TIMEOUT_S, FB_TOL_STEP);
}

static int bad(const char *what, const char *value, const char *expected)
{
	fprintf(stderr, "fplate feedback: %s '%s': expected %s\n", what, value, expected);
	return -1;
}

static int parse_num(const char *opt, const char *s, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v >= lo && v <= hi)) {
		char exp[64];

		snprintf(exp, sizeof(exp), "a number from %g to %g", lo, hi);
		return bad(opt, s, exp);
	}
	*out = v;
	return 0;
}

/* 0: run, 1: --help printed, -1: bad usage (message printed). */
static int parse_opts(int argc, char **argv, struct fb_opts *o)
{
	static const struct option opts[] = {
		{ "metric", required_argument, NULL, 'M' }, { "target", required_argument, NULL, 'T' },
		{ "below", required_argument, NULL, 'B' }, { "baseline", required_argument, NULL, 'N' },
		{ "schedule", required_argument, NULL, 'S' }, { "log", required_argument, NULL, 'l' },
		{ "no-sound", no_argument, NULL, 'q' }, { "audio-device", required_argument, NULL, 'a' },
		{ "sound-file", required_argument, NULL, 'w' }, { "plain", no_argument, NULL, 'p' },
		{ "tolerance", required_argument, NULL, 'D' },
		FPC_OPT_SECONDS, FPC_OPT_ENDPOINT, FPC_OPT_TIMEOUT, FPC_OPT_HELP, FPC_OPT_END
	};
	char msg[256];
	double v;
	int c, tol = 0;

	memset(o, 0, sizeof(*o));
	o->timeout_s = FPC_DEFAULT_TIMEOUT_S;
	fb_init(&o->st);
	fpc_opts_begin();
	while ((c = fpc_getopt(argc, argv, "", opts)) != -1) {
		switch (c) {
		case 'M':
			if (fb_metric_parse(optarg, &o->st.metric))
				return bad("--metric", optarg, "valr, vilr, impact, cadence or contact-ml");
			break;
		case 'T':
			if (parse_num("--target", optarg, -1e6, 1e6, &o->st.target_abs))
				return -1;
			break;
		case 'B':
			if (parse_num("--below", optarg, 0, 90, &o->st.change_pct))
				return -1;
			break;
		case 'N':
			if (parse_num("--baseline", optarg, 1, FB_BASELINE_MAX, &v))
				return -1;
			o->st.baseline_steps = (unsigned int)v;
			break;
		case 'D':
			if (parse_num("--tolerance", optarg, 0.1, 100, &o->st.tolerance))
				return -1;
			tol = 1;
			break;
		case 'S':
			if (fb_schedule_parse(optarg, &o->st.sched, msg, sizeof(msg))) {
				fprintf(stderr, "fplate feedback: %s\n", msg);
				return -1;
			}
			break;
		case 'l': o->log = optarg; break;
		case 'q': o->no_sound = 1; break;
		case 'a': o->audio_device = optarg; break;
		case 'w': o->sound_file = optarg; break;
		case 'p': o->plain = 1; break;
		case FPC_KEY_SECONDS:
			if ((o->seconds = fpc_parse_seconds("feedback", "--seconds", optarg)) < 0)
				return -1;
			break;
		case FPC_KEY_ENDPOINT: o->endpoint = optarg; break;
		case FPC_KEY_TIMEOUT:
			if ((o->timeout_s = fpc_parse_seconds("feedback", "--timeout", optarg)) < 0)
				return -1;
			break;
		case FPC_KEY_HELP: usage(stdout); return 1;
		default: return -1;
		}
	}
	if (fpc_no_args("feedback", argc, argv))
		return -1;
	if (tol && !fb_metrics[o->st.metric].distance) {
		fprintf(stderr, "fplate feedback: --tolerance is for --metric contact-ml (a position), "
			"not %s\n", fb_metrics[o->st.metric].name);
		return -1;
	}
	if (o->sound_file && o->audio_device) {
		fprintf(stderr, "fplate feedback: --sound-file and --audio-device exclude each other\n");
		return -1;
	}
	o->endpoint = fpc_endpoint(o->endpoint);
	return 0;
}

/* ---- sound ---- */

struct sound {
	FILE *wav;                   /* --sound-file */
	uint32_t wav_samples;
	const char *device;          /* aplay -D; NULL: no ALSA */
	unsigned int played, failed; /* tones started, aplay runs that failed */
	int muted;
	int16_t tone[SND_RATE * SND_MS / 1000], silence[SND_RATE * SND_MS / 1000];
};

static void put_le(FILE *f, uint32_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		fputc((int)((v >> (8 * i)) & 0xff), f);
}

static void wav_header(FILE *f, uint32_t samples)
{
	fwrite("RIFF", 1, 4, f);
	put_le(f, 36 + 2 * samples, 4);
	fwrite("WAVEfmt ", 1, 8, f);
	put_le(f, 16, 4); put_le(f, 1, 2); put_le(f, 1, 2);
	put_le(f, SND_RATE, 4); put_le(f, 2 * SND_RATE, 4); put_le(f, 2, 2); put_le(f, 16, 2);
	fwrite("data", 1, 4, f);
	put_le(f, 2 * samples, 4);
}

static void pcm_write(FILE *f, const int16_t *pcm, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put_le(f, (uint16_t)pcm[i], 2);
}

/*
 * Start aplay on the device reading 16-bit mono PCM from the returned fd;
 * its stderr goes to errfd (-1: /dev/null, so that ALSA's messages do not
 * land on the full-screen display). -1 if it could not be started.
 */
static pid_t aplay_start(const char *device, int errfd, int *in)
{
	int fd[2];
	pid_t pid;

	if (pipe(fd))
		return -1;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(fd[0], 0);
		dup2(errfd >= 0 ? errfd : null, 2);
		close(fd[0]);
		close(fd[1]);
		execlp("aplay", "aplay", "-q", "-D", device, "-t", "raw", "-f", "S16_LE",
		       "-r", "16000", "-c", "1", (char *)NULL);
		_exit(127);
	}
	close(fd[0]);
	if (pid < 0) {
		close(fd[1]);
		return -1;
	}
	*in = fd[1];
	return pid;
}

/*
 * Before the session: play 10 ms of silence on the device and wait, so
 * that a missing aplay or a device ALSA cannot open is known (and named)
 * up front instead of failing quietly on every over-target step.
 * 0, or -1 with the reason in msg.
 */
static int alsa_probe(const char *device, char *msg, size_t len)
{
	int16_t silence[SND_RATE / 100] = { 0 };
	int err[2], in, st = 0;
	char text[512] = "";
	ssize_t got, n = 0;
	pid_t pid;
	FILE *w;

	if (pipe(err)) {
		snprintf(msg, len, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = aplay_start(device, err[1], &in);
	close(err[1]);
	if (pid < 0) {
		snprintf(msg, len, "cannot start aplay: %s", strerror(errno));
		close(err[0]);
		return -1;
	}
	w = fdopen(in, "w");
	if (w) {
		pcm_write(w, silence, sizeof(silence) / sizeof(silence[0]));
		fclose(w);
	} else {
		close(in);
	}
	/* keep the tail: ALSA's library talks first, aplay's verdict is last */
	while ((got = read(err[0], text + n, sizeof(text) - 1 - (size_t)n)) > 0) {
		n += got;
		if (n == (ssize_t)sizeof(text) - 1) {
			memmove(text, text + n / 2, (size_t)(n - n / 2));
			n -= n / 2;
		}
	}
	text[n] = 0;
	close(err[0]);
	if (waitpid(pid, &st, 0) != pid) {
		snprintf(msg, len, "waiting for aplay: %s", strerror(errno));
		return -1;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
		snprintf(msg, len, "aplay not found (Debian package alsa-utils)");
		return -1;
	}
	/* aplay's own last line says why (e.g. "audio open error: ...") */
	while (n > 0 && text[n - 1] == '\n')
		text[--n] = 0;
	/* bounded: aplay's line is cut, not the device name (gcc -O1 checks) */
	snprintf(msg, len, "aplay -D %.64s failed: %.400s", device,
		 strrchr(text, '\n') ? strrchr(text, '\n') + 1 : text[0] ? text : "(no message)");
	return -1;
}

/* Play the tone through aplay without waiting for it. */
static void alsa_tone(struct sound *s)
{
	int in;
	FILE *w;

	if (aplay_start(s->device, -1, &in) < 0) {
		s->failed++;
		return;
	}
	s->played++;
	w = fdopen(in, "w");
	if (w) {
		pcm_write(w, s->tone, sizeof(s->tone) / sizeof(s->tone[0]));
		fclose(w);
	} else {
		close(in);
	}
}

/* Collect finished aplay runs (wait: all of them); count the failures. */
static void alsa_reap(struct sound *s, int wait)
{
	int st;
	pid_t pid;

	while ((pid = waitpid(-1, &st, wait ? 0 : WNOHANG)) > 0)
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			s->failed++;
}

static void sound_cue(struct sound *s, int over)
{
	size_t n = sizeof(s->tone) / sizeof(s->tone[0]);

	if (s->muted)
		return;
	if (s->wav) {
		pcm_write(s->wav, over ? s->tone : s->silence, n);
		s->wav_samples += (uint32_t)n;
	} else if (s->device && over) {
		alsa_tone(s);
	}
	alsa_reap(s, 0);
}

/* ---- display ---- */

/* 3x5 digits, '#' lit */
static const char *const font[13][5] = {
	{ "###", "# #", "# #", "# #", "###" }, { "  #", "  #", "  #", "  #", "  #" },
	{ "###", "  #", "###", "#  ", "###" }, { "###", "  #", "###", "  #", "###" },
	{ "# #", "# #", "###", "  #", "  #" }, { "###", "#  ", "###", "  #", "###" },
	{ "###", "#  ", "###", "# #", "###" }, { "###", "  #", "  #", "  #", "  #" },
	{ "###", "# #", "###", "# #", "###" }, { "###", "# #", "###", "  #", "###" },
	{ "   ", "   ", "   ", "   ", " # " }, { "   ", "   ", "###", "   ", "   " },
	{ "   ", "   ", "   ", "   ", "   " },
};

static int glyph(char ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' : ch == '.' ? 10 : ch == '-' ? 11 : 12;
}

struct screen {
	struct fb_cue last[BAR_STEPS];
	unsigned int n;
	char status[160];
};

static void draw(const struct fb_opts *o, const struct screen *sc, const struct sound *snd)
{
	const struct fb_metric_info *mi = &fb_metrics[o->st.metric];
	const struct fb_cue *c = sc->n ? &sc->last[(sc->n - 1) % BAR_STEPS] : NULL;
	char num[16] = "--", sched[48];
	const char *bg = "\033[0m";

	fb_schedule_name(&o->st.sched, sched, sizeof(sched));
	if (c && isfinite(c->value))
		snprintf(num, sizeof(num), fabs(c->value) >= 100 ? "%.0f" : "%.1f", c->value);
	if (c && c->shown && isfinite(c->target))
		bg = c->over ? "\033[97;41m" : "\033[30;42m";
	printf("\033[H\033[2J");
	printf("fplate feedback  %s (%s)  target: %s  schedule: %s  sound: %s\n",
	       mi->name, mi->unit,
	       isfinite(o->st.target_abs) ? "absolute" : "baseline",
	       sched, snd->muted ? "off" : snd->wav ? "file" : snd->device ? snd->device : "none");
	for (int f = 0; f < 2; f++) {
		const struct fb_foot *ft = &o->st.foot[f];
		double t = isfinite(o->st.target_abs) ? o->st.target_abs : ft->target;

		printf("  %c: ", f ? 'R' : 'L');
		if (isfinite(t) && mi->distance)
			printf("target %.1f \u00b1 %.1f", t, o->st.tolerance);
		else if (isfinite(t))
			printf("target %.1f", t);
		else
			printf("baseline %u/%u steps", ft->base_n, o->st.baseline_steps);
		printf("%s", f ? "\n\n" : "   ");
	}
	for (int row = 0; row < 5; row++) {
		printf("   %s", bg);
		if (c)
			printf(" %c ", row == 2 ? c->foot : ' ');
		for (const char *p = num; *p; p++) {
			for (const char *q = font[glyph(*p)][row]; *q; q++)
				printf("%s", *q == '#' ? "\u2588\u2588" : "  ");
			printf("  ");
		}
		printf("\033[0m\n");
	}
	printf("\n   %s\n\n   last steps: ", c && c->shown ? (c->over ? "OVER TARGET" : "on target")
		: c && c->baseline ? "measuring baseline" : c ? "(no feedback on this step)" : "waiting for steps");
	for (unsigned int i = sc->n > BAR_STEPS ? sc->n - BAR_STEPS : 0; i < sc->n; i++) {
		const struct fb_cue *k = &sc->last[i % BAR_STEPS];

		printf("%s\u2588\033[0m", !isfinite(k->target) ? "\033[90m" : k->over ? "\033[31m" : "\033[32m");
	}
	printf("\n\n   keys: + looser  - stricter  b baseline  s schedule  m sound  q quit\n   %s\n",
	       sc->status);
	fflush(stdout);
}

/* ---- keys ---- */

static struct termios saved_tty;
static int tty_raw;

static void tty_restore(void)
{
	if (tty_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	tty_raw = 0;
}

static void tty_setup(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty))
		return;
	t = saved_tty;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	if (!tcsetattr(STDIN_FILENO, TCSANOW, &t))
		tty_raw = 1;
}

/* 1: quit. */
static int handle_key(int ch, struct fb_opts *o, struct sound *snd, struct screen *sc)
{
	static const char *const cycle[] = { "every", "alternate", "blocks:10:10" };
	char sched[48], msg[64];

	switch (ch) {
	case '+': fb_adjust(&o->st, 1); break;
	case '-': fb_adjust(&o->st, -1); break;
	case 'b': fb_rebaseline(&o->st); break;
	case 'm': snd->muted = !snd->muted; break;
	case 's':
		fb_schedule_parse(cycle[(o->st.sched.kind + 1) % 3], &o->st.sched, msg, sizeof(msg));
		break;
	case 'q': return 1;
	default: return 0;
	}
	fb_schedule_name(&o->st.sched, sched, sizeof(sched));
	if (fb_metrics[o->st.metric].distance && (ch == '+' || ch == '-'))
		snprintf(sc->status, sizeof(sc->status), "key '%c': tolerance %.1f mm, %s, sound %s",
			 ch, o->st.tolerance, sched, snd->muted ? "off" : "on");
	else
		snprintf(sc->status, sizeof(sc->status), "key '%c': %s %.0f %%, %s, sound %s", ch,
			 isfinite(o->st.target_abs) ? "target" : "change",
			 isfinite(o->st.target_abs) ? o->st.target_abs : o->st.change_pct, sched,
			 snd->muted ? "off" : "on");
	return 0;
}

/* ---- messages ---- */

static double num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static void on_message(struct fb_opts *o, json_t *e, struct screen *sc, struct sound *snd,
		       FILE *log)
{
	const struct fb_metric_info *mi = &fb_metrics[o->st.metric];
	const char *foot = json_string_value(json_object_get(e, "foot"));
	struct fb_cue cue;
	char sched[48];

	if (!foot || (*foot != 'L' && *foot != 'R'))
		return;
	fb_step(&o->st, *foot, num(e, mi->key), &cue);
	if (!isfinite(cue.value))
		return;                          /* body weight not known yet */
	sc->last[sc->n++ % BAR_STEPS] = cue;
	if (cue.shown)
		sound_cue(snd, cue.over);
	if (log) {
		fb_schedule_name(&o->st.sched, sched, sizeof(sched));
		fprintf(log, "%.4f,%lld,%c,%s,%.6g,%.6g,%d,%d,%d,%.1f,%s,%.6g\n", num(e, "contact_s"),
			(long long)json_integer_value(json_object_get(e, "contact_sample")), cue.foot,
			mi->name, cue.value, cue.target, cue.over, cue.shown, cue.baseline,
			num(e, "delay_ms"), sched, mi->distance ? o->st.tolerance : NAN);
		fflush(log);
	}
	if (o->plain) {
		printf("%.3f %c %s %.2f target %.2f %s\n", num(e, "contact_s"), cue.foot, mi->name,
		       cue.value, cue.target, cue.baseline ? "baseline" : !cue.shown ? "hidden" :
		       cue.over ? "OVER" : "ok");
		fflush(stdout);
	}
}

int fp_cmd_feedback(int argc, char **argv)
{
	struct fb_opts o;
	struct fp_sub *sub = NULL;
	struct sound snd = { 0 };
	struct screen sc = { .n = 0 };
	struct fpc_run run;
	FILE *log = NULL;
	char msg[512];
	int ret, status = 0;
	double start, last_msg;

	ret = parse_opts(argc, argv, &o);
	if (ret)
		return ret > 0 ? 0 : 2;
	fb_tone(snd.tone, sizeof(snd.tone) / sizeof(snd.tone[0]), SND_HZ, SND_RATE);
	if (!o.no_sound) {
		if (o.sound_file) {
			snd.wav = fopen(o.sound_file, "wb");
			if (!snd.wav) {
				fprintf(stderr, "fplate feedback: --sound-file %s: %s\n", o.sound_file,
					strerror(errno));
				return 2;
			}
			wav_header(snd.wav, 0);
		} else {
			snd.device = o.audio_device ? o.audio_device : "default";
		}
	}
	signal(SIGPIPE, SIG_IGN);            /* an aplay that died must not kill us */
	if (snd.device && alsa_probe(snd.device, msg, sizeof(msg))) {
		if (o.audio_device) {
			fprintf(stderr, "fplate feedback: --audio-device %s: %s\n", snd.device, msg);
			return 2;
		}
		/* no sound card: the display still works; say so and go on */
		fprintf(stderr, "fplate feedback: no sound (%s); --audio-device DEV names "
			"another ALSA device, --no-sound silences this\n", msg);
		snd.device = NULL;
	}
	if (o.log) {
		log = fopen(o.log, "w");
		if (!log) {
			fprintf(stderr, "fplate feedback: --log %s: %s\n", o.log, strerror(errno));
			if (snd.wav)
				fclose(snd.wav);
			return 2;
		}
		fprintf(log, "contact_s,contact_sample,foot,metric,value,target,over,shown,baseline,delay_ms,schedule,tolerance\n");
	}
	o.plain |= !isatty(STDOUT_FILENO);
	fpc_catch_signals();
	if (fpc_sub_open("feedback", o.endpoint, FP_SUB_IMPACT | FP_SUB_STEP | FP_SUB_STATUS, &sub,
			 msg, sizeof(msg))) {
		fprintf(stderr, "fplate feedback: %s\n", msg);
		status = 2;
		goto out;
	}
	tty_setup();
	snprintf(sc.status, sizeof(sc.status), "listening on %s", o.endpoint);
	if (!o.plain)
		draw(&o, &sc, &snd);
	fpc_run_init(&run);
	start = last_msg = fpc_now_s();
	/* the flag too: a signal outside fp_sub_read's poll gives no -EINTR */
	while (!fpc_interrupted() && !(o.seconds > 0 && fpc_now_s() - start >= o.seconds)) {
		struct fp_sub_msg m;
		struct pollfd kp = { .fd = STDIN_FILENO, .events = POLLIN };
		int quit = 0, redraw = 0;

		ret = fp_sub_read(sub, &m, 50, msg, sizeof(msg));
		if (ret == -EINTR)
			break;
		if (ret < 0) {
			fprintf(stderr, "fplate feedback: %s from fplated at %s\n",
				ret == -EBADMSG ? msg : strerror(-ret), o.endpoint);
			status = 1;
			break;
		}
		if (ret > 0) {
			const struct fb_metric_info *mi = &fb_metrics[o.st.metric];
			unsigned int want = mi->from_impact ? FP_SUB_IMPACT : FP_SUB_STEP;

			last_msg = fpc_now_s();
			if (fpc_run_check(&run, &m)) {
				char what[128];

				fpc_run_what(&run, what, sizeof(what));
				snprintf(sc.status, sizeof(sc.status), "%s; baselines and targets "
					 "kept", what);
				if (o.plain) {
					fflush(stdout);
					fprintf(stderr, "fplate feedback: %s\n", sc.status);
				}
				redraw = 1;
			}
			if (m.kind == want) {
				json_t *e = json_loadb(m.json, m.json_len, 0, NULL);

				if (e)
					on_message(&o, e, &sc, &snd, log);
				json_decref(e);
				redraw = 1;
			}
		} else if (fpc_now_s() - last_msg > o.timeout_s) {
			fprintf(stderr, "fplate feedback: nothing from fplated at %s within %g s\n",
				o.endpoint, o.timeout_s);
			status = 1;
			break;
		}
		while (tty_raw && poll(&kp, 1, 0) == 1) {
			char ch;

			if (read(STDIN_FILENO, &ch, 1) != 1)
				break;
			quit |= handle_key(ch, &o, &snd, &sc);
			redraw = 1;
		}
		if (redraw && !o.plain)
			draw(&o, &sc, &snd);
		if (quit)
			break;
	}
	tty_restore();
	fp_sub_close(sub);
out:
	alsa_reap(&snd, 1);
	if (snd.failed) {
		fprintf(stderr, "fplate feedback: %u of %u tones failed to play on ALSA device %s\n",
			snd.failed, snd.played, snd.device);
		status = status ? status : 1;
	}
	if (snd.wav) {
		/* sizes into the header now that they are known */
		fflush(snd.wav);
		rewind(snd.wav);
		wav_header(snd.wav, snd.wav_samples);
		if (fclose(snd.wav)) {
			fprintf(stderr, "fplate feedback: --sound-file %s: %s\n", o.sound_file,
				strerror(errno));
			status = status ? status : 1;
		}
	}
	if (log && fclose(log)) {
		fprintf(stderr, "fplate feedback: --log %s: %s\n", o.log, strerror(errno));
		status = status ? status : 1;
	}
	return status;
}
