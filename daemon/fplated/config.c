// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * config.c - fplated settings from defaults, an INI file (inih) and the
 * command line. One table describes every key once: its section, its
 * option name, its type and range, so the file and the command line share
 * the parsing and the error messages.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"
#include "ctl_proto.h"
#include "fplate/gait.h"

#include "util_int.h"

enum key_type { K_STRING, K_INT, K_U32, K_CHOICE, K_DOUBLE };

struct key {
	const char *section;
	const char *name;
	const char *option;     /* long option; short options are in the getopt string */
	enum key_type type;
	size_t offset;
	size_t size;            /* K_STRING: buffer size */
	long min, max;          /* K_INT, K_U32, K_DOUBLE */
	const char *const *choices; /* K_CHOICE, index stored as int */
	unsigned int flags;     /* KF_* */
	const char *help;
};
#define KF_POW2     1u          /* K_INT: a power of two */
#define KF_AUTO_NAN 2u          /* K_DOUBLE: "auto" stores NaN */

static const char *const log_levels[] = { "error", "warn", "info", "debug", NULL };
static const char *const drop_policies[] = { "count", "isolate", NULL };
static const char *const no_yes[] = { "no", "yes", NULL };
static const char *const feet[] = { "auto", "LR", "RL", "L", "R", NULL };

#define OFF(f) offsetof(struct fpd_config, f)
#define STR(f) OFF(f), sizeof(((struct fpd_config *)0)->f)

