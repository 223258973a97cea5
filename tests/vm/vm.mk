# tests/vm/vm.mk - the virtual-hardware rig (QEMU + Debian kernel + busybox).
#
#   make vmcheck                 every VM case (tests/vm/cases/*.sh), one boot per area
#   make vmcheck VMCASES='usb_*' only some cases;  KVER=6.12 another kernel
#
# Programs the cases run in the guest: every tests/vm/bin/NAME.c, and every
# folder tests/vm/bin/NAME/ of .c files, becomes $(BUILD)/tests/vm/bin/NAME
# (linked with libfplate.a) and is copied into the guest's /fplate/bin with
# its shared libraries. Another area that needs
# its own artefact built before the VM boots adds the target to VM_PREREQS
# (e.g. `VM_PREREQS += kmod` in kernel/kernel.mk).

VM_BIN_SRCS := $(wildcard tests/vm/bin/*.c)
VM_BIN_DIRS := $(patsubst %/,%,$(dir $(wildcard tests/vm/bin/*/*.c)))
VM_BINS     := $(VM_BIN_SRCS:tests/vm/bin/%.c=$(BUILD)/tests/vm/bin/%) \
               $(sort $(VM_BIN_DIRS:tests/vm/bin/%=$(BUILD)/tests/vm/bin/%))
VM_PREREQS  += all vm-bins

CHECK_DEPS += qemu-system-x86=cmd:qemu-system-x86_64 busybox-static=file:/bin/busybox \
        cpio=cmd:cpio binutils=cmd:objcopy xz-utils=cmd:xz zstd=cmd:zstd \
        linux-headers-amd64=pkg:

CHECK_STEPS += vmcheck

.PHONY: vmcheck vm-bins
vm-bins: $(VM_BINS)

$(BUILD)/tests/vm/bin/%: $(BUILD)/tests/vm/obj/%.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

$(BUILD)/tests/vm/obj/%.o: tests/vm/bin/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

.SECONDARY: $(VM_BIN_SRCS:tests/vm/bin/%.c=$(BUILD)/tests/vm/obj/%.o)

# A folder's objects go to $(BUILD)/tests/vm/obj/NAME/ (the program itself
# takes the name NAME in bin/).
define vm_bin_dir
$(BUILD)/tests/vm/bin/$(1): $(patsubst tests/vm/bin/$(1)/%.c,$(BUILD)/tests/vm/obj/$(1)/%.o,$(wildcard tests/vm/bin/$(1)/*.c)) $(LIB_A)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(ALL_LDLIBS)
$(BUILD)/tests/vm/obj/$(1)/%.o: tests/vm/bin/$(1)/%.c
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  CC      $$@")
	$$(Q)$$(CC) $$(ALL_CFLAGS) -c $$< -o $$@
endef
$(foreach d,$(sort $(notdir $(VM_BIN_DIRS))),$(eval $(call vm_bin_dir,$(d))))

# VM_PREREQS is expanded when the recipe runs, so fragments included after
# this one (udev/*.mk) can still add to it.
vmcheck:
	@$(MAKE) --no-print-directory $(VM_PREREQS)
	BUILD=$(BUILD) bash tests/vm/vm.sh
