#!/bin/sh
# kernels.sh - which Debian kernels fplate.ko is built and tested for.
#
#   kernels.sh default            KVER of Debian's stable kernel headers
#                                 (the installed linux-headers-amd64 points at it)
#   kernels.sh installed          KVER of every installed header set
#   kernels.sh backports          KVERs of bookworm-backports' generic and rt kernels
#   kernels.sh install-backports  enable the suite (add-backports.sh) and install
#                                 those headers (they pull the matching images
#                                 into /boot and /lib/modules, used by the VM rig)
# KVER is the uname -r of a kernel, e.g. 6.1.0-56-amd64.
set -eu
here=$(dirname "$0")

# KVER a linux-headers-<flavour> metapackage depends on, from dpkg or apt-cache.
meta_kver() {
	sed -n 's/.*linux-headers-\([^ ,(]*\).*/\1/p' | head -n 1
}

backports_kvers() {
	codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
	for flavour in amd64 rt-amd64; do
		apt-cache show "linux-headers-$flavour/$codename-backports" 2>/dev/null |
			grep -m 1 '^Depends:' | meta_kver
	done
}

case ${1:-} in
default)
	kver=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null | meta_kver)
	[ -n "$kver" ] || kver=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null |
		grep -v -e '-rt-amd64' -e '-cloud-amd64' | sort -V | head -n 1 |
		sed 's,.*/linux-headers-,,')
	[ -n "$kver" ] || { echo "kernels.sh: no linux-headers-amd64 installed" >&2; exit 1; }
	echo "$kver"
	;;
installed)
	for d in /usr/src/linux-headers-*; do
		[ -f "$d/.config" ] && [ -f "$d/Makefile" ] && echo "${d#/usr/src/linux-headers-}"
	done | sort -V
	;;
backports)
	backports_kvers
	;;
install-backports)
	kvers=$(backports_kvers)
	missing=""
	for k in $kvers; do
		[ -f "/usr/src/linux-headers-$k/Makefile" ] && [ -f "/boot/vmlinuz-$k" ] ||
			missing="$missing linux-headers-$k"
	done
	if [ -z "$kvers" ] || [ -n "$missing" ]; then
		sh "$here/add-backports.sh"
		kvers=$(backports_kvers)
		[ -n "$kvers" ] || { echo "kernels.sh: bookworm-backports has no linux-headers-amd64/rt-amd64" >&2; exit 1; }
		missing=""
		for k in $kvers; do
			[ -f "/usr/src/linux-headers-$k/Makefile" ] && [ -f "/boot/vmlinuz-$k" ] ||
				missing="$missing linux-headers-$k"
		done
	fi
	if [ -n "$missing" ]; then
		echo "kernels.sh: installing$missing (with their kernel images)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			-o DPkg::Lock::Timeout=300 $missing
	fi
	echo "kernels.sh: backports kernels ready:" $kvers
	;;
*)
	sed -n '2,12s/^# \{0,1\}//p' "$0" >&2
	exit 2
	;;
esac
