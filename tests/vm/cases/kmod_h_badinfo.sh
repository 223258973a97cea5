# kmod_h_badinfo: a device whose GET_INFO is nonsense (the emulator's
# --bad-info) is refused at probe with one kernel log line naming the
# field and value: no /dev/fplateN, the interface stays unbound, and the
# module still unloads (the refused probe left nothing behind).
# vm-timeout: 90
. /fplate/lib.sh
. /fplate/files/kmod-lib.sh
vm_need "$KMOD_KO" /fplate/bin/fplate-gadget

kmod_load
fails=0 seen=""
for field in magic plates channels rate k; do
	before=$(dmesg | grep -c 'refusing device')
	if ! vm_gadget_start --plates 2 --rate 2000 --bad-info $field; then
		fails=$((fails + 1)); seen="$seen $field:no-enumeration"; continue
	fi
	sleep 0.5
	line=$(dmesg | grep 'refusing device' | tail -n 1)
	after=$(dmesg | grep -c 'refusing device')
	bound=$(ls -d /sys/bus/usb/drivers/fplate/*:* 2>/dev/null | wc -l)
	case $field in
	magic) want='field magic' ;; plates) want='field plates' ;;
	channels) want='field channels' ;; rate) want='field rate_hz' ;;
	k) want='field samples_per_packet' ;;
	esac
	if [ $after = $((before + 1)) ] && [ "$bound" = 0 ] && ! [ -e $KMOD_NODE ] &&
	   echo "$line" | grep -q "$want"; then
		seen="$seen $field:refused"
	else
		fails=$((fails + 1)); seen="$seen $field:NOT-REFUSED(bound=$bound,log='$line')"
	fi
	vm_gadget_stop
	vm_wait_for 15 sh -c '! grep -qx f9a7 /sys/bus/usb/devices/*/idProduct'
done
echo "last log line: $line"
if rmmod fplate; then rmmod_ok=1; else rmmod_ok=0; fi
kmod_load
if [ $fails = 0 ] && [ $rmmod_ok = 1 ]; then
	vm_result kmod_badinfo PASS "$seen rmmod=ok"
else
	vm_result kmod_badinfo FAIL "$seen rmmod_ok=$rmmod_ok"
	exit 1
fi
