#!/bin/sh
# linksubscribe-target.sh: a Go program built on vishvananda/netlink's
# LinkSubscribe (scripts/linksubscribe) as a netlink consumer under test,
# for 'nlstress run --target exec --probe': a consumer that speaks no VRRP
# and whose subscription ends at its first overrun (ENOBUFS), as the
# library's does.
#
#   linksubscribe-target.sh build    # build it (go build; the first time
#                                    # fetches the library from the module
#                                    # proxy) into $NLS_LINKSUBSCRIBE
#   linksubscribe-target.sh daemon   # --target-cmd: runs it at $NLS_RCVBUF,
#                                    # its view in believed-up in
#                                    # $NLS_RUN_DIR (build it first: the lab's
#                                    # namespace cannot reach the proxy)
#   linksubscribe-target.sh probe    # --probe: the links it believes up
#
#   nlstress run --target exec --vrids 64 --vmac --rcvbuf 2K \
#     --target-cmd "$PWD/scripts/linksubscribe-target.sh daemon" \
#     --probe "$PWD/scripts/linksubscribe-target.sh probe"
set -eu
src=$(cd "$(dirname "$0")/linksubscribe" && pwd)
bin=${NLS_LINKSUBSCRIBE:-${XDG_CACHE_HOME:-$HOME/.cache}/nlstress/linksubscribe}
build() {
	mkdir -p "$(dirname "$bin")"
	(cd "$src" && go build -o "$bin" .)
}
case ${1:-} in
build)
	build
	;;
daemon)
	cd "${NLS_RUN_DIR:?run me from nlstress --target exec}"
	if [ ! -x "$bin" ] || [ "$src/main.go" -nt "$bin" ] || [ "$src/go.mod" -nt "$bin" ]; then
		echo "$0: $bin is missing or older than its source: run '$0 build' first" >&2
		exit 2
	fi
	exec "$bin" -state believed-up -rcvbuf "${NLS_RCVBUF:-0}"
	;;
probe)
	cd "${NLS_RUN_DIR:?run me from nlstress --target exec}"
	exec cat believed-up
	;;
*)
	echo "usage: $0 build|daemon|probe" >&2
	exit 2
	;;
esac
