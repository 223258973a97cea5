#!/bin/sh
# test_c3d_truncated.sh - a C3D file truncated while fplate reads it.
#
# libfplate maps C3D files (fp_c3d_open) and decodes samples where they are
# read, so a file cut short by another program meanwhile makes the next
# read of a page past its new end raise SIGBUS. fplate analyze and
# c3d-info must turn that into one line naming the file and exit status 1:
# never a crash, never a result from part of the data.
#
# Fault injection, deterministic: truncshim.c (LD_PRELOAD) truncates the
# file right after the process maps it for the N-th time, either to the
# start of the data section (header and parameters still readable: the
# samples vanish under a parsed file) or to 1024 bytes (the parameters
# too). Every N from 1 to 6 and both sizes, on two real files; each run
# where the shim acted must exit 1 with a message naming the file, and at
# least one must have met the mapped pages gone (the SIGBUS path).
set -u
BUILD=${BUILD:-build}
FPLATE=$BUILD/fplate
DATA=$(cd "$(dirname "$0")/../../../shared/data/c3d" 2>/dev/null && pwd) || {
	echo "FAIL: no ../shared/data/c3d"; exit 1; }
[ -x "$FPLATE" ] || { echo "FAIL: $FPLATE not built"; exit 1; }
TMP=$(mktemp -d /tmp/fplate-trunc-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

${CC:-cc} -std=c11 -Wall -Wextra -Werror -O2 -shared -fPIC -o "$TMP/truncshim.so" \
	"$(dirname "$0")/truncshim.c" -ldl || fail "cannot build truncshim.c"

runs=0; sigbus=0
for f in fukuchi_RBDS001runT35 ezc3d_Kistler; do
	for cmd in analyze "c3d-info --stats"; do
		for n in 1 2 3 4 5 6; do
			for to in data 1024; do
				x=$TMP/$f.c3d
				cp "$DATA/$f.c3d" "$x" && chmod u+w "$x" || fail "copy $f"
				TRUNCSHIM_PATH=$x TRUNCSHIM_NTH=$n TRUNCSHIM_TO=$to \
					LD_PRELOAD=$TMP/truncshim.so "$FPLATE" $cmd "$x" \
					>"$TMP/out" 2>"$TMP/err"
				rc=$?
				grep -q "^truncshim: mapping $n truncated" "$TMP/err" || continue
				runs=$((runs + 1))
				last=$(grep -v '^truncshim:' "$TMP/err" | tail -n 1)
				[ $rc -eq 1 ] || fail "$cmd $f, mapping $n cut to $to: exit $rc (a crash is 128+signal), stderr: $last"
				case $last in
				"fplate ${cmd%% *}: "*"$x"*) ;;
				*) fail "$cmd $f, mapping $n cut to $to: last line does not name the file: $last" ;;
				esac
				case $last in
				*"changed while it was being read"*) sigbus=$((sigbus + 1)) ;;
				esac
				echo "ok: $cmd $f, mapping $n cut to $to: exit 1: ${last#*: }"
			done
		done
	done
done
[ $runs -ge 20 ] || fail "the shim cut the file in only $runs runs"
[ $sigbus -ge 1 ] || fail "no run met the mapped pages gone (the SIGBUS path untested)"
echo "PASS: $runs truncated reads, $sigbus of them through SIGBUS, each one line and exit 1"
