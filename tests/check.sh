#!/bin/sh
# check.sh STEP... - run each `make STEP` of `make check`, keep going after a
# failure so one report shows everything, and end with the plain summary line.
set -u
BUILD=${BUILD:-build}
# Steps that would skip when a tool is missing fail instead (tests/vm/vm.sh).
FPLATE_MAKE_CHECK=1
export FPLATE_MAKE_CHECK
passed=0; failed=0; failed_steps=""
for step in "$@"; do
	echo "===== check: $step ====="
	start=$(date +%s)
	if make --no-print-directory BUILD="$BUILD" "$step"; then
		passed=$((passed + 1)); r=PASS
	else
		failed=$((failed + 1)); r=FAIL; failed_steps="$failed_steps $step"
	fi
	echo "===== check: $step $r ($(( $(date +%s) - start )) s) ====="
done
[ -n "$failed_steps" ] && echo "check: failed steps:$failed_steps"
echo "check steps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
