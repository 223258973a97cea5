# tests/vm/vm.mk - the virtual-hardware rig (QEMU + Debian kernel + busybox).
#
#   make vmcheck                 every VM case (tests/vm/cases/*.sh), one boot per area
#   make vmcheck VMCASES='usb_*' only some cases;  KVER=6.12 another kernel
#
# Programs the cases run in the guest: every tests/vm/bin/NAME.c becomes
# $(BUILD)/tests/vm/bin/NAME (linked with libfplate.a) and is copied into
# the guest's /fplate/bin with its shared libraries. Another area that needs
# its own artefact built before the VM boots adds the target to VM_PREREQS
# (e.g. `VM_PREREQS += kmod` in kernel/kernel.mk).

VM_BIN_SRCS := $(wildcard tests/vm/bin/*.c)
VM_BINS     := $(VM_BIN_SRCS:tests/vm/bin/%.c=$(BUILD)/tests/vm/bin/%)
VM_PREREQS  += all vm-bins

DEPS += qemu-system-x86=cmd:qemu-system-x86_64 busybox-static=file:/bin/busybox \
        cpio=cmd:cpio binutils=cmd:objcopy xz-utils=cmd:xz zstd=cmd:zstd \
        linux-headers-amd64=pkg:

CHECK_STEPS += vmcheck

.PHONY: vmcheck vm-bins
vm-bins: $(VM_BINS)

$(BUILD)/tests/vm/bin/%: $(BUILD)/tests/vm/bin/%.o $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

# VM_PREREQS is expanded when the recipe runs, so fragments included after
# this one (udev/*.mk) can still add to it.
vmcheck:
	@$(MAKE) --no-print-directory $(VM_PREREQS)
	BUILD=$(BUILD) bash tests/vm/vm.sh
