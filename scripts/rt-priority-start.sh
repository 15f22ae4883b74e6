#!/bin/bash
# rt-priority-start.sh: does keepalived's VRRP process survive its start
# with vrrp_rt_priority, with and without vrrp_rlimit_rttime? For each
# instance count and each global_defs variant, keepalived runs REPEAT times
# for SECONDS seconds in a throw-away namespace (nls-rt-try) with N use_vmac
# instances on eth2 and no peer; the line printed counts the times its VRRP
# child was killed ("has rlimit_rttime been exceeded?") and the instances
# that reached MASTER. This is the measurement behind diagnose's finding on
# vrrp_rt_priority (pkg/diagnose/analyze.go).
#
# usage: scripts/rt-priority-start.sh [REPEAT [SECONDS [N...]]]
#   scripts/rt-priority-start.sh 3 12 1 8 32 255
# Needs root and keepalived; removes its namespace on exit.
set -u
REPEAT=${1:-3}
SECONDS_UP=${2:-12}
shift $(( $# < 2 ? $# : 2 ))
COUNTS=("$@")
((${#COUNTS[@]})) || COUNTS=(1 8 32 255)
NS=nls-rt-try D=$(mktemp -d /tmp/nls-rt-try.XXXXXX)
trap 'ip netns del $NS 2>/dev/null; rm -rf "$D"' EXIT

variants=(
	""
	"vrrp_rt_priority 50"
	"vrrp_rt_priority 50|vrrp_rlimit_rttime 100000"
	"vrrp_rt_priority 50|vrrp_rlimit_rttime 1000000"
)
keepalived --version 2>&1 | head -1
uname -r
for n in "${COUNTS[@]}"; do
	for v in "${variants[@]}"; do
		killed=0 runs_killed=0 masters=()
		for _ in $(seq "$REPEAT"); do
			ip netns del $NS 2>/dev/null
			ip netns add $NS
			ip -n $NS link add eth2 type veth peer name eth2p
			ip -n $NS link set lo up
			ip -n $NS link set eth2 up
			ip -n $NS link set eth2p up
			ip -n $NS addr add 192.168.2.1/24 dev eth2
			{
				printf 'global_defs {\n  router_id nls-rt-try\n'
				[ -n "$v" ] && printf '  %s\n' "${v//|/$'\n'  }"
				printf '}\n'
				for i in $(seq 1 "$n"); do
					printf 'vrrp_instance VI_%d {\n  state BACKUP\n  interface eth2\n  virtual_router_id %d\n  priority 200\n  advert_int 1\n  use_vmac vrrp.%d\n  virtual_ipaddress {\n    198.19.%d.%d/32\n  }\n}\n' \
						"$i" "$i" "$i" $((i / 250)) $((i % 250 + 1))
				done
			} >"$D/k.conf"
			ip netns exec $NS timeout "$SECONDS_UP" keepalived --dont-fork --log-console --vrrp \
				--use-file "$D/k.conf" --pid "$D/pid" --vrrp_pid "$D/vpid" >"$D/log" 2>&1
			k=$(grep -c 'rlimit_rttime been exceeded' "$D/log")
			killed=$((killed + k))
			((k > 0)) && runs_killed=$((runs_killed + 1))
			# MASTER at the end: entered and not left by a kill after it.
			last=$(grep -n 'rlimit_rttime been exceeded' "$D/log" | tail -1 | cut -d: -f1)
			masters+=("$(tail -n +"$((${last:-0} + 1))" "$D/log" | grep -c 'Entering MASTER STATE')")
		done
		printf 'N=%-4s %-50s runs with a kill %d of %d (kills %d); MASTER at the end per run: %s\n' \
			"$n" "[${v:-no real-time lines}]" "$runs_killed" "$REPEAT" "$killed" "${masters[*]}"
	done
done
