# usb_replug_swap: fplated reads usb:// without serial=, so it takes the
# first amplifier found (FPEMU0001, its stored calibration EMU-FPEMU0001)
# and pins its serial. It is unplugged and another amplifier (FPEMU0002) is
# plugged in: fplated must refuse it
# (status "gone", the error naming both serials, one log line, no frame, the
# wrong amplifier never started), then resume when FPEMU0001 comes back,
# still with FPEMU0001's calibration and one continuous time axis.
# The scenario is tests/vm/swap-lib.sh, shared with kmod_p_replug_swap.
# vm-timeout: 180
. /fplate/lib.sh
. /fplate/files/swap-lib.sh
name=usb_replug_swap
SWAP_EP=ipc:///run/fplated-usbswap.sock
vm_need /fplate/bin/fplate-gadget /fplate/bin/fplated /fplate/bin/fplate
swap_gadget FPEMU0001 || { vm_result $name FAIL "emulator did not enumerate"; exit 1; }
fplated --device 'usb://' --pub "$SWAP_EP" --log-level warn >/tmp/fplated.log 2>&1 &
fpd=$!
swap_run
kill -TERM $fpd
wait $fpd
vm_gadget_stop
st=PASS; [ $VM_FAILED = 0 ] || st=FAIL
vm_result $name $st "refused=FPEMU0002 log_lines=$log_lines calibration=$(echo $cal0)" \
	"resumed=$(vm_kv resumed_frames "$out") backwards=$(vm_kv index_backwards "$out")" \
	"samples=$(vm_kv samples "$out") skipped=$(vm_kv skipped_samples "$out")"
exit $VM_FAILED
