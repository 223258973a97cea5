#!/bin/sh
# test_comedi_errors.sh - on the build host (no comedi card needed): the
# comedi:// errors a lab user sees from the real programs. fplated exits 2
# (bad parameter or file, or a device path that does not exist: the unit
# must not restart forever, docs/man/fplated.8) with one line naming the
# parameter, file or device and the value; fplate list
# runs with or without cards. Streaming from a card is tested in the VM
# (tests/vm/cases/comedi_*.sh).
set -u
B=${BUILD:-build}
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect() { # DESCRIPTION EXPECTED-RC EXPECTED-TEXT COMMAND...
	d=$1 rc_want=$2 text=$3
	shift 3
	out=$(timeout 20 "$@" 2>&1)
	rc=$?
	if [ "$rc" = "$rc_want" ] && echo "$out" | grep -qF -- "$text"; then
		echo "ok: $d"
	else
		echo "FAIL: $d: rc=$rc (want $rc_want), output: $out (want: $text)"
		fails=$((fails + 1))
	fi
}

expect "7 channels are no plate" 2 "7 plate channels: expected 6 or 8 per plate" \
	"$B/fplated" --device 'comedi:///dev/comedi0?channels=0-6' --pub "ipc://$tmp/p"
expect "bad channel list" 2 "parameter 'channels': '5-3' in '0,5-3'" \
	"$B/fplated" --device 'comedi://?channels=0,5-3' --pub "ipc://$tmp/p"
expect "unknown parameter" 2 "unknown parameter 'chanels'" \
	"$B/fplated" --device 'comedi://?chanels=0-5' --pub "ipc://$tmp/p"
expect "no such card" 2 "comedi:///nonexistent/comedi7: cannot open" \
	"$B/fplated" --device 'comedi:///nonexistent/comedi7' --pub "ipc://$tmp/p"
cat >"$tmp/w.json" <<'JSON'
{ "fplate_wiring": 1, "plates": [ { "channels": "0-5", "aref": "floating" } ] }
JSON
expect "wiring file error" 2 "w.json: field 'plates[0].aref': value 'floating'" \
	"$B/fplated" --device "comedi://?wiring=$tmp/w.json" --pub "ipc://$tmp/p"
expect "fplate list" 0 "" "$B/fplate" list
expect "fplate list --help" 0 "usage: fplate list" "$B/fplate" list --help
expect "scheme listed" 0 "comedi://" "$B/fplate" version
[ $fails = 0 ]
