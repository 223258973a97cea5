#!/bin/sh
# test_facing.sh - fplate analyze --facing auto (the default): which way the
# runner faces in the plate frame, from the COP's travel during stances
# (docs/metrics.md, cop_y_travel_mm): backward on a moving belt, forward
# overground. The simulator's runner faces +y (docs/simulator.md) on a belt
# at any speed and overground (belt=0): that is the truth here. The two real
# files are regression checks of the decision: the RBDS runner's COP
# travels +607 mm per stance (more than a foot: a moving belt) and the
# Plug-in-Gait walker's -243 mm heel to toe overground, both -y.
set -u
BUILD=${BUILD:-build}
FPLATE=$BUILD/fplate
DATA=../shared/data/c3d
NAME=facing
. "$(dirname "$0")/lib.sh"

turned() { # URI|FILE [args]: 0 when analyze turned the frames to face +y
	"$FPLATE" analyze "$@" >/dev/null 2>"$tmp/err" || fail "fplate analyze $*: $(cat "$tmp/err")"
	grep -q "faces -y" "$tmp/err"
}
tmp=$(mktemp -d)

turned 'sim://?speed=3.5&pace=fast' --seconds 10 && fail "sim running on a belt judged -y"
# walking on a moving belt: the COP travel per stance is within a foot's
# length, so only the belt's speed (here the source's) tells the belt moves
turned 'sim://?speed=1.4&pace=fast' --seconds 10 &&
	fail "sim walking on a 1.4 m/s belt judged -y (the source's belt speed ignored)"
turned 'sim://?speed=1.4&belt=0&pace=fast' --seconds 10 && fail "sim walking overground judged -y"
turned "$DATA/fukuchi_RBDS001runT35.c3d" || fail "RBDS treadmill run not judged -y"
turned "$DATA/btk_PiG_Motion3_FF.c3d" || fail "Plug-in-Gait overground walk not judged -y"
turned "$DATA/fukuchi_RBDS001runT35.c3d" --facing +y && fail "--facing +y did not keep the frames"
rm -rf "$tmp"
echo "facing: sim belt running/walking and overground +y, RBDS and PiG -y, --facing +y kept"
