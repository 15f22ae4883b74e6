#!/usr/bin/env bash
# linkwatch-runs.sh: how the kernel's linkwatch hands out the carrier
# changes of many macvlans on one parent, and what changes it. Builds two
# namespaces of its own (nls-lw-a, nls-lw-b: a veth eth2 with N macvlans,
# default 255, and a spare veth pair), takes eth2 down for 6 s and up, and
# prints when the macvlans' link messages came, grouped into linkwatch runs
# (messages less than 0.3 s apart), as seconds after the change and count:
#
#   scripts/linkwatch-runs.sh plain   # nothing else happens
#   scripts/linkwatch-runs.sh nudge   # the spare veth goes down 0.5 s before
#                                     # the up: another link's change, as
#                                     # anything on the host can make
#   scripts/linkwatch-runs.sh sync    # each macvlan's sysfs carrier is read
#                                     # right after the up (as ethtool, ip
#                                     # link show dev X or a daemon asking
#                                     # for one link would)
#
#   IPV6=off scripts/linkwatch-runs.sh plain   # IPv6 off in the namespace,
#                                     # as nlstress's labs make their VMACs
#
# Needs root and iproute2. Touches nothing outside its two namespaces,
# which it removes on exit. results/FINDINGS.md ("Which fix works") has
# its output.
set -euo pipefail
mode=${1:-plain}
n=${N:-255}
ipv6=${IPV6:-on}
case $mode in plain | nudge | sync) ;; *)
	echo "usage: [IPV6=on|off] $0 plain|nudge|sync" >&2
	exit 2
	;;
esac
case $ipv6 in on | off) ;; *)
	echo "$0: IPV6=$ipv6: want on or off" >&2
	exit 2
	;;
esac
[ "$(id -u)" = 0 ] || {
	echo "$0: needs root (it builds network namespaces)" >&2
	exit 2
}
a=nls-lw-a b=nls-lw-b
for ns in $a $b; do
	if ip netns list | grep -qw "$ns"; then
		echo "$0: namespace $ns exists: remove it ('nlstress cleanup' or 'ip netns del $ns')" >&2
		exit 2
	fi
done
log=$(mktemp /tmp/nls-lw.XXXXXX)
mon=
cleanup() {
	[ -n "$mon" ] && kill "$mon" 2>/dev/null || true
	ip netns del $a 2>/dev/null || true
	ip netns del $b 2>/dev/null || true
	rm -f "$log"
}
trap cleanup EXIT INT TERM
ip netns add $a
ip netns add $b
if [ "$ipv6" = off ]; then
	ip netns exec $a sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
fi
ip -n $a link add eth2 type veth peer name eth2p netns $b
ip -n $a link add spare0 type veth peer name spare1
{
	for i in $(seq 1 "$n"); do
		echo "link add link eth2 name vm$i type macvlan mode private"
		echo "link set vm$i up"
	done
} | ip -n $a -batch -
ip -n $a link set eth2 up
ip -n $b link set eth2p up
ip -n $a link set spare1 up
ip -n $a link set spare0 up
sleep 3 # past linkwatch's second after the lab's own changes
TZ=UTC ip -n $a -ts monitor link >"$log" &
mon=$!
sleep 0.5
down=$(date +%s.%N)
ip -n $a link set eth2 down
sleep 5.5
if [ "$mode" = nudge ]; then
	ip -n $a link set spare0 down
	sleep 0.5
fi
up=$(date +%s.%N)
ip -n $a link set eth2 up
if [ "$mode" = sync ]; then
	ip netns exec $a sh -c 'cat /sys/class/net/vm*/carrier' >/dev/null 2>&1 || true
fi
sleep 4
kill "$mon"
mon=
# The macvlans' lines: NO-CARRIER between the down and the up, LOWER_UP
# after the up, each at its time of day.
awk -v down="$down" -v up="$up" -v mode="$mode" -v n="$n" -v ipv6="$ipv6" '
function secs(s,   d, t) { # [2026-12-07T02:15:05.609156] -> seconds of the day
	split(s, d, "T"); split(d[2], t, ":"); return t[1] * 3600 + t[2] * 60 + t[3]
}
function runs(ts, k, from,   i, out, start, cnt) {
	out = ""
	for (i = 1; i <= k; i++) {
		if (i == 1 || ts[i] - ts[i - 1] >= 0.3) {
			if (i > 1) out = out sprintf("%d at %.2f s, ", cnt, start - from)
			start = ts[i]; cnt = 0
		}
		cnt++
	}
	if (k > 0) out = out sprintf("%d at %.2f s", cnt, start - from)
	return out
}
BEGIN { dd = down % 86400; uu = up % 86400 }
/: vm[0-9]+@eth2: </ {
	gsub(/[][]/, "", $1); t = secs($1)
	if (t >= uu && $0 ~ /LOWER_UP/) u[++nu] = t
	else if (t >= dd && t < uu && $0 ~ /NO-CARRIER/) d[++nd] = t
}
END {
	printf "%s, IPv6 %s, %d macvlans: down %s; up %s\n", mode, ipv6, n, runs(d, nd, dd), runs(u, nu, uu)
}' "$log"
