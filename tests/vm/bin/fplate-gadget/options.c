// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * options.c - fplate-gadget: command line and the exit report.
 */
#include "gadget.h"

/* ---- options and report ------------------------------------------------ */

static const char usage_text[] =
"Usage: fplate-gadget [OPTION]...\n"
"Emulate an fplate USB amplifier (docs/protocol.md) on a USB device\n"
"controller through configfs + FunctionFS (needs configfs, libcomposite,\n"
"usb_f_fs and a UDC such as dummy_hcd). Runs until SIGTERM/SIGINT.\n"
"\n"
"Device:\n"
"  --serial S             serial number (FPEMU0001)\n"
"  --plates N             plates, 1-4 (2)\n"
"  --channels N           channels per plate, 6 or 8 (6; a --source sets it)\n"
"  --rate HZ              initial sample rate per plate (2000)\n"
"  --max-rate HZ          highest rate SET_RATE accepts (10000)\n"
"  --ext-rate HZ          rate of the emulated external sync clock (= --rate)\n"
"  --samples-per-packet K records per packet (max-rate/200, not a multiple of 64 B)\n"
"  --fifo-ms MS           device FIFO depth in time (1000); beyond it: overrun\n"
"  --source SRC           builtin[:SEED] (builtin:1) or a libfplate URI,\n"
"                         e.g. 'sim://?plates=2&rate=2000&pace=fast'\n"
"  --sync-period N        sync input pulse every N samples (200; 0 = none)\n"
"  --sync-width N         pulse high for N samples (20)\n"
"  --trigger-at N         trigger input high from sample N on (0 = never)\n"
"Faults (LIST = comma-separated packet sequence numbers of each session):\n"
"  --drop LIST            never send these packets (seq and samples advance)\n"
"  --corrupt LIST         flip a byte of these packets after the CRC\n"
"  --stall LIST           halt the endpoint before these packets\n"
"  --stall-ms MS          keep each of those stalls for MS ms: the endpoint is\n"
"                         halted again within 1 ms whenever the host clears\n"
"                         it, so every transfer fails until then (a STOP ends\n"
"                         it; 0 = one halt, the default)\n"
"  --repeat LIST          send these packets twice, the copy with the next seq\n"
"                         (later packets number on from there)\n"
"  --restart-after SEQ    after packet SEQ the clock restarts once (seq 0,\n"
"                         sample 0, no sample skipped: the data continues)\n"
"  --refuse-start LIST    stall these START requests (1 = the first START of\n"
"                         the emulator's life; the host then sees START fail)\n"
"  --bad-info FIELD       report nonsense in GET_INFO: magic, plates (0),\n"
"                         channels (7), rate (max-rate + 1) or k (0)\n"
"  (unplug: write an empty line to /sys/kernel/config/usb_gadget/NAME/UDC)\n"
"Test support:\n"
"  --name NAME            configfs gadget / functionfs instance name (fplate)\n"
"  --udc NAME             UDC to bind (the first in /sys/class/udc)\n"
"  --checksum-at N        CRC-32 of the first N records sent (sync+counts)\n"
"  --stats FILE           write the counters as key=value at exit\n"
"  --t0-file FILE         write 'REALTIME_NS RATE K INDEX' at each START (INDEX:\n"
"                         the source's index of this session's sample 0)\n"
"  -h, --help             this help\n";

static uint32_t num(const char *opt, const char *s, uint32_t min, uint32_t max)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (!*s || *end || v < min || v > max)
		die("%s: '%s' is not a number in %u..%u", opt, s, min, max);
	return (uint32_t)v;
}

static unsigned parse_list(const char *opt, char *s, uint32_t *list)
{
	unsigned n = 0;

	for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		if (n == MAX_LIST)
			die("%s: more than %d entries", opt, MAX_LIST);
		list[n++] = num(opt, tok, 0, UINT32_MAX);
	}
	return n;
}

