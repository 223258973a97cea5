#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# vm.sh - the virtual-hardware rig: boot Debian's kernel in QEMU with a
# busybox initramfs holding fplate's binaries, run the VM test cases inside
# and judge their results and the kernel log from the serial console.
#
# One VM boot per area (the case-name prefix before the first '_': usb, kmod,
# comedi, udev), so areas cannot disturb each other (e.g. fplate.ko binding
# the emulated device that the libusb tests want). See tests/vm/README.md for
# how an area adds cases, kernel modules and files.
#
# Environment:
#   BUILD      build folder (default build); kernel cache in $BUILD/vm/kernel
#   KVER       kernel version or prefix (default: the one linux-headers-amd64
#              depends on, else the newest /usr/src/linux-headers-*-amd64),
#              e.g. KVER=6.12 picks the newest installed 6.12 headers
#              (not PREEMPT_RT; KVER=6.12-rt for that one)
#   VMCASES    space-separated globs on case names (default all), e.g. 'usb_*'
#   VMRUN      folder of one run's initramfs, console and kernel logs
#              (default $BUILD/vm), so that runs can go side by side
#   VMMEM      guest memory in MiB (default 768)      VMSMP  vCPUs (default 1)
#   VMACCEL    QEMU accelerator (default tcg; kvm where it works)
#   VMVERBOSE  1: echo the whole serial console while it runs
#   FPLATE_MAKE_CHECK  1 (set by tests/check.sh): a missing QEMU fails
#
# Exit status: 0 all selected cases passed or skipped and the kernel log is
# clean; 1 a failure, a bad kernel log, a crash or a timeout, or no QEMU
# under make check; 2 usage or setup error (kernel cannot be fetched, a
# declared file is missing).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
VMCASES=${VMCASES:-}
VMRUN=${VMRUN:-$BUILD/vm}
case $VMRUN in /*) ;; *) VMRUN=$top/$VMRUN ;; esac
VMMEM=${VMMEM:-768}
VMSMP=${VMSMP:-1}
VMVERBOSE=${VMVERBOSE:-0}
BAD_KERNEL_RE='WARNING:|BUG:|Oops|general protection|Kernel panic|refcount_t|use-after-free|sleeping function called|Call Trace|UBSAN:|KASAN:|kernel BUG|list_add corruption|list_del corruption|hung_task|blocked for more than'

die() { echo "vm: $*" >&2; exit 2; }

usage() {
	sed -n '4,/^set -e/{/^set -e/d;p}' "$0" | sed 's/^# \{0,1\}//'
	echo "Cases found:"
	for c in "$here"/cases/*.sh; do [ -e "$c" ] && echo "  $(basename "$c" .sh)"; done
	exit 0
}
case ${1:-} in -h|--help) usage ;; "") ;; *) die "unknown argument '$1' (see --help)" ;; esac

# ---- kernel: version from the installed headers, image from Debian --------
pick_kver() {
	local want=${KVER:-} cands
	if [ -z "$want" ]; then
		# The kernel the linux-headers-amd64 metapackage points at (the
		# distribution's default), not whatever else happens to be installed.
		want=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
			sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p')
	fi
	if [ -n "$want" ] && [ -d "/usr/src/linux-headers-$want" ]; then
		echo "$want"; return
	fi
	# A prefix picks the newest match, the PREEMPT_RT flavour only when asked
	# for (KVER=6.12 is 6.12.95+deb12-amd64, KVER=6.12-rt or 6.12.95+deb12-rt
	# the RT one).
	cands=$(cd /usr/src 2>/dev/null && ls -d linux-headers-${want}-amd64 linux-headers-${want}[.+-]*-amd64 2>/dev/null |
		sed 's/^linux-headers-//' |
		{ case $want in *rt*) cat ;; *) grep -v -- '-rt-amd64$' ;; esac; } |
		sort -V | tail -n 1) || true
	case $want in *-rt) [ -n "$cands" ] || cands=$(cd /usr/src 2>/dev/null &&
		ls -d linux-headers-${want%-rt}[.+-]*-rt-amd64 2>/dev/null |
		sed 's/^linux-headers-//' | sort -V | tail -n 1) || true ;; esac
	if [ -n "$cands" ]; then echo "$cands"; return; fi
	if [ -n "$want" ]; then
		# Not installed as headers: take it as a full version and let apt decide.
		echo "$want"; return
	fi
	die "no /usr/src/linux-headers-*-amd64 installed (apt-get install linux-headers-amd64) and KVER not set"
}

fetch_kernel() {
	local kver=$1 dir tmp deb
	dir=$BUILD/vm/kernel/$kver
	if [ -f "$dir/vmlinuz" ] && [ -d "$dir/lib/modules/$kver/kernel" ]; then
		return
	fi
	echo "vm: fetching linux-image-$kver into $dir (apt-get download, dpkg -x)"
	tmp=$BUILD/vm/kernel/.dl-$kver
	rm -rf "$tmp" "$dir"
	mkdir -p "$tmp/x"
	(cd "$tmp" && apt-get download -q "linux-image-$kver" >/dev/null 2>"$tmp/apt.err") || {
		cat "$tmp/apt.err" >&2
		die "apt-get download linux-image-$kver failed (is the Debian archive reachable? KVER=$kver)"
	}
	deb=$(ls "$tmp"/linux-image-*.deb | head -n 1)
	dpkg -x "$deb" "$tmp/x" || die "dpkg -x $deb failed"
	[ -f "$tmp/x/boot/vmlinuz-$kver" ] || die "$deb has no boot/vmlinuz-$kver"
	mkdir -p "$dir/lib/modules"
	mv "$tmp/x/boot/vmlinuz-$kver" "$dir/vmlinuz"
	mv "$tmp/x/lib/modules/$kver" "$dir/lib/modules/$kver"
	rm -rf "$tmp"
}

# ---- kernel modules: a module's dependencies first (from .modinfo) ---------
module_path() { # name -> path of name.ko[.xz|.zst] ('-' and '_' are the same)
	local n=${1//-/_}
	n=${n//_/[-_]}
	find "$KMODDIR/kernel" -name "$n.ko" -o -name "$n.ko.xz" -o -name "$n.ko.zst" | head -n 1
}

module_depends() { # path -> dependency names, comma separated in .modinfo
	local f=$1 tmp
	tmp=$(mktemp)
	case $f in
	*.xz) xz -dc "$f" >"$tmp" ;;
	*.zst) zstd -qdc "$f" >"$tmp" ;;
	*) cp "$f" "$tmp" ;;
	esac
	objcopy -O binary --only-section=.modinfo "$tmp" /dev/stdout 2>/dev/null |
		tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '
	rm -f "$tmp"
}

declare -A MOD_SEEN
MOD_ORDER=()
add_module() { # name: add its dependencies, then it (depth first, once)
	local name=${1//-/_} path dep
	[ -n "${MOD_SEEN[$name]:-}" ] && return
	MOD_SEEN[$name]=1
	if [ -f "$1" ]; then # an out-of-tree module given by path
		path=$1
	else
		path=$(module_path "$1")
		[ -n "$path" ] || {
			# Built into this kernel? Then there is nothing to load.
			if grep -qE "/${name//_/[-_]}\.ko" "$KMODDIR/modules.builtin" 2>/dev/null; then
				return
			fi
			die "kernel module '$1' not found in $KMODDIR"
		}
	fi
	for dep in $(module_depends "$path"); do
		add_module "$dep"
	done
	MOD_ORDER+=("$path")
}

# ---- initramfs ------------------------------------------------------------
expand() { # a files.d / modules.d word: ${BUILD} ${TOP} ${KVER} ${KMODDIR}
	local s=$1
	s=${s//\$\{BUILD\}/$BUILD}
	s=${s//\$\{TOP\}/$top}
	s=${s//\$\{KVER\}/$KVER_USED}
	s=${s//\$\{KMODDIR\}/$KMODDIR}
	echo "$s"
}

copy_libs() { # ELF file: copy what ldd says it needs into $ROOT
	local f=$1 lib
	file_is_elf "$f" || return 0
	for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*' | sort -u); do
		[ -e "$ROOT$lib" ] && continue
		mkdir -p "$ROOT$(dirname "$lib")"
		cp -L "$lib" "$ROOT$lib"
	done
}

file_is_elf() { [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }

build_initramfs() { # area, cases...
	local area=$1 f line src dest opt name m
	shift
	ROOT=$VMRUN/root-$area
	rm -rf "$ROOT"
	mkdir -p "$ROOT"/{bin,sbin,dev,proc,sys,tmp,run,etc,lib/modules/fplate,fplate/bin,fplate/cases,fplate/files}
	mkdir -p "$ROOT/lib64" "$ROOT/usr/bin" "$ROOT/usr/sbin" "$ROOT/var/run"
	cp /bin/busybox "$ROOT/bin/busybox"
	for f in $(/bin/busybox --list); do
		[ -e "$ROOT/bin/$f" ] || ln -s busybox "$ROOT/bin/$f"
	done
	echo "root:x:0:0:root:/:/bin/sh" >"$ROOT/etc/passwd"
	echo "root:x:0:" >"$ROOT/etc/group"
	cp "$here/init.sh" "$ROOT/init"
	cp "$here/lib.sh" "$ROOT/fplate/lib.sh"
	chmod 755 "$ROOT/init"

	# Project programs: top-level binaries and the VM helpers built by vm.mk.
	for f in "$BUILD/fplated" "$BUILD/fplate" "$BUILD"/tests/vm/bin/*; do
		[ -f "$f" ] && [ -x "$f" ] || continue
		cp "$f" "$ROOT/fplate/bin/"
		copy_libs "$f"
	done

	# Kernel modules the area declares (dependencies resolved here).
	MOD_SEEN=()
	MOD_ORDER=()
	if [ -f "$here/modules.d/$area.list" ]; then
		while read -r line; do
			line=${line%%#*}
			for m in $line; do add_module "$(expand "$m")"; done
		done <"$here/modules.d/$area.list"
	fi
	: >"$ROOT/fplate/modules.order"
	for m in "${MOD_ORDER[@]}"; do
		name=$(basename "$m")
		case $name in
		*.xz) name=${name%.xz}; xz -dc "$m" >"$ROOT/lib/modules/fplate/$name" ;;
		*.zst) name=${name%.zst}; zstd -qdc "$m" >"$ROOT/lib/modules/fplate/$name" ;;
		*) cp "$m" "$ROOT/lib/modules/fplate/$name" ;;
		esac
		echo "/lib/modules/fplate/$name" >>"$ROOT/fplate/modules.order"
	done

	# Extra files the area declares: "[?]SRC [DEST]" per line.
	if [ -f "$here/files.d/$area.list" ]; then
		while read -r src dest; do
			src=${src%%#*}
			[ -n "$src" ] || continue
			opt=0
			case $src in \?*) opt=1; src=${src#\?} ;; esac
			src=$(expand "$src")
			dest=$(expand "${dest:-/fplate/files/$(basename "$src")}")
			if [ ! -e "$src" ]; then
				[ "$opt" = 1 ] && continue
				die "files.d/$area.list: '$src' does not exist (build it first, or prefix the line with '?')"
			fi
			mkdir -p "$ROOT$(dirname "$dest")"
			cp -rL "$src" "$ROOT$dest"
			[ -d "$src" ] || copy_libs "$src"
		done <"$here/files.d/$area.list"
	fi
	[ -e "$ROOT/lib64/ld-linux-x86-64.so.2" ] || cp -L /lib64/ld-linux-x86-64.so.2 "$ROOT/lib64/"

	for f in "$@"; do cp "$here/cases/$f.sh" "$ROOT/fplate/cases/"; done
	{
		echo "VM_AREA=$area"
		echo "VM_KVER=$KVER_USED"
	} >"$ROOT/fplate/config"
	(cd "$ROOT" && find . | cpio -o -H newc --quiet | gzip -1) >"$VMRUN/initrd-$area.gz"
}

# ---- run one area's VM and judge it --------------------------------------
case_timeout() { # seconds a case may take: "# vm-timeout: N" in the case file
	local t
	t=$(sed -n 's/^# *vm-timeout: *\([0-9][0-9]*\).*/\1/p' "$here/cases/$1.sh" | head -n 1)
	echo "${t:-120}"
}

