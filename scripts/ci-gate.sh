#!/usr/bin/env bash
# An example CI step: fail the pipeline when a change makes the monitor lose
# netlink messages, leaves instances stuck, slows recovery or grows the
# storm, compared with the baselines committed in results/. Needs root (the
# lab is network namespaces). Copy it into your pipeline; JUnit XML goes to
# $JUNIT for the CI system's test report.
#
#   scripts/ci-gate.sh                          # scenarios/ci-gate.yaml
#   scripts/ci-gate.sh scenarios/a.yaml b.yaml  # your own scenarios
#
# Exit codes: 0 no regression, 1 a regression, 2 a bad scenario or setup.
set -euo pipefail
cd "$(dirname "$0")/.."
junit=${JUNIT:-nlstress-gate.xml}
[ $# -gt 0 ] || set -- scenarios/ci-gate.yaml
go run ./cmd/nlstress gate --junit "$junit" "$@"
