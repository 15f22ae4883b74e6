#!/usr/bin/env bash
# flap-modes.sh: the storm of an admin flap against a carrier flap, per
# message type, for 255 VMACs and for 255 instances with a virtual route
# each, on the built-in engine and on keepalived, with a buffer that loses
# nothing (4M forced), one flap each. results/FINDINGS.md's "Admin and carrier flaps"
# table is its output.
#
#   scripts/flap-modes.sh
#
# Needs root, keepalived, jq and a built nlstress (NLSTRESS=path, default
# /tmp/nlstress, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
NLSTRESS=${NLSTRESS:-/tmp/nlstress}
[ -x "$NLSTRESS" ] || go build -o "$NLSTRESS" ./cmd/nlstress
printf '| shape | target | mode | down: messages, KB | down by type | up: messages, KB | up by type |\n| --- | --- | --- | --- | --- | --- | --- |\n'
for shape in "255 VMACs:--vmac" "255 virtual routes:--routes-per-vrid 1"; do
	name=${shape%%:*}
	read -r -a opts <<<"${shape#*:}"
	for target in builtin keepalived; do
		for mode in admin carrier; do
			json=$("$NLSTRESS" run --target "$target" --vrids 255 "${opts[@]}" --vrrp-version 2 --advert-int 1s --rcvbuf 4M --flap-mode "$mode" -o json 2>/dev/null || true)
			if ! jq -e .flaps >/dev/null 2>&1 <<<"$json"; then
				echo "| $name | $target | $mode | no result | | | |"
				continue
			fi
			jq -r --arg n "$name" --arg t "$target" --arg m "$mode" '
				def mix(s): s.by_type | to_entries | sort_by(-.value) | map("\(.value) \(.key | ltrimstr("RTM_"))") | join(", ");
				.flaps[0] as $f |
				"| \($n) | \($t) | \($m) | \($f.down.storm.messages), \(($f.down.storm.truesize/1000)|floor) | \(mix($f.down.storm)) | \($f.up.storm.messages), \(($f.up.storm.truesize/1000)|floor) | \(mix($f.up.storm)) |"' <<<"$json"
		done
	done
done
