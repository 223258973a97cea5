# usb_replug_refused: unplug/replug through usb:// into fplated, and the
# first START after the replug fails (the emulator stalls it, as a device
# that drops again during START would fail it). The next attempt (250 ms
# later) works. The outage must be skipped once: the index jumps by the
# outage's length at 2000 Hz, counted once in lost_samples, not once per
# attempt. Bounds from the host's clock as in kmod_time_axis: the device
# was away at least from the unplug to the replug command and at most
# until status said running again.
# vm-timeout: 120
. /fplate/lib.sh
name=usb_replug_refused
ep=ipc:///run/fplated-usbrefused.sock
rate=2000
vm_need /fplate/bin/fplate-gadget /fplate/bin/fplated /fplate/bin/fplate
status() { fplate status --json --endpoint "$ep" --timeout 2 2>/dev/null; }
running() { [ "$(vm_device_state "$ep")" = running ]; }
gone() { [ "$(vm_device_state "$ep")" = gone ]; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
# START 1 is fplated's first; START 2 is the first after the replug.
vm_gadget_start --plates 2 --rate $rate --source builtin:11 --refuse-start 2 \
	--stats /tmp/gadget.stats || { vm_result $name FAIL "emulator did not enumerate"; exit 1; }
fplated --device 'usb://?serial=FPEMU0001' --pub "$ep" --log-level warn >/tmp/fplated.log 2>&1 &
fpd=$!
vm_check "fplated runs" vm_wait_for 30 running
fplate-usbsub "$ep" >/tmp/sub.out 2>&1 &
sub=$!
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
kill -TERM $fpd
wait $fpd
vm_gadget_stop
gst=$(cat /tmp/gadget.stats 2>/dev/null)
echo "subscriber: $out"
echo "status: $st_json"
echo "gadget: $gst"
echo "times: unplug=$t_unplug replug=$t_replug running=$t_back"
skipped=$(vm_kv skipped_samples "$out")
lost=$(echo "$st_json" | grep -o '"lost_samples":[0-9]*' | head -n 1 | cut -d: -f2)
min=$(awk -v a="$t_unplug" -v b="$t_replug" -v r=$rate 'BEGIN { printf "%d", (b - a) * r }')
max=$(awk -v a="$t_unplug" -v b="$t_back" -v r=$rate 'BEGIN { printf "%d", (b - a) * r }')
vm_check "the emulator refused one START and accepted two" \
	[ "$(vm_kv starts_refused "$gst")" = 1 -a "$(vm_kv starts "$gst")" = 2 ]
vm_check "no frame's index went back" [ "$(vm_kv index_backwards "$out")" = 0 ]
no_jump() { [ "$(vm_kv unflagged_jumps "$out")" = 0 ] && [ "$(vm_kv missed_frames "$out")" = 0 ]; }
one_resume() { [ "$(vm_kv resumed_frames "$out")" = 1 ] && [ "$(vm_kv resumed_without_gap "$out")" = 0 ]; }
vm_check "no unflagged index jump, no missed frame" no_jump
vm_check "one resumed frame, flagged GAP" one_resume
vm_check "the index skipped the outage once: $skipped in [$min, $max] samples" \
	vm_between "$skipped" "$min" "$max"
vm_check "status counts the skipped samples as lost" [ "$lost" = "$skipped" ]
vm_check "the subscriber got data on both sides of the outage" \
	[ "$(vm_kv samples "$out")" -ge $((3 * rate)) ]
st=PASS; [ $VM_FAILED = 0 ] || { st=FAIL; tail -n 20 /tmp/fplated.log; }
vm_result $name $st "skipped=$skipped lost=$lost expected=[$min,$max]" \
	"starts=$(vm_kv starts "$gst") refused=$(vm_kv starts_refused "$gst")" \
	"resumed=$(vm_kv resumed_frames "$out") backwards=$(vm_kv index_backwards "$out")"
exit $VM_FAILED
