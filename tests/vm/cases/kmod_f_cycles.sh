# kmod_f_cycles: 50 unplug/replug cycles (10 on the 6.12 smoke kernels)
# while fplated keeps kmod:///dev/fplate0 open: each time the node goes
# and comes back as fplate0 (minors are not leaked), fplated reopens it
# and streams again before the next unplug, fplated's status counts every
# disconnect, and afterwards a subscriber receives 2 s of data without loss.
# vm-timeout: 240
. /fplate/lib.sh
. /fplate/files/kmod-lib.sh
vm_need "$KMOD_KO" /fplate/bin/fplate-gadget /fplate/bin/fplated
cycles=50; kmod_short && cycles=10

kmod_up --plates 2 --rate 2000 || { vm_result kmod_cycles FAIL "device did not come up"; exit 1; }
kmod_start_fplated
# fplated has opened fplate0 and started the stream (its first start under
# TCG takes longer than the restarts in the loop).
vm_wait_for 30 kmod_streaming || echo "fplated did not start the stream"
done_cycles=0
t0=$(cut -d' ' -f1 /proc/uptime)
while [ $done_cycles -lt $cycles ]; do
	# fplated has reopened the new device and restarted the stream: its
	# fresh counters move.
	vm_wait_for 15 kmod_streaming || { echo "cycle $done_cycles: fplated did not restart the stream"; break; }
	vm_usb_unplug
	vm_wait_for 15 kmod_node_absent || { echo "cycle $done_cycles: node stayed"; break; }
	vm_usb_replug
	vm_wait_for 15 kmod_node_present || { echo "cycle $done_cycles: node did not come back"; break; }
	done_cycles=$((done_cycles + 1))
done
t1=$(cut -d' ' -f1 /proc/uptime)
minors=$(ls /sys/class/usbmisc 2>/dev/null | grep -c fplate)
nodes=$(ls /dev | grep '^fplate' | tr '\n' ' ')
kmod_subscribe 4000
wait "$KMOD_SUB_PID"; rc=$?
sub=$(cat /tmp/sub.out)
running=$(kill -0 "$KMOD_FPLATED_PID" 2>/dev/null && echo yes || echo no)
# The kernel's counters reach fplated's status through fp_get_counters().
status=$(fplate status --json --endpoint "$KMOD_EP" 2>&1)
disconnects=$(echo "$status" | sed -n 's/.*"disconnects": *\([0-9]*\).*/\1/p')
packets=$(echo "$status" | sed -n 's/.*"packets": *\([0-9]*\).*/\1/p')
kmod_down
if [ $done_cycles = $cycles ] && [ "$minors" = 1 ] && [ "$nodes" = "fplate0 " ] &&
   [ $rc = 0 ] && [ $running = yes ] && [ "$disconnects" = $cycles ] && [ "${packets:-0}" -gt 0 ]; then
	vm_result kmod_cycles PASS "cycles=$done_cycles seconds=$(awk "BEGIN { print $t1 - $t0 }") minors=$minors status_disconnects=$disconnects status_packets=$packets after: $sub"
else
	vm_result kmod_cycles FAIL "cycles=$done_cycles/$cycles minors=$minors nodes='$nodes' fplated_running=$running status_disconnects=$disconnects status_packets=$packets sub_rc=$rc $sub"
	echo "$status"
	cat /tmp/fplated.log
	exit 1
fi
