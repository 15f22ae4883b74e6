#!/usr/bin/env bash
# build-keepalived-test.sh: the test of build-keepalived.sh. It builds a
# keepalived source tree at a tag into a scratch prefix and checks that the
# binary says its version and that 'keepalived -t' accepts a configuration
# nlstress would write, then removes the prefix. CI has no keepalived
# source, so this is not part of the Go tests; run it where a checkout is:
#
#   scripts/build-keepalived-test.sh /work/.mirror/acassen+keepalived/repo v2.1.5
#
# Exit 0 when the built keepalived runs -t; 1 otherwise.
set -euo pipefail
GITDIR=${1:?usage: $0 GITDIR TAG} TAG=${2:?usage: $0 GITDIR TAG}
cd "$(dirname "$0")/.."
prefix=$(mktemp -d /tmp/nls-keepalived-prefix.XXXXXX)
trap 'rm -rf "$prefix"' EXIT
# Bad arguments are refused before anything is built.
if scripts/build-keepalived.sh "$GITDIR@$TAG" /usr >/dev/null 2>&1; then
	echo "FAIL: a system prefix was accepted" >&2
	exit 1
fi
version=$(scripts/build-keepalived.sh "$GITDIR@$TAG" "$prefix")
want="Keepalived v${TAG#v}"
case $version in
"$want "* | "$want") ;;
*)
	echo "FAIL: built keepalived says '$version', want '$want ...'" >&2
	exit 1
	;;
esac
conf=$prefix/test.conf
printf 'global_defs {\n  router_id nls-test\n}\nvrrp_instance VI_1 {\n  state BACKUP\n  interface lo\n  virtual_router_id 1\n  priority 200\n  advert_int 1\n  virtual_ipaddress {\n    198.18.0.1/32\n  }\n}\n' >"$conf"
if ! out=$("$prefix/sbin/keepalived" -t -f "$conf" 2>&1); then
	echo "FAIL: $version: keepalived -t rejects a plain configuration: $out" >&2
	exit 1
fi
echo "ok: $version built into a scratch prefix runs keepalived -t"