static const struct key keys[] = {
	{ "device", "uri", "device", K_STRING, STR(device_uri), 0, 0, NULL, 0,
	  "device URI (fplate version lists the schemes)" },
	{ "device", "calibration", "calibration", K_STRING, STR(calibration), 0, 0, NULL, 0,
	  "calibration JSON file (default: the device's stored one, else neutral)" },
	{ "device", "block_ms", "block-ms", K_INT, OFF(block_ms), 0, 1, 100, NULL, 0,
	  "milliseconds of samples per published frame" },
	{ "device", "coalesce", "coalesce", K_CHOICE, OFF(coalesce), 0, 0, 0, no_yes, 0,
	  "yes: read once per block (paced devices), no: once per device packet" },
	{ "device", "single_thread", "single-thread", K_CHOICE, OFF(single_thread), 0, 0, 0, no_yes, 0,
	  "yes (default): a paced, coalesced device is read by the main thread (fewer wake-ups; docs/performance.md)" },
	{ "publish", "endpoint", "pub", K_STRING, STR(endpoint), 0, 0, NULL, 0,
	  "ZeroMQ PUB endpoint to bind (tcp://127.0.0.1:PORT or ipc:///PATH)" },
	{ "control", "secret_file", "ctl-secret-file", K_STRING, STR(ctl_secret_file), 0, 0,
	  NULL, 0, "file holding the control socket's shared secret (required off loopback)" },
	{ "control", "read_endpoint", "ctl-read", K_STRING, STR(ctl_read_endpoint), 0, 0, NULL, 0,
	  "ZeroMQ endpoint answering describe and status only (the read role; default none)" },
	{ "control", "curve_secret_file", "curve-secret-file", K_STRING, STR(curve_secret_file), 0,
	  0, NULL, 0, "CURVE server secret key (fplate keygen); required off loopback" },
	{ "control", "curve_clients", "curve-clients", K_STRING, STR(curve_clients), 0, 0, NULL, 0,
	  "allowed CURVE client keys: lines 'control KEY' or 'read KEY'" },
	{ "control", "record_dir", "record-dir", K_STRING, STR(record_dir), 0, 0, NULL, 0,
	  "folder of recordings made by record start NAME (default $STATE_DIRECTORY or "
	  FPD_DEFAULT_RECORD_DIR ")" },
	{ "control", "calibration_dir", "calibration-dir", K_STRING, STR(calibration_dir), 0, 0,
	  NULL, 0, "folder calibration load NAME reads from (default $CONFIGURATION_DIRECTORY "
	  "or " FPD_DEFAULT_CALIB_DIR ")" },
	{ "control", "endpoint", "ctl", K_STRING, STR(ctl_endpoint), 0, 0, NULL, 0,
	  "ZeroMQ REP control endpoint (default: beside the publish one, TCP port + 1 or PATH.ctl)" },
	{ "publish", "sndhwm", "hwm", K_INT, OFF(sndhwm), 0, 1, 1000000, NULL, 0,
	  "messages queued per subscriber before drops" },
	{ "publish", "drop_policy", "drop-policy", K_CHOICE, OFF(drop_policy), 0, 0, 0,
	  drop_policies, 0, "slow subscriber: count (its loss episodes) or isolate" },
	{ "publish", "status_ms", "status-ms", K_INT, OFF(status_ms), 0, 100, 60000, NULL, 0,
	  "period of the status message" },
	{ "publish", "stream_id", "stream-id", K_U32, OFF(stream_id), 0, 0, UINT32_MAX, NULL, 0,
	  "stream id in force frames (0: random at each start)" },
	{ "publish", "name", "name", K_STRING, STR(name), 0, 0, NULL, 0,
	  "this daemon's name in describe and status, e.g. treadmill-2 (default: host name)" },
	{ "gait", "feet", "feet", K_CHOICE, OFF(gait_feet), 0, 0, 0, feet, 0,
	  "foot on each plate: auto (classified per step), LR/RL (split belt), L or R" },
	{ "gait", "cutoff_hz", "cutoff", K_DOUBLE, OFF(cutoff_hz), 0, 5, 500, NULL, 0,
	  "zero-lag low-pass for the force metrics (loading rates depend on it)" },
	{ "gait", "cop_cutoff_hz", "cop-cutoff", K_DOUBLE, OFF(cop_cutoff_hz), 0, 5, 500, NULL, 0,
	  "zero-lag low-pass for the COP path" },
	{ "gait", "body_mass_kg", "body-mass", K_DOUBLE, OFF(body_mass_kg), 0, 0, 250, NULL, 0,
	  "runner's mass (0: body weight from whole stride cycles)" },
	{ "gait", "belt_speed_mps", "belt-speed", K_DOUBLE, OFF(belt_speed_mps), 0, 0, 12, NULL,
	  KF_AUTO_NAN, "belt speed for COP and step length (auto: from the source)" },
	{ "gait", "contact_on_n", "contact-on", K_DOUBLE, OFF(contact_on_n), 0, 5, 1000, NULL, 0,
	  "contact starts when Fz rises to this" },
	{ "gait", "contact_off_n", "contact-off", K_DOUBLE, OFF(contact_off_n), 0, 5, 1000, NULL, 0,
	  "contact ends when Fz falls below this" },
	{ "daemon", "ring_slots", "ring-slots", K_INT, OFF(ring_slots), 0, 4, 65536, NULL, 1,
	  "blocks the acquisition ring holds (power of two)" },
	{ "daemon", "log_level", "log-level", K_CHOICE, OFF(log_level), 0, 0, 0, log_levels, 0,
	  "error, warn, info or debug" },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

void fpd_config_defaults(struct fpd_config *cfg)
{
	struct fp_gait_config g;
	const char *dir;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->device_uri, sizeof(cfg->device_uri), "sim://");
	snprintf(cfg->endpoint, sizeof(cfg->endpoint), "%s", FP_DEFAULT_ENDPOINT);
	/* systemd's StateDirectory= / ConfigurationDirectory= when run as the unit */
	dir = getenv("STATE_DIRECTORY");
	snprintf(cfg->record_dir, sizeof(cfg->record_dir), "%.*s", FPD_PATH_MAX - 1,
		 dir && dir[0] && !strchr(dir, ':') ? dir : FPD_DEFAULT_RECORD_DIR);
	dir = getenv("CONFIGURATION_DIRECTORY");
	snprintf(cfg->calibration_dir, sizeof(cfg->calibration_dir), "%.*s", FPD_PATH_MAX - 1,
		 dir && dir[0] && !strchr(dir, ':') ? dir : FPD_DEFAULT_CALIB_DIR);
	cfg->block_ms = 10;
	cfg->coalesce = 1;
	cfg->single_thread = 1;
	cfg->sndhwm = 2000;
	cfg->drop_policy = FPD_DROP_COUNT;
	cfg->status_ms = 1000;
	cfg->ring_slots = 256;
	cfg->log_level = FPD_LOG_INFO;
	if (gethostname(cfg->name, sizeof(cfg->name) - 1))
		snprintf(cfg->name, sizeof(cfg->name), "fplated");
	/* [gait]: the gait module's own defaults, kept in one place */
	fp_gait_config_default(&g, 1, 2000);
	cfg->gait_feet = FPD_FEET_AUTO;
	cfg->cutoff_hz = 0;      /* automatic: the module's default, lowered for slow data */
	cfg->cop_cutoff_hz = 0;  /* automatic: as cutoff_hz, at most 50 Hz */
	cfg->body_mass_kg = g.body_mass_kg;
	cfg->belt_speed_mps = g.belt_speed_mps;
	cfg->contact_on_n = g.on_n;
	cfg->contact_off_n = g.off_n;
}

