#!/usr/bin/env bash
# Installs what nlstress's tests and benchmarks need from Debian's packages,
# only where it is missing: iproute2 (ip, the benchmarks' reference) and
# keepalived (the real daemon the engine is tested against). Debian does not
# start keepalived on install where policy-rc.d forbids it; nlstress only ever
# runs it inside its own lab namespaces.
set -euo pipefail
need=()
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v keepalived >/dev/null 2>&1 || need+=(keepalived)
if ((${#need[@]})); then
	echo "installing: ${need[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	# Never let the package start a keepalived in the host's namespace:
	# forbid service starts for the install if nothing forbids them yet.
	policy=/usr/sbin/policy-rc.d
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod +x "$policy"
		trap 'rm -f "$policy"' EXIT
	fi
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
