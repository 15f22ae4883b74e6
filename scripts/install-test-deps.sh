#!/usr/bin/env bash
# Installs what nlstress's tests and benchmarks need from Debian's packages,
# only where it is missing: iproute2 (ip, the benchmarks' reference).
set -euo pipefail
need=()
command -v ip >/dev/null 2>&1 || need+=(iproute2)
if ((${#need[@]})); then
	echo "installing: ${need[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
