# tests/fuzz/usb.mk - the USB packet parser's libFuzzer target
# (tests/fuzz/usb_pkt.c, self-contained: it includes lib/usb_proto.c).
#
# When tests/fuzz/fuzz.mk (the generic fuzz fragment) is present it builds
# and runs every tests/fuzz/*.c, this one included, with the seeds in
# tests/fuzz/usb_seeds (valid packets; FUZZ_SEEDS_usb_pkt), so nothing is
# added here.
# Without it, `make fuzz-usb` runs this target for FUZZ_USB_SECONDS (a make
# check step).
ifeq ($(filter usb_pkt,$(FUZZ_TARGETS)),)
FUZZ_USB_SECONDS ?= 30
FUZZ_USB_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
                  -fno-sanitize-recover=all -Iinclude -Ilib
CHECK_DEPS += clang=cmd:clang libclang-rt-14-dev=file:/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a
CHECK_STEPS += fuzz-usb

.PHONY: fuzz-usb
$(BUILD)/fuzz/usb_pkt: tests/fuzz/usb_pkt.c lib/usb_proto.c lib/usb_parse.h include/fplate/usb_proto.h
	@mkdir -p $(dir $@)
	clang $(FUZZ_USB_FLAGS) -o $@ $<

fuzz-usb: $(BUILD)/fuzz/usb_pkt
	@mkdir -p $(BUILD)/fuzz/corpus-usb_pkt; rm -f $(BUILD)/fuzz/crash-usb_pkt-*
	cd $(BUILD)/fuzz && ./usb_pkt -max_total_time=$(FUZZ_USB_SECONDS) -max_len=4200 \
		-artifact_prefix=$(CURDIR)/$(BUILD)/fuzz/crash-usb_pkt- -print_final_stats=1 \
		corpus-usb_pkt $(CURDIR)/tests/fuzz/usb_seeds 2>&1 | tail -n 12
	@! ls $(BUILD)/fuzz/crash-usb_pkt-* >/dev/null 2>&1 || \
		{ echo "fuzz: usb_pkt found crashes: $$(ls $(BUILD)/fuzz/crash-usb_pkt-*)"; false; }
endif
