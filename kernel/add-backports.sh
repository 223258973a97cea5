#!/bin/sh
# add-backports.sh - enable Debian's <release>-backports suite by copying the
# machine's existing Debian apt entry and changing only the suite, then
# `apt-get update`. Names no host: the mirror is whatever this machine already
# uses. Idempotent; needs root. Used by `make kernel-deps-backports` to get
# the 6.12 and 6.12-rt kernels the module is tested on.
#
# Handles both apt formats:
#   deb822 (/etc/apt/sources.list.d/*.sources): "URIs:" + "Suites: bookworm ..."
#   one-line (/etc/apt/sources.list, *.list):   "deb URI bookworm main ..."
set -eu

out_sources=/etc/apt/sources.list.d/fplate-backports.sources
out_list=/etc/apt/sources.list.d/fplate-backports.list

codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$codename" ] || { echo "add-backports: no VERSION_CODENAME in /etc/os-release" >&2; exit 1; }
bp="$codename-backports"

if [ "$(id -u)" != 0 ]; then
	echo "add-backports: must run as root to write $out_sources" >&2
	exit 1
fi

# Already there (ours or the admin's)?
if grep -rqsE "^[^#]*(Suites:.*[[:space:]]|deb(-src)?[[:space:]].*[[:space:]])$bp([[:space:]]|\$)" \
	/etc/apt/sources.list /etc/apt/sources.list.d/; then
	echo "add-backports: $bp already configured"
else
	done_one=
	# deb822: take the first stanza whose Suites has the bare codename and
	# whose URIs is a Debian archive (not debian-security).
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		stanza=$(awk -v cn="$codename" '
			BEGIN { RS = ""; FS = "\n" }
			{
				deb = 0; suite = 0; sec = 0
				for (i = 1; i <= NF; i++) {
					if ($i ~ /^Types:.*deb([[:space:]]|$)/) deb = 1
					if ($i ~ /^URIs:/ && $i ~ /security/) sec = 1
					if ($i ~ /^Suites:/) {
						n = split($i, w, /[[:space:]]+/)
						for (j = 2; j <= n; j++) if (w[j] == cn) suite = 1
					}
				}
				if (deb && suite && !sec) { print; exit }
			}' "$f")
		[ -n "$stanza" ] || continue
		printf '%s\n' "$stanza" | grep -v '^#' |
			sed -e "s/^Suites:.*/Suites: $bp/" -e 's/^Types:.*/Types: deb/' > "$out_sources.tmp"
		mv "$out_sources.tmp" "$out_sources"
		echo "add-backports: wrote $out_sources from $f"
		done_one=1
		break
	done
	if [ -z "$done_one" ]; then
		line=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			awk -v cn="$codename" '$1 == "deb" && !/security/ {
				for (i = 2; i <= NF; i++) if ($i == cn) { $i = cn "-backports"; print; exit } }')
		[ -n "$line" ] || { echo "add-backports: no Debian '$codename' entry found in /etc/apt/sources.list{,.d/}" >&2; exit 1; }
		printf '%s\n' "$line" > "$out_list"
		echo "add-backports: wrote $out_list: $line"
	fi
fi
apt-get update -q -o DPkg::Lock::Timeout=300 >/dev/null || {
	echo "add-backports: apt-get update failed (is the $bp suite reachable?)" >&2; exit 1; }
echo "add-backports: $bp enabled"
