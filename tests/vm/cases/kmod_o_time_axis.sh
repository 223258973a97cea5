# kmod_time_axis: unplug/replug through kmod:// into fplated while a
# subscriber listens. The kernel's index restarts at 0 on the new device;
# fplated's must not: no frame's index goes back, the one resumed frame is
# flagged GAP|RESUMED, and the index skips the outage's length at 2000 Hz,
# which status counts as lost samples. Bounds from the host's clock: the
# device was away at least from the unplug to the replug command and at
# most until status said running again.
# vm-timeout: 120
. /fplate/lib.sh
. /fplate/files/kmod-lib.sh
name=kmod_time_axis
vm_need "$KMOD_KO" /fplate/bin/fplate-gadget /fplate/bin/fplated /fplate/bin/fplate
rate=2000
kmod_up --plates 2 --rate $rate --source builtin:7 ||
	{ vm_result $name FAIL "device did not come up"; exit 1; }
kmod_start_fplated
status() { fplate status --json --endpoint "$KMOD_EP" --timeout 2 2>/dev/null; }
state() { vm_device_state "$KMOD_EP"; }
running() { [ "$(state)" = running ]; }
gone() { [ "$(state)" = gone ]; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
vm_check "fplated reports the device running" vm_wait_for 30 running
vm_check "the subscriber receives frames" vm_usbsub_start "$KMOD_EP"
sub=$VM_SUB_PID
sleep 2
t_unplug=$(uptime_s)
vm_usb_unplug
vm_check "status says gone" vm_wait_for 10 gone
sleep 2
t_replug=$(uptime_s)
vm_usb_replug
vm_check "status says running again" vm_wait_for 30 running
t_back=$(uptime_s)
sleep 2
kill -TERM $sub
wait $sub
out=$(cat /tmp/sub.out)
st_json=$(status)
echo "subscriber: $out"
echo "status: $st_json"
echo "times: unplug=$t_unplug replug=$t_replug running=$t_back"
skipped=$(vm_kv skipped_samples "$out")
lost=$(echo "$st_json" | grep -o '"lost_samples":[0-9]*' | head -n 1 | cut -d: -f2)
disc=$(echo "$st_json" | grep -o '"disconnects":[0-9]*' | cut -d: -f2)
min=$(awk -v a="$t_unplug" -v b="$t_replug" -v r=$rate 'BEGIN { printf "%d", (b - a) * r }')
max=$(awk -v a="$t_unplug" -v b="$t_back" -v r=$rate 'BEGIN { printf "%d", (b - a) * r }')
vm_check "no frame's index went back" [ "$(vm_kv index_backwards "$out")" = 0 ]
no_jump() { [ "$(vm_kv unflagged_jumps "$out")" = 0 ] && [ "$(vm_kv missed_frames "$out")" = 0 ]; }
one_resume() { [ "$(vm_kv resumed_frames "$out")" = 1 ] && [ "$(vm_kv resumed_without_gap "$out")" = 0 ]; }
vm_check "no unflagged index jump, no missed frame" no_jump
vm_check "one resumed frame, flagged GAP" one_resume
vm_check "the index skipped the outage: $skipped in [$min, $max] samples" vm_between "$skipped" "$min" "$max"
vm_check "status counts the skipped samples as lost" [ "$lost" = "$skipped" ]
vm_check "one disconnect counted" [ "$disc" = 1 ]
# 2 s before the unplug and 2 s after status said running again.
vm_check "the subscriber got data on both sides of the outage" [ "$(vm_kv samples "$out")" -ge $((3 * rate)) ]
kmod_down
st=PASS; [ $VM_FAILED = 0 ] || { st=FAIL; tail -n 20 /tmp/fplated.log; }
vm_result $name $st "skipped=$skipped lost=$lost expected=[$min,$max]" \
	"backwards=$(vm_kv index_backwards "$out") resumed=$(vm_kv resumed_frames "$out")" \
	"unflagged=$(vm_kv unflagged_jumps "$out") disconnects=$disc last_index=$(vm_kv next_index "$out")"
exit $VM_FAILED