run_area() { # area, cases... ; returns 0 pass, 1 fail
	local area=$1 c total=30 log accel t0 t_init="" line rc=0 inlog=0 status
	shift
	for c in "$@"; do total=$((total + $(case_timeout "$c") + 5)); done
	build_initramfs "$area" "$@"
	log=$VMRUN/console-$area.log
	# Software emulation by default: /dev/kvm may exist without working
	# (nested virtualisation), and timing results must not depend on it.
	accel=${VMACCEL:-tcg}
	rm -f "$VMRUN/qemu-$area.rc"
	echo "vm: area $area: ${#@} case(s), kernel $KVER_USED, accel $accel, -m $VMMEM -smp $VMSMP, timeout ${total}s"
	t0=$EPOCHREALTIME
	: >"$log"
	while IFS= read -r line; do
		line=${line//$'\r'/}
		line=$(printf '%s' "$line" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1b[()][0-9A-Za-z]//g; s/\x1bc//g')
		printf '%s\n' "$line" >>"$log"
		[ "$VMVERBOSE" = 1 ] && printf '  | %s\n' "$line"
		case $line in
		*"vminit: start"*)
			t_init=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }') ;;
		"vmtest: "*) [ "$VMVERBOSE" = 1 ] || printf '%s\n' "$line" ;;
		esac
	done < <(timeout -k 5 "$total" qemu-system-x86_64 -accel "$accel" -m "$VMMEM" -smp "$VMSMP" \
		-nographic -monitor none -no-reboot \
		-kernel "$BUILD/vm/kernel/$KVER_USED/vmlinuz" -initrd "$VMRUN/initrd-$area.gz" \
		-append "console=ttyS0 loglevel=4 panic=-1 oops=panic" </dev/null 2>&1
		echo $? >"$VMRUN/qemu-$area.rc")
	local t_all
	t_all=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')

	status=$(cat "$VMRUN/qemu-$area.rc" 2>/dev/null || echo "?")
	sed -n '/^vmkernel-log-begin/,/^vmkernel-log-end/p' "$log" | sed '1d;$d' >"$VMRUN/kernel-$area.log"
	echo "vm: area $area: /init reached after ${t_init:-?} s (host), whole run $t_all s"
	echo "vm: area $area kernel $KVER_USED boot_s=${t_init:-?} run_s=$t_all" >>"$BUILD/vm/times.log"
	if [ "$status" = 124 ] || [ "$status" = 137 ]; then
		echo "vm: area $area: TIMEOUT after ${total}s (last console lines follow)"
		tail -n 30 "$log" | sed 's/^/  | /'
		rc=1
	elif ! grep -q '^vminit: done' "$log"; then
		echo "vm: area $area: the VM stopped before /init finished (qemu exit $status; last lines follow)"
		tail -n 30 "$log" | sed 's/^/  | /'
		rc=1
	fi
	if grep -q '^vmtest: [^ ]* FAIL' "$log"; then rc=1; fi
	N_PASS=$((N_PASS + $(grep -c '^vmtest: [^ ]* PASS' "$log" || true)))
	N_FAIL=$((N_FAIL + $(grep -c '^vmtest: [^ ]* FAIL' "$log" || true)))
	N_SKIP=$((N_SKIP + $(grep -c '^vmtest: [^ ]* SKIP' "$log" || true)))
	for c in "$@"; do
		if ! grep -q "^vmcase-end: $c " "$log"; then
			echo "vmtest: $c FAIL did not finish"; rc=1
			N_FAIL=$((N_FAIL + 1))
		fi
	done
	# Every kernel line on the console counts (a panic can come before or
	# after the markers); only kernel lines ("[  12.345678] ..."), so that
	# what a test program prints cannot trip the check.
	if grep -E '^\[ *[0-9]+\.[0-9]+\]' "$log" | grep -qE "$BAD_KERNEL_RE"; then
		echo "vm: area $area: KERNEL LOG IS NOT CLEAN (matches /$BAD_KERNEL_RE/):"
		grep -E '^\[ *[0-9]+\.[0-9]+\]' "$log" | grep -E -B2 -A12 "$BAD_KERNEL_RE" | sed 's/^/  ! /'
		rc=1
	fi
	# The boot messages before /init are the same every time; show the part
	# the tests influenced (the whole log, also checked, is in the file).
	echo "vm: area $area kernel log checked ($(wc -l <"$VMRUN/kernel-$area.log") lines in" \
		"$VMRUN/kernel-$area.log), from 'Run /init' on:"
	sed -n '/Run \/init as init process/,$p' "$VMRUN/kernel-$area.log" | sed 's/^/  k /'
	[ "$rc" = 0 ] && echo "vm: area $area kernel log: no WARNING/BUG/oops/refcount/use-after-free/sleeping-in-atomic"
	return $rc
}

