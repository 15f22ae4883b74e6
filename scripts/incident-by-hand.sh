#!/bin/bash
# incident-by-hand.sh: the seed incident flapped by hand, without nlstress,
# to compare nlstress's keepalived runs with. keepalived 2.2.7 with 255
# instances on eth2 (use_vmac, priority 200, VRRPv2, 1 s adverts, its
# default monitor buffer), no peer router; after all are MASTER: eth2 down,
# DOWN seconds, up, then count the instances back in MASTER (from the
# notify FIFO) and the monitor socket's drops (/proc/net/netlink).
#
# usage: scripts/incident-by-hand.sh [FLAPS [DOWN_SECONDS [keepalived options...]]]
#   scripts/incident-by-hand.sh 20 6                  # as packaged: syslog
#   scripts/incident-by-hand.sh 12 6 --log-console    # what logging changes
#   PEER=1 scripts/incident-by-hand.sh 12 6           # with a peer router: a
#       second keepalived at priority 100, no VMACs, on the veth's other end
#   LISTENER=1 scripts/incident-by-hand.sh 12 6       # with a second socket
#       on keepalived's groups that reads nothing (64 MiB buffer), as
#       nlstress's oracle is during a storm
#   LISTENER=2 scripts/incident-by-hand.sh 12 6   # a second socket that
#       reads and parses every message as it comes ('ip monitor link
#       address'), as nlstress's oracle does
#   RCVBUF=98304 scripts/incident-by-hand.sh 30 6 # keepalived's monitor
#       buffer forced to this size (vrrp_netlink_monitor_rcv_bufs and
#       _force), as 'nlstress run --rcvbuf 96K' does
#   NOTIFY=1 scripts/incident-by-hand.sh 30 6     # a notify script on every
#       instance that counts itself and exits at once, as nlstress's
#       stand-in does (--notify-scripts, scenarios/incident-scripts.yaml)
#
# Its namespaces are nls-hand-subject and nls-hand-peer; it removes them on
# exit ('nlstress cleanup' removes them too, and so does any 'nlstress run'
# started meanwhile: run one thing at a time). Needs root and keepalived.
set -u
FLAPS=${1:-10}
DOWN=${2:-6}
shift $(( $# < 2 ? $# : 2 ))
NS=nls-hand-subject PNS=nls-hand-peer D=/run/nlstress/hand
N=255

cleanup() {
	for p in $D/pid $D/ppid; do [ -f $p ] && kill "$(cat $p)" 2>/dev/null; done
	for _ in $(seq 50); do pgrep -f "use-file $D/[kp].conf" >/dev/null || break; sleep 0.1; done
	pkill -9 -f "use-file $D/k.conf" 2>/dev/null
	pkill -9 -f "use-file $D/p.conf" 2>/dev/null
	pkill -f "s.bind((0, (1 << 0)" 2>/dev/null
	[ -n "${CAT:-}" ] && kill "$CAT" 2>/dev/null
	[ -n "${MON:-}" ] && kill "$MON" 2>/dev/null
	ip netns del $NS 2>/dev/null
	ip netns del $PNS 2>/dev/null
	rm -rf $D
}
trap cleanup EXIT
cleanup
mkdir -p $D
ip netns add $NS
ip netns add $PNS
ip -n $NS link add eth2 type veth peer name eth2 netns $PNS
ip -n $NS addr add 192.168.2.1/24 dev eth2
ip -n $NS link set lo up
ip -n $NS link set eth2 up
ip -n $PNS addr add 192.168.2.2/24 dev eth2
ip -n $PNS link set lo up
ip -n $PNS link set eth2 up
mkfifo $D/fifo
printf '#!/bin/sh\nprintf . >> %s/notified\nexit 0\n' $D >$D/standin
chmod 755 $D/standin
{
	printf 'global_defs {\n  router_id hand\n  notify_fifo %s\n  vrrp_garp_master_delay 0\n  vrrp_garp_master_repeat 1\n  vrrp_garp_master_refresh 0\n' $D/fifo
	[ -n "${RCVBUF:-}" ] && printf '  vrrp_netlink_monitor_rcv_bufs %d\n  vrrp_netlink_monitor_rcv_bufs_force\n' "$RCVBUF"
	printf '}\n'
	for i in $(seq 1 $N); do
		printf 'vrrp_instance VI_%d {\n  state BACKUP\n  interface eth2\n  virtual_router_id %d\n  priority 200\n  version 2\n  advert_int 1\n  use_vmac vrrp.%d\n  virtual_ipaddress {\n    198.19.0.%d/32\n  }\n' "$i" "$i" "$i" "$i"
		[ "${NOTIFY:-0}" = 1 ] && printf '  notify "%s/standin notify"\n' $D
		printf '}\n'
	done
} >$D/k.conf
if [ "${PEER:-0}" = 1 ]; then
	{
		printf 'global_defs {\n  router_id peer\n}\n'
		for i in $(seq 1 $N); do
			printf 'vrrp_instance VI_%d {\n  state BACKUP\n  interface eth2\n  virtual_router_id %d\n  priority 100\n  version 2\n  advert_int 1\n  virtual_ipaddress {\n    198.19.0.%d/32\n  }\n}\n' "$i" "$i" "$i"
		done
	} >$D/p.conf
	(ip netns exec $PNS keepalived --dont-fork --vrrp --use-file $D/p.conf --pid $D/ppid --vrrp_pid $D/pvpid >/dev/null 2>&1 &)
fi
if [ "${LISTENER:-0}" = 1 ]; then
	# RTNLGRP_LINK 1, IPV4_IFADDR 5, IPV6_IFADDR 9; SO_RCVBUFFORCE 33.
	(ip netns exec $NS python3 -c '
import socket, signal
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)
s.bind((0, (1 << 0) | (1 << 4) | (1 << 8)))
signal.pause()' &)
elif [ "${LISTENER:-0}" = 2 ]; then
	ip -n $NS monitor link address >/dev/null &
	MON=$!
fi
cat $D/fifo >$D/states &
CAT=$!
ip netns exec $NS keepalived --dont-fork --vrrp --use-file $D/k.conf --pid $D/pid --vrrp_pid $D/vpid "$@" >$D/log 2>&1 &

masters() { awk '$1=="INSTANCE"{s[$2]=$3} END{n=0; for (k in s) if (s[k]=="MASTER") n++; print n}' $D/states; }
# The monitor: the one rtnetlink socket with groups in the namespace.
drops() { ip netns exec $NS awk 'NR>1 && $2==0 && $4!="00000000" {print $9; exit}' /proc/net/netlink; }
waitall() { for _ in $(seq $(($1 * 10))); do [ "$(masters)" = $N ] && return 0; sleep 0.1; done; return 1; }

waitall 30 || { echo "never converged: $(masters) of $N MASTER" >&2; exit 1; }
sleep 2
stuck=0
for k in $(seq 1 "$FLAPS"); do
	d0=$(drops)
	ip -n $NS link set eth2 down
	sleep "$DOWN"
	d1=$(drops)
	ip -n $NS link set eth2 up
	waitall 15
	sleep 1
	m=$(masters) d2=$(drops)
	[ "$m" != $N ] && stuck=$((stuck + 1))
	echo "flap $k: MASTER $m/$N, drops down $((d1 - d0)), up $((d2 - d1))"
done
notified=$(stat -c %s $D/notified 2>/dev/null || echo 0)
echo "stuck after $stuck of $FLAPS flaps (keepalived options: ${*:-none}; peer: ${PEER:-0}; listener: ${LISTENER:-0}; rcvbuf: ${RCVBUF:-default}; notify scripts: ${NOTIFY:-0}, ran $notified times)"
