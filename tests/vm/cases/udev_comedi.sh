# udev_comedi: Debian's systemd-udevd applies 61-fplate-comedi.rules to the
# comedi_test card that exists before udevd starts (coldplug through
# `udevadm trigger`): /dev/comedi0 goes from root 0600 to group fplate 0660,
# and `udevadm test` names our rule file and line.
# vm-timeout: 60
. /fplate/lib.sh
. /fplate/files/vm-udev.sh
vm_need /dev/comedi0
before=$(udev_perm /dev/comedi0)
udev_start || { vm_result udev_comedi FAIL reason=udevd-start; exit 1; }
after=$(udev_perm /dev/comedi0)
udevadm test /sys/class/comedi/comedi0 >/tmp/test-comedi.log 2>&1
rule=$(grep -c '61-fplate-comedi.rules:[0-9]* \(GROUP\|MODE\)' /tmp/test-comedi.log)
if [ "$after" = "root fplate 660" ] && [ "$rule" -ge 2 ]; then
	vm_result udev_comedi PASS "before='$before' after='$after' udevadm_test_rule_lines=$rule"
else
	vm_result udev_comedi FAIL "before='$before' after='$after' udevadm_test_rule_lines=$rule"
	grep -i comedi /tmp/test-comedi.log | tail -n 20
	udev_show_log
	exit 1
fi