static void list_choices(const char *const *c, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (int i = 0; c[i] && used < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%s", i ? ", " : "", c[i]);
}

/* Parse value for k into cfg; on error "expected ..." in msg. */
static int set_key(struct fpd_config *cfg, const struct key *k, const char *value,
		   char *msg, size_t msg_len)
{
	char *base = (char *)cfg + k->offset;
	char list[128];
	char *end;
	long long n;

	switch (k->type) {
	case K_STRING:
		if (!value[0] && strcmp(k->name, "calibration") && strcmp(k->name, "secret_file") &&
		    strcmp(k->name, "read_endpoint") && strncmp(k->name, "curve_", 6)) {
			MSG("expected a non-empty value");
			return -EINVAL;
		}
		if (strlen(value) >= k->size) {
			MSG("expected at most %zu characters", k->size - 1);
			return -EINVAL;
		}
		memcpy(base, value, strlen(value) + 1);
		return 0;
	case K_INT:
	case K_U32:
		errno = 0;
		n = strtoll(value, &end, 10);
		if (errno || end == value || *end || n < k->min || n > k->max ||
		    ((k->flags & KF_POW2) && (n & (n - 1)))) {
			MSG("expected %s %ld..%ld", (k->flags & KF_POW2) ? "a power of two" :
			    "an integer", k->min, k->max);
			return -EINVAL;
		}
		if (k->type == K_INT)
			*(int *)(void *)base = (int)n;
		else
			*(uint32_t *)(void *)base = (uint32_t)n;
		return 0;
	case K_DOUBLE: {
		double v;

		if ((k->flags & KF_AUTO_NAN) && !strcmp(value, "auto")) {
			*(double *)(void *)base = NAN;
			return 0;
		}
		errno = 0;
		v = strtod(value, &end);
		if (errno || end == value || *end || !(v >= (double)k->min && v <= (double)k->max)) {
			MSG("expected a number %ld..%ld%s", k->min, k->max,
			    (k->flags & KF_AUTO_NAN) ? " or auto" : "");
			return -EINVAL;
		}
		*(double *)(void *)base = v;
		return 0;
	}
	case K_CHOICE:
		for (int i = 0; k->choices[i]; i++)
			if (!strcmp(value, k->choices[i])) {
				*(int *)(void *)base = i;
				return 0;
			}
		list_choices(k->choices, list, sizeof(list));
		MSG("expected one of %s", list);
		return -EINVAL;
	}
	return -EINVAL;
}

int fpd_config_set(struct fpd_config *cfg, const char *section, const char *key,
		   const char *value, char *msg, size_t msg_len)
{
	int known_section = 0;

	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].section, section))
			continue;
		known_section = 1;
		if (!strcmp(keys[i].name, key))
			return set_key(cfg, &keys[i], value, msg, msg_len);
	}
	if (!known_section)
		MSG("unknown section (known: [device], [publish], [control], [gait], [daemon])");
	else
		MSG("unknown key in [%s]", section);
	return -ENOENT;
}

