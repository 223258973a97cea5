# comedi_daemon: comedi_test through fplated to a subscriber. The plate is
# described by a wiring file that names an identity calibration (matrix =
# unit matrix), so the published Fx and Fy are the volts of channels 0
# (sawtooth) and 1 (square wave), and the belt speed read on flat channel 7
# is 2 m/s/V * (0 - -0.5 V) = 1 m/s: 30 s at 2 kHz with period 200 samples
# +-0.5 %, amplitude 1 V +-1 %, no gaps; 5 s at 10 kHz; a rate the card
# cannot do refused at start; the card removed mid-stream, seen on
# `fplate status`, the daemon surviving and resuming when it comes back.
# vm-timeout: 210
. /fplate/lib.sh
vm_need /fplate/bin/fplated
fails=0
EP=ipc:///run/fplate-comedi.pub
result() { # NAME OK(0/1) FIGURES
	if [ "$2" = 0 ]; then vm_result "$1" PASS "$3"; else vm_result "$1" FAIL "$3"; fails=$((fails + 1)); fi
}
near() { awk -v v="$1" -v t="$2" -v r="$3" 'BEGIN { d = v - t; if (d < 0) d = -d;
	a = t < 0 ? -t : t; exit !(v != "" && d <= r * a) }'; }
val() { echo "$out" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }
# json_get KEY: first "KEY":value in $out (flat scan is enough here)
json_get() { echo "$out" | sed -n "s/.*\"$1\":\"\{0,1\}\([^,\"}]*\).*/\1/p" | head -n 1; }

cat >/tmp/identity.json <<'JSON'
{ "version": 1, "id": "comedi-test-identity",
  "plates": [ { "channels": 6,
    "matrix": [[1,0,0,0,0,0],[0,1,0,0,0,0],[0,0,1,0,0,0],[0,0,0,1,0,0],[0,0,0,0,1,0],[0,0,0,0,0,1]],
    "surface_height_mm": 0, "size_mm": [400, 600] } ] }
JSON
cat >/tmp/wiring.json <<'JSON'
{ "fplate_wiring": 1, "device": "/dev/comedi0", "rate_hz": 2000,
  "range": "10V", "aref": "ground", "calibration": "identity.json",
  "plates": [ { "name": "test", "channels": "0-5" } ],
  "belt": { "channel": 7, "scale_mps_per_v": 2, "offset_v": -0.5 } }
JSON

# analyse CSV: sample,t_ns,plate,fx,fy,fz,mx,my,mz,cop_x,cop_y,tz,flags
analyse() {
	awk -F, 'NR == 1 || $3 != 1 { next }
	{	s = $1 + 0; fx = $4 + 0; fy = $5 + 0
		if (n && s != prev + 1) disc++
		if ($13 + 0) flagged++
		if (!n) { mnx = mxx = fx; mny = mxy = fy }
		if (fx < mnx) mnx = fx; if (fx > mxx) mxx = fx
		if (fy < mny) mny = fy; if (fy > mxy) mxy = fy
		if (n && px < 0 && fx >= 0) { if (lx) { sx += s - lx; cx++ } lx = s }
		if (n && py < 0 && fy >= 0) { if (ly) { sy += s - ly; cy++ } ly = s }
		for (i = 6; i <= 9; i++) { a = $i < 0 ? -$i : $i; if (a > flat) flat = a }
		px = fx; py = fy; prev = s; n++ }
	END {	p0 = cx ? sx / cx : 0; p1 = cy ? sy / cy : 0
		printf "rows=%d discontinuities=%d flagged=%d period0=%.3f period1=%.3f ", n, disc, flagged, p0, p1
		printf "amp_saw_v=%.5f amp_square_v=%.5f flat_max_abs=%.5f\n",
			(mxx - mnx) / 2 * (p0 > 1 ? p0 / (p0 - 1) : 1), (mxy - mny) / 2, flat }' "$1"
}

