# tests/fuzz/fuzz.mk - libFuzzer targets (clang). `make fuzz-check` runs each
# target for FUZZ_CHECK_SECONDS (a make check step); `make fuzz` runs longer
# (FUZZ_SECONDS). The seed corpus is the real C3D files in ../shared/data/c3d;
# new inputs go to $(BUILD)/fuzz/corpus-NAME, crashes to $(BUILD)/fuzz/.
# A target NAME may set FUZZ_SRCS_NAME (library sources it links) and
# FUZZ_SEEDS_NAME (its seed folder); the defaults are the C3D reader's.
FUZZ_CC            ?= clang
FUZZ_SECONDS       ?= 600
FUZZ_CHECK_SECONDS ?= 30
FUZZ_FLAGS   := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all -Iinclude $(LIB_DIRS:%=-I%) -DFP_VERSION='"$(VERSION)"'
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c))
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
FUZZ_LIB_SRCS = lib/c3d/c3d_read.c lib/c3d/c3d_param.c lib/c3d/c3d_fp.c lib/calib/calib.c
FUZZ_SRCS_c3d_read = $(FUZZ_LIB_SRCS)
FUZZ_SEEDS_c3d_read = $(abspath ../shared/data/c3d)
# usb_pkt.c includes lib/amp/usb_proto.c itself
FUZZ_SRCS_usb_pkt =
FUZZ_SEEDS_usb_pkt = $(CURDIR)/tests/fuzz/usb_seeds
# the force-frame decoder's target includes lib/wire/wire.c itself
FUZZ_SRCS_wire_decode =
FUZZ_SEEDS_wire_decode = $(CURDIR)/tests/fuzz/wire_seeds

# clang 14 is Debian 12's default clang; its libFuzzer runtime is in libclang-rt-14-dev
CHECK_DEPS += clang=cmd:clang libclang-rt-14-dev=pkg:
CHECK_STEPS += fuzz-check

.PHONY: fuzz fuzz-check fuzz-build
fuzz-build: $(FUZZ_BINS)

.SECONDEXPANSION:
$(BUILD)/fuzz/%: tests/fuzz/%.c $$(FUZZ_SRCS_$$*) $(wildcard include/fplate/*.h) $(LIB_SRCS) $(shell find lib -name '*.h')
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_SRCS_$*) -lm

# run TARGET SECONDS: seed corpus = the real files, plus what earlier runs found
define fuzz_run
	@mkdir -p $(BUILD)/fuzz/corpus-$(1); rm -f $(BUILD)/fuzz/crash-$(1)-*
	cd $(BUILD)/fuzz && ./$(1) -max_total_time=$(2) -max_len=400000 -rss_limit_mb=2048 \
		-artifact_prefix=$(CURDIR)/$(BUILD)/fuzz/crash-$(1)- -print_final_stats=1 \
		corpus-$(1) $(FUZZ_SEEDS_$(1)) 2>&1 | tail -n 15
	@! ls $(BUILD)/fuzz/crash-$(1)-* >/dev/null 2>&1 || \
		{ echo "fuzz: $(1) found crashes: $$(ls $(BUILD)/fuzz/crash-$(1)-*)"; false; }
endef

# One rule per target: a define's recipe lines cannot be joined by $(foreach).
# make check runs the targets two at a time (one core each on the 2-core CI
# machine: the same fuzzing time per target in less wall time), each
# target's output kept together.
fuzz-check:
	$(MAKE) --no-print-directory -j2 fuzz-build
	$(MAKE) --no-print-directory -j2 --output-sync=target $(FUZZ_TARGETS:%=fuzz-check-%)
fuzz-check-%: $(BUILD)/fuzz/%
	$(call fuzz_run,$*,$(FUZZ_CHECK_SECONDS))

fuzz: $(FUZZ_TARGETS:%=fuzz-long-%)
fuzz-long-%: $(BUILD)/fuzz/%
	$(call fuzz_run,$*,$(FUZZ_SECONDS))
