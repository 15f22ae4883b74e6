#!/bin/sh
# ip-monitor-target.sh: "ip monitor link" as a netlink consumer under test,
# for 'nlstress run --target exec --probe': a consumer that speaks no VRRP
# and does not resync after an overrun.
#
#   ip-monitor-target.sh daemon   # --target-cmd: ip monitor at $NLS_RCVBUF,
#                                 # its log (mon.log in $NLS_RUN_DIR) seeded
#                                 # with the links as they are
#   ip-monitor-target.sh probe    # --probe: the links it believes up, one
#                                 # per line: each link's last line in its
#                                 # log, up with UP and LOWER_UP
#
#   nlstress run --target exec --vrids 64 --rcvbuf 2K \
#     --target-cmd "$PWD/scripts/ip-monitor-target.sh daemon" \
#     --probe "$PWD/scripts/ip-monitor-target.sh probe"
set -eu
cd "${NLS_RUN_DIR:?run me from nlstress --target exec}"
case ${1:-} in
daemon)
	ip -o link show >mon.log
	exec ip -rcvbuf "${NLS_RCVBUF:-0}" -o monitor link >>mon.log
	;;
probe)
	exec awk '{ n = $2; sub(/@.*/, "", n); sub(/:$/, "", n); up[n] = ($0 ~ /[<,]UP[,>]/ && $0 ~ /LOWER_UP/) }
		END { for (n in up) if (up[n]) print n }' mon.log
	;;
*)
	echo "usage: $0 daemon|probe" >&2
	exit 2
	;;
esac