# stream NAME SECONDS RATE PERIOD: daemon on the wiring file at RATE, one
# subscriber for SECONDS, then check what it received.
stream() {
	fplated --device "comedi://?wiring=/tmp/wiring.json&rate=$3" --pub $EP --status-ms 500 \
		>/tmp/fplated.log 2>&1 &
	dpid=$!
	fplate stream --csv --seconds "$2" --endpoint $EP --timeout 10 >/tmp/s.csv 2>/tmp/s.err
	src=$?
	out=$(fplate status --json --endpoint $EP --timeout 5 2>&1)
	cal=$(json_get calibration) gaps=$(json_get gaps) drate=$(json_get rate_hz)
	kill $dpid; wait $dpid
	drc=$?
	out=$(analyse /tmp/s.csv)
	ok=0
	[ $src = 0 ] && [ $drc = 0 ] && [ "$cal" = comedi-test-identity ] && [ "$gaps" = 0 ] &&
		[ "$(val rows)" -ge $(($2 * $3 * 98 / 100)) ] && near "$drate" "$3" 0.02 &&
		[ "$(val discontinuities)" = 0 ] &&
		[ "$(val flagged)" = 0 ] && near "$(val period0)" "$4" 0.005 &&
		near "$(val period1)" "$4" 0.005 && near "$(val amp_saw_v)" 1 0.01 &&
		near "$(val amp_square_v)" 1 0.01 &&
		awk -v f="$(val flat_max_abs)" 'BEGIN { exit !(f < 0.001) }' || ok=1
	result "$1" $ok "$out calibration=$cal daemon_rate_hz=$drate daemon_gaps=$gaps stream_rc=$src daemon_rc=$drc$([ $ok = 1 ] && echo " stream_err=$(tr '\n' ' ' </tmp/s.err) log=$(tail -n 3 /tmp/fplated.log | tr '\n' ' ')")"
}

stream comedi_daemon_2khz 30 2000 200
stream comedi_daemon_10khz 5 10000 1000

# A rate the card cannot do: fplated refuses to start and says why.
out=$(timeout 20 fplated --device "comedi://?wiring=/tmp/wiring.json&rate=5000000" --pub $EP 2>&1)
rc=$?
ok=0
[ $rc != 0 ] && [ $rc != 124 ] && echo "$out" | grep -q "accepts 0.25 to 1e+06 Hz for 7 channels" || ok=1
result comedi_daemon_refuse_rate $ok "rc=$rc msg=\"$(echo "$out" | tail -n 1)\""

# The card removed mid-stream: status says so, the daemon keeps running
# and resumes when the driver is back. Each step waits for the device state
# it needs (a fixed sleep ends too early when the host is loaded).
fplated --device "comedi://?wiring=/tmp/wiring.json" --pub $EP --status-ms 300 >/tmp/fplated.log 2>&1 &
dpid=$!
dev_state() { vm_device_state $EP; }
is_state() { [ "$(dev_state)" = "$1" ]; }
vm_wait_for 40 is_state running
out=$(fplate stream --json --seconds 1 --endpoint $EP --timeout 5 2>/dev/null | tail -n 1)
belt=$(json_get belt_speed_mps)
before=$(dev_state)
rmmod -f comedi_test
vm_wait_for 40 is_state gone
gone=$(dev_state)
out=$(fplate status --json --endpoint $EP --timeout 5 2>&1)
err=$(json_get error) disc=$(json_get disconnects)
alive=$(kill -0 $dpid 2>/dev/null && echo yes || echo no)
insmod /fplate/files/comedi_test.ko
vm_wait_for 40 is_state running
after=$(dev_state)
# running comes with the first data, resumes with its block's processing
resumed() { out=$(fplate status --json --endpoint $EP --timeout 5 2>&1); [ "$(json_get resumes)" -ge 1 ]; }
vm_wait_for 20 resumed
resumes=$(json_get resumes)
kill $dpid; wait $dpid
drc=$?
ok=0
near "$belt" 1 0.005 && [ "$before" = running ] && [ "$gone" = gone ] && [ "$alive" = yes ] && [ "$disc" = 1 ] &&
	echo "$err" | grep -q "device removed" && [ "$after" = running ] &&
	[ "${resumes:-0}" -ge 1 ] && [ $drc = 0 ] || ok=1
result comedi_daemon_removed $ok "belt_mps=$belt state_before=$before state_removed=$gone error=\"$err\" disconnects=$disc alive=$alive state_after=$after resumes=$resumes daemon_rc=$drc"
exit $fails
