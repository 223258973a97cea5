# tests/fuzz/fuzz.mk - libFuzzer targets (clang). `make fuzz-check` runs each
# target for FUZZ_CHECK_SECONDS (a make check step); `make fuzz` runs longer
# (FUZZ_SECONDS). The seed corpus is the real C3D files in ../shared/data/c3d;
# new inputs go to $(BUILD)/fuzz/corpus-NAME, crashes to $(BUILD)/fuzz/.
FUZZ_CC            ?= clang
FUZZ_SECONDS       ?= 600
FUZZ_CHECK_SECONDS ?= 45
FUZZ_FLAGS   := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all -Iinclude -Ilib -DFP_VERSION='"$(VERSION)"'
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c))
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
FUZZ_LIB_SRCS = lib/c3d_read.c lib/c3d_param.c lib/c3d_fp.c

# clang 14 is Debian 12's default clang; its libFuzzer runtime is in libclang-rt-14-dev
DEPS += clang=cmd:clang libclang-rt-14-dev=pkg:
CHECK_STEPS += fuzz-check

.PHONY: fuzz fuzz-check fuzz-build
fuzz-build: $(FUZZ_BINS)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_SRCS) $(wildcard include/fplate/*.h lib/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_LIB_SRCS) -lm

# run TARGET SECONDS: seed corpus = the real files, plus what earlier runs found
define fuzz_run
	@mkdir -p $(BUILD)/fuzz/corpus-$(1); rm -f $(BUILD)/fuzz/crash-$(1)-*
	cd $(BUILD)/fuzz && ./$(1) -max_total_time=$(2) -max_len=400000 -rss_limit_mb=2048 \
		-artifact_prefix=$(CURDIR)/$(BUILD)/fuzz/crash-$(1)- -print_final_stats=1 \
		corpus-$(1) $(abspath ../shared/data/c3d) 2>&1 | tail -n 15
	@! ls $(BUILD)/fuzz/crash-$(1)-* >/dev/null 2>&1 || \
		{ echo "fuzz: $(1) found crashes: $$(ls $(BUILD)/fuzz/crash-$(1)-*)"; false; }
endef

fuzz-check: $(FUZZ_BINS)
	$(foreach t,$(FUZZ_TARGETS),$(call fuzz_run,$(t),$(FUZZ_CHECK_SECONDS)))

fuzz: $(FUZZ_BINS)
	$(foreach t,$(FUZZ_TARGETS),$(call fuzz_run,$(t),$(FUZZ_SECONDS)))
