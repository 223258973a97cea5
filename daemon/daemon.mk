# daemon/daemon.mk - fplated / fplate extras: unit-tested daemon modules,
# `make run` (live view on the simulated treadmill) and `make bench`.

# The daemon's configuration parser is unit-tested (tests/unit/test_config.c).
UNIT_OBJS += $(BUILD)/daemon/fplated/config.o
