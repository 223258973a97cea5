# tests/reference/reference.mk - the gait module's benchmark against its
# Python reference (tests/reference/gait_ref.py), part of `make bench`.
GAIT_BENCH_SECONDS ?= 120

$(BUILD)/tests/gait_bench: $(BUILD)/tests/reference/gait_bench.o $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

# ... and `fplate analyze` against the reference on the same recordings
# (tests/reference/analyze_bench.py, CPU time of each, side by side).
GAIT_BENCH_DATA ?= ../shared/data/c3d

.PHONY: bench-gait
bench-gait: $(BUILD)/tests/gait_bench $(BUILD)/fplate
	$(BUILD)/tests/gait_bench $(GAIT_BENCH_SECONDS) $(BUILD)/bench-gait.json $(PYTHON) \
		tests/reference/gait_ref.py
	$(PYTHON) tests/reference/analyze_bench.py $(BUILD)/fplate $(GAIT_BENCH_DATA) \
		$(BUILD)/bench-analyze.json

bench: bench-gait

# Bit identity of every gait record with another commit, for changes meant
# to leave the outputs alone (tests/reference/gait_identity.sh):
#   make gait-identity BASE=HEAD~1
$(BUILD)/tests/gait_dump: $(BUILD)/tests/reference/gait_dump.o $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

.PHONY: gait-identity
gait-identity: $(BUILD)/tests/gait_dump
	@test -n "$(BASE)" || { echo "usage: make gait-identity BASE=REV" >&2; exit 2; }
	BUILD=$(BUILD) CC="$(CC)" LDLIBS="$(ALL_LDLIBS)" DATA=$(GAIT_BENCH_DATA) \
		sh tests/reference/gait_identity.sh $(BASE)
