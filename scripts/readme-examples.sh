#!/usr/bin/env bash
# Runs the worked examples of results/FINDINGS.md and the command guide
# and writes each command's output (stdout, then the exit code) to a
# directory, so the figures there can be reproduced on another machine.
# Needs root; keepalived for the keepalived examples
# (scripts/install-test-deps.sh installs it). Takes about
# 25 minutes: the incident's 30 flaps and the sweep's 124 are most of it.
#
#   scripts/readme-examples.sh [OUTDIR]
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d)}
mkdir -p "$out"
bin=$out/nlstress
go build -o "$bin" ./cmd/nlstress || exit 2
run() {
	local name=$1
	shift
	echo "== $name: nlstress $*" >&2
	{
		echo "\$ nlstress $*"
		"$bin" "$@" 2>/dev/null
		echo "(exit $?)"
	} >"$out/$name.txt"
}
run 1-incident-default-buffer run --vrids 255 --vmac --on-overrun none --flaps 3
run 2-incident-fix            run --vrids 255 --vmac --rcvbuf 1M
run 3-incident-resync         run --vrids 255 --vmac --rcvbuf 64K --on-overrun resync
run 4-own-echo                run --vrids 255 --vips-per-vrid 4 --routes-per-vrid 2 --rcvbuf 64K
run 5-keepalived-default      run --vrids 255 --vmac --target keepalived --flaps 3
run 6-keepalived-fix          run --vrids 255 --vmac --target keepalived --rcvbuf 1000000 --force
run 7-incident-stuck-rate     run -f scenarios/incident.yaml
run 8-sweep                   sweep --vrids 64,128,255 --vmac --advert-int 100ms
echo "outputs in $out" >&2
