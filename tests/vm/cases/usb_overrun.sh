# usb_overrun: the reader stops reading for 2.5 s (SIGSTOP); the device's
# 1 s FIFO overflows, the device discards the oldest samples and flags the
# next packet OVERRUN. The host must count exactly what the device says it
# discarded (GET_COUNTERS side: the emulator's own stats), flag the block
# GAP|OVERRUN, and every value after it must still be exact.
# vm-timeout: 60
. /fplate/lib.sh
name=usb_overrun
vm_gadget_start --plates 2 --rate 2000 --fifo-ms 1000 --source builtin:9 --stats /tmp/gadget.stats ||
	{ vm_result $name FAIL "emulator did not enumerate"; exit 1; }
fplate-usbtest --seconds 300 --verify builtin:9 'usb://?serial=FPEMU0001' >/tmp/reader.out 2>&1 &
reader=$!
sleep 2
kill -STOP $reader
sleep 2.5
kill -CONT $reader
sleep 2
kill -TERM $reader
wait $reader
vm_gadget_stop
out=$(cat /tmp/reader.out)
st_g=$(cat /tmp/gadget.stats 2>/dev/null)
echo "reader: $out"
echo "gadget: $st_g"
# Right after the stop the FIFO is full, so on a loaded machine the reader's
# catching up can overflow it again: one or more overrun events, each of
# which the host must see.
ov=$(vm_kv overruns "$st_g")
vm_check "the device overran" [ "${ov:-0}" -ge 1 ]
vm_check "the host counted every overrun" [ "$(vm_kv c_overruns "$out")" = "$ov" ]
vm_check "lost samples equal what the device discarded" \
	[ "$(vm_kv c_lost "$out")" = "$(vm_kv overrun_samples "$st_g")" ]
vm_check "about 1.5 s of samples discarded (2.5 s stop - 1 s FIFO)" \
	vm_between "$(vm_kv c_lost "$out")" 2000 4000
vm_check "one flagged gap per overrun" [ "$(vm_kv gap_blocks "$out")" = "$ov" -a "$(vm_kv unflagged_gaps "$out")" = 0 ]
vm_check "values exact around the overrun" [ "$(vm_kv mismatches "$out")" = 0 ]
vm_check "sync pulse period 200 on both sides" \
	[ "$(vm_kv sync_period_min "$out")" = 200 -a "$(vm_kv sync_period_max "$out")" = 200 ]
st=PASS; [ $VM_FAILED = 0 ] || st=FAIL
vm_result $name $st "device_overruns=$(vm_kv overruns "$st_g") device_discarded=$(vm_kv overrun_samples "$st_g")" \
	"host_overruns=$(vm_kv c_overruns "$out") host_lost=$(vm_kv c_lost "$out")" \
	"gap_blocks=$(vm_kv gap_blocks "$out") mismatches=$(vm_kv mismatches "$out")"
exit $VM_FAILED
