#!/usr/bin/env bash
# Runs the CI gate scenario N times (default 20) against its committed
# baseline and counts the verdicts: the gate is only useful if it gives the
# same verdict every time on an unchanged tree. Needs root.
#
#   scripts/gate-stability.sh          # 20 runs
#   RUNS=50 scripts/gate-stability.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-20}
bin=$(mktemp -d)/nlstress
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./cmd/nlstress
pass=0 fail=0 err=0
for i in $(seq 1 "$runs"); do
	set +e
	"$bin" gate scenarios/ci-gate.yaml -o json >/dev/null 2>"$bin.err"
	code=$?
	set -e
	case $code in
	0) pass=$((pass + 1)) ;;
	1) fail=$((fail + 1)); echo "run $i: regression: $(tail -n 1 "$bin.err")" >&2 ;;
	*) err=$((err + 1)); echo "run $i: error: $(tail -n 1 "$bin.err")" >&2 ;;
	esac
done
echo "gate scenarios/ci-gate.yaml, $runs runs: $pass pass, $fail regression, $err error"
[ "$pass" -eq "$runs" ] || [ "$fail" -eq "$runs" ]
