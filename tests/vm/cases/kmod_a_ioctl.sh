# kmod_a_ioctl: fplate.ko binds the emulated device, /dev/fplate0 and sysfs
# describe it, and invalid ioctls/reads/opens fail with the documented
# errno (EINVAL, ENOTTY, EFAULT, EBUSY) while valid ones work.
# vm-timeout: 60
. /fplate/lib.sh
. /fplate/files/kmod-lib.sh
vm_need "$KMOD_KO" /fplate/bin/fplate-gadget

kmod_up --plates 2 --rate 2000 || { vm_result kmod_ioctl FAIL "device did not come up"; exit 1; }
serial=$(cat $KMOD_SYSFS/serial) plates=$(cat $KMOD_SYSFS/plates) rate=$(cat $KMOD_SYSFS/rate)
kmod-probe ioctls $KMOD_NODE >/tmp/ioctls.out 2>&1
rc=$?
cat /tmp/ioctls.out
ok=$(grep -c '^ok ' /tmp/ioctls.out) bad=$(grep -c '^FAIL' /tmp/ioctls.out)
kmod_down
if [ $rc = 0 ] && [ "$bad" = 0 ] && [ "$plates" = 2 ] && [ "$rate" = 2000 ] && [ -n "$serial" ]; then
	vm_result kmod_ioctl PASS "checks=$ok serial=$serial plates=$plates rate=$rate"
else
	vm_result kmod_ioctl FAIL "rc=$rc failed_checks=$bad plates=$plates rate=$rate serial='$serial'"
	exit 1
fi
