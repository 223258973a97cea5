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
$(BENCH_BIN): $(BUILD)/tests/bench/bench.o $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

bench: all $(BENCH_BIN)
	$(BENCH_BIN) --fplated $(BUILD)/fplated --json $(BUILD)/bench.json $(BENCH_ARGS)
# ... and so are its acquisition and processing (tests/unit/test_daemon.c).
UNIT_OBJS += $(patsubst %.c,$(BUILD)/%.o,$(filter-out daemon/fplated/main.c daemon/fplated/config.c,$(DAEMON_SRCS)))

# The force-frame decoder's libFuzzer target (tests/fuzz/wire_decode.c,
# self-contained), run by tests/fuzz/fuzz.mk with these seeds.
FUZZ_SRCS_wire_decode =
FUZZ_SEEDS_wire_decode = $(CURDIR)/tests/fuzz/wire_seeds

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
