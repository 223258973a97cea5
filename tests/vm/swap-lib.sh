# SPDX-License-Identifier: LGPL-2.1-or-later
# swap-lib.sh - the amplifier-swap scenario shared by kmod_p_replug_swap
# (kmod://) and usb_replug_swap (usb://), sourced after /fplate/lib.sh.
# Installed in the guest as /fplate/files/swap-lib.sh.
#
# fplated on $SWAP_EP runs on FPEMU0001 (started by the case). swap_run
# unplugs it, plugs FPEMU0002 in its place, checks that fplated refuses it,
# unplugs it and plugs FPEMU0001 back, and checks the one time axis. Hooks
# the case may define: swap_unplugged (after each unplug), swap_plugged
# (after FPEMU0002 enumerated). Sets $cal0, $log_lines and $out for the
# result line. The rig's dummy_hcd has one port, so "plugged back on each
# other's port" is emulated by replugging the one emulated amplifier with
# another serial.

swap_gadget() { vm_gadget_start --plates 2 --rate 2000 --source builtin:9 --serial "$@"; }
swap_status() { fplate status --json --endpoint "$SWAP_EP" --timeout 2 2>/dev/null; }
swap_field() { swap_status | grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | cut -d'"' -f4; }
swap_running() { [ "$(vm_device_state "$SWAP_EP")" = running ]; }
swap_gone() { [ "$(vm_device_state "$SWAP_EP")" = gone ]; }
swap_names_both() { case $(swap_field error) in *FPEMU0002*FPEMU0001*) return 0 ;; esac; return 1; }
swap_unplugged() { :; }
swap_plugged() { :; }

# swap_retries SECONDS: let fplated retry the refused amplifier for SECONDS
# of measured time (its backends retry every 100-300 ms), so that one log
# line, not one per retry, means something.
swap_retries() {
	_t_end=$(awk -v t="$(vm_uptime)" -v s="$1" 'BEGIN { print t + s }')
	while awk -v t="$(vm_uptime)" -v e="$_t_end" 'BEGIN { exit !(t < e) }'; do
		sleep 0.2
	done
}

swap_run() {
	vm_check "fplated runs on FPEMU0001" vm_wait_for 40 swap_running
	cal0=$(swap_field calibration)
	vm_check "calibration EMU-FPEMU0001 from the device" [ "$cal0" = EMU-FPEMU0001 ]
	vm_check "the subscriber receives frames" vm_usbsub_start "$SWAP_EP"
	# 1 s of frames before the swap (the sample count below relies on it)
	sleep 1

	# The other amplifier in its place.
	vm_gadget_stop
	swap_unplugged
	vm_check "status says gone" vm_wait_for 30 swap_gone
	swap_gadget FPEMU0002 --stats /tmp/wrong.stats || VM_FAILED=1
	swap_plugged
	# The refusal is the state to wait for; then more retries must not log.
	vm_check "the error names both serials" vm_wait_for 40 swap_names_both
	swap_retries 2
	echo "error while FPEMU0002 is plugged: $(swap_field error)"
	vm_check "still gone with FPEMU0002 plugged" swap_gone
	vm_gadget_stop
	vm_check "the refused amplifier was never started" [ "$(vm_kv starts "$(cat /tmp/wrong.stats)")" = 0 ]
	swap_unplugged

	# The right one comes back.
	swap_gadget FPEMU0001 || VM_FAILED=1
	vm_check "fplated resumes on FPEMU0001" vm_wait_for 40 swap_running
	sleep 2
	kill -TERM $VM_SUB_PID
	wait $VM_SUB_PID
	out=$(cat /tmp/sub.out)
	echo "subscriber: $out"
	echo "status: $(swap_status)"
	log_lines=$(grep -c FPEMU0002 /tmp/fplated.log)
	cat /tmp/fplated.log
	vm_check "one log line about FPEMU0002, not one per retry" [ "$log_lines" = 1 ]
	vm_check "serial still FPEMU0001" [ "$(swap_field serial)" = FPEMU0001 ]
	vm_check "calibration stays EMU-FPEMU0001" [ "$(swap_field calibration)" = "$cal0" ]
	vm_check "one resume, flagged GAP; index never back, no unflagged jump" swap_one_axis
	# 1 s at 2000 Hz before the swap, 2 s after the resume.
	vm_check "frames on both sides of the outage" [ "$(vm_kv samples "$out")" -ge 5000 ]
}

swap_one_axis() {
	[ "$(vm_kv resumed_frames "$out")" = 1 ] && [ "$(vm_kv resumed_without_gap "$out")" = 0 ] &&
		[ "$(vm_kv index_backwards "$out")" = 0 ] && [ "$(vm_kv unflagged_jumps "$out")" = 0 ]
}
