#!/usr/bin/env bash
# flake.sh N: runs the whole test suite (README's test command, as root)
# N times in a row and lists every test that failed even once, with how
# many times, and the packages that failed to build or timed out. Exit 1
# when any test failed. Each run's JSON is kept in $FLAKE_DIR (default a
# temporary directory, printed) for the failures' output.
#   scripts/flake.sh 10
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:?usage: flake.sh N}
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "flake.sh: N must be a positive whole number, not $n" >&2; exit 2; }
command -v jq >/dev/null || { echo "flake.sh: needs jq (scripts/install-test-deps.sh)" >&2; exit 2; }
dir=${FLAKE_DIR:-$(mktemp -d)}
mkdir -p "$dir"
echo "flake.sh: $n runs of go test -p 1 -count=1 ./...; output in $dir" >&2
for i in $(seq 1 "$n"); do
	t0=$(date +%s)
	go test -p 1 -count=1 -json ./... >"$dir/run-$i.json" 2>"$dir/run-$i.err" || true
	fails=$(jq -r 'select(.Action == "fail") | "\(.Package) \(.Test // "(package)")"' "$dir/run-$i.json" | sort -u | wc -l)
	echo "run $i of $n: $(($(date +%s) - t0)) s, $fails failure(s)" >&2
done
report=$(jq -r 'select(.Action == "fail") | "\(.Package) \(.Test // "(package: build, timeout or a test outside a function)")"' "$dir"/run-*.json |
	sort | uniq -c | sort -rn)
if [ -z "$report" ]; then
	echo "no test failed in $n runs"
	exit 0
fi
echo "failed at least once in $n runs (count, package, test):"
echo "$report"
exit 1
