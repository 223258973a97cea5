#!/bin/sh
# gait_identity.sh REV - are the gait module's records the same bits as at
# commit REV? (`make gait-identity BASE=REV`)
#
# For a change meant to leave every output alone (an optimisation, a
# refactoring): builds REV's libfplate.a in a detached worktree, links this
# tree's tests/reference/gait_dump.c against it and against this tree's
# library, and runs both on the cases below: simulated running of every
# strike pattern with noise, drift on and off, body weight known (impact
# events) and not, NaN samples, blocks of 1, 7, 20 and 997 samples, and
# real treadmill and overground files. Every step and impact record is
# printed with 17 significant digits, so any changed bit in an exported
# field shows, far below what `fplate analyze` prints. Exit 0 when every
# case is identical, 1 with the first differing line of each case that is
# not. Needs REV to share the public API gait_dump.c uses.
#
# Environment: BUILD (build), CC, LDLIBS (the link libraries), DATA
# (../shared/data/c3d).
set -eu
[ $# -eq 1 ] || { echo "usage: gait_identity.sh REV" >&2; exit 2; }
rev=$1
BUILD=${BUILD:-build}
CC=${CC:-cc}
DATA=${DATA:-../shared/data/c3d}
LDLIBS=${LDLIBS:-$(pkg-config --libs libusb-1.0 comedilib libzmq jansson inih) -lm -pthread}
top=$(git rev-parse --show-toplevel)
out=$top/$BUILD/identity
wt=$out/base
cur=$top/$BUILD/tests/gait_dump
[ -x "$cur" ] || { echo "gait_identity: $cur not built (make $BUILD/tests/gait_dump)" >&2; exit 2; }
git rev-parse --verify -q "$rev^{commit}" >/dev/null ||
	{ echo "gait_identity: '$rev' is not a commit" >&2; exit 2; }
mkdir -p "$out"
git worktree remove -f "$wt" 2>/dev/null || rm -rf "$wt"
git worktree add -q --detach "$wt" "$rev"
trap 'git worktree remove -f "$wt" 2>/dev/null || true' EXIT
echo "gait_identity: building libfplate.a of $(git rev-parse --short "$rev") in $wt"
make -s -C "$wt" -j2 BUILD=build build/libfplate.a >"$out/base-build.log" 2>&1 ||
	{ tail -n 20 "$out/base-build.log"; exit 2; }
$CC -std=c11 -D_GNU_SOURCE -O2 -I"$wt/include" -o "$out/gait_dump_base" \
	"$top/tests/reference/gait_dump.c" "$wt/build/libfplate.a" $LDLIBS ||
	{ echo "gait_identity: gait_dump.c does not build against $rev's API" >&2; exit 2; }

sim="sim://?pace=fast"
cases="
$sim&speed=3.5&strike=rear&plates=2&seed=21|60|20|mass=70
$sim&speed=2.5&strike=rear&plates=1&seed=13|40|1|mass=62
$sim&speed=4.5&strike=fore&plates=1&seed=5|40|7|mass=70
$sim&speed=4&strike=mid&plates=2&seed=14&tare=40&drift=30|60|997|drift=1
$sim&speed=4&strike=mid&plates=2&seed=14|60|20|drift=0 mass=75
$sim&speed=3&strike=fore&plates=2&seed=8|40|20|nan_every=4999 mass=70
$sim&speed=3&belt=0&plates=2&seed=3|40|20|
c3d://$DATA/fukuchi_RBDS001runT35.c3d?rate=fast|60|20|mass=70
c3d://$DATA/ezc3d_Kistler.c3d?rate=fast&action=1|70|7|
c3d://$DATA/btk_PiG_Motion3_FF.c3d?rate=fast|60|20|
"
n=0
rm -f "$out/differs"
echo "$cases" | while IFS='|' read -r uri secs block opts; do
	[ -n "$uri" ] || continue
	n=$((n + 1))
	# shellcheck disable=SC2086  # opts: words
	"$cur" "$uri" "$secs" "$block" $opts >"$out/$n.new" 2>"$out/$n.new.err" ||
		{ echo "case $n: this tree failed: $(cat "$out/$n.new.err")"; exit 1; }
	"$out/gait_dump_base" "$uri" "$secs" "$block" $opts >"$out/$n.base" 2>"$out/$n.base.err" ||
		{ echo "case $n: $rev failed: $(cat "$out/$n.base.err")"; exit 1; }
	what="$uri, ${secs} s, blocks of $block${opts:+, $opts}: $(sed 's/^gait_dump: //' "$out/$n.new.err")"
	if cmp -s "$out/$n.new" "$out/$n.base"; then
		echo "same:    $what"
	else
		line=$(cmp "$out/$n.new" "$out/$n.base" 2>&1 | sed -n 's/.*line \([0-9]*\).*/\1/p')
		echo "DIFFERS: $what (from line ${line:-?}: $BUILD/identity/$n.new against $n.base)"
		echo "$n" >>"$out/differs"
	fi
done
if [ -s "$out/differs" ]; then
	echo "gait_identity: $(wc -l <"$out/differs") case(s) differ from $rev"
	rm -f "$out/differs"
	exit 1
fi
echo "gait_identity: every case is identical to $rev"
