# kmod_f_cycles: 50 unplug/replug cycles (10 on the 6.12 smoke kernels)
# while fplated keeps kmod:///dev/fplate0 open: each time the node goes
# and comes back as fplate0 (minors are not leaked), fplated reopens it,
# and afterwards a subscriber receives 2 s of data without loss.
# vm-timeout: 240
. /fplate/lib.sh
. /fplate/files/kmod-lib.sh
vm_need "$KMOD_KO" /fplate/bin/fplate-gadget /fplate/bin/fplated
cycles=50; kmod_short && cycles=10

kmod_up --plates 2 --rate 2000 || { vm_result kmod_cycles FAIL "device did not come up"; exit 1; }
kmod_start_fplated
sleep 1
done_cycles=0
t0=$(cut -d' ' -f1 /proc/uptime)
while [ $done_cycles -lt $cycles ]; do
	vm_usb_unplug
	vm_wait_for 10 kmod_node_absent || { echo "cycle $done_cycles: node stayed"; break; }
	vm_usb_replug
	vm_wait_for 10 kmod_node_present || { echo "cycle $done_cycles: node did not come back"; break; }
	done_cycles=$((done_cycles + 1))
done
t1=$(cut -d' ' -f1 /proc/uptime)
minors=$(ls /sys/class/usbmisc 2>/dev/null | grep -c fplate)
nodes=$(ls /dev | grep '^fplate' | tr '\n' ' ')
kmod_subscribe 2
wait "$KMOD_SUB_PID"; rc=$?
sub=$(cat /tmp/sub.out)
running=$(kill -0 "$KMOD_FPLATED_PID" 2>/dev/null && echo yes || echo no)
kmod_down
if [ $done_cycles = $cycles ] && [ "$minors" = 1 ] && [ "$nodes" = "fplate0 " ] &&
   [ $rc = 0 ] && [ $running = yes ]; then
	vm_result kmod_cycles PASS "cycles=$done_cycles seconds=$(awk "BEGIN { print $t1 - $t0 }") minors=$minors after: $sub"
else
	vm_result kmod_cycles FAIL "cycles=$done_cycles/$cycles minors=$minors nodes='$nodes' fplated_running=$running sub_rc=$rc $sub"
	cat /tmp/fplated.log
	exit 1
fi
