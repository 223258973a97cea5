#!/bin/sh
# test_c3d.sh - C3D end to end with the real binaries:
#  1. fplate c3d-info reads every real file (text and JSON) and rejects bad
#     files with one line on stderr and exit status 1;
#  2. fplated replays every real file through c3d:// and publishes frames
#     with the file's plate count;
#  3. fplate record captures a whole c3d:// replay: same sample count and
#     same peak Fz per plate as the source;
#  4. a recorder killed with SIGKILL at several moments leaves a valid file.
set -u
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
FPLATE=$BUILD/fplate
FPLATED=$BUILD/fplated
DATA=$(cd "$(dirname "$0")/../../../shared/data/c3d" 2>/dev/null && pwd) || {
	echo "no ../shared/data/c3d" >&2; exit 77; }
[ -x "$FPLATE" ] && [ -x "$FPLATED" ] || { echo "fplate/fplated not built" >&2; exit 77; }
TMP=$(mktemp -d /tmp/fplate-c3d-XXXXXX)
EP=ipc://$TMP/pub.sock
DPID=
cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

json() { # json FILE EXPR: evaluate EXPR on the c3d-info JSON object d
	"$FPLATE" c3d-info --json --stats "$1" | "$PYTHON" -c "import json,sys
d=json.load(sys.stdin)
print($2)"
}

echo "== 1. c3d-info on every real file"
n=0
for f in "$DATA"/*.c3d; do
	"$FPLATE" c3d-info "$f" >"$TMP/info.txt" 2>"$TMP/err.txt" || fail "c3d-info $f: $(cat "$TMP/err.txt")"
	grep -q '^force plates: [1-9]' "$TMP/info.txt" || fail "$f: no force plate table"
	plates=$(json "$f" "len(d['plates'])") || fail "c3d-info --json $f is not JSON"
	echo "  $(basename "$f"): $plates plates, $(json "$f" "d['frames']") frames"
	n=$((n + 1))
done
[ "$n" -eq 11 ] || fail "expected 11 files, found $n"

echo "== 1b. bad files: one line, exit 1"
src=$DATA/c3dorg_sample10_TYPE-2.c3d
head -c 20000 "$src" >"$TMP/trunc.c3d"
printf 'not a c3d file at all, just some text........' >"$TMP/text.c3d"
head -c 512 /dev/zero >"$TMP/zero.c3d"
for bad in "$TMP/trunc.c3d" "$TMP/text.c3d" "$TMP/zero.c3d" "$TMP/missing.c3d"; do
	"$FPLATE" c3d-info "$bad" >/dev/null 2>"$TMP/err.txt"
	rc=$?
	[ $rc -eq 1 ] || fail "c3d-info $bad: exit $rc, expected 1"
	[ "$(wc -l <"$TMP/err.txt")" -eq 1 ] || fail "c3d-info $bad: not one line: $(cat "$TMP/err.txt")"
	grep -q "$bad" "$TMP/err.txt" || fail "message does not name the file: $(cat "$TMP/err.txt")"
	echo "  $(cat "$TMP/err.txt")"
done

start_daemon() { # URI
	"$FPLATED" -q --device "$1" --pub "$EP" --status-ms 200 >"$TMP/fplated.log" 2>&1 &
	DPID=$!
}
stop_daemon() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null
	[ -n "$DPID" ] && wait "$DPID" 2>/dev/null
	DPID=
}

echo "== 2. fplated replays every real file through c3d://"
for f in "$DATA"/*.c3d; do
	want=$(json "$f" "min(4, sum(1 for p in d['plates'] if 1 <= p['type'] <= 4))")
	start_daemon "c3d://$f?loop=1"
	timeout 10 "$FPLATE" stream --csv --seconds 0.2 --endpoint "$EP" >"$TMP/s.csv" 2>"$TMP/s.err" ||
		fail "stream from c3d://$f: $(cat "$TMP/s.err") $(cat "$TMP/fplated.log")"
	stop_daemon
	got=$(tail -n +2 "$TMP/s.csv" | cut -d, -f3 | sort -u | wc -l)
	[ "$got" -eq "$want" ] || fail "$f: stream shows $got plates, expected $want"
	echo "  $(basename "$f"): $(($(wc -l <"$TMP/s.csv") - 1)) rows, $got plates"
done

echo "== 3. record a whole replay"
f=$DATA/btk_PiG_Motion3_FF.c3d
timeout 30 "$FPLATE" record -o "$TMP/rec.c3d" --endpoint "$EP" --timeout 8 2>"$TMP/rec.err" &
RPID=$!
sleep 0.5
start_daemon "c3d://$f"
wait $RPID || fail "record: $(cat "$TMP/rec.err")"
wait "$DPID"; DPID=
cat "$TMP/rec.err"
"$FPLATE" c3d-info --json --stats --params "$TMP/rec.c3d" >"$TMP/rec.json" || fail "recorded file unreadable"
"$FPLATE" c3d-info --json --stats "$f" >"$TMP/src.json"
"$PYTHON" - "$TMP/src.json" "$TMP/rec.json" <<'EOF' || fail "recording differs from the source"
import json, sys
src, rec = (json.load(open(p)) for p in sys.argv[1:3])
n_src = src["analog_samples"]
n_rec = rec["analog_samples"]
words = rec["parameters"]["FPLATE:FIRST_SAMPLE"]   # 4 int16 words, low first
first = sum((int(w) % 65536) << (16 * k) for k, w in enumerate(words))
print(f"  source {n_src} samples, recorded {n_rec} from sample {first}")
# PUB/SUB: the recorder may join late, but from then on nothing is missing
# (a last incomplete point frame is dropped at close)
spf = rec["analog_per_frame"]
assert first < 1000 and n_rec == (n_src - first) // spf * spf, (n_src, n_rec, first)
assert rec["analog_rate"] == src["analog_rate"]
for i, (a, b) in enumerate(zip(src["plates"], rec["plates"])):
    print(f"  plate {i+1}: peak Fz source {a['fz_max']:.3f} N, recorded {b['fz_max']:.3f} N")
    assert abs(a["fz_max"] - b["fz_max"]) < 1e-3 * max(1.0, abs(a["fz_max"])), (a, b)
EOF

echo "== 4. SIGKILL the recorder at several moments"
start_daemon "c3d://$DATA/ezc3d_BTS.c3d?loop=1"
sleep 0.5
for d in 0.4 0.9 1.3 2.1; do
	"$FPLATE" record -o "$TMP/kill.c3d" --endpoint "$EP" 2>/dev/null &
	RPID=$!
	sleep "$d"
	kill -KILL $RPID
	wait $RPID 2>/dev/null
	[ -f "$TMP/kill.c3d" ] || fail "killed after $d s: no file"
	"$FPLATE" c3d-info --json "$TMP/kill.c3d" >"$TMP/k.json" 2>"$TMP/k.err" ||
		fail "killed after $d s: unreadable: $(cat "$TMP/k.err")"
	frames=$("$PYTHON" -c "import json; print(json.load(open('$TMP/k.json'))['frames'])")
	size=$(stat -c %s "$TMP/kill.c3d")
	echo "  killed after $d s: valid, $frames frames, $size bytes"
	rm -f "$TMP/kill.c3d"
done
stop_daemon
[ "${frames:-0}" -gt 50 ] || fail "the last killed recording holds only ${frames:-0} frames"
echo "PASS"
