# fplate - top-level build. GNU make.
#
#   make            build libfplate (.so + .a), fplated, fplate, tests
#   make deps       install the missing Debian packages that building and running
#                   on sim:// need (root), via scripts/install/install-deps.sh
#   make deps-check deps + every package the tests need (QEMU, clang, kernels, ...)
#   make run        deps + build + fplated on sim:// with a live view (RUN_SECONDS=N to stop)
#   make check      deps-check + build + every test (unit, sanitizer unit, integration, VM)
#   make bench      throughput / latency benchmark, writes $(BUILD)/bench.json
#   make gait-identity BASE=REV  gait records bit-identical to commit REV's?
#   make soak       fplated's RSS over SOAK_S seconds (600), writes $(BUILD)/soak.json
#   make install    see scripts/install/install.mk
#
# Build products go under $(BUILD) only. Areas add their own targets, test
# steps and packages through fragments (any *.mk beside what it builds):
#   DEPS        += debian-package=kind:what   (kind: pc, cmd, py, file, pkg):
#                  what building and running on sim:// needs (make deps, make run)
#   CHECK_DEPS  += debian-package=kind:what   what only the tests, the VM rig,
#                  the kernel matrix or the fuzzers need (make deps-check, make check)
#   CHECK_STEPS += target                     (run by make check, in order)

BUILD   ?= build
CC      ?= cc
PYTHON  ?= /usr/bin/python3
SAN     ?= 0

VERSION      := 0.1.0
SOVERSION    := 0
PKGS         := libzmq libusb-1.0 comedilib jansson inih

