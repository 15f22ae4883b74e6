#!/usr/bin/env bash
# field-flaps.sh: run each field scenario (scenarios/field-*.yaml) on the
# built-in engine and on keepalived, and print one line per run: the
# verdict's counts, the loss and stuck rates, the largest storm and what
# churn achieved. The "Field flaps" table of results/FINDINGS.md is its output.
#
#   scripts/field-flaps.sh [FLAPS] [NAME]   (defaults: the files' own flaps, 10; every
#                                          field scenario, or scenarios/field-NAME.yaml)
#
# Needs root, keepalived, jq and a built nlstress (NLSTRESS=path, default
# /tmp/nlstress, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
NLSTRESS=${NLSTRESS:-/tmp/nlstress}
[ -x "$NLSTRESS" ] || go build -o "$NLSTRESS" ./cmd/nlstress
flaps=()
[ -n "${1:-}" ] && flaps=(--flaps "$1")
out=$(mktemp -d /tmp/nls-field.XXXXXX)
trap 'rm -rf "$out"' EXIT
printf '%-24s %-10s %6s %-14s %-14s %10s %11s %s\n' scenario target flaps "loss" "stuck" "drops" "storm KB" "churn achieved"
for f in scenarios/field-${2:-*}.yaml; do
	for target in builtin keepalived; do
		name=$(basename "$f" .yaml)
		json="$out/$name-$target.json"
		start=$(date +%s)
		"$NLSTRESS" run -f "$f" --target "$target" "${flaps[@]}" -o json >"$json" 2>"$out/$name-$target.log" || true
		if ! jq -e .totals >/dev/null 2>&1 <"$json"; then
			echo "$name $target: no result: $(tail -1 "$out/$name-$target.log")"
			continue
		fi
		jq -r --arg n "$name" --arg t "$target" --arg s "$(($(date +%s) - start))" '
			def rate(r): "\(r.k)/\(r.n) (\(r.ci95_lower*100|floor)-\(r.ci95_upper*100|ceil) %)";
			[$n, $t, (.flaps|length|tostring),
			 rate(.totals.loss_rate), rate(.totals.stuck_rate),
			 (.totals.drops|tostring), ((.totals.largest_storm/1000)|floor|tostring),
			 ([.flaps[].churn[]?] | group_by(.kind) | map("\(.[0].kind) >= \(map(.achieved_per_s) | min | floor)/s") | join(", ")),
			 "\($s)s"] | @tsv' <"$json" |
			awk -F'\t' '{printf "%-24s %-10s %6s %-14s %-14s %10s %11s %s (%s)\n", $1, $2, $3, $4, $5, $6, $7, $8, $9}'
	done
done
