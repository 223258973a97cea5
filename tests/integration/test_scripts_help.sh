#!/bin/sh
# test_scripts_help.sh - every program a lab runs answers --help with its
# usage and exit status 0, from the packages `make deps` / `make deps-check`
# install (no import error, no traceback): the technician scripts, the
# Python subscriber example, fplated (pointing to its manual pages, which
# are installed, unlike README.md) and every fplate command.
set -u
NAME=scripts_help
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
. tests/integration/lib.sh

n=0
for s in scripts/fplate-* scripts/subscribe.py; do
	case $s in *.mk|*~) continue ;; esac
	[ -f "$s" ] || continue
	"$PYTHON" "$s" --help >"$TMP/out" 2>"$TMP/err" || fail "$s --help exited $?: $(tail -n 1 "$TMP/err")"
	grep -q "^usage: " "$TMP/out" || fail "$s --help printed no usage line"
	grep -q "Traceback" "$TMP/err" && fail "$s --help: $(cat "$TMP/err")"
	n=$((n + 1))
done
[ $n -ge 6 ] || fail "only $n scripts found"
ok "$n scripts answer --help"

"$BUILD/fplated" --help >"$TMP/out" 2>&1 || fail "fplated --help exited $?"
grep -q "man fplated" "$TMP/out" || fail "fplated --help does not name its manual page"
grep -q "README" "$TMP/out" && fail "fplated --help points to README.md, which is not installed"
ok "fplated --help names man fplated"

for c in $("$BUILD/fplate" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }'); do
	"$BUILD/fplate" "$c" --help >"$TMP/out" 2>&1 || fail "fplate $c --help exited $?"
	n=$((n + 1))
done
ok "and every fplate command"
