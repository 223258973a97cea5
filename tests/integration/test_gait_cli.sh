#!/bin/sh
# test_gait_cli.sh - the gait module through the real binaries:
# fplate analyze on a C3D and on sim:// (JSON lines, summaries, errors that
# name the option and value), and fplated's `step` topic read by
# fplate steps (records with metrics_version, alternating feet, the table).
set -u
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
FPLATED=$BUILD/fplated
FPLATE=$BUILD/fplate
DATA=../shared/data/c3d
NAME=gait
. "$(dirname "$0")/lib.sh"

# 1. Help and errors.
$FPLATE analyze --help | grep -q -- "--belt-speed" || fail "fplate analyze --help"
$FPLATE steps --help | grep -q -- "--json" || fail "fplate steps --help"
expect_fail 2 "--cutoff 'abc': expected a number" $FPLATE analyze x.c3d --cutoff abc
expect_fail 2 "unknown option '--bogus'" $FPLATE analyze x.c3d --bogus
expect_fail 2 "no FILE.c3d or URI" $FPLATE analyze
expect_fail 2 "use its plates=, zero= and action=" $FPLATE analyze "sim://?pace=fast" --zero
expect_fail 1 "nope.c3d" $FPLATE analyze "$TMP/nope.c3d"
expect_fail 1 "cutoff_hz 1500" $FPLATE analyze "sim://?pace=fast" --seconds 1 --cutoff 1500
expect_fail 1 "nothing from fplated" $FPLATE steps --endpoint "$EP" --timeout 1

# 1b. A file that stores the action force (Fz < 0 under load) says so and
# how to read it; with --action its stances are found. A file with more
# plates than one pass takes (BTS: 6) is analysed on every plate.
if [ -f "$DATA/ezc3d_Kistler.c3d" ]; then
	$FPLATE analyze "$DATA/ezc3d_Kistler.c3d" >"$TMP/k.out" 2>"$TMP/k.err" || fail "analyze Kistler"
	grep -q "action force" "$TMP/k.err" && grep -q -- "--action" "$TMP/k.err" ||
		fail "no action-force message: $(cat "$TMP/k.err")"
	n=$($FPLATE analyze "$DATA/ezc3d_Kistler.c3d" --action --json 2>/dev/null | grep -c '"contact_sample"')
	[ "$n" -ge 5 ] || fail "analyze Kistler --action: $n steps"
	ok "action-force file: message, then $n steps with --action"
fi
if [ -f "$DATA/ezc3d_BTS.c3d" ]; then
	$FPLATE analyze "$DATA/ezc3d_BTS.c3d" --json >"$TMP/bts.json" 2>"$TMP/bts.err" ||
		fail "analyze BTS: $(cat "$TMP/bts.err")"
	grep -q "6 force plates: analysed 4 at a time" "$TMP/bts.err" || fail "BTS: no note on the plates"
	$PYTHON - "$TMP/bts.json" <<'PY' || fail "BTS: every plate analysed"
import json, sys
steps = [json.loads(l) for l in open(sys.argv[1]) if '"summary"' not in l]
plates = [s["plate"] for s in steps]
# each pair of feet on plates 1-6: plate 5 carries the third stance
assert any(p > 4 for p in plates), plates
assert [s["contact_sample"] for s in steps] == sorted(s["contact_sample"] for s in steps)
print("BTS: stances on plates %s" % plates)
PY
	expect_fail 2 "need --plate N" $FPLATE analyze "$DATA/ezc3d_BTS.c3d" --export-fz "$TMP/x.csv"
	ok "more than 4 plates: every plate analysed"
fi

# 2. analyze on the treadmill run: 85 stances, JSON lines then 2 summaries.
if [ -f "$DATA/fukuchi_RBDS001runT35.c3d" ]; then
	$FPLATE analyze "$DATA/fukuchi_RBDS001runT35.c3d" --belt-speed 3.5 --json >"$TMP/run.json" ||
		fail "analyze fukuchi"
	$PYTHON - "$TMP/run.json" <<'PY' || fail "analyze fukuchi output"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
steps = [l for l in lines if "summary" not in l]
sums = [l for l in lines if "summary" in l]
need = ["plate", "foot", "contact_sample", "toeoff_sample", "contact_time_ms", "flight_time_ms",
        "impact_peak_n", "impact_peak_bw", "impact_virtual", "time_to_impact_ms", "valr_n_s",
        "valr_bw_s", "vilr_n_s", "vilr_bw_s", "active_peak_bw", "body_weight_n", "cutoff_hz",
        "offset_n", "flags", "metrics_version"]
assert len(steps) == 86, len(steps)          # 85 complete + the one cut at the start
assert all(k in s for s in steps for k in need), [k for k in need if k not in steps[5]]
complete = [s for s in steps if "truncated" not in s["flags"]]
assert len(complete) == 85, len(complete)
assert sorted(s["summary"] for s in sums) == ["L", "R"]
bw = [s["body_weight_n"] for s in complete if s["body_weight_n"]]
assert 500 < min(bw) and max(bw) < 700, (min(bw), max(bw))  # SOURCES: mean Fz 594 N
assert all(200 < s["contact_time_ms"] < 260 for s in complete)
print("fukuchi: %d steps, BW %.0f-%.0f N, summary L %d R %d" % (
    len(complete), min(bw), max(bw), sums[0]["steps"], sums[1]["steps"]))
