# kernel.mk - fplate.ko targets (included by the top Makefile).
#
#   make module                 build for KMOD_KVER (default: Debian's stable
#                               kernel) with W=1, and sparse when installed;
#                               any compiler or sparse warning fails the build
#   make modules-all            the same for every installed header set
#   make kmod-kernels           enable bookworm-backports, install the 6.12
#                               generic and rt headers (+ images for the VM rig)
#   make dkms-install           register, build and install with DKMS (root)
#   make dkms-uninstall
# Output: $(BUILD)/kernel/<KVER>/fplate.ko. The sources are copied there with
# the shared headers and lib/amp/usb_proto.c (the same layout DKMS gets), so the
# tree stays clean.

KMOD_VERSION := $(VERSION)
KMOD_KVER ?= $(shell sh kernel/kernels.sh default 2>/dev/null)
# The amplifier's packet code, shared with usb:// (lib/amp/).
KMOD_PROTO := lib/amp/usb_proto.c lib/amp/usb_parse.h
KMOD_SRCS := $(wildcard kernel/*.c kernel/*.h) kernel/Kbuild include/fplate/usb_proto.h \
             include/fplate/fplate_ioctl.h $(KMOD_PROTO)
KMOD_SPARSE = $(if $(shell command -v sparse 2>/dev/null),C=1)

CHECK_DEPS += linux-headers-amd64=pkg: sparse=cmd:sparse dkms=cmd:dkms
# make check: the module for every installed kernel, W=1 + sparse clean.
CHECK_STEPS += modules-all

.PHONY: module modules-all kmod-kernels dkms-install dkms-uninstall

# $(call kmod_build,KVER): copy sources, build, fail on any warning.
define kmod_build
	@set -e; kver=$(1); out=$(BUILD)/kernel/$$kver; \
	kdir=/usr/src/linux-headers-$$kver; \
	[ -f $$kdir/Makefile ] || kdir=/lib/modules/$$kver/build; \
	[ -f $$kdir/Makefile ] || { echo "module: no headers for $$kver (install linux-headers-$$kver)" >&2; exit 1; }; \
	mkdir -p $$out/include/fplate $$out/lib; \
	cp -p kernel/*.c kernel/*.h kernel/Kbuild $$out/; \
	cp -p include/fplate/usb_proto.h include/fplate/fplate_ioctl.h $$out/include/fplate/; \
	cp -p $(KMOD_PROTO) $$out/lib/; \
	echo "  KMOD    $$out/fplate.ko (W=1 $(KMOD_SPARSE))"; \
	$(MAKE) --no-print-directory -C $$kdir M=$(CURDIR)/$$out W=1 $(KMOD_SPARSE) modules \
		> $$out/build.log 2>&1 || { cat $$out/build.log; rm -f $$out/fplate.ko; exit 1; }; \
	if grep -E 'warning:|error:|: sparse:' $$out/build.log | grep -v 'jobserver unavailable'; then \
		rm -f $$out/*.o $$out/fplate.ko; \
		echo "module: $$kver: warnings above (full log $$out/build.log)" >&2; exit 1; fi
endef

module:
	@test -n "$(KMOD_KVER)" || { echo "module: no kernel headers; run make deps" >&2; exit 1; }
	$(call kmod_build,$(KMOD_KVER))

modules-all:
	@kvers=$$(sh kernel/kernels.sh installed); \
	test -n "$$kvers" || { echo "modules-all: no kernel headers installed" >&2; exit 1; }; \
	for k in $$kvers; do $(MAKE) --no-print-directory module KMOD_KVER=$$k || exit 1; done

kmod-kernels:
	sh kernel/kernels.sh install-backports

# `make deps-check` brings the backports kernels too (root; quick when present).
# A failure here only warns: the kmod-vm-backports check step then fails
# with its own message, and everything else can still be built and run.
.PHONY: kmod-kernels-deps
deps-check: kmod-kernels-deps
kmod-kernels-deps:
	@sh kernel/kernels.sh install-backports || \
		echo "deps: WARNING: could not install the bookworm-backports kernels (see above); make kmod-vm-backports will fail" >&2

DKMS_SRC := /usr/src/fplate-$(KMOD_VERSION)
dkms-install:
	@test "$$(id -u)" = 0 || { echo "dkms-install: run as root" >&2; exit 1; }
	@command -v dkms >/dev/null || { echo "dkms-install: apt-get install dkms" >&2; exit 1; }
	-dkms remove -m fplate -v $(KMOD_VERSION) --all >/dev/null 2>&1
	rm -rf $(DKMS_SRC) && mkdir -p $(DKMS_SRC)/include/fplate $(DKMS_SRC)/lib
	cp kernel/*.c kernel/*.h kernel/Kbuild kernel/Makefile $(DKMS_SRC)/
	cp $(KMOD_PROTO) $(DKMS_SRC)/lib/
	sed 's/@VERSION@/$(KMOD_VERSION)/' kernel/dkms.conf > $(DKMS_SRC)/dkms.conf
	cp include/fplate/usb_proto.h include/fplate/fplate_ioctl.h $(DKMS_SRC)/include/fplate/
	dkms add -m fplate -v $(KMOD_VERSION)
	dkms install -m fplate -v $(KMOD_VERSION) $(if $(DKMS_KVER),-k $(DKMS_KVER))

dkms-uninstall:
	-dkms remove -m fplate -v $(KMOD_VERSION) --all
	rm -rf $(DKMS_SRC)

# ---- VM tests (tests/vm/cases/kmod_*.sh, run by the rig's vmcheck) ----
# The rig boots Debian's stable kernel by default; the module is built for
# every installed header set so `make vmcheck KVER=...` finds its .ko.
VM_PREREQS += modules-all

# The bookworm-backports kernels (6.12, 6.12-rt): the same kmod cases,
# shortened (kmod_short in tests/vm/kmod-lib.sh), one VM boot per kernel.
CHECK_STEPS += kmod-vm-backports
.PHONY: kmod-vm-backports
kmod-vm-backports:
	@kvers=$$(sh kernel/kernels.sh backports); \
	test -n "$$kvers" || { echo "kmod-vm-backports: bookworm-backports not enabled: run make kmod-kernels (root)" >&2; exit 1; }; \
	for k in $$kvers; do \
		test -f /usr/src/linux-headers-$$k/Makefile || { echo "kmod-vm-backports: linux-headers-$$k missing: run make kmod-kernels" >&2; exit 1; }; \
	done; \
	for k in $$kvers; do \
		echo "== kmod VM cases on $$k"; \
		$(MAKE) --no-print-directory vmcheck KVER=$$k VMCASES='kmod_*' || exit 1; \
	done
