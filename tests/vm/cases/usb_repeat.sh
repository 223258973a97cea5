# usb_repeat: the emulator sends packets 100 and 250 twice, the copy with
# the next seq (a repeat), and drops packet 400. A repeat is dropped (never
# delivered twice, counted malformed) and the packet after it, whose seq
# jumped past the copy, loses no sample: it must not be flagged GAP, as on
# kmod:// (kmod_restart). Only the drop is a flagged gap. Counters as the
# kernel's: a seq jump is a gap event (3), samples lost = one packet.
# vm-timeout: 60
. /fplate/lib.sh
name=usb_repeat
vm_gadget_start --plates 2 --rate 2000 --source builtin:4 --repeat 100,250 --drop 400 \
	--stats /tmp/gadget.stats || { vm_result $name FAIL "emulator did not enumerate"; exit 1; }
out=$(fplate-usbtest --seconds 5 --verify builtin:4 'usb://?serial=FPEMU0001')
vm_gadget_stop
echo "reader: $out"
echo "gadget: $(cat /tmp/gadget.stats 2>/dev/null)"
get() { vm_kv "$1" "$out"; }
gs() { vm_kv "$1" "$(cat /tmp/gadget.stats 2>/dev/null)"; }
k=10 # samples per packet at 2000 Hz (fplate-gadget: rate / 200)
vm_check "emulator repeated 2 packets and dropped 1" [ "$(gs repeated)" = 2 -a "$(gs dropped)" = 1 ]
vm_check "the 2 repeats dropped (malformed)" [ "$(get c_malformed)" = 2 ]
vm_check "one flagged gap: the drop, not the repeats" [ "$(get gap_blocks)" = 1 ]
vm_check "3 seq jumps counted as gap events" [ "$(get c_gaps)" = 3 ]
vm_check "one packet of samples lost" [ "$(get c_lost)" = $k ]
vm_check "no sample twice or wrong, no unflagged gap" \
	[ "$(get mismatches)" = 0 -a "$(get unflagged_gaps)" = 0 ]
st=PASS; [ $VM_FAILED = 0 ] || st=FAIL
vm_result $name $st "repeated=$(gs repeated) dropped=$(gs dropped) malformed=$(get c_malformed)" \
	"gap_blocks=$(get gap_blocks) gaps=$(get c_gaps) lost=$(get c_lost) mismatches=$(get mismatches)"
exit $VM_FAILED
