# usb_daemon: fplated --device usb:// streams the emulated 2-plate amplifier
# (sim data) to a subscriber, sync words and their 200-sample pulse period
# included; then 10 unplug/replug cycles while the
# subscriber keeps listening: fplated must say "gone" on status during
# each outage, keep running, resume, flag every gap, and count 10 resumes.
# vm-timeout: 150
. /fplate/lib.sh
name=usb_daemon
vm_need /fplate/bin/fplated /fplate/bin/fplate
ep=ipc:///run/fplated-usb.sock
cycles=10
src='sim://?plates=2&rate=2000&pace=fast&seed=11'
fplate-usbtest --probe "$src" >/dev/null 2>&1 || src=builtin:11
vm_gadget_start --plates 2 --rate 2000 --source "$src" ||
	{ vm_result $name FAIL "emulator did not enumerate"; exit 1; }
fplated --device 'usb://?serial=FPEMU0001' --pub "$ep" --log-level warn >/tmp/fplated.log 2>&1 &
fpd=$!
state() { vm_device_state "$ep"; }
running() { [ "$(state)" = running ]; }
gone() { [ "$(state)" = gone ]; }
vm_check "fplated reports the device running" vm_wait_for 30 running

# 1. A subscriber gets calibrated frames of both plates.
out1=$(fplate-usbsub "$ep" 3)
echo "subscriber: $out1"
vm_check "frames arrive" [ "$(vm_kv frames "$out1")" -ge 200 ]
vm_check "no frame missed, no gap" [ "$(vm_kv missed_frames "$out1")" = 0 -a "$(vm_kv gap_frames "$out1")" = 0 ]
vm_check "sync words reach the subscriber" [ "$(vm_kv sync_frames "$out1")" = "$(vm_kv frames "$out1")" -a "$(vm_kv sync_edges "$out1")" -ge 20 ]
vm_check "sync pulse period 200 samples at the subscriber" \
	[ "$(vm_kv sync_period_min "$out1")" = 200 -a "$(vm_kv sync_period_max "$out1")" = 200 ]
if [ "${src%%:*}" = sim ]; then
	# The simulated runner loads each plate with more than body weight.
	vm_check "runner's Fz on both plates" vm_between "$(vm_kv max_fz_p1 "$out1")" 700 5000 &&
		vm_between "$(vm_kv max_fz_p2 "$out1")" 700 5000
fi

# 2. Replug cycles under a listening subscriber. Each step waits for the
# state it needs (generous caps: a loaded host slows the guest, and a fixed
# sleep then ends too early): the subscriber receiving, fplated saying gone,
# running, and having published the resumed block before the next unplug.
vm_check "the subscriber receives frames" vm_usbsub_start "$ep"
sub=$VM_SUB_PID
resumes() { fplate status --json --endpoint "$ep" --timeout 2 2>/dev/null |
	grep -o '"resumes":[0-9]*' | head -n 1 | cut -d: -f2; }
resumed() { [ "$(resumes)" = "$1" ]; }
went=0 back=0 published=0
i=0
while [ $i -lt $cycles ]; do
	vm_usb_unplug
	vm_wait_for 30 gone && went=$((went + 1))
	vm_usb_replug
	vm_wait_for 40 running && back=$((back + 1))
	vm_wait_for 30 resumed $((i + 1)) && published=$((published + 1))
	i=$((i + 1))
done
# the last resumed frame was published: let the subscriber take it in
sleep 1
kill -TERM $sub
wait $sub
out2=$(cat /tmp/sub.out)
status=$(fplate status --json --endpoint "$ep" --timeout 2)
echo "subscriber: $out2"
echo "status: $status"
# the first of each key: status.resumes (status.lifetime has another)
resumes=$(echo "$status" | grep -o '"resumes":[0-9]*' | head -n 1 | cut -d: -f2)
disc=$(echo "$status" | grep -o '"disconnects":[0-9]*' | head -n 1 | cut -d: -f2)
vm_check "status said gone in each outage" [ $went = $cycles ]
vm_check "status said running after each replug" [ $back = $cycles ]
vm_check "fplated published a resumed block after each replug" [ $published = $cycles ]
vm_check "fplated survived" kill -0 $fpd
vm_check "fplated counted $cycles resumes and disconnects" [ "$resumes:$disc" = "$cycles:$cycles" ]
vm_check "subscriber saw $cycles resumed frames, all flagged GAP" \
	[ "$(vm_kv resumed_frames "$out2")" = $cycles -a "$(vm_kv resumed_without_gap "$out2")" = 0 ]
vm_check "no unflagged index jump" [ "$(vm_kv unflagged_jumps "$out2")" = 0 ]
kill -TERM $fpd
wait $fpd
vm_check "fplated exits 0 on SIGTERM" [ $? = 0 ]
vm_gadget_stop
st=PASS; [ $VM_FAILED = 0 ] || { st=FAIL; tail -n 20 /tmp/fplated.log; }
vm_result $name $st "frames=$(vm_kv frames "$out1") sync_period=$(vm_kv sync_period_min "$out1") max_fz_n=$(vm_kv max_fz_p1 "$out1"),$(vm_kv max_fz_p2 "$out1")" \
	"cycles=$cycles status_gone=$went status_back=$back published=$published resumes=$resumes" \
	"resumed_frames=$(vm_kv resumed_frames "$out2") gap_frames=$(vm_kv gap_frames "$out2")" \
	"unflagged_jumps=$(vm_kv unflagged_jumps "$out2") missed_frames=$(vm_kv missed_frames "$out2") source=${src%%\?*}"
exit $VM_FAILED
