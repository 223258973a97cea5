# vm-timeout: 60
. /fplate/lib.sh
ls -l /dev/comedi* 
fplate list
comedi-probe --seconds 5 'comedi:///dev/comedi0?channels=0-5&rate=2000'
comedi-probe --seconds 3 'comedi:///dev/comedi0?channels=0-5&rate=10000'
comedi-probe --seconds 1 'comedi:///dev/comedi0?channels=0-5&rate=5000000'
comedi-probe --seconds 1 'comedi:///dev/comedi0?channels=0-5,8-13'
comedi-probe --seconds 4 --stall-ms 2500 'comedi:///dev/comedi0?channels=0-5&rate=10000&buffer_kb=8'
vm_result comedi_smoke PASS
