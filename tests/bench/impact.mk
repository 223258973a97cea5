# tests/bench/impact.mk - `make bench-impact` (part of `make bench`): the
# latency from a foot's contact to its `impact` message, fplated on sim://
# at real pace (docs/performance.md, "Impact event latency").
IMPACT_BENCH_SECONDS ?= 30

.PHONY: bench-impact
bench-impact: programs
	BUILD=$(BUILD) $(PYTHON) tests/bench/impact_latency.py $(IMPACT_BENCH_SECONDS) \
		$(BUILD)/bench-impact.json

bench: bench-impact
