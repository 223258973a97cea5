#!/bin/sh
# test_daemon_stream.sh - the real fplated on sim:// (real time, 2 plates):
# clients without a daemon fail clearly; bad configuration and bad URIs are
# refused naming the field; a subscriber gets contiguous sample indices at
# 2000 Hz +- 0.5 %; fplate status / stream report it; SIGTERM exits 0.
set -u
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
FPLATED=$BUILD/fplated
FPLATE=$BUILD/fplate
NAME=stream
. "$(dirname "$0")/lib.sh"

# 1. No daemon: clients give up with a clear message and exit 1.
expect_fail 1 "no answer from fplated at $EP within 1 s" $FPLATE status --endpoint "$EP" --timeout 1
expect_fail 1 "no data from fplated at $EP within 1 s" $FPLATE stream --endpoint "$EP" --timeout 1
expect_fail 1 "nothing from fplated" $PYTHON scripts/subscribe.py --endpoint "$EP" --timeout 1

# 2. Bad configuration and URIs name the file, line, key / parameter and value.
printf '[device]\nuri = sim://\n\n[publish]\nsndhwm = lots\n' >"$TMP/bad.conf"
expect_fail 2 "bad.conf:5: \[publish\] sndhwm = 'lots': expected an integer" \
	$FPLATED --config "$TMP/bad.conf" --pub "$EP"
printf '[device]\nspeed = 3\n' >"$TMP/bad2.conf"
expect_fail 2 "bad2.conf:2: \[device\] speed = '3': unknown key" $FPLATED --config "$TMP/bad2.conf"
expect_fail 2 "option --block-ms '0': expected an integer 1..100" $FPLATED --block-ms 0
expect_fail 2 "/nonexistent.conf: cannot open" $FPLATED --config /nonexistent.conf
expect_fail 2 "'speed' value 'fast'" $FPLATED --device "sim://?speed=fast" --pub "$EP"
expect_fail 2 "unknown device scheme 'nope'" $FPLATED --device "nope://x" --pub "$EP"
printf '{"version": 1, "id": "x", "plates": [{"channels": 6}]}\n' >"$TMP/cal.json"
expect_fail 2 "cal.json: plates\[0\]" $FPLATED --calibration "$TMP/cal.json" --pub "$EP"
# configuration faults exit 2 (RestartPreventExitStatus=2), never 1 = restart forever
expect_fail 2 "/nonexistent/cal.json: cannot open" $FPLATED --calibration /nonexistent/cal.json --pub "$EP"
expect_fail 2 "/nonexistent.c3d: cannot open" $FPLATED --device c3d:///nonexistent.c3d --pub "$EP"
expect_fail 2 "body_mass_kg = 5: expected 0 (automatic) or 20..250" $FPLATED --body-mass 5 --pub "$EP"
expect_fail 2 "contact_off_n = 30 must be below contact_on_n = 30" $FPLATED --contact-on 30 \
	--contact-off 30 --pub "$EP"
expect_fail 2 "unknown option '--bogus'" $FPLATE stream --bogus
$FPLATED --help | grep -q -- "--device" || fail "fplated --help"
$FPLATE stream --help | grep -q -- "--csv" || fail "fplate stream --help"
$FPLATE status --help | grep -q -- "--json" || fail "fplate status --help"
$PYTHON scripts/subscribe.py --help | grep -q -- "--endpoint" || fail "subscribe.py --help"

# 3. The real daemon on the simulated treadmill, paced in real time.
$FPLATED --device "sim://?plates=2&seed=3" --pub "$EP" 2>"$TMP/fplated.log" &
PID=$!
up=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	if $FPLATE status --endpoint "$EP" --timeout 1 >/dev/null 2>&1; then up=1; break; fi
	kill -0 $PID 2>/dev/null || break
done
[ $up -eq 1 ] || fail "fplated did not come up: $(cat "$TMP/fplated.log")"
ok "fplated up (pid $PID)"

# Contiguity and rate from a numpy subscriber decoding from the documented
# layout. 8 s at 2 kHz: the 0.5 % tolerance is 80 samples; the envelope of
# the sample index against receive time over 800 frames resolves the rate to
# far better than that even with milliseconds of scheduling jitter. 800
# frames (8 s of 10 ms blocks), not 8 s of this process's clock: a stall of
# the subscriber near the end would cut the samples received within 8 s.
$PYTHON scripts/subscribe.py --endpoint "$EP" --frames 800 --summary >"$TMP/summary.json" \
	|| fail "subscribe.py failed"
