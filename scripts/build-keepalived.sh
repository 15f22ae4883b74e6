#!/usr/bin/env bash
# build-keepalived.sh: build keepalived from its source into a prefix of its
# own, to run it with 'nlstress run --target keepalived --keepalived-bin
# PREFIX/sbin/keepalived' (other versions than Debian's: the incident ran
# 2.1.5). It installs nothing into the system's paths: the build
# dependencies come from Debian's packages (apt), keepalived goes into
# PREFIX only.
#
# usage: scripts/build-keepalived.sh SRC PREFIX
#   SRC    a source tree (a directory with configure.ac), or GITDIR@TAG: a
#          git repository (acassen/keepalived; a bare one is fine) and a
#          release tag, exported into a scratch directory first
#   PREFIX where keepalived goes (PREFIX/sbin/keepalived); must not be /,
#          /usr or /usr/local
#
#   scripts/build-keepalived.sh /work/.mirror/acassen+keepalived/repo@v2.1.5 /opt/nls-keepalived/2.1.5
#   scripts/build-keepalived.sh ~/src/keepalived /opt/nls-keepalived/head
#
# It prints the built binary's 'keepalived --version' line last. Exit 2 on
# bad arguments, 1 when the build fails.
set -euo pipefail
if [ $# -ne 2 ]; then
	echo "usage: $0 SRC|GITDIR@TAG PREFIX" >&2
	exit 2
fi
SRC=$1 PREFIX=$2
case $PREFIX in
/ | /usr | /usr/ | /usr/local | /usr/local/ | "")
	echo "$0: PREFIX $PREFIX is a system path: give a directory of its own" >&2
	exit 2
	;;
/*) ;;
*)
	echo "$0: PREFIX $PREFIX: give an absolute path" >&2
	exit 2
	;;
esac

deps="autoconf automake build-essential pkg-config libssl-dev libnl-3-dev libnl-genl-3-dev libnl-route-3-dev libmnl-dev"
missing=$(dpkg-query -W -f='${Package} ${Status}\n' $deps 2>/dev/null | awk '$NF != "installed" {print $1}' || true)
for d in $deps; do dpkg-query -W "$d" >/dev/null 2>&1 || missing="$missing $d"; done
if [ -n "${missing// /}" ]; then
	echo "installing build dependencies:$missing" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null
fi

work=$(mktemp -d /tmp/nls-keepalived-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
if [[ $SRC == *@* ]]; then
	gitdir=${SRC%@*} tag=${SRC##*@}
	if ! git --git-dir="$gitdir" rev-parse -q --verify "refs/tags/$tag" >/dev/null; then
		# A work tree's repository keeps its objects in .git.
		[ -d "$gitdir/.git" ] && gitdir=$gitdir/.git
		git --git-dir="$gitdir" rev-parse -q --verify "refs/tags/$tag" >/dev/null || {
			echo "$0: $gitdir has no tag $tag" >&2
			exit 2
		}
	fi
	git --git-dir="$gitdir" archive "$tag" | tar -x -C "$work"
else
	[ -f "$SRC/configure.ac" ] || {
		echo "$0: $SRC has no configure.ac: not a keepalived source tree" >&2
		exit 2
	}
	cp -a "$SRC/." "$work/"
fi

cd "$work"
log=$work/build.log
# build stops at its first failing step (set -e does not act inside 'if').
build() {
	if [ -x ./autogen.sh ]; then ./autogen.sh; else autoreconf -fi; fi &&
		# No SNMP or D-Bus, which would want more libraries and do nothing
		# in a lab. LVS stays: without it keepalived has no --vrrp option,
		# and getopt reads nlstress's --vrrp as an abbreviation of
		# --vrrp_pid, which then swallows the next option.
		./configure --prefix="$PREFIX" --disable-snmp --disable-dbus --disable-systemd "$@" &&
		make -j"$(nproc)" &&
		make install
}
failed() {
	tail -20 "$log" >&2
	echo "$0: the build failed (its log's last lines above)" >&2
	exit 1
}
if ! build >"$log" 2>&1; then
	# Releases before 2.2 include <linux/icmp.h>, which since Linux 5.13's
	# headers includes <linux/if.h>, before <net/if.h>: glibc then sees
	# struct ifreq twice (and, with LVS, struct sockaddr_in). Reading
	# glibc's <net/if.h> and <netinet/in.h> first everywhere is the order
	# the kernel's headers expect (linux/libc-compat.h); it changes no code.
	if grep -q "redefinition of .struct ifreq" "$log"; then
		echo "note: old keepalived against new kernel headers: building again with <net/if.h> and <netinet/in.h> read first" >&2
		make distclean >/dev/null 2>&1 || true
		build CPPFLAGS="-include net/if.h -include netinet/in.h" >"$log" 2>&1 || failed
	else
		failed
	fi
fi
"$PREFIX/sbin/keepalived" --version 2>&1 | sed -n 1p
