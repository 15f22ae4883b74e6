#!/usr/bin/env bash
# Runs nlstress's performance benchmarks and prints their ratios. Each
# benchmark compares against its reference in the same run, so the figures
# are ratios on one machine, not absolute targets. Needs root.
#
#   scripts/bench.sh            # all benchmarks
#   BENCHTIME=20x scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
benchtime=${BENCHTIME:-10x}

echo "== lab build: 255 VMAC macvlans + 255 VIPs, ours (rtnetlink) vs ip -batch (target ratio <= 1.2)"
go test -run '^$' -bench 'BenchmarkLabBuild$' -benchtime "$benchtime" ./pkg/lab | tee >(cat >&2) |
	awk '/^BenchmarkLabBuild/ { for (i = 1; i <= NF; i++) if ($(i+1) == "ours/ip-ratio") r = $i }
	     END { if (r == "") exit 1; printf "lab build ratio ours/ip-batch = %s (%s)\n", r, (r <= 1.2 ? "within target" : "OVER TARGET 1.2") }'

echo "== smallest zero-drop receive buffer for the 255-VMAC flap storm: our reader vs ip monitor (target ratio <= 1)"
go test -run '^$' -bench 'BenchmarkSmallestBuffer$' -benchtime 1x ./pkg/nlmon | grep -v 'exited at start\|Dump terminated' | tee >(cat >&2) |
	awk '/^BenchmarkSmallestBuffer/ { for (i = 1; i <= NF; i++) { if ($(i+1) == "ours/ip-ratio") r = $i; if ($(i+1) == "ours-bytes") o = $i; if ($(i+1) == "ip-monitor-bytes") p = $i } }
	     END { if (r == "") exit 1; printf "smallest buffer: ours %s B, ip monitor %s B, ratio %s (%s)\n", o, p, r, (r <= 1 ? "within target" : "OVER TARGET 1") }'

echo "== decoding one RTM_NEWLINK: nlmon vs rtnetlink/v2 (allocations per message on the hot path: target <= 1)"
go test -run '^$' -bench 'BenchmarkDecode$' -benchmem ./pkg/nlmon | grep -E '^(Benchmark|--- FAIL|FAIL|    .*_test.go)'

echo "== VRRP soak: 2 x 255 instances at 10 ms for ${NLS_SOAK:-60s} (targets: 0 spurious transitions, < 50 % of one core)"
go test -run '^$' -bench 'BenchmarkSoak255At10ms$' -benchtime 1x ./pkg/vrrp | grep -E '^(Benchmark|--- FAIL|FAIL|    .*_test.go)'

echo "== VRRP soak: 2 x 4080 instances (16 x 255) at 1 s for ${NLS_SOAK:-60s} (targets: 0 spurious transitions, RSS < 200 MB)"
go test -run '^$' -bench 'BenchmarkSoak4080At1s$' -benchtime 1x ./pkg/vrrp | grep -E '^(Benchmark|--- FAIL|FAIL|    .*_test.go)'
