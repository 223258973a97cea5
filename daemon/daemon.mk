# daemon/daemon.mk - fplated / fplate extras: unit-tested daemon modules,
# `make run` (live view on the simulated treadmill) and `make bench`.

# The daemon's configuration parser is unit-tested (tests/unit/test_config.c).
UNIT_OBJS += $(BUILD)/daemon/fplated/config.o

# make run: deps, build, then fplated on sim:// with the live view.
# RUN_SECONDS=N stops after N seconds; RUN_DEVICE / RUN_ENDPOINT override.
run:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) sh daemon/run.sh

# make bench: throughput, latency against the libzmq floor, daemon CPU/RSS.
# BENCH_ARGS="--seconds 20" for a shorter (< 100 k samples) run.
BENCH_BIN := $(BUILD)/tests/fplate-bench
$(BENCH_BIN): $(BUILD)/tests/bench/bench.o $(BUILD)/tests/bench/bench_floor.o \
		$(BUILD)/daemon/fplated/timefit.o $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

bench: all $(BENCH_BIN)
	$(BENCH_BIN) --fplated $(BUILD)/fplated --json $(BUILD)/bench.json $(BENCH_ARGS)
# ... and so are its acquisition and processing (tests/unit/test_daemon.c).
UNIT_OBJS += $(patsubst %.c,$(BUILD)/%.o,$(filter-out daemon/fplated/main.c daemon/fplated/config.c,$(DAEMON_SRCS)) $(COMMON_SRCS))
# The unit tests and the benchmark include the daemon-only headers (ring.h,
# timefit.h, ctl_proto.h) by name.
$(BUILD)/tests/unit/%.o $(BUILD)/tests/bench/%.o: ALL_CFLAGS += -Idaemon/fplated


# fplate feedback plays its tone through aplay (ALSA); --sound-file and
# --no-sound need nothing.
DEPS += alsa-utils=cmd:aplay

# make soak: fplated's memory over a long run (tests/bench/soak.py): sim://
# with the gait stage, one subscriber, status requests every 100 ms and a
# recording over the second quarter; VmRSS every 10 s, a line fitted after
# the first 60 s, result in $(BUILD)/soak.json. A benchmark, not in make
# check. SOAK_S=N for the length (default 600 s), SOAK_ARGS for more options
# (--no-record, --ctl-period 0, --device URI).
SOAK_S ?= 600
.PHONY: soak
soak: all
	$(PYTHON) tests/bench/soak.py --fplated $(BUILD)/fplated --seconds $(SOAK_S) \
		--json $(BUILD)/soak.json $(SOAK_ARGS)
