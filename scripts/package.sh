#!/usr/bin/env bash
# package.sh [OUTDIR]: builds what a release ships, into OUTDIR (default
# dist/):
#   nlstress_VERSION_linux_{amd64,arm64}  static binaries (CGO off, -trimpath)
#   SHA256SUMS                            their checksums and the package's
#   nlstress_VERSION_amd64.deb            the binary, man pages (from the cobra
#                                         commands), bash/zsh/fish completions,
#                                         the exporter's systemd unit (not
#                                         enabled), alert rules and dashboard
# then checks the package: its contents, lintian with no error, every man
# page renders without warning, and the binary inside runs "version".
# VERSION is NLSTRESS_VERSION, else from git: the newest v* tag's describe,
# or 0.0~gitYYYYMMDD.REV without one. The Debian package is made by nfpm
# (github.com/goreleaser/nfpm), run at a pinned version through go run.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
nfpm=github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.48.0

# The binary says v$version where a tag names it, $version where not.
stamp=
if [ -n "${NLSTRESS_VERSION:-}" ]; then
	version=${NLSTRESS_VERSION#v}
	stamp=v$version
elif tag=$(git describe --tags --match 'v[0-9]*' 2>/dev/null); then
	version=${tag#v}
	stamp=v$version
else
	version="0.0~git$(git log -1 --format=%cd --date=format:%Y%m%d).$(git rev-parse --short=12 HEAD)"
	stamp=$version
fi
# Debian versions sort "~" before anything; a describe's "-4-gabc" is
# made "+4.gabc" so that it sorts after its tag.
debversion=$(printf '%s' "$version" | sed -E 's/-([0-9]+)-g([0-9a-f]+)$/+\1.g\2/')
epoch=$(git log -1 --format=%ct)

rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for arch in amd64 arm64; do
	CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath -buildvcs=true \
		-ldflags "-s -w -X main.version=$stamp" -o "$out/nlstress_${version}_linux_$arch" ./cmd/nlstress
done

# Man pages and completions, made by the binary itself.
bin=$out/nlstress_${version}_linux_amd64
mkdir -p "$work/docs"
SOURCE_DATE_EPOCH_RFC3339=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ) "$bin" gendocs "$work/docs" >/dev/null
gzip -9n "$work"/docs/man1/*.1
mkdir -p "$work/doc"
cat >"$work/doc/copyright" <<COPY
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: nlstress
Source: https://github.com/nlstress/nlstress

Files: *
Copyright: 2026 The nlstress authors
License: Apache-2.0

License: Apache-2.0
 On Debian systems, the complete text of the Apache License 2.0 can be
 found in "/usr/share/common-licenses/Apache-2.0".
COPY
# Go links statically by design (CGO off): there is no shared library to use.
printf 'nlstress: statically-linked-binary [usr/bin/nlstress]\n' >"$work/doc/lintian-overrides"
date_rfc2822=$(date -u -R -d "@$epoch")
printf 'nlstress (%s) unstable; urgency=medium\n\n  * Built from %s.\n\n -- nlstress maintainers <nlstress@users.noreply.github.com>  %s\n' \
	"$debversion" "$(git rev-parse HEAD)" "$date_rfc2822" | gzip -9n >"$work/doc/changelog.gz"

cat >"$work/nfpm.yaml" <<YAML
name: nlstress
arch: amd64
platform: linux
version: "$debversion"
version_schema: none
section: net
priority: optional
maintainer: nlstress maintainers <nlstress@users.noreply.github.com>
homepage: https://github.com/nlstress/nlstress
license: Apache-2.0
description: |-
  stress-test and diagnose Linux netlink consumers
  nlstress measures what a daemon's rtnetlink monitor socket (keepalived,
  FRR's zebra, BIRD, any netlink consumer) loses when a link flap makes
  the kernel send a storm of messages, and which receive buffer would have
  been enough. It builds throw-away labs of network namespaces and never
  changes the host's own. diagnose --listen is a read-only Prometheus
  exporter of every netlink socket's drops and buffers.
contents:
  - src: $bin
    dst: /usr/bin/nlstress
    file_info: {mode: 0755}
  - src: $work/docs/man1/
    dst: /usr/share/man/man1/
    file_info: {mode: 0644}
  - src: $work/docs/completions/nlstress.bash
    dst: /usr/share/bash-completion/completions/nlstress
    file_info: {mode: 0644}
  - src: $work/docs/completions/_nlstress
    dst: /usr/share/zsh/vendor-completions/_nlstress
    file_info: {mode: 0644}
  - src: $work/docs/completions/nlstress.fish
    dst: /usr/share/fish/vendor_completions.d/nlstress.fish
    file_info: {mode: 0644}
  - src: scripts/deploy/nlstress-exporter.service
    dst: /lib/systemd/system/nlstress-exporter.service
    file_info: {mode: 0644}
  - src: scripts/deploy/nlstress-rules.yml
    dst: /usr/share/nlstress/prometheus/nlstress-rules.yml
    file_info: {mode: 0644}
  - src: scripts/deploy/nlstress-dashboard.json
    dst: /usr/share/nlstress/grafana/nlstress-dashboard.json
    file_info: {mode: 0644}
  - src: scripts/deploy/web-config.example.yml
    dst: /usr/share/doc/nlstress/examples/web-config.yml
    file_info: {mode: 0644}
  - src: $work/doc/copyright
    dst: /usr/share/doc/nlstress/copyright
    file_info: {mode: 0644}
  - src: $work/doc/changelog.gz
    dst: /usr/share/doc/nlstress/changelog.gz
    file_info: {mode: 0644}
  - src: $work/doc/lintian-overrides
    dst: /usr/share/lintian/overrides/nlstress
    file_info: {mode: 0644}
YAML
deb=$out/nlstress_${debversion}_amd64.deb
SOURCE_DATE_EPOCH=$epoch go run "$nfpm" package --config "$work/nfpm.yaml" --packager deb --target "$deb" >/dev/null
(cd "$out" && sha256sum nlstress_* >SHA256SUMS)

# Checks: the package holds what it says, lintian finds no error, every
# man page renders, and the binary inside runs.
contents=$(dpkg-deb --contents "$deb")
for f in ./usr/bin/nlstress ./usr/share/man/man1/nlstress-run.1.gz ./usr/share/bash-completion/completions/nlstress \
	./usr/share/zsh/vendor-completions/_nlstress ./usr/share/fish/vendor_completions.d/nlstress.fish \
	./lib/systemd/system/nlstress-exporter.service ./usr/share/nlstress/prometheus/nlstress-rules.yml \
	./usr/share/nlstress/grafana/nlstress-dashboard.json ./usr/share/doc/nlstress/copyright; do
	grep -q " $f\$" <<<"$contents" || { echo "package: $f missing from $deb" >&2; exit 1; }
done
if command -v lintian >/dev/null; then
	if ! said=$(lintian --fail-on error "$deb" 2>&1); then
		echo "package: lintian: $said" >&2
		exit 1
	fi
	grep -v 'root privileges' <<<"$said" >&2 || true
else
	echo "package: lintian not installed (scripts/install-test-deps.sh installs it); not checked" >&2
	[ -z "${CI:-}" ] || exit 1
fi
x=$work/extract
dpkg-deb -x "$deb" "$x"
for m in "$x"/usr/share/man/man1/*.1.gz; do
	warnings=$(MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)
	[ -z "$warnings" ] || { echo "package: $(basename "$m") renders with warnings: $warnings" >&2; exit 1; }
done
"$x/usr/bin/nlstress" version | grep -q "^nlstress $stamp (" || { echo "package: the binary inside does not say $stamp" >&2; exit 1; }
echo "built $(cd "$out" && ls | tr '\n' ' ')in $out; checked $deb: contents, lintian, man pages, version"
