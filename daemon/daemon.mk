# daemon/daemon.mk - fplated / fplate extras: unit-tested daemon modules,
# `make run` (live view on the simulated treadmill) and `make bench`.

# The daemon's configuration parser is unit-tested (tests/unit/test_config.c).
UNIT_OBJS += $(BUILD)/daemon/fplated/config.o

# make run: deps, build, then fplated on sim:// with the live view.
# RUN_SECONDS=N stops after N seconds; RUN_DEVICE / RUN_ENDPOINT override.
run:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) sh daemon/run.sh