# Lazy (=) so that a machine without the packages can still run `make deps`.
PKG_CFLAGS    = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS      = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CUNIT_LIBS    = $(shell pkg-config --libs cunit 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wno-format-nonliteral
CFLAGS  ?= -O2 -g
ifeq ($(SAN),1)
CFLAGS  += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif
# lib/ is one folder per component (docs/architecture.md); each folder's
# private headers are found by name from the others, as before the split.
LIB_DIRS    := $(sort $(patsubst %/,%,$(dir $(shell find lib -name '*.[ch]'))))
ALL_CFLAGS  = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -fPIC -pthread -Iinclude $(LIB_DIRS:%=-I%) -Idaemon/common \
              -DFP_VERSION='"$(VERSION)"' $(PKG_CFLAGS) -MMD -MP
ALL_LDLIBS  = $(PKG_LIBS) -lm -pthread

LIB_SRCS    := $(sort $(shell find lib -name '*.c'))
LIB_OBJS    := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB_SO      := $(BUILD)/libfplate.so.$(VERSION)
LIB_A       := $(BUILD)/libfplate.a

DAEMON_SRCS := $(wildcard daemon/fplated/*.c)
CLI_SRCS    := $(wildcard daemon/cli/*.c)
COMMON_SRCS := $(wildcard daemon/common/*.c)
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(BUILD)/%.o) $(COMMON_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS    := $(CLI_SRCS:%.c=$(BUILD)/%.o) $(COMMON_SRCS:%.c=$(BUILD)/%.o)
PROGRAMS    := $(if $(DAEMON_SRCS),$(BUILD)/fplated) $(if $(CLI_SRCS),$(BUILD)/fplate)

UNIT_SRCS   := $(wildcard tests/unit/*.c)
UNIT_OBJS   := $(UNIT_SRCS:%.c=$(BUILD)/%.o)
UNIT_BIN    := $(BUILD)/tests/unit_tests
# Every tests/unit/test_NAME.c defines `void fp_suite_NAME(void)`.
UNIT_SUITES := $(patsubst tests/unit/test_%.c,%,$(wildcard tests/unit/test_*.c))

DEPS := pkg-config=cmd:pkg-config gcc=cmd:gcc make=cmd:make \
        libzmq3-dev=pc:libzmq libusb-1.0-0-dev=pc:libusb-1.0 \
        libcomedi-dev=pc:comedilib libcunit1-dev=pc:cunit \
        libjansson-dev=pc:jansson libinih-dev=pc:inih \
        python3-numpy=py:numpy python3-zmq=py:zmq
# scipy: the independent gait reference (tests/reference/gait_ref.py);
# matplotlib: scripts/fplate-report, exercised by the integration tests;
# tmux: test_view.sh and test_feedback_tmux.py run fplate view / feedback in a
# terminal of a known size.
CHECK_DEPS := python3-scipy=py:scipy python3-matplotlib=py:matplotlib tmux=cmd:tmux
CHECK_STEPS := unit unit-san integration
# Parallel jobs for the builds make check starts itself (one per core).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all lib programs tests deps deps-check run check unit unit-san integration bench clean
all: lib programs tests

-include $(sort $(shell find kernel lib daemon tests scripts udev -name '*.mk'))

lib: $(LIB_SO) $(LIB_A)
programs: $(PROGRAMS)
tests: $(UNIT_BIN)

# V=1 shows the full commands.
Q := $(if $(filter 1,$(V)),,@)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB_A): $(LIB_OBJS)
	@rm -f $@
	@$(if $(Q),echo "  AR      $@")
	$(Q)ar rcs $@ $^

# The shared library exports what include/fplate/ declares, nothing else.
$(BUILD)/libfplate.map: lib/libfplate-map.sh $(wildcard include/fplate/*.h)
	@mkdir -p $(@D)
	$(Q)sh lib/libfplate-map.sh "$(CC)" include > $@.tmp && mv $@.tmp $@

$(LIB_SO): $(LIB_OBJS) $(BUILD)/libfplate.map
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared -Wl,-soname,libfplate.so.$(SOVERSION) -Wl,--version-script=$(BUILD)/libfplate.map \
		$(LDFLAGS) -o $@ $(LIB_OBJS) $(ALL_LDLIBS)
	@ln -sf libfplate.so.$(VERSION) $(BUILD)/libfplate.so.$(SOVERSION)
	@ln -sf libfplate.so.$(SOVERSION) $(BUILD)/libfplate.so

# Programs link libfplate statically: they run from the build tree and in
# the VM without an rpath; `make install` ships the shared library for others.
$(BUILD)/fplated: $(DAEMON_OBJS) $(LIB_A)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

$(BUILD)/fplate: $(CLI_OBJS) $(LIB_A)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

# Regenerated at every make (FORCE) but replaced only when the list changed,
# so a removed test file cannot leave a stale suite behind.
.PHONY: FORCE
FORCE:
$(BUILD)/tests/suites.inc: FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' $(foreach s,$(UNIT_SUITES),'FP_SUITE($(s))') > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp

$(BUILD)/tests/unit/main.o: $(BUILD)/tests/suites.inc

# Every daemon/cli/cmd_NAME.c defines fp_cmd_NAME() and fp_cmd_NAME_help[].
CLI_CMDS := $(patsubst daemon/cli/cmd_%.c,%,$(wildcard daemon/cli/cmd_*.c))
$(BUILD)/daemon/commands.inc: FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' $(foreach c,$(CLI_CMDS),'FP_CMD($(c))') > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp
$(BUILD)/daemon/cli/main.o: $(BUILD)/daemon/commands.inc
$(BUILD)/daemon/cli/main.o: ALL_CFLAGS += -I$(BUILD)/daemon
$(BUILD)/tests/unit/%.o: ALL_CFLAGS += -Wno-missing-prototypes -I$(BUILD)/tests -DFP_SOURCE_DIR='"$(CURDIR)"'

$(UNIT_BIN): $(UNIT_OBJS) $(LIB_A)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS) $(CUNIT_LIBS)

deps:
	@sh scripts/install/install-deps.sh $(DEPS)

deps-check:
	@sh scripts/install/install-deps.sh $(DEPS) $(CHECK_DEPS)

unit: $(UNIT_BIN)
	$(UNIT_BIN)

unit-san:
	$(MAKE) --no-print-directory -j$(JOBS) SAN=1 BUILD=$(BUILD)/san tests
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(BUILD)/san/tests/unit_tests

integration: all
	BUILD=$(BUILD) PYTHON=$(PYTHON) sh tests/integration/run.sh

check:
	@$(MAKE) --no-print-directory deps-check
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@BUILD=$(BUILD) sh tests/check.sh $(CHECK_STEPS)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
