#!/bin/sh
# test_install.sh - `make install` / `make uninstall` into a DESTDIR, then
# check what a packager and a lab would see: the file list and modes, the
# udev rules' permissions, the library's soname links and exported symbols,
# an external program built with pkg-config, the manual pages and the
# systemd units. Run from the top folder (tests/integration/run.sh does).
set -u
BUILD=${BUILD:-build}
MAKE="make --no-print-directory -s BUILD=$BUILD"
VERSION=$(sed -n 's/^VERSION *:= *//p' Makefile)
SOVERSION=$(sed -n 's/^SOVERSION *:= *//p' Makefile)
tmp=$(mktemp -d /tmp/fplate-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# mode_is FILE OCTAL
mode_is() {
	m=$(stat -c %a "$1" 2>/dev/null) || { fail "$1 missing"; return; }
	[ "$m" = "$2" ] || fail "$1 has mode $m, expected $2"
}

# Debian's multiarch library folder for PREFIX=/usr (/usr/lib/x86_64-linux-gnu)
ma=$(${CC:-cc} -print-multiarch 2>/dev/null)
L=/usr/lib${ma:+/$ma}
PYPKG=/usr/lib/python3/dist-packages/fplate

echo "== make install DESTDIR=$root PREFIX=/usr"
$MAKE install DESTDIR="$root" PREFIX=/usr || { echo "FAIL: make install"; exit 1; }

# --- file list -----------------------------------------------------------
expected="$L/libfplate.so.$VERSION
$L/libfplate.so.$SOVERSION
$L/libfplate.so
$L/libfplate.a
$L/pkgconfig/libfplate.pc
/usr/sbin/fplated
/usr/bin/fplate
/lib/udev/rules.d/60-fplate.rules
/lib/udev/rules.d/61-fplate-comedi.rules
/lib/systemd/system/fplated.service
/lib/systemd/system/fplated@.service
/etc/fplate/fplate.conf
/usr/share/man/man1/fplate.1
/usr/share/man/man3/libfplate.3
/usr/share/man/man5/fplate.conf.5
/usr/share/man/man8/fplated.8"
for h in include/fplate/*.h; do expected="$expected
/usr/include/fplate/$(basename "$h")"; done
for s in scripts/fplate-*; do
	case $s in *.mk|*~) continue ;; esac
	[ -f "$s" ] && expected="$expected
/usr/bin/$(basename "$s")"
done
[ -f scripts/fplatectl.py ] && expected="$expected
/usr/share/fplate/python/fplatectl.py"
expected="$expected
$PYPKG/__init__.py
$PYPKG/subscribe.py
$PYPKG/fplatectl.py"
printf '%s\n' "$expected" | sort > "$tmp/expected"
(cd "$root" && find . \( -type f -o -type l \) | sed 's/^\.//' | sort) > "$tmp/installed"
if cmp -s "$tmp/expected" "$tmp/installed"; then
	ok "installed file list ($(wc -l < "$tmp/installed") files)"
else
	fail "installed file list differs (- expected, + installed):"
	diff -u "$tmp/expected" "$tmp/installed" | sed -n '3,$p'
fi

# --- modes ---------------------------------------------------------------
for f in $L/libfplate.so.$VERSION /usr/sbin/fplated /usr/bin/fplate; do
	mode_is "$root$f" 755
done
for f in $L/libfplate.a $L/pkgconfig/libfplate.pc $PYPKG/__init__.py /etc/fplate/fplate.conf \
	 /lib/udev/rules.d/60-fplate.rules /lib/udev/rules.d/61-fplate-comedi.rules \
	 /lib/systemd/system/fplated.service /lib/systemd/system/fplated@.service \
	 /usr/include/fplate/fplate.h /usr/share/man/man8/fplated.8; do
	mode_is "$root$f" 644
done
for s in "$root"/usr/bin/fplate-*; do [ -e "$s" ] && mode_is "$s" 755; done
# The installed technician scripts find their module (--help imports it).
for s in "$root"/usr/bin/fplate-*; do
	[ -e "$s" ] || continue
	out=$(PYTHONDONTWRITEBYTECODE=1 "$s" --help 2>&1) ||
		fail "installed $(basename "$s") --help exited $?: $(echo "$out" | tail -n 1)"
done
# The Python clients import as a package from /usr/bin/python3 (the
# installed tree stands in for /usr/lib/python3/dist-packages).
out=$(cd "$tmp" && PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$root${PYPKG%/fplate}" /usr/bin/python3 -c '
import fplate, fplate.subscribe as s, fplate.fplatectl as c
assert callable(s.frames) and callable(s.decode_force) and c.Control
print(fplate.__file__)' 2>&1) || fail "import fplate.subscribe / fplate.fplatectl: $out"
case $out in "$root$PYPKG/__init__.py") ok "python3: import fplate.subscribe, fplate.fplatectl" ;;
*) fail "import fplate found $out, expected $root$PYPKG/__init__.py" ;; esac
/usr/bin/python3 -c 'import sys; sys.exit(not any(p.rstrip("/") == "/usr/lib/python3/dist-packages" for p in sys.path))' ||
	fail "/usr/lib/python3/dist-packages is not on /usr/bin/python3's path"
ww=$(find "$root" -perm -o+w ! -type l)
[ -z "$ww" ] && ok "nothing world-writable" || fail "world-writable: $ww"

# --- udev rules: fplate group, never world access ------------------------
for r in "$root"/lib/udev/rules.d/*fplate*.rules; do
	modes=$(grep -v '^#' "$r" | grep -o 'MODE="[0-7]*"' | tr -d 'MODE="')
	[ -n "$modes" ] || fail "$r sets no MODE"
	for m in $modes; do
		case $m in
		0[0-7][0-7]0|[0-7][0-7]0) ;;
		*) fail "$r: MODE=$m gives others access (expected ...0, e.g. 0660)" ;;
		esac
	done
	grep -v '^#' "$r" | grep -q 'GROUP="fplate"' || fail "$r: no GROUP=\"fplate\""
done
rules=$root/lib/udev/rules.d/60-fplate.rules
for want in 'ATTR{idVendor}=="1209"' 'ATTR{idProduct}=="f9a7"' 'KERNEL=="fplate[0-9]*"' \
	    'TAG+="uaccess"' 'SYMLINK+="fplate/by-serial/$attr{serial}"' \
	    'ENV{SYSTEMD_WANTS}+="fplated@%k.service"'; do
	grep -v '^#' "$rules" | grep -qF "$want" || fail "60-fplate.rules lacks $want"
done
[ "$fails" -eq 0 ] && ok "udev rule modes and keys"

# --- shared library: soname links, exported symbols ----------------------
lib=$root$L
[ "$(readlink "$lib/libfplate.so")" = "libfplate.so.$SOVERSION" ] ||
	fail "libfplate.so -> $(readlink "$lib/libfplate.so"), expected libfplate.so.$SOVERSION"
[ "$(readlink "$lib/libfplate.so.$SOVERSION")" = "libfplate.so.$VERSION" ] ||
	fail "libfplate.so.$SOVERSION -> $(readlink "$lib/libfplate.so.$SOVERSION")"
soname=$(objdump -p "$lib/libfplate.so.$VERSION" | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = "libfplate.so.$SOVERSION" ] || fail "SONAME is '$soname'"
# Type A is the version node (LIBFPLATE_0) the version script defines.
# Names carry their version: fp_open@@LIBFPLATE_0.
nm -D --defined-only "$lib/libfplate.so.$VERSION" | awk '$2 != "A" { print $3 }' |
	sed 's/@.*//' > "$tmp/exported"
stray=$(grep -v '^fp_' "$tmp/exported")
if [ -n "$stray" ]; then
	fail "exported symbols outside fp_: $(echo $stray)"
elif ! grep -qx fp_open "$tmp/exported"; then
	fail "fp_open is not exported"
else
	ok "soname $soname, $(wc -l < "$tmp/exported") exported symbols, all fp_"
fi
# Every exported name is declared in an installed header (the version
# script is generated from them): internal helpers of lib/*.h stay local.
undeclared=$(while read -r sym; do
	grep -qw "$sym" "$root"/usr/include/fplate/*.h || echo "$sym"; done < "$tmp/exported")
if [ -n "$undeclared" ]; then
	fail "exported but in no public header: $(echo $undeclared)"
else
	ok "every exported symbol is declared in include/fplate"
fi
for internal in fp_ring_init fp_uri_parse fp_usb_pkt_parse fp_ctl_parse; do
	grep -qx "$internal" "$tmp/exported" && fail "internal helper $internal is exported"
done

# --- pkg-config consumer -------------------------------------------------
export PKG_CONFIG_PATH="$lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root"
[ "$(pkg-config --modversion libfplate)" = "$VERSION" ] || fail "pkg-config version"
cat > "$tmp/consumer.c" <<'EOF'
/* An outside program: the installed headers and library only. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <fplate/fplate.h>

int main(void)
{
	struct fp_device *dev = NULL;
	struct fp_info info;
	struct fp_block blk;
	char msg[FP_MSG_MAX] = "";
	unsigned int n = 0;
	uint64_t samples = 0;
	int err;

	while (fp_scheme_at(n))
		n++;
	err = fp_open("no-such-scheme://x", &dev, msg, sizeof(msg));
	if (err >= 0 || dev || !msg[0] || !*fp_strerror(err))
		return 1;
	/* Read 0.1 s of the simulated treadmill through the shared library. */
	if (fp_open("sim://?pace=fast", &dev, msg, sizeof(msg)) || fp_info(dev, &info) ||
	    fp_block_init(&blk, &info, 100) || fp_start(dev))
		return 2;
	while (samples < (uint64_t)(info.rate_hz / 10)) {
		err = fp_read(dev, &blk, 1000);
		if (err <= 0)
			return 3;
		samples += (uint64_t)err;
	}
	fp_stop(dev);
	fp_block_release(&blk);
	fp_close(dev);
	printf("schemes=%u plates=%u rate_hz=%g samples=%llu\n", n, info.plates,
	       info.rate_hz, (unsigned long long)samples);
	return 0;
}
EOF
for h in "$root"/usr/include/fplate/*.h; do
	printf '#include <fplate/%s>\nint main(void) { return 0; }\n' "$(basename "$h")" \
		> "$tmp/hdr.c"
	# shellcheck disable=SC2046
	cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags libfplate) -c "$tmp/hdr.c" \
		-o "$tmp/hdr.o" || fail "installed header $(basename "$h") does not compile alone"
done
cflags=$(pkg-config --cflags libfplate) libs=$(pkg-config --libs libfplate)
echo "pkg-config: cflags '$cflags' libs '$libs'"
if cc -std=c11 -Wall -Wextra -Werror $cflags -o "$tmp/consumer" "$tmp/consumer.c" $libs; then
	resolved=$(LD_LIBRARY_PATH="$lib" ldd "$tmp/consumer" | awk '/libfplate/ { print $3 }')
	[ "$resolved" = "$lib/libfplate.so.$SOVERSION" ] ||
		fail "consumer resolves libfplate to '$resolved'"
	out=$(LD_LIBRARY_PATH="$lib" "$tmp/consumer") && ok "shared consumer: $out" ||
		fail "shared consumer exited $?: $out"
else
	fail "consumer does not build with pkg-config --cflags --libs libfplate"
fi
# libfplate.a: Requires.private and Libs.private must name every library
# it needs. (Not `pkg-config --static`: that also asks for the static
# archives of libzmq's own dependencies, which Debian does not ship.)
privmods=$(pkg-config --print-requires-private libfplate | awk '{ print $1 }')
privlibs=$(pkg-config --libs $privmods)
libsprivate=$(sed -n 's/^Libs.private: *//p' "$lib/pkgconfig/libfplate.pc")
if cc -std=c11 $cflags -o "$tmp/consumer-static" "$tmp/consumer.c" "$lib/libfplate.a" \
	$privlibs $libsprivate; then
	if ldd "$tmp/consumer-static" | grep -q libfplate; then
		fail "static consumer still needs libfplate.so"
	else
		out=$("$tmp/consumer-static") && ok "static consumer (requires: $(echo $privmods)): $out" ||
			fail "static consumer exited $?"
	fi
else
	fail "libfplate.a does not link with Requires.private ($(echo $privmods)) and Libs.private"
fi
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR

# --- manual pages --------------------------------------------------------
for p in "$root"/usr/share/man/man*/*; do
	name=$(basename "$p")
	groff -ww -man -Tutf8 "$p" > "$tmp/page.txt" 2> "$tmp/groff.err"
	if [ -s "$tmp/groff.err" ]; then
		fail "groff -ww $name: $(head -n 3 "$tmp/groff.err")"
	fi
	MANWIDTH=80 man --warnings -l "$p" > "$tmp/man.txt" 2> "$tmp/man.err"
	if [ -s "$tmp/man.err" ]; then
		fail "man -l $name: $(head -n 3 "$tmp/man.err")"
	elif [ "$(wc -l < "$tmp/man.txt")" -lt 20 ]; then
		fail "man -l $name renders only $(wc -l < "$tmp/man.txt") lines"
	fi
	lexgrog "$p" > /dev/null || fail "$name: NAME section unreadable by lexgrog (whatis)"
done
# Every option fplated --help and fplate --help list is documented.
for prog in sbin/fplated:man8/fplated.8 bin/fplate:man1/fplate.1; do
	bin=$root/usr/${prog%%:*} page=$root/usr/share/man/${prog#*:}
	[ -x "$bin" ] || continue
	"$bin" --help > "$tmp/help.txt" 2>&1 || fail "$bin --help exited $?"
	for opt in $(grep -o -- '--[a-z][a-z-]*' "$tmp/help.txt" | sort -u); do
		# groff source writes a dash in an option as \-
		grep -q -- "$(echo "$opt" | sed 's/-/\\\\-/g')" "$page" ||
			fail "$(basename "$page") does not document $opt from $(basename "$bin") --help"
	done
done
# Every command fplate --help lists has its entry in fplate.1.
if [ -x "$root/usr/bin/fplate" ]; then
	for cmd in $("$root/usr/bin/fplate" --help | sed -n '/^commands:/,/^$/s/^  \([a-z0-9-]*\) .*/\1/p'); do
		grep -q "^\.B[IR]* \"\\?$(echo "$cmd" | sed 's/-/\\\\-/g')\( \|$\)" \
			"$root/usr/share/man/man1/fplate.1" ||
			fail "fplate.1 has no entry for the command '$cmd' (fplate --help)"
	done
fi
# Every [section] key fplated --help names is in fplate.conf(5) and in the
# default configuration, whose commented defaults must all be valid.
conf=$root/etc/fplate/fplate.conf
if [ -x "$root/usr/sbin/fplated" ]; then
	"$root/usr/sbin/fplated" --help | grep -o '\[[a-z]*\] [a-z_]*$' > "$tmp/keys"
	[ -s "$tmp/keys" ] || fail "fplated --help names no [section] key"
	while read -r section key; do
		re=$(echo "$section" | sed 's/[][]/\\&/g')   # [device] -> \[device\]
		sed -n "/^\.SH \"$re\"/,/^\.SH/p" "$root/usr/share/man/man5/fplate.conf.5" |
			grep -q "^\.BI $key " || fail "fplate.conf.5 does not document $section $key"
		sed -n "/^$re/,/^\[/p" "$conf" |
			grep -q "^# $key =" || fail "default fplate.conf lacks '# $key =' in $section"
	done < "$tmp/keys"
	"$root/usr/sbin/fplated" --config "$conf" --help > /dev/null ||
		fail "fplated rejects the installed default $conf"
	sed 's/^# \([a-z_]* =\)/\1/' "$conf" > "$tmp/all-keys.conf"
	out=$("$root/usr/sbin/fplated" --config "$tmp/all-keys.conf" --help 2>&1 >/dev/null) ||
		fail "the commented defaults of fplate.conf are not valid: $out"
fi
[ "$fails" -eq 0 ] && ok "manual pages render without warnings and cover --help and the keys"

# --- systemd units -------------------------------------------------------
# verify needs ExecStart to exist: point it at the DESTDIR binary; the man
# pages named in Documentation= are looked up in the DESTDIR.
mkdir -p "$tmp/units"
for u in fplated.service fplated@.service; do
	sed "s|/usr/sbin/fplated|$root/usr/sbin/fplated|" "$root/lib/systemd/system/$u" \
		> "$tmp/units/$u"
done
cp "$tmp/units/fplated@.service" "$tmp/units/fplated@fplate0.service"
for u in fplated.service fplated@fplate0.service; do
	out=$(cd "$tmp/units" && MANPATH="$root/usr/share/man" \
		systemd-analyze verify --man=yes "./$u" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] || [ -n "$out" ]; then
		fail "systemd-analyze verify $u (rc=$rc): $out"
	else
		ok "systemd-analyze verify $u: clean"
	fi
done
grep -q '^Type=notify' "$tmp/units/fplated.service" || fail "fplated.service is not Type=notify"
# The sandbox as systemd rates it: exposure at most 2.5 of 10 ("OK").
for u in fplated.service fplated@fplate0.service; do
	exposure=$(cd "$tmp/units" && systemd-analyze security --offline=yes "./$u" 2>&1 |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	if (cd "$tmp/units" && systemd-analyze security --offline=yes --threshold=25 "./$u" \
		> /dev/null 2>&1); then
		ok "$u exposure $exposure (limit 2.5)"
	else
		fail "$u exposure ${exposure:-unknown} is above 2.5 (systemd-analyze security)"
	fi
done

# --- reinstall keeps an edited configuration; uninstall ------------------
echo "# edited by the lab" >> "$root/etc/fplate/fplate.conf"
$MAKE install DESTDIR="$root" PREFIX=/usr > "$tmp/reinstall.log" || fail "second make install"
grep -q 'edited by the lab' "$root/etc/fplate/fplate.conf" ||
	fail "make install overwrote an existing /etc/fplate/fplate.conf"
$MAKE uninstall DESTDIR="$root" PREFIX=/usr > "$tmp/uninstall.log" || fail "make uninstall"
left=$(cd "$root" && find . \( -type f -o -type l \) | sed 's/^\.//')
[ "$left" = "/etc/fplate/fplate.conf" ] ||
	fail "after uninstall with an edited config, left: $(echo $left)"
rm -rf "$root"
$MAKE install DESTDIR="$root" PREFIX=/usr > /dev/null || fail "third make install"
$MAKE uninstall DESTDIR="$root" PREFIX=/usr > /dev/null || fail "make uninstall"
left=$(cd "$root" && find . ! -type d | sed 's/^\.//')
ourdirs=$(cd "$root" && find . -type d \( -path ./etc/fplate -o -path ./usr/include/fplate \))
if [ -n "$left$ourdirs" ]; then
	fail "make uninstall left: $(echo $left $ourdirs)"
else
	ok "make uninstall removed every file"
fi

# --- default PREFIX=/usr/local puts rules and units where udev/systemd look -
rm -rf "$root"
$MAKE install DESTDIR="$root" COMEDI_RULES=0 > /dev/null || fail "make install (PREFIX default)"
for f in /usr/local/lib/udev/rules.d/60-fplate.rules /usr/local/lib/systemd/system/fplated.service \
	 /usr/local/lib/libfplate.so.$VERSION /usr/local/lib/pkgconfig/libfplate.pc \
	 /usr/local/sbin/fplated /etc/fplate/fplate.conf; do
	[ -e "$root$f" ] || fail "PREFIX=/usr/local: $f missing"
done
[ -e "$root/usr/local/lib/udev/rules.d/61-fplate-comedi.rules" ] &&
	fail "COMEDI_RULES=0 still installed 61-fplate-comedi.rules"
grep -q "^ExecStart=/usr/local/sbin/fplated " "$root/usr/local/lib/systemd/system/fplated.service" ||
	fail "fplated.service ExecStart does not use PREFIX=/usr/local"
grep -q '^libdir=/usr/local/lib$' "$root/usr/local/lib/pkgconfig/libfplate.pc" ||
	fail "libfplate.pc libdir does not follow PREFIX"
$MAKE uninstall DESTDIR="$root" > /dev/null || fail "make uninstall (PREFIX default)"
left=$(cd "$root" && find . ! -type d)
[ -z "$left" ] || fail "PREFIX=/usr/local uninstall left: $(echo $left)"

if [ "$fails" -ne 0 ]; then
	echo "test_install: $fails failure(s)"
	exit 1
fi
echo "test_install: all checks passed"
