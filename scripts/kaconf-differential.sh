#!/usr/bin/env bash
# kaconf-differential.sh: kaconf against keepalived itself on N generated
# keepalived.conf files (pkg/kaconf TestDifferentialAgainstKeepalived):
# keepalived -t's verdict, and its --dump-conf reading and monitor groups,
# against kaconf's reading of the same file. CI checks as many files as fit
# in about 100 s with seed 1; this runs N files split over two processes
# (seeds SEED and SEED+1), one per core, and keeps every disagreeing file.
#
# usage: scripts/kaconf-differential.sh [N [SEED]]
#   scripts/kaconf-differential.sh 5000      # the run FINDINGS reports
# Needs root and keepalived (scripts/install-test-deps.sh). Disagreeing
# files are copied under /tmp/nls-kaconf-diff/; each becomes a corpus file.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
SEED=${2:-1}
keep=/tmp/nls-kaconf-diff
mkdir -p "$keep"
keepalived --version 2>&1 | head -1
go test -c -o /tmp/nls-kaconf.test ./pkg/kaconf
start=$(date +%s)
pids=()
for k in 0 1; do
	files=$(( N / 2 + (k == 0 ? N % 2 : 0) ))
	NLS_KACONF_FILES=$files NLS_KACONF_SEED=$((SEED + k)) NLS_KACONF_KEEP=$keep \
		/tmp/nls-kaconf.test -test.run '^TestDifferentialAgainstKeepalived$' -test.v -test.timeout 6h \
		>"$keep/seed$((SEED + k)).log" 2>&1 &
	pids+=($!)
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
for k in 0 1; do
	grep -E 'files checked|file [0-9]+ \(seed|^(--- |ok|FAIL|PASS)' "$keep/seed$((SEED + k)).log" || true
done
echo "$N files in $(( $(date +%s) - start )) s; disagreements kept in $keep"
exit $status