cat "$TMP/summary.json"
$PYTHON - "$TMP/summary.json" <<'PYEOF' || fail "subscriber summary out of bounds"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["contiguous"], "sample indices not contiguous: %s" % s
assert s["missed_frames"] == 0 and s["gap_frames"] == 0, s
assert s["samples"] >= 0.95 * 8 * 2000, "too few samples: %d" % s["samples"]
assert abs(s["rate_hz"] - 2000) <= 10, "rate %.3f Hz outside 2000 +- 0.5 %%" % s["rate_hz"]
assert len(s["mean_fz_n"]) == 2 and max(s["mean_fz_n"]) > 100, "no runner on the plates: %s" % s
print("rate %.3f Hz over %.1f s, %d contiguous samples" % (s["rate_hz"], s["seconds"], s["samples"]))
PYEOF
ok "subscriber: contiguous, 2000 Hz +- 0.5 %"

# fplate status --json carries the counters.
$FPLATE status --endpoint "$EP" --json >"$TMP/status.json" || fail "fplate status --json"
$PYTHON - "$TMP/status.json" <<'PYEOF' || fail "status JSON: $(cat "$TMP/status.json")"
import json, sys
s = json.load(open(sys.argv[1]))
for k in ("rate_hz", "samples", "gaps", "dropped", "lost_samples", "ring", "device"):
    assert k in s, "missing %s" % k
assert abs(s["rate_hz"] - 2000) <= 10, "rate_hz %s" % s["rate_hz"]
assert s["samples"] > 16000 and s["gaps"] == 0 and s["dropped"] == 0, s
assert s["ring"]["overruns"] == 0 and s["device"]["state"] == "running", s
print("status: rate %.2f Hz, %d samples" % (s["rate_hz"], s["samples"]))
PYEOF
ok "fplate status --json"
$FPLATE status --endpoint "$EP" | grep -q "running" || fail "fplate status text"

# fplate stream --csv: exact header, 1 s = 2000 samples x 2 plates, contiguous.
$FPLATE stream --endpoint "$EP" --csv --seconds 1 >"$TMP/s.csv" 2>"$TMP/s.err" \
	|| fail "fplate stream --csv: $(cat "$TMP/s.err")"
head -n 1 "$TMP/s.csv" | grep -qx "sample,t_ns,plate,fx,fy,fz,mx,my,mz,cop_x,cop_y,tz,flags,sync" \
	|| fail "CSV header: $(head -n 1 "$TMP/s.csv")"
$PYTHON - "$TMP/s.csv" <<'PYEOF' || fail "CSV content"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 4000, "rows %d, expected 4000" % len(rows)
for plate in ("1", "2"):
    idx = [int(r["sample"]) for r in rows if r["plate"] == plate]
    assert idx == list(range(idx[0], idx[0] + 2000)), "plate %s not contiguous" % plate
t = [int(r["t_ns"]) for r in rows if r["plate"] == "1"]
dt = (t[-1] - t[0]) / 1999
assert abs(dt - 500000) < 2500, "sample period %.1f ns" % dt
fz = [float(r["fz"]) for r in rows]
assert max(fz) > 500, "max Fz %.1f" % max(fz)
# sim:// default sync_hz=100 at 2 kHz: bit 0 high on samples 0, 20, 40, ...
# (docs/simulator.md), and only there
bad = [r["sample"] for r in rows if int(r["sync"]) != (1 if int(r["sample"]) % 20 == 0 else 0)]
assert not bad, "sync column wrong at samples %s" % bad[:5]
print("csv: 4000 rows, contiguous, period %.1f ns, max Fz %.0f N" % (dt, max(fz)))
PYEOF
ok "fplate stream --csv"
$FPLATE stream --endpoint "$EP" --json --seconds 0.05 >"$TMP/s.jsonl" 2>/dev/null || fail "stream --json"
$PYTHON -c "
import json, sys
n = sum(len(json.loads(l)['data']) for l in open(sys.argv[1]))
assert n == 100, n
" "$TMP/s.jsonl" || fail "fplate stream --json: $(head -c 300 "$TMP/s.jsonl")"
ok "fplate stream --json"

# 4. SIGTERM: clean exit 0 with a final log line.
kill -TERM $PID
i=0
while kill -0 $PID 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 $PID 2>/dev/null && fail "fplated still running 5 s after SIGTERM"
wait $PID; rc=$?
PID=
[ $rc -eq 0 ] || fail "fplated exited $rc after SIGTERM: $(tail -n 3 "$TMP/fplated.log")"
grep -q "stopped:" "$TMP/fplated.log" || fail "no final log line"
ok "SIGTERM -> exit 0: $(grep stopped: "$TMP/fplated.log")"
echo "PASS"
