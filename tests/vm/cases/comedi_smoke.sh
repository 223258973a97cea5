# vm-timeout: 60
. /fplate/lib.sh
comedi-probe --seconds 9 --until-enodev 'comedi:///dev/comedi0?channels=0-5&rate=2000' > /tmp/p.out 2>/tmp/p.err &
pid=$!
sleep 3
rmmod -f comedi_test; echo "rmmod rc=$?"
ls /dev/comedi*
sleep 2
insmod /fplate/files/comedi_test.ko amplitude=2500000 period=50000; echo "insmod rc=$?"
wait $pid; echo "probe rc=$?"
cat /tmp/p.out /tmp/p.err
vm_result comedi_smoke PASS
