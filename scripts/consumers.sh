#!/usr/bin/env bash
# consumers.sh: the same storm read by four netlink consumers, each at its
# own default buffer: keepalived (generated, use_vmac), zebra (FRR's
# vrrpd on macvlans), BIRD (device, direct and kernel protocols) and a
# program on vishvananda/netlink's LinkSubscribe (scripts/linksubscribe):
# 255 macvlans on eth2, eth2 down 6 s and up, by admin and by carrier,
# FLAPS flaps each. Prints one Markdown table (results/FINDINGS.md, "Four
# consumers, one storm") and keeps each run's JSON in OUT.
#
#   scripts/consumers.sh                # 30 flaps per consumer and mode
#   FLAPS=5 MODES=admin scripts/consumers.sh
#   RCVBUF=64K ONLY="zebra BIRD LinkSubscribe" MODES=admin scripts/consumers.sh
#                                       # every one at the same buffer
#                                       # (keepalived's default, 64K asked
#                                       # for, 128 KiB effective)
#   REUSE=1 OUT=dir scripts/consumers.sh  # the table again from the JSON
#                                       # kept in dir, building no lab
#
# Needs root, keepalived, FRR, BIRD (scripts/install-test-deps.sh), jq, Go
# and the module proxy once (to build the LinkSubscribe program), and a
# built nlstress (NLSTRESS=path, default /tmp/nlstress, built if missing).
# About 20 minutes per mode on a 2-vCPU machine; run it alone.
set -euo pipefail
cd "$(dirname "$0")/.."
NLSTRESS=${NLSTRESS:-/tmp/nlstress}
FLAPS=${FLAPS:-30}
MODES=${MODES:-admin carrier}
ONLY=${ONLY:-keepalived zebra BIRD LinkSubscribe}
RCVBUF=${RCVBUF:-}
REUSE=${REUSE:-}
OUT=${OUT:-$(mktemp -d /tmp/nls-consumers.XXXXXX)}
[ -x "$NLSTRESS" ] || go build -o "$NLSTRESS" ./cmd/nlstress
mkdir -p "$OUT"
[ -n "$REUSE" ] || scripts/linksubscribe-target.sh build

ls_target="$PWD/scripts/linksubscribe-target.sh"
# name|what its log is|options: every consumer at its own default buffer
# (no --rcvbuf). "read" logs are counted per flap (BIRD's "Kernel dropped
# some netlink messages", zebra's "recvmsg overrun" and exits); the others
# are said in words.
consumers=(
	"keepalived|syslog, not read (it logs an overrun only when ENOBUFS lands on its recvmsg, not its peek)|--target keepalived --vmac --vrrp-version 2 --no-peer"
	"zebra|read|--target frr --vrrp-version 2"
	"BIRD|read|--target bird"
	"LinkSubscribe|its subscription ends at the first error (ENOBUFS): it follows no link after|--target exec --vmac --target-cmd '$ls_target daemon' --probe '$ls_target probe' --recovery-timeout 10s"
)

printf '| consumer | flap | buffer (effective) | flaps with loss | messages lost per flap, median (max) | it said so | flaps in which it never saw some link go down | flaps leaving its view wrong after the up | recovery, p95 of the flap: median (max) |\n'
printf '| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n'
for mode in $MODES; do
	for c in "${consumers[@]}"; do
		name=${c%%|*}
		case " $ONLY " in *" $name "*) ;; *) continue ;; esac
		rest=${c#*|}
		said=${rest%%|*}
		args=${rest#*|}
		if [ -n "$RCVBUF" ]; then args="$args --rcvbuf $RCVBUF"; fi
		eval "opts=($args)"
		json="$OUT/$name-$mode${RCVBUF:+-$RCVBUF}.json"
		if [ -z "$REUSE" ] || [ ! -s "$json" ]; then
			echo "$(date -u +%H:%M:%S) $name, $mode flaps: $NLSTRESS run --vrids 255 --down-for 6s --flaps $FLAPS --flap-mode $mode $args" >&2
			"$NLSTRESS" run --vrids 255 --down-for 6s --flaps "$FLAPS" --flap-mode "$mode" "${opts[@]}" -o json >"$json" 2>"${json%.json}.log" || true
		fi
		if ! jq -e '.flaps | length > 0' "$json" >/dev/null 2>&1; then
			echo "| $name | $mode | no result: $(tail -1 "${json%.json}.log") | | | | | | |"
			continue
		fi
		jq -r --arg n "$name" --arg m "$mode" --arg said "$said" '
			def med: sort | if length == 0 then 0 else .[(length - 1) / 2 | floor] end;
			def secs: . / 1e9 * 100 | round / 100 | tostring + " s";
			.flaps as $f | ($f | length) as $k |
			[$f[] | .down.drops + .up.drops] as $lost |
			[$f[] | select(.recovery.count > 0) | .recovery.p95_ns] as $rec |
			[$f[] | (.daemon_exits // [])[]] as $exits |
			"| \($n) | \($m) | \(.monitor.effective) | \([$lost[] | select(. > 0)] | length) of \($k) | \($lost | med) (\($lost | max)) | \(if $said != "read" then $said else "\([$f[] | select((.daemon_overruns // []) | length > 0)] | length) of \($k)" end)\(if ($exits | length) > 0 then ", exited \($exits | length)" else "" end) | \([$f[] | select(.not_fault > 0)] | length) of \($k) | \([$f[] | select((.stuck | length) > 0 or ((.up.missed // []) | length) > 0)] | length) of \($k) | \(if ($rec | length) > 0 then "\($rec | med | secs) (\($rec | max | secs))" else "none" end) |"
		' "$json"
	done
done
echo "runs kept in $OUT" >&2
