# usb_enum: the emulated amplifier enumerates with the protocol's IDs,
# interface class and bulk IN endpoint; fp_list() lists it by serial; the
# stored calibration arrives through GET_CALIB; a wrong serial is refused
# with a message; unplug/replug re-enumerates it; the emulator cleans up.
# vm-timeout: 60
. /fplate/lib.sh
name=usb_enum
# The emulator serves the sim's stored calibration when the sim backend is
# in the build (else its builtin one).
src='sim://?plates=2&rate=2000&pace=fast'
if fplate-usbtest --probe "$src" >/dev/null 2>&1; then
	want=$(fplate-usbtest --calib "$src")
else
	src=builtin:1
	# Fz 2000 N/V, h 42.5 mm, plate 2 910 mm long, 24-bit ADC over 10 V.
	want="calib_id=EMU-FPENUM01 plates=2 p0_fz=2000 p0_msum=7900 p0_h_mm=42.5 p0_len_mm=900 p0_scale_uv=1.1921 p1_fz=2000 p1_msum=7900 p1_h_mm=42.5 p1_len_mm=910 p1_scale_uv=1.1921"
fi
vm_gadget_start --serial FPENUM01 --source "$src" || { vm_result $name FAIL "no enumeration"; exit 1; }
dev=$(grep -l FPENUM01 /sys/bus/usb/devices/*/serial | head -n 1)
dev=${dev%/serial}
speed=$(cat "$dev/speed")
cls=$(cat "$dev"/*:1.0/bInterfaceClass 2>/dev/null)
sub=$(cat "$dev"/*:1.0/bInterfaceSubClass 2>/dev/null)
ep=$(ls -d "$dev"/*:1.0/ep_81 2>/dev/null)
mps=$(cat "$ep/wMaxPacketSize" 2>/dev/null)
vm_check "interface class ff/46 with ep 0x81" [ "$cls" = ff -a "$sub" = 46 -a -n "$ep" ]
list=$(fplate-usbtest --list)
echo "fp_list: $list"
vm_check "fp_list lists usb://?serial=FPENUM01" sh -c "echo '$list' | grep -q '^usb://?serial=FPENUM01'"
# `fplate list` (when the CLI has it) shows the same.
if fplate list --help >/dev/null 2>&1; then
	flist=$(fplate list)
	echo "fplate list: $flist"
	vm_check "fplate list shows usb://?serial=FPENUM01" sh -c "echo '$flist' | grep -q '^usb://?serial=FPENUM01'"
fi
cal=$(fplate-usbtest --calib 'usb://?serial=FPENUM01')
echo "calibration: $cal"
echo "expected:    $want"
vm_check "calibration from GET_CALIB equals the source's" [ "$cal" = "$want" ]
wrong=$(fplate-usbtest --probe 'usb://?serial=NOPE' 2>&1)
echo "wrong serial: $wrong"
vm_check "a wrong serial is named in the error" sh -c "echo '$wrong' | grep -q 'no fplate device 1209:f9a7 with serial NOPE found'"
vm_usb_unplug
vm_check "unplug removes the device" vm_wait_for 15 sh -c '! grep -q FPENUM01 /sys/bus/usb/devices/*/serial'
vm_usb_replug
vm_check "replug brings it back" vm_wait_for 15 sh -c 'grep -q FPENUM01 /sys/bus/usb/devices/*/serial'
vm_gadget_stop
vm_check "emulator removed its configfs gadget" [ ! -d /sys/kernel/config/usb_gadget/fplate ]
st=PASS; [ $VM_FAILED = 0 ] || { st=FAIL; cat /tmp/gadget.log; }
vm_result $name $st "speed=$speed class=$cls subclass=$sub ep=$(basename "${ep:-none}") mps=$mps" \
	"listed=$(echo "$list" | grep -c '^usb://') calib=$(vm_kv calib_id "$cal") source=${src%%\?*}"
exit $VM_FAILED
