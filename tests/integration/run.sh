#!/bin/sh
# run.sh - run every integration test (tests/integration/test_*.sh and
# test_*.py) against the real binaries in $BUILD. A test exits 0 to pass,
# 77 to skip (with a reason on stderr), anything else to fail. A skip fails
# the run too (make check installs every tool a test needs, so a skip means
# something is missing), unless FPLATE_ALLOW_SKIP=1 for a partial machine.
set -u
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
export BUILD PYTHON
cd "$(dirname "$0")/../.."
passed=0; failed=0; skipped=0
for t in tests/integration/test_*.sh tests/integration/test_*.py; do
	[ -e "$t" ] || continue
	name=$(basename "$t")
	log="$BUILD/tests/integration/${name}.log"
	mkdir -p "$(dirname "$log")"
	start=$(date +%s)
	case $t in
	*.py) timeout 600 "$PYTHON" "$t" >"$log" 2>&1 ;;
	*)    timeout 600 sh "$t" >"$log" 2>&1 ;;
	esac
	rc=$?
	secs=$(( $(date +%s) - start ))
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1)); echo "integration: $name PASS (${secs} s)"
	elif [ $rc -eq 77 ]; then
		skipped=$((skipped + 1)); echo "integration: $name SKIP (${secs} s): $(tail -n 1 "$log")"
	else
		failed=$((failed + 1)); echo "integration: $name FAIL rc=$rc (${secs} s), last lines of $log:"
		tail -n 25 "$log" | sed 's/^/    /'
	fi
done
echo "integration: $passed passed, $failed failed, $skipped skipped"
if [ $skipped -gt 0 ] && [ "${FPLATE_ALLOW_SKIP:-0}" != 1 ]; then
	echo "integration: a skipped test fails the run (FPLATE_ALLOW_SKIP=1 allows it)"
	failed=$((failed + skipped))
fi
[ $failed -eq 0 ]
