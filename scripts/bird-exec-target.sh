#!/bin/sh
# bird-exec-target.sh: BIRD 2 through the generic path, for 'nlstress run
# --target exec --probe': the same daemon --target bird runs, started and
# asked by this script instead of by nlstress, to show that the two paths
# give the same answer.
#
#   bird-exec-target.sh daemon   # --target-cmd: BIRD in the foreground with
#                                # device (scan $NLS_BIRD_SCAN, 5 s), direct
#                                # and kernel protocols, its netlink rx
#                                # buffer $NLS_RCVBUF (0: BIRD's default)
#   bird-exec-target.sh probe    # --probe: the links BIRD believes up
#                                # (AdminUp and LinkUp in "show interfaces")
#
#   nlstress run --target exec --vrids 64 --rcvbuf 2K \
#     --target-cmd "$PWD/scripts/bird-exec-target.sh daemon" \
#     --probe "$PWD/scripts/bird-exec-target.sh probe"
set -eu
cd "${NLS_RUN_DIR:?run me from nlstress --target exec}"
case ${1:-} in
daemon)
	rx=""
	[ "${NLS_RCVBUF:-0}" -gt 0 ] && rx="netlink rx buffer $NLS_RCVBUF;"
	cat >bird.conf <<CONF
log stderr all;
router id 10.255.0.1;
protocol device { scan time ${NLS_BIRD_SCAN:-5}; }
protocol direct { ipv4; ipv6; }
protocol kernel kernel_ipv4 { ipv4 { import all; export none; }; learn; $rx }
protocol kernel kernel_ipv6 { ipv6 { import all; export none; }; learn; $rx }
CONF
	exec bird -f -c bird.conf -s bird.ctl -P bird.pid
	;;
probe)
	exec birdc -s bird.ctl show interfaces | awk '
		/^[^ \t]/ && NF > 1 { name = $1 }
		/AdminUp/ && /LinkUp/ { print name }'
	;;
*)
	echo "usage: $0 daemon|probe" >&2
	exit 2
	;;
esac
