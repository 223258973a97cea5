# kmod_values: 5 s (2 s on the 6.12 smoke kernels) of 2 plates x 8
# channels at 2 kHz read from /dev/fplate0: every record's sync word and
# counts equal the emulator's builtin source at that record's index (as
# fplate-usbtest --verify does for usb://), with no sample lost.
# vm-timeout: 60
. /fplate/lib.sh
. /fplate/files/kmod-lib.sh
vm_need "$KMOD_KO" /fplate/bin/fplate-gadget
secs=5; kmod_short && secs=2

kmod_up --plates 2 --channels 8 --rate 2000 --source builtin:7 ||
	{ vm_result kmod_values FAIL "device did not come up"; exit 1; }
out=$(kmod-probe stream $KMOD_NODE $secs lost=0 verify=builtin:7 | tr '\n' ' ')
kmod_down
records=$(vm_kv records "$out")
if [ "${records:-0}" -ge $((secs * 2000 * 9 / 10)) ] && [ "$(vm_kv mismatches "$out")" = 0 ] &&
   ! echo "$out" | grep -q FAIL; then
	vm_result kmod_values PASS "seconds=$secs $out"
else
	vm_result kmod_values FAIL "seconds=$secs $out"
	exit 1
fi