PY
	ok "analyze fukuchi_RBDS001runT35.c3d"
	$FPLATE analyze "$DATA/fukuchi_RBDS001runT35.c3d" >"$TMP/run.txt" || fail "analyze table"
	grep -q "L foot:" "$TMP/run.txt" && grep -q "VALR" "$TMP/run.txt" || fail "analyze table"
	ok "analyze table"
fi

# 3. analyze a URI: 10 s of simulated running.
$FPLATE analyze "sim://?speed=4&strike=fore&plates=1&pace=fast" --seconds 10 --json >"$TMP/sim.json" ||
	fail "analyze sim"
n=$(grep -c '"contact_sample"' "$TMP/sim.json")
[ "$n" -ge 25 ] || fail "analyze sim: $n steps"
grep -q '"impact_virtual":true' "$TMP/sim.json" || fail "forefoot: no virtual impact"
ok "analyze sim:// forefoot: $n steps"

# 4. fplated publishes steps; fplate steps shows them.
$FPLATED --device "sim://?speed=3.5&strike=rear&plates=1" --pub "$EP" -q 2>"$TMP/fplated.log" &
PID=$!
$FPLATE steps --endpoint "$EP" --seconds 4 --json >"$TMP/steps.json" 2>"$TMP/steps.err" ||
	fail "fplate steps --json: $(cat "$TMP/steps.err")"
$PYTHON - "$TMP/steps.json" <<'PY' || fail "step topic content"
import json, sys
steps = [json.loads(l) for l in open(sys.argv[1])]
assert len(steps) >= 8, len(steps)
assert all(s["metrics_version"] == 5 for s in steps)
feet = [s["foot"] for s in steps]
assert all(a != b for a, b in zip(feet, feet[1:])), feet
assert all(s["valr_n_s"] > 0 and not s["impact_virtual"] for s in steps)
print("step topic: %d steps, feet %s" % (len(steps), "".join(feet)))
PY
ok "step topic"
$FPLATE steps --endpoint "$EP" --seconds 2 >"$TMP/table.txt" || fail "fplate steps table"
grep -q "VALR" "$TMP/table.txt" && [ "$(grep -c ' peak ' "$TMP/table.txt")" -ge 3 ] ||
	fail "fplate steps table: $(cat "$TMP/table.txt")"
ok "fplate steps table"
kill "$PID" && wait "$PID"; rc=$?; PID=
[ "$rc" -eq 0 ] || fail "fplated exited $rc on SIGTERM"
# 5. The [gait] section: foot per plate on a split belt, cutoffs, mass,
# belt speed. feet = RL on purpose (the sim puts the left foot on plate 1),
# so the labels can only come from the configuration.
cat >"$TMP/gait.conf" <<'CONF'
[gait]
feet = RL
cutoff_hz = 80
cop_cutoff_hz = 30
body_mass_kg = 70
belt_speed_mps = 3.0
CONF
expect_fail 2 "feet = RL names 2 plates, the device has 1" \
	$FPLATED --config "$TMP/gait.conf" --device "sim://?plates=1&pace=fast" --pub "$EP"
sed 's/= RL/= LL/' "$TMP/gait.conf" >"$TMP/bad.conf"
expect_fail 2 "bad.conf:2: \[gait\] feet = 'LL': expected one of auto, LR, RL, L, R" \
	$FPLATED --config "$TMP/bad.conf" --pub "$EP"
$FPLATED --config "$TMP/gait.conf" --device "sim://?speed=3&strike=rear&plates=2" --pub "$EP" -q \
	2>"$TMP/fplated2.log" &
PID=$!
$FPLATE steps --endpoint "$EP" --seconds 4 --json >"$TMP/split.json" 2>"$TMP/split.err" ||
	fail "fplate steps --json (split belt): $(cat "$TMP/split.err")"
$PYTHON - "$TMP/split.json" <<'PY' || fail "[gait] settings in the step records"
import json, sys
steps = [json.loads(l) for l in open(sys.argv[1])]
assert len(steps) >= 8, len(steps)
assert {s["plate"] for s in steps} == {1, 2}, steps
assert all(s["foot"] == ("R" if s["plate"] == 1 else "L") for s in steps), \
    [(s["plate"], s["foot"]) for s in steps]
assert all(s["cutoff_hz"] == 80 for s in steps), [s["cutoff_hz"] for s in steps]
assert all(abs(s["body_weight_n"] - 70 * 9.80665) < 0.01 for s in steps)
assert all(abs(s["belt_speed_mps"] - 3.0) < 1e-9 for s in steps), [s["belt_speed_mps"] for s in steps]
print("split belt: %d steps, plate 1 R, plate 2 L, cutoff 80 Hz, BW %.2f N" %
      (len(steps), steps[0]["body_weight_n"]))
PY
ok "[gait] feet, cutoff_hz, body_mass_kg, belt_speed_mps reach the step records"
kill "$PID" && wait "$PID"; rc=$?; PID=
[ "$rc" -eq 0 ] || fail "fplated exited $rc on SIGTERM"
echo "all gait CLI tests passed"
