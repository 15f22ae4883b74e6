#!/usr/bin/env bash
# check-layout.sh: the rules of ../shared/STYLE.md that a grep can keep.
#  1. Variants are types, not switches: outside package target (the
#     targets' traits), the targets' own files in pkg/stress
#     (target_<name>_linux.go) and pkg/scenario/target.go (the names'
#     aliases), no non-test Go code names a target or compares a target's
#     name.
#  2. No non-test function is over 100 lines.
# Exit 1 with what broke the rule.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
files=$(git ls-files '*.go' | grep -v '_test\.go$' |
	grep -vE '^pkg/target/|^pkg/stress/target_[a-z]+_linux\.go$|^pkg/scenario/target\.go$' || true)
named=$(grep -nE 'Target(Builtin|Keepalived|FRR|Exec)\b|target\.(Builtin|Keepalived|FRR|Exec)\b|\.Target (==|!=)|switch [A-Za-z_.]*\.Target\b|case "(builtin|keepalived|frr|exec)"' $files |
	grep -vE '^[^:]+:[0-9]+:\s*//' || true)
if [ -n "$named" ]; then
	echo "code outside the target implementations asks which target it holds (use the target's traits or the daemon under test's methods):" >&2
	echo "$named" >&2
	fail=1
fi
long=$(go run ./scripts/funclen $files)
if [ -n "$long" ]; then
	echo "functions over 100 lines (split them where they hold several ideas):" >&2
	echo "$long" >&2
	fail=1
fi
exit $fail
