# kmod_replug_swap: fplated reads kmod:///dev/fplate0 (amplifier FPEMU0001,
# its stored calibration EMU-FPEMU0001). It is unplugged and another
# amplifier (FPEMU0002) comes up as /dev/fplate0: fplated must refuse it
# (status "gone", the error naming both serials, one log line, no frame, the
# wrong amplifier never started), then resume when FPEMU0001 comes back,
# still with FPEMU0001's calibration and one continuous time axis.
# The scenario is tests/vm/swap-lib.sh, shared with usb_replug_swap; here
# the node must also go and come with each unplug and plug.
# vm-timeout: 180
. /fplate/lib.sh
. /fplate/files/kmod-lib.sh
. /fplate/files/swap-lib.sh
name=kmod_replug_swap
SWAP_EP=$KMOD_EP
vm_need "$KMOD_KO" /fplate/bin/fplate-gadget /fplate/bin/fplated /fplate/bin/fplate
swap_unplugged() { vm_check "node gone" vm_wait_for 20 kmod_node_absent; }
swap_plugged() {
	vm_check "the other amplifier is fplate0" vm_wait_for 20 kmod_node_present
	vm_check "it is FPEMU0002" [ "$(cat $KMOD_SYSFS/serial)" = FPEMU0002 ]
}
kmod_up --plates 2 --rate 2000 --source builtin:9 --serial FPEMU0001 ||
	{ vm_result $name FAIL "device did not come up"; exit 1; }
kmod_start_fplated
swap_run
kmod_down
st=PASS; [ $VM_FAILED = 0 ] || st=FAIL
vm_result $name $st "refused=FPEMU0002 log_lines=$log_lines calibration=$(echo $cal0)" \
	"resumed=$(vm_kv resumed_frames "$out") backwards=$(vm_kv index_backwards "$out")" \
	"samples=$(vm_kv samples "$out") skipped=$(vm_kv skipped_samples "$out")"
exit $VM_FAILED
