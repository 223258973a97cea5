# usb_hotplug: with udevd running, libusb delivers hotplug events, and
# usb:// with rescan_ms=0 (no periodic rescan: replug found by the arrival
# event alone) must come back after each of 3 unplug/replug cycles.
# vm-timeout: 60
. /fplate/lib.sh
name=usb_hotplug
vm_need /lib/systemd/systemd-udevd
/lib/systemd/systemd-udevd --daemon || { vm_result $name FAIL "udevd did not start"; exit 1; }
vm_gadget_start --plates 2 --rate 2000 --source builtin:6 --t0-file /tmp/t0 ||
	{ vm_result $name FAIL "emulator did not enumerate"; exit 1; }
udevadm settle --timeout=10
fplate-usbtest --seconds 300 'usb://?serial=FPEMU0001&rescan_ms=0' >/tmp/reader.out 2>/tmp/reader.err &
reader=$!
# Wait for the reader to have (re)started the device (the emulator writes
# its t0 file at every START) rather than a fixed time, then 1.5 s of data.
started() { vm_wait_for 25 test -s /tmp/t0 || echo "cycle $i: the reader did not start the device"; }
i=-
started
sleep 1
i=0
while [ $i -lt 3 ]; do
	vm_usb_unplug
	rm -f /tmp/t0
	sleep 0.5
	vm_usb_replug
	vm_wait_for 15 vm_usb_present
	started
	sleep 1.5
	i=$((i + 1))
done
kill -TERM $reader
wait $reader
vm_gadget_stop
udevadm control --exit
out=$(cat /tmp/reader.out)
echo "reader: $out"
vm_check "3 unplugs reported" [ "$(vm_kv nodev "$out")" = 3 ]
vm_check "3 resumes found by hotplug arrival alone (rescan_ms=0)" [ "$(vm_kv resumed "$out")" = 3 ]
vm_check "streaming after the last replug" vm_between "$(vm_kv rate_hz "$out")" 1900 2100
st=PASS; [ $VM_FAILED = 0 ] || { st=FAIL; cat /tmp/reader.err; }
vm_result $name $st "nodev=$(vm_kv nodev "$out") resumed=$(vm_kv resumed "$out") rate_hz=$(vm_kv rate_hz "$out")"
exit $VM_FAILED
