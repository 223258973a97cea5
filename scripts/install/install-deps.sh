#!/bin/sh
# install-deps.sh - install the Debian packages fplate needs, only those missing.
#
# Usage: install-deps.sh PACKAGE=KIND:WHAT ...
#   KIND pc:   pkg-config module WHAT exists        (libzmq3-dev=pc:libzmq)
#        cmd:  command WHAT is on PATH              (qemu-system-x86=cmd:qemu-system-x86_64)
#        py:   /usr/bin/python3 can import WHAT     (python3-numpy=py:numpy)
#        file: path WHAT exists                     (busybox-static=file:/bin/busybox)
#        pkg:  the Debian package itself is installed (WHAT ignored)
# Prints what it installs; as non-root with something missing, says what
# to run and fails.
set -u
missing=""
for spec in "$@"; do
	pkg=${spec%%=*}
	test=${spec#*=}
	kind=${test%%:*}
	what=${test#*:}
	case $kind in
	pc)   command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$what" ;;
	cmd)  command -v "$what" >/dev/null 2>&1 ;;
	py)   /usr/bin/python3 -c "import $what" >/dev/null 2>&1 ;;
	file) [ -e "$what" ] ;;
	pkg)  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ;;
	*)    echo "install-deps: bad spec '$spec' (kind must be pc, cmd, py, file or pkg)" >&2; exit 2 ;;
	esac || case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
done
if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi
echo "deps: missing Debian packages:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: not root; install them with: sudo apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# An apt index that has never been fetched knows no packages.
if [ -z "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v -e lock -e partial)" ] ||
   ! apt-get install -y -q --no-install-recommends $missing; then
	apt-get update -q && apt-get install -y -q --no-install-recommends $missing || {
		echo "deps: apt-get install$missing failed" >&2; exit 1; }
fi
echo "deps: installed$missing"
