# usb_stream_30s: the emulated 2-plate amplifier at 2 kHz for 30 s through
# usb:// (libusb): no sample lost, indices contiguous from 0, every value
# and sync word equal to what the emulator generated, rate 2000 Hz +-0.5 %,
# sync pulse period exact; latency from the device's sample clock to
# fp_read() (software-emulated USB: dummy_hcd inside QEMU TCG).
# vm-timeout: 90
. /fplate/lib.sh
name=usb_stream_30s
secs=30
# The sim generator when the sim backend is in the build, else the builtin one.
src='sim://?plates=2&rate=2000&pace=fast&seed=7'
fplate-usbtest --probe "$src" >/dev/null 2>&1 || src=builtin:7
vm_gadget_start --plates 2 --rate 2000 --source "$src" --sync-period 200 --sync-width 20 \
	--t0-file /tmp/t0 --stats /tmp/gadget.stats ||
	{ vm_result $name FAIL "emulator did not enumerate"; exit 1; }
out=$(fplate-usbtest --seconds $secs --verify "$src" --sync-period 200 --sync-width 20 \
	--t0-file /tmp/t0 'usb://?serial=FPEMU0001')
vm_gadget_stop
echo "reader: $out"
echo "gadget: $(cat /tmp/gadget.stats 2>/dev/null)"
get() { vm_kv "$1" "$out"; }
gs() { vm_kv "$1" "$(cat /tmp/gadget.stats 2>/dev/null)"; }
samples=$(get samples); rate=$(get rate_hz)
lost=$(( $(get c_lost) + $(get gap_blocks) + $(get unflagged_gaps) ))
vm_check "at least 97 % of $secs s of samples" [ "${samples:-0}" -ge $((secs * 2000 * 97 / 100)) ]
vm_check "indices contiguous from 0" [ "$(get first)" = 0 -a "$(get next)" = "$samples" ]
vm_check "no sample lost" [ "$lost" = 0 ]
vm_check "values equal the generator's" [ "$(get mismatches)" = 0 ]
vm_check "no malformed packet" [ "$(get c_malformed)" = 0 ]
vm_check "no overrun (host or device)" [ "$(get c_overruns)" = 0 -a "$(gs overruns)" = 0 ]
vm_check "rate 2000 Hz +-0.5 %" vm_between "$rate" 1990 2010
vm_check "sync pulse period 200 samples" [ "$(get sync_period_min)" = 200 -a "$(get sync_period_max)" = 200 ]
st=PASS; [ $VM_FAILED = 0 ] || st=FAIL
vm_result $name $st "samples=$samples lost=$lost mismatches=$(get mismatches) rate_hz=$rate" \
	"sync_period=$(get sync_period_min)..$(get sync_period_max) sync_edges=$(get sync_edges)" \
	"lat_med_ms=$(get lat_med_ms) lat_p99_ms=$(get lat_p99_ms) lat_max_ms=$(get lat_max_ms)" \
	"packets=$(get c_packets) source=$src"
exit $VM_FAILED
