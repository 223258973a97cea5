# usb_overrun: the reader stops reading for 2.5 s (SIGSTOP); the device's
# 1 s FIFO overflows, the device discards the oldest samples and flags the
# next packet OVERRUN. The host must count exactly what the device says it
# discarded (GET_COUNTERS side: the emulator's own stats), flag the block
# GAP|OVERRUN, and every value after it must still be exact. The stop is
# timed with /proc/uptime around the signals (under host load `sleep 2.5`
# lasts longer), and the expected loss is (stop - FIFO) at 2000 Hz.
# vm-timeout: 60
. /fplate/lib.sh
name=usb_overrun
rate=2000 fifo_ms=1000
vm_gadget_start --plates 2 --rate $rate --fifo-ms $fifo_ms --source builtin:9 --stats /tmp/gadget.stats \
	--t0-file /tmp/gadget.t0 || { vm_result $name FAIL "emulator did not enumerate"; exit 1; }
fplate-usbtest --seconds 300 --verify builtin:9 'usb://?serial=FPEMU0001' >/tmp/reader.out 2>&1 &
reader=$!
# the device streams (START written its t0), then 1 s of data before the stop
vm_check "the reader started the device" vm_wait_for 25 test -s /tmp/gadget.t0
sleep 1
t_stop0=$(vm_uptime)
kill -STOP $reader
t_stop1=$(vm_uptime)
sleep 2.5
t_cont0=$(vm_uptime)
kill -CONT $reader
t_cont1=$(vm_uptime)
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
# The reader was stopped at least from after the STOP to before the CONT and
# at most from before the one to after the other; the device then discards
# what the FIFO cannot hold. 0.5 s either side: what the host's queued
# transfers hold while it is stopped (less loss), and its catching up after
# the CONT, when the full FIFO can overflow again (more).
lo=$(awk -v a="$t_stop1" -v b="$t_cont0" -v r=$rate -v f=$fifo_ms 'BEGIN { printf "%d", (b - a - f / 1000 - 0.5) * r }')
hi=$(awk -v a="$t_stop0" -v b="$t_cont1" -v r=$rate -v f=$fifo_ms 'BEGIN { printf "%d", (b - a - f / 1000 + 0.5) * r }')
echo "stop: $t_stop0..$t_stop1 cont: $t_cont0..$t_cont1 expected lost [$lo, $hi]"
vm_check "(stop - 1 s FIFO) +-0.5 s of samples discarded: $(vm_kv c_lost "$out") in [$lo, $hi]" \
	vm_between "$(vm_kv c_lost "$out")" "$lo" "$hi"
vm_check "one flagged gap per overrun" [ "$(vm_kv gap_blocks "$out")" = "$ov" -a "$(vm_kv unflagged_gaps "$out")" = 0 ]
vm_check "values exact around the overrun" [ "$(vm_kv mismatches "$out")" = 0 ]
vm_check "sync pulse period 200 on both sides" \
	[ "$(vm_kv sync_period_min "$out")" = 200 -a "$(vm_kv sync_period_max "$out")" = 200 ]
st=PASS; [ $VM_FAILED = 0 ] || st=FAIL
vm_result $name $st "device_overruns=$(vm_kv overruns "$st_g") device_discarded=$(vm_kv overrun_samples "$st_g")" \
	"host_overruns=$(vm_kv c_overruns "$out") host_lost=$(vm_kv c_lost "$out")" \
	"gap_blocks=$(vm_kv gap_blocks "$out") mismatches=$(vm_kv mismatches "$out")" \
	"expected_lost=[$lo,$hi]"
exit $VM_FAILED
