# tests/reference/reference.mk - the gait module's benchmark against its
# Python reference (tests/reference/gait_ref.py), part of `make bench`.
GAIT_BENCH_SECONDS ?= 120

$(BUILD)/tests/gait_bench: $(BUILD)/tests/reference/gait_bench.o $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

.PHONY: bench-gait
bench-gait: $(BUILD)/tests/gait_bench
	$(BUILD)/tests/gait_bench $(GAIT_BENCH_SECONDS) $(BUILD)/bench-gait.json $(PYTHON) \
		tests/reference/gait_ref.py

bench: bench-gait
