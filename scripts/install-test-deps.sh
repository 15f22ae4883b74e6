#!/usr/bin/env bash
# Installs what nlstress's tests and benchmarks need from Debian's packages,
# only where it is missing: iproute2 (ip, the benchmarks' reference),
# keepalived and frr (the real daemons the engine is tested against, and
# what --target keepalived and --target frr run), rsvg-convert (which
# renders the sweep's chart in a test), xmllint (which validates the gate's
# JUnit against pkg/report/testdata/junit.xsd), jq (which the measuring
# scripts read run results with), lintian (which checks the Debian package
# scripts/package.sh builds), promtool (which checks the Prometheus
# exposition and tests the alert rules) and the Prometheus server (which
# the fleet test runs inside a lab namespace), and BIRD 2 (--target bird).
# Debian starts neither keepalived, frr nor bird on
# install where policy-rc.d forbids it; nlstress only ever runs them inside
# its own lab namespaces, from its own run directories (never /etc/frr).
# promtool and prometheus are taken out of Debian's prometheus package
# without installing it: no service, no user, nothing started; only
# /usr/local/bin/promtool and /usr/local/bin/prometheus, which the tests run
# in their own namespaces.
set -euo pipefail
need=()
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v keepalived >/dev/null 2>&1 || need+=(keepalived)
[ -x /usr/lib/frr/zebra ] && [ -x /usr/lib/frr/vrrpd ] || need+=(frr)
command -v bird >/dev/null 2>&1 || need+=(bird2)
command -v rsvg-convert >/dev/null 2>&1 || need+=(librsvg2-bin)
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
command -v jq >/dev/null 2>&1 || need+=(jq)
command -v lintian >/dev/null 2>&1 || need+=(lintian)
if ((${#need[@]})); then
	echo "installing: ${need[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	# Never let a package start a keepalived, an FRR or a BIRD in the host's namespace:
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

if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
	echo "installing: promtool and prometheus (from Debian's prometheus package, not installed)" >&2
	tmp=$(mktemp -d)
	(cd "$tmp" && { apt-get download -qq prometheus 2>/dev/null || { apt-get update -qq && apt-get download -qq prometheus; }; })
	dpkg -x "$tmp"/prometheus_*.deb "$tmp/root"
	install -m 0755 "$tmp/root/usr/bin/promtool" /usr/local/bin/promtool
	install -m 0755 "$tmp/root/usr/bin/prometheus" /usr/local/bin/prometheus
	rm -rf "$tmp"
fi
