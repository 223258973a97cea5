# usb_stall_resume: the emulator halts its endpoint before packets 100,
# 300, 500 and 700 while 8 transfers are queued. usb:// cancels and reaps
# them all, clears the halt, resubmits: the packets after each stall are
# delivered, none is lost (to a data-toggle mismatch or otherwise): no gap,
# no lost sample, every value the generator's.
# vm-timeout: 60
. /fplate/lib.sh
name=usb_stall_resume
vm_gadget_start --plates 2 --rate 2000 --source builtin:5 --stall 100,300,500,700 \
	--stats /tmp/gadget.stats ||
	{ vm_result $name FAIL "emulator did not enumerate"; exit 1; }
out=$(fplate-usbtest --seconds 5 --verify builtin:5 'usb://?serial=FPEMU0001')
vm_gadget_stop
echo "reader: $out"
echo "gadget: $(cat /tmp/gadget.stats 2>/dev/null)"
get() { vm_kv "$1" "$out"; }
gs() { vm_kv "$1" "$(cat /tmp/gadget.stats 2>/dev/null)"; }
vm_check "emulator stalled 4 times" [ "$(gs stalled)" = 4 ]
vm_check "no gap" [ "$(get c_gaps)" = 0 -a "$(get gap_blocks)" = 0 ]
vm_check "no sample lost" [ "$(get c_lost)" = 0 -a "$(get c_malformed)" = 0 ]
vm_check "every value the generator's" [ "$(get mismatches)" = 0 ]
vm_check "samples after the last stall arrived" [ "$(get samples)" -ge 8000 ]
st=PASS; [ $VM_FAILED = 0 ] || st=FAIL
vm_result $name $st "stalled=$(gs stalled) gaps=$(get c_gaps) lost=$(get c_lost)" \
	"malformed=$(get c_malformed) mismatches=$(get mismatches) samples=$(get samples)"
exit $VM_FAILED