struct ini_state {
	struct fpd_config *cfg;
	const char *path;
	FILE *file;
	int line;           /* counted by our reader: inih here does not pass it */
	int error;
	char *msg;
	size_t msg_len;
};

static char *count_lines(char *buf, int size, void *stream)
{
	struct ini_state *st = stream;
	char *r = fgets(buf, size, st->file);

	if (r)
		st->line++;
	return r;
}

static int on_ini_value(void *user, const char *section, const char *name, const char *value)
{
	struct ini_state *st = user;
	char why[160];
	int ret;

	if (st->error)
		return 1;
	ret = fpd_config_set(st->cfg, section, name, value, why, sizeof(why));
	if (ret) {
		st->error = ret == -ENOENT ? -EINVAL : ret;
		snprintf(st->msg, st->msg_len, "%s:%d: [%s] %s = '%s': %s", st->path,
			 st->line, section, name, value, why);
		return 0;
	}
	return 1;
}

int fpd_config_load(struct fpd_config *cfg, const char *path, char *msg, size_t msg_len)
{
	char scratch[FP_MSG_MAX];
	struct ini_state st = { cfg, path, NULL, 0, 0, msg ? msg : scratch,
				msg ? msg_len : sizeof(scratch) };
	int ret;

	st.file = fopen(path, "r");
	if (!st.file) {
		ret = -errno;
		MSG("%s: cannot open configuration file: %s", path, strerror(errno));
		return ret;
	}
	ret = ini_parse_stream(count_lines, &st, on_ini_value, &st);
	fclose(st.file);
	if (st.error)
		return st.error;
	if (ret) {
		MSG("%s:%d: syntax error (expected [section] or key = value)", path, ret);
		return -EINVAL;
	}
	snprintf(cfg->config_file, sizeof(cfg->config_file), "%s", path);
	return 0;
}

void fpd_config_usage(FILE *out)
{
	fprintf(out,
		"usage: fplated [OPTIONS]\n\n"
		"Acquire force-plate samples from a device, calibrate them and publish\n"
		"them over ZeroMQ (topics force, status, step, impact). Runs in the\n"
		"foreground; stops cleanly on SIGINT or SIGTERM. Each option below is\n"
		"also a key of the configuration file ([section] key).\n\noptions:\n"
		"  -c, --config FILE       INI configuration (default %s if present)\n",
		FPD_DEFAULT_CONFIG);
	for (size_t i = 0; i < NKEYS; i++) {
		char opt[48];

		snprintf(opt, sizeof(opt), "--%s %s", keys[i].option,
			 keys[i].type == K_STRING ? "TEXT" : keys[i].type == K_CHOICE ? "WORD" :
			 keys[i].type == K_DOUBLE ? "X" : "N");
		fprintf(out, "      %-18s  %s  [%s] %s\n", opt, keys[i].help, keys[i].section,
			keys[i].name);
	}
	fprintf(out,
		"  -v, --verbose           same as --log-level debug\n"
		"  -q, --quiet             same as --log-level warn\n"
		"  -h, --help              this text\n"
		"  -V, --version           print the version\n\n"
		"defaults: --device sim:// --pub " FP_DEFAULT_ENDPOINT " --block-ms 10\n"
		"see fplated(8) and fplate.conf(5): man fplated, man fplate.conf\n");
}

/*
 * Rules between keys, the same the control socket's `set` enforces
 * (lib ctl_proto.c, control.c), so a configuration can never start the
 * daemon with values `set` would refuse.
 */
