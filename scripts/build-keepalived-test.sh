#!/usr/bin/env bash
# build-keepalived-test.sh: the test of build-keepalived.sh. It builds a
# keepalived source tree at a tag into a scratch prefix and checks that the
# binary says its version and that nlstress runs a flap on it, then removes
# the prefix. CI has no keepalived
# source, so this is not part of the Go tests; run it where a checkout is:
#
#   scripts/build-keepalived-test.sh /work/.mirror/acassen+keepalived/repo v2.1.5
#
# Exit 0 when nlstress ran the built keepalived; 1 otherwise.
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
# keepalived -t alone does not show that nlstress can run the binary (a
# build without LVS read nlstress's --vrrp as --vrrp_pid and exited 6):
# a one-flap run of four instances does, and records the version.
go build -o "$prefix/nlstress" ./cmd/nlstress
if ! "$prefix/nlstress" run --target keepalived --keepalived-bin "$prefix/sbin/keepalived" --vrids 4 --flaps 1 -o json >"$prefix/run.json" 2>"$prefix/run.log"; then
	tail -5 "$prefix/run.log" >&2
	echo "FAIL: $version: nlstress cannot run it" >&2
	exit 1
fi
ran=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["daemon"])' "$prefix/run.json")
case $ran in
"$want "* | "$want") ;;
*)
	echo "FAIL: the run recorded daemon '$ran', want '$want ...'" >&2
	exit 1
	;;
esac
echo "ok: $version built into a scratch prefix; nlstress ran a flap on it"