# ---- main ------------------------------------------------------------------
command -v qemu-system-x86_64 >/dev/null || {
	verdict=SKIP
	[ "${FPLATE_MAKE_CHECK:-0}" = 1 ] && verdict=FAIL
	echo "vm: ************************************************************"
	echo "vm: $verdict: qemu-system-x86_64 is not installed; NO VM TESTS RAN."
	echo "vm: install it (apt-get install qemu-system-x86) or run make deps-check"
	echo "vm: ************************************************************"
	[ "$verdict" = FAIL ] && exit 1
	exit 0
}
for cmd in cpio gzip objcopy apt-get dpkg ldd; do
	command -v $cmd >/dev/null || die "'$cmd' is needed (see DEPS in tests/vm/vm.mk; make deps)"
done
[ -x /bin/busybox ] || die "/bin/busybox missing (apt-get install busybox-static)"

KVER_USED=$(pick_kver)
mkdir -p "$BUILD/vm" "$VMRUN"
fetch_kernel "$KVER_USED"
KMODDIR=$BUILD/vm/kernel/$KVER_USED/lib/modules/$KVER_USED

declare -A AREA_CASES
areas=()
for f in "$here"/cases/*.sh; do
	[ -e "$f" ] || continue
	c=$(basename "$f" .sh)
	if [ -n "$VMCASES" ]; then
		sel=0
		for g in $VMCASES; do
			# shellcheck disable=SC2053 # glob match intended
			[[ $c == $g ]] && sel=1
		done
		[ $sel = 1 ] || continue
	fi
	a=${c%%_*}
	[ -n "${AREA_CASES[$a]:-}" ] || areas+=("$a")
	AREA_CASES[$a]="${AREA_CASES[$a]:-} $c"
done
[ ${#areas[@]} -gt 0 ] || die "no case matches VMCASES='$VMCASES' in $here/cases"

fail=0
N_PASS=0 N_FAIL=0 N_SKIP=0
for a in "${areas[@]}"; do
	# shellcheck disable=SC2086 # word splitting intended
	run_area "$a" ${AREA_CASES[$a]} || fail=1
done
echo "vm: summary: $N_PASS passed, $N_FAIL failed, $N_SKIP skipped (areas: ${areas[*]}; kernel $KVER_USED)"
[ $fail = 0 ] && echo "vm: PASS" || echo "vm: FAIL"
exit $fail