static int check_together(const struct fpd_config *cfg, char *msg, size_t msg_len)
{
	if (cfg->body_mass_kg > 0 && cfg->body_mass_kg < 20) {
		MSG("[gait] body_mass_kg = %g: expected 0 (automatic) or 20..250 kg",
		    cfg->body_mass_kg);
		return -EINVAL;
	}
	if (!(cfg->contact_off_n < cfg->contact_on_n)) {
		MSG("[gait] contact_off_n = %g must be below contact_on_n = %g (N)",
		    cfg->contact_off_n, cfg->contact_on_n);
		return -EINVAL;
	}
	return 0;
}

/* --config is found first: the file is applied before the other options. */
static const char *find_config_arg(int argc, char **argv, int *explicit_file)
{
	for (int i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "--config") || !strcmp(argv[i], "-c")) && i + 1 < argc) {
			*explicit_file = 1;
			return argv[i + 1];
		}
		if (!strncmp(argv[i], "--config=", 9)) {
			*explicit_file = 1;
			return argv[i] + 9;
		}
	}
	*explicit_file = 0;
	return access(FPD_DEFAULT_CONFIG, F_OK) == 0 ? FPD_DEFAULT_CONFIG : NULL;
}

/*
 * Without an explicit control endpoint, the control socket sits beside the
 * publish socket: tcp://HOST:PORT -> tcp://HOST:PORT+1, ipc://PATH ->
 * ipc://PATH.ctl. Two daemons on different data endpoints then never fight
 * over one control port.
 */
static int default_ctl_endpoint(struct fpd_config *cfg, char *msg, size_t msg_len)
{
	if (cfg->ctl_endpoint[0])
		return 0;
	return fp_ctl_endpoint_beside(cfg->endpoint, cfg->ctl_endpoint, sizeof(cfg->ctl_endpoint),
				      msg, msg_len);
}

int fpd_config_from_args(struct fpd_config *cfg, int argc, char **argv,
			 char *msg, size_t msg_len)
{
	struct option opts[NKEYS + 6];
	const char *file;
	int explicit_file, c, ret;
	size_t n = 0;

	fpd_config_defaults(cfg);
	file = find_config_arg(argc, argv, &explicit_file);
	if (file) {
		ret = fpd_config_load(cfg, file, msg, msg_len);
		if (ret)
			return ret < 0 ? ret : -EINVAL;
	}
	for (size_t i = 0; i < NKEYS; i++)
		opts[n++] = (struct option){ keys[i].option, required_argument, NULL, 1000 + (int)i };
	opts[n++] = (struct option){ "config", required_argument, NULL, 'c' };
	opts[n++] = (struct option){ "verbose", no_argument, NULL, 'v' };
	opts[n++] = (struct option){ "quiet", no_argument, NULL, 'q' };
	opts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	opts[n++] = (struct option){ "version", no_argument, NULL, 'V' };
	opts[n] = (struct option){ NULL, 0, NULL, 0 };
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:vqhV", opts, NULL)) != -1) {
		char why[160];

		switch (c) {
		case 'c':
			break;
		case 'v':
			cfg->log_level = FPD_LOG_DEBUG;
			break;
		case 'q':
			cfg->log_level = FPD_LOG_WARN;
			break;
		case 'h':
			fpd_config_usage(stdout);
			return 1;
		case 'V':
			printf("fplated %s\n", FP_VERSION_STRING);
			return 1;
		case ':':
			MSG("option '%s' needs a value", argv[optind - 1]);
			return -EINVAL;
		case '?':
			MSG("unknown option '%s' (fplated --help lists them)", argv[optind - 1]);
			return -EINVAL;
		default: {
			const struct key *k = &keys[c - 1000];

			if (set_key(cfg, k, optarg, why, sizeof(why))) {
				MSG("option --%s '%s': %s", k->option, optarg, why);
				return -EINVAL;
			}
		}
		}
	}
	if (optind < argc) {
		MSG("unexpected argument '%s' (fplated --help lists the options)", argv[optind]);
		return -EINVAL;
	}
	ret = check_together(cfg, msg, msg_len);
	if (ret)
		return ret;
	return default_ctl_endpoint(cfg, msg, msg_len);
}
