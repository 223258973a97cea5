# kmod_replug_swap: fplated reads kmod:///dev/fplate0 (amplifier FPEMU0001,
# its stored calibration EMU-FPEMU0001). It is unplugged and another
# amplifier (FPEMU0002) comes up as /dev/fplate0: fplated must refuse it
# (status "gone", the error naming both serials, one log line, no frame, the
# wrong amplifier never started), then resume when FPEMU0001 comes back,
# still with FPEMU0001's calibration and one continuous time axis.
# The rig's dummy_hcd has one port, so "plugged back on each other's port"
# is emulated by replugging the one emulated amplifier with another serial.
# vm-timeout: 120
. /fplate/lib.sh
. /fplate/files/kmod-lib.sh
name=kmod_replug_swap
vm_need "$KMOD_KO" /fplate/bin/fplate-gadget /fplate/bin/fplated /fplate/bin/fplate
gadget() { vm_gadget_start --plates 2 --rate 2000 --source builtin:9 --serial "$@"; }
status() { fplate status --json --endpoint "$KMOD_EP" --timeout 2 2>/dev/null; }
field() { status | grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | cut -d'"' -f4; }
running() { [ "$(vm_device_state "$KMOD_EP")" = running ]; }
gone() { [ "$(vm_device_state "$KMOD_EP")" = gone ]; }
kmod_up --plates 2 --rate 2000 --source builtin:9 --serial FPEMU0001 ||
	{ vm_result $name FAIL "device did not come up"; exit 1; }
kmod_start_fplated
vm_check "fplated runs on FPEMU0001" vm_wait_for 15 running
cal0=$(field calibration)
vm_check "calibration EMU-FPEMU0001 from the device" [ "$cal0" = EMU-FPEMU0001 ]
fplate-usbsub "$KMOD_EP" >/tmp/sub.out 2>&1 &
sub=$!
sleep 1

# The other amplifier in its place.
vm_gadget_stop
vm_check "node gone" vm_wait_for 10 kmod_node_absent
vm_check "status says gone" vm_wait_for 5 gone
gadget FPEMU0002 --stats /tmp/wrong.stats || VM_FAILED=1
vm_check "the other amplifier is fplate0" vm_wait_for 10 kmod_node_present
vm_check "it is FPEMU0002" [ "$(cat $KMOD_SYSFS/serial)" = FPEMU0002 ]
sleep 3   # ~10 reopen attempts
err=$(field error)
echo "error while FPEMU0002 is plugged: $err"
vm_check "still gone with FPEMU0002 plugged" gone
names_both() { case $err in *FPEMU0002*FPEMU0001*) return 0 ;; esac; return 1; }
vm_check "the error names both serials" names_both
vm_gadget_stop
vm_check "the refused amplifier was never started" [ "$(vm_kv starts "$(cat /tmp/wrong.stats)")" = 0 ]
vm_check "node gone again" vm_wait_for 10 kmod_node_absent

# The right one comes back.
gadget FPEMU0001 || VM_FAILED=1
vm_check "fplated resumes on FPEMU0001" vm_wait_for 15 running
sleep 2
kill -TERM $sub
wait $sub
out=$(cat /tmp/sub.out)
echo "subscriber: $out"
echo "status: $(status)"
log_lines=$(grep -c FPEMU0002 /tmp/fplated.log)
cat /tmp/fplated.log
vm_check "one log line about FPEMU0002, not one per retry" [ "$log_lines" = 1 ]
vm_check "serial still FPEMU0001" [ "$(field serial)" = FPEMU0001 ]
vm_check "calibration stays EMU-FPEMU0001" [ "$(field calibration)" = "$cal0" ]
one_axis() {
	[ "$(vm_kv resumed_frames "$out")" = 1 ] && [ "$(vm_kv resumed_without_gap "$out")" = 0 ] &&
		[ "$(vm_kv index_backwards "$out")" = 0 ] && [ "$(vm_kv unflagged_jumps "$out")" = 0 ]
}
vm_check "one resume, flagged GAP; index never back, no unflagged jump" one_axis
# 1 s at 2000 Hz before the swap, 2 s after the resume.
vm_check "frames on both sides of the outage" [ "$(vm_kv samples "$out")" -ge 5000 ]
kmod_down
st=PASS; [ $VM_FAILED = 0 ] || st=FAIL
vm_result $name $st "refused=FPEMU0002 log_lines=$log_lines calibration=$(echo $cal0)" \
	"resumed=$(vm_kv resumed_frames "$out") backwards=$(vm_kv index_backwards "$out")" \
	"samples=$(vm_kv samples "$out") skipped=$(vm_kv skipped_samples "$out")"
exit $VM_FAILED
