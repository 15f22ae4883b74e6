#!/bin/sh
# An example of the --target exec contract: nlstress runs this inside the
# subject namespace with NLS_* variables describing the lab, and observes
# the daemon it starts only from outside (the wire, sock_diag). This one
# writes a keepalived configuration from the variables and runs keepalived
# in the foreground; any VRRP daemon can be started the same way.
#
#   nlstress run --target exec --target-cmd "$PWD/scripts/exec-target-keepalived.sh" --vrids 16 --advert-int 100ms
#
# The variables: NLS_RUN_DIR (a directory for the daemon's files),
# NLS_INTERFACE, NLS_VRIDS (instances for VRIDs 1..N), NLS_VRRP_VERSION,
# NLS_ADVERT_INT (seconds), NLS_PRIORITY (above the peer's 100; preempt),
# NLS_RCVBUF (the buffer under test, bytes), NLS_VIPS_FILE (lines of
# "VRID INTERFACE ADDRESS"). The daemon is stopped with SIGTERM to its
# process group.
set -eu
conf="$NLS_RUN_DIR/keepalived.conf"
{
	echo "global_defs {"
	echo "  router_id nls-exec"
	echo "  vrrp_netlink_monitor_rcv_bufs $NLS_RCVBUF"
	echo "  vrrp_netlink_monitor_rcv_bufs_force"
	echo "}"
	v=1
	while [ "$v" -le "$NLS_VRIDS" ]; do
		echo "vrrp_instance VI_$v {"
		echo "  state BACKUP"
		echo "  interface $NLS_INTERFACE"
		echo "  virtual_router_id $v"
		echo "  priority $NLS_PRIORITY"
		echo "  version $NLS_VRRP_VERSION"
		echo "  advert_int $NLS_ADVERT_INT"
		echo "  virtual_ipaddress {"
		awk -v v="$v" '$1 == v { print "    " $3 }' "$NLS_VIPS_FILE"
		echo "  }"
		echo "}"
		v=$((v + 1))
	done
} >"$conf"
exec keepalived --dont-fork --log-console --no-syslog --vrrp --use-file "$conf" \
	--pid "$NLS_RUN_DIR/keepalived.pid" --vrrp_pid "$NLS_RUN_DIR/vrrp.pid"
