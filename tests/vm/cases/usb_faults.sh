# usb_faults: injected faults are counted exactly and bad data never reaches
# the reader. The emulator drops packets 50, 120, 300, 301 and 777 (4 gap
# events, 5 packets), corrupts 200, 500 and 900 after the CRC (3 malformed,
# 3 more gaps), and halts the endpoint before packet 400 (the host clears
# the halt; nothing may be lost). Every delivered sample is compared with
# the generator.
# vm-timeout: 60
. /fplate/lib.sh
name=usb_faults
vm_gadget_start --plates 2 --rate 2000 --source builtin:3 --drop 50,120,300,301,777 \
	--corrupt 200,500,900 --stall 400 --stats /tmp/gadget.stats ||
	{ vm_result $name FAIL "emulator did not enumerate"; exit 1; }
out=$(fplate-usbtest --seconds 7 --verify builtin:3 'usb://?serial=FPEMU0001')
vm_gadget_stop
echo "reader: $out"
echo "gadget: $(cat /tmp/gadget.stats 2>/dev/null)"
get() { vm_kv "$1" "$out"; }
gs() { vm_kv "$1" "$(cat /tmp/gadget.stats 2>/dev/null)"; }
k=10 # samples per packet at 2000 Hz (fplate-gadget: rate / 200)
vm_check "emulator injected 5 drops, 3 corruptions, 1 stall" \
	[ "$(gs dropped)" = 5 -a "$(gs corrupted)" = 3 -a "$(gs stalled)" = 1 ]
vm_check "3 malformed packets counted" [ "$(get c_malformed)" = 3 ]
vm_check "7 gap events counted and flagged" [ "$(get c_gaps)" = 7 -a "$(get gap_blocks)" = 7 ]
vm_check "8 packets of samples lost" [ "$(get c_lost)" = $((8 * k)) ]
vm_check "no corrupted value decoded" [ "$(get mismatches)" = 0 ]
vm_check "no unflagged gap" [ "$(get unflagged_gaps)" = 0 ]
vm_check "the stall lost nothing (no overrun)" [ "$(get c_overruns)" = 0 ]
st=PASS; [ $VM_FAILED = 0 ] || st=FAIL
vm_result $name $st "dropped=$(gs dropped) corrupted=$(gs corrupted) stalled=$(gs stalled)" \
	"malformed=$(get c_malformed) gaps=$(get c_gaps) gap_blocks=$(get gap_blocks)" \
	"lost=$(get c_lost) expected_lost=$((8 * k)) mismatches=$(get mismatches) samples=$(get samples)"
exit $VM_FAILED
