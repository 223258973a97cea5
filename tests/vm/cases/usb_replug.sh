# usb_replug: 5 unplug/replug cycles (unbind/rebind the UDC) while a
# reader streams through usb://. Each unplug must surface once as -ENODEV,
# each return as a block flagged GAP|RESUMED, no gap may go unflagged, and
# streaming must continue after the last replug. (usb_daemon does 10
# cycles through fplated.)
# vm-timeout: 90
. /fplate/lib.sh
name=usb_replug_5
cycles=5
vm_gadget_start --plates 2 --rate 2000 --source builtin:5 --stats /tmp/gadget.stats --t0-file /tmp/t0 ||
	{ vm_result $name FAIL "emulator did not enumerate"; exit 1; }
fplate-usbtest --seconds 300 'usb://?serial=FPEMU0001' >/tmp/reader.out 2>/tmp/reader.err &
reader=$!
# Each step waits for the reader to have (re)started the device (the
# emulator writes its t0 file at every START), not a fixed time that a
# loaded host can outlast; then 1 s of data.
started() { vm_wait_for 25 test -s /tmp/t0 || echo "cycle $i: the reader did not start the device"; }
i=-
started
sleep 1
i=0
while [ $i -lt $cycles ]; do
	vm_usb_unplug
	rm -f /tmp/t0
	sleep 0.5
	vm_usb_replug
	vm_wait_for 15 vm_usb_present || echo "cycle $i: device did not come back"
	started
	sleep 1
	i=$((i + 1))
done
sleep 3
kill -TERM $reader
wait $reader
vm_gadget_stop
out=$(cat /tmp/reader.out)
echo "reader: $out"
echo "gadget: $(cat /tmp/gadget.stats 2>/dev/null)"
get() { vm_kv "$1" "$out"; }
gs() { vm_kv "$1" "$(cat /tmp/gadget.stats 2>/dev/null)"; }
vm_check "$cycles unplugs reported as -ENODEV" [ "$(get nodev)" = $cycles ]
vm_check "$cycles resumed blocks, all flagged GAP" [ "$(get resumed)" = $cycles -a "$(get resumed_without_gap)" = 0 ]
vm_check "$cycles disconnects counted" [ "$(get c_disconnects)" = $cycles ]
vm_check "no unflagged gap, no malformed packet" [ "$(get unflagged_gaps)" = 0 -a "$(get c_malformed)" = 0 ]
vm_check "the device was started $((cycles + 1)) times" [ "$(gs starts)" = $((cycles + 1)) ]
# After the last replug (3 s before the end) data must flow again.
vm_check "streaming after the last replug" vm_between "$(get rate_hz)" 1900 2100
st=PASS; [ $VM_FAILED = 0 ] || { st=FAIL; cat /tmp/reader.err; }
vm_result $name $st "cycles=$cycles nodev=$(get nodev) resumed=$(get resumed)" \
	"disconnects=$(get c_disconnects) unflagged_gaps=$(get unflagged_gaps)" \
	"device_starts=$(gs starts) samples=$(get samples) lost_est=$(get c_lost)" \
	"rate_after_last_resume_hz=$(get rate_hz)"
exit $VM_FAILED