void parse_options(struct opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "serial", 1, 0, 's' }, { "plates", 1, 0, 'p' }, { "channels", 1, 0, 'c' },
		{ "rate", 1, 0, 'r' }, { "max-rate", 1, 0, 'M' }, { "ext-rate", 1, 0, 'e' },
		{ "samples-per-packet", 1, 0, 'k' }, { "fifo-ms", 1, 0, 'f' },
		{ "source", 1, 0, 'S' }, { "sync-period", 1, 0, 'P' },
		{ "sync-width", 1, 0, 'W' }, { "trigger-at", 1, 0, 'T' },
		{ "drop", 1, 0, 'd' }, { "corrupt", 1, 0, 'x' }, { "stall", 1, 0, 'H' },
		{ "name", 1, 0, 'n' }, { "udc", 1, 0, 'u' }, { "checksum-at", 1, 0, 'C' },
		{ "stats", 1, 0, 'o' }, { "t0-file", 1, 0, 't' }, { "help", 0, 0, 'h' },
		{ "bad-info", 1, 0, 'B' }, { "repeat", 1, 0, 'R' },
		{ "restart-after", 1, 0, 'A' }, { "stall-ms", 1, 0, 'L' },
		{ "refuse-start", 1, 0, 'F' },
		{ 0, 0, 0, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		const char *name = optind > 1 ? argv[optind - 2] : "option";

		switch (c) {
		case 's': o->serial = optarg; break;
		case 'p': o->plates = num(name, optarg, 1, FP_MAX_PLATES); break;
		case 'c': o->channels = num(name, optarg, 6, 8); break;
		case 'r': o->rate = num(name, optarg, 1, 65535); break;
		case 'M': o->max_rate = num(name, optarg, 1, 65535); break;
		case 'e': o->ext_rate = num(name, optarg, 1, 65535); break;
		case 'k': o->k = num(name, optarg, 1, 1000); break;
		case 'f': o->fifo_ms = num(name, optarg, 1, 60000); break;
		case 'S': o->source = optarg; break;
		case 'P': o->sync_period = num(name, optarg, 0, UINT32_MAX); break;
		case 'W': o->sync_width = num(name, optarg, 0, UINT32_MAX); break;
		case 'T': o->trigger_at = num(name, optarg, 0, UINT32_MAX); break;
		case 'd': o->n_drop = parse_list(name, optarg, o->drop); break;
		case 'x': o->n_corrupt = parse_list(name, optarg, o->corrupt); break;
		case 'H': o->n_stall = parse_list(name, optarg, o->stall); break;
		case 'R': o->n_repeat = parse_list(name, optarg, o->repeat); break;
		case 'F': o->n_refuse_start = parse_list(name, optarg, o->refuse_start); break;
		case 'L': o->stall_ms = num(name, optarg, 0, 600000); break;
		case 'A': o->restart_after = num(name, optarg, 0, UINT32_MAX); break;
		case 'n': o->name = optarg; break;
		case 'u': o->udc = optarg; break;
		case 'C': o->checksum_at = num(name, optarg, 0, UINT32_MAX); break;
		case 'o': o->stats_path = optarg; break;
		case 't': o->t0_path = optarg; break;
		case 'B':
			if (strcmp(optarg, "magic") && strcmp(optarg, "plates") &&
			    strcmp(optarg, "channels") && strcmp(optarg, "rate") &&
			    strcmp(optarg, "k"))
				die("--bad-info '%s': expected magic, plates, channels, rate or k",
				    optarg);
			o->bad_info = optarg;
			break;
		case 'h': fputs(usage_text, stdout); exit(0);
		default: fputs(usage_text, stderr); exit(2);
		}
	}
	if (optind < argc)
		die("unexpected argument '%s' (see --help)", argv[optind]);
	if (o->rate > o->max_rate)
		die("--rate %u is above --max-rate %u", o->rate, o->max_rate);
}

void write_stats(struct gadget *g)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "packets_sent=%u samples_sent=%u dropped=%u corrupted=%u stalled=%u "
		 "repeated=%u restarts=%u starts_refused=%u "
		 "overruns=%u overrun_samples=%u starts=%u enables=%u checksum=%08x "
		 "checksum_samples=%llu\n",
		 g->packets_sent, g->samples_sent, g->dropped, g->corrupted, g->stalled,
		 g->repeated, g->restarts, g->starts_refused,
		 g->overruns, g->overrun_samples, g->starts, g->enables, g->checksum,
		 (unsigned long long)g->checksum_n);
	fprintf(stderr, "fplate-gadget: %s", text);
	if (g->o.stats_path && write_file(g->o.stats_path, text))
		fprintf(stderr, "fplate-gadget: cannot write %s\n", g->o.stats_path);
}
