# usb_clock: the clock options and rate request reach the device: rate=1000
# (SET_RATE) streams at 1000 Hz; clock=external (SET_CLOCK) makes the
# emulator clock samples from its emulated external sync clock (1500 Hz),
# and the host learns it from GET_INFO; a rate above the device's maximum
# is refused with a message. Also the hardware zero (ZERO via
# fp_set "hw_zero"): one all-zero sample, then exact values relative to it.
# vm-timeout: 90
. /fplate/lib.sh
name=usb_clock
vm_gadget_start --plates 1 --rate 2000 --ext-rate 1500 --source builtin:2 ||
	{ vm_result $name FAIL "emulator did not enumerate"; exit 1; }
a=$(fplate-usbtest --seconds 4 --hw-zero-at 2 --verify builtin:2 'usb://?serial=FPEMU0001&rate=1000')
echo "rate=1000: $a"
# a fresh emulator: the hardware zero of the first run must not offset this one
vm_gadget_stop
vm_gadget_start --plates 1 --rate 2000 --ext-rate 1500 --source builtin:2 ||
	{ vm_result $name FAIL "emulator did not enumerate again"; exit 1; }
b=$(fplate-usbtest --seconds 4 --verify builtin:2 'usb://?serial=FPEMU0001&clock=external')
echo "clock=external: $b"
c=$(fplate-usbtest --probe 'usb://?serial=FPEMU0001&rate=20000' 2>&1)
echo "rate=20000: $c"
vm_gadget_stop
vm_check "rate=1000: device reports 1000 Hz, internal clock" \
	[ "$(vm_kv info_rate_hz "$a")" = 1000 -a "$(vm_kv external_clock "$a")" = 0 ]
vm_check "rate=1000: measured 1000 Hz +-0.5 %" vm_between "$(vm_kv rate_hz "$a")" 995 1005
vm_check "rate=1000: nothing lost, values exact" [ "$(vm_kv c_lost "$a")" = 0 -a "$(vm_kv mismatches "$a")" = 0 ]
vm_check "hardware zero: an all-zero sample 1.5-2.5 s in, exact values after it" \
	vm_between "$(vm_kv hw_zero_at_sample "$a")" 1500 2500
vm_check "clock=external: device reports the external clock at 1500 Hz" \
	[ "$(vm_kv info_rate_hz "$b")" = 1500 -a "$(vm_kv external_clock "$b")" = 1 ]
vm_check "clock=external: measured 1500 Hz +-0.5 %" vm_between "$(vm_kv rate_hz "$b")" 1492.5 1507.5
vm_check "clock=external: nothing lost, values exact" [ "$(vm_kv c_lost "$b")" = 0 -a "$(vm_kv mismatches "$b")" = 0 ]
vm_check "rate above the maximum refused with a message" sh -c "echo '$c' | grep -q 'refused rate=20000'"
st=PASS; [ $VM_FAILED = 0 ] || st=FAIL
vm_result $name $st "internal_rate_hz=$(vm_kv rate_hz "$a") external_rate_hz=$(vm_kv rate_hz "$b")" \
	"external_clock=$(vm_kv external_clock "$b") hw_zero_at_sample=$(vm_kv hw_zero_at_sample "$a")" \
	"refused_20000=$(echo "$c" | grep -c refused)"
exit $VM_FAILED
