#!/usr/bin/env bash
# calibrate.sh: hold diagnose's storm estimate against the real keepalived.
#
# For a matrix of configuration shapes (VMAC or not; 1 or 4 VIPs; IPv4 or
# IPv6; 0 or 2 virtual routes; virtual rules; 1 or 2 interfaces; 64 or 255
# instances; VRRPv2 or v3), each under both flap modes (admin, carrier), it
# writes a keepalived.conf, asks `nlstress diagnose` for its estimate and
# advice, then replays the file on keepalived with `nlstress run
# --keepalived-conf` at the advised buffer for FLAPS flaps. The oracle gives
# the storm each flap really made; the run says whether the advice lost
# anything. Per shape and mode it records the estimate, the largest storm,
# their ratio and the loss at the advice; a shape fails when the estimate
# is below the storm of any mode or above 1.5 times the largest, or when
# the advice lost messages. A third mode, "admin+scripts+load" (unless
# WORST=0), is the worst measured so far (results/FINDINGS.md, "keepalived
# versions, link polling and costly scripts" and the host-load cells): an
# admin flap of the same file with a notify script per instance, run as a
# stand-in that burns 10 ms of CPU, beside 90 % host load on the daemon's
# CPUs. The advice must hold there too.
#
#   scripts/calibrate.sh [FLAPS] [OUT.tsv]     (defaults: 3, results/calibration.tsv)
#   ONLY="rules-64 static-track-64" scripts/calibrate.sh 3 /tmp/some.tsv   (those shapes only)
#   WORST=0 scripts/calibrate.sh                 (without the scripts-and-load mode)
#
# Exit 1 when any shape fails. Needs root, keepalived and a built nlstress
# (go build -o /tmp/nlstress ./cmd/nlstress, or NLSTRESS=path).
set -euo pipefail
cd "$(dirname "$0")/.."
FLAPS=${1:-3}
OUT=${2:-results/calibration.tsv}
NLSTRESS=${NLSTRESS:-/tmp/nlstress}
[ -x "$NLSTRESS" ] || go build -o "$NLSTRESS" ./cmd/nlstress
work=$(mktemp -d /tmp/nls-calibrate.XXXXXX)
trap 'rm -rf "$work"' EXIT

# conf INSTANCES VMAC VIPS FAMILY ROUTES RULES IFACES VERSION EXTRA: a
# keepalived.conf of that shape on stdout. Instances are spread evenly over
# eth2, eth3, ...; routes go through a gateway on the instance's interface.
# EXTRA: - (nothing), nodev (virtual routes without dev: keepalived tracks
# none, so joins no route group), static (one static route with a
# track_group: keepalived joins the IPv4 route group for it), synctrack (a
# sync group of all instances that tracks eth3 too).
conf() {
	local n=$1 vmac=$2 vips=$3 fam=$4 routes=$5 rules=$6 ifaces=$7 ver=$8 extra=$9
	local per=$((n / ifaces)) k i j dev
	dev=" dev eth2"
	[ "$extra" = nodev ] && dev=""
	echo "global_defs {"
	echo "    router_id calibrate"
	echo "    vrrp_version $ver"
	echo "}"
	if [ "$extra" = static ]; then
		printf 'track_group TG {\n    group {\n        VI_1\n    }\n}\n'
		printf 'static_routes {\n    10.250.0.0/16 via 192.168.50.1 dev eth2 track_group TG\n}\n'
	fi
	for ((k = 0; k < ifaces; k++)); do
		for ((i = 1; i <= per; i++)); do
			local id=$((k * per + i))
			echo "vrrp_instance VI_$id {"
			echo "    interface eth$((k + 2))"
			echo "    virtual_router_id $i"
			echo "    priority 150"
			echo "    advert_int 1"
			[ "$vmac" = 1 ] && echo "    use_vmac vrrp$((k + 2)).$i"
			echo "    virtual_ipaddress {"
			for ((j = 0; j < vips; j++)); do
				if [ "$fam" = 6 ]; then
					printf '        2001:db8:%x::%x/128\n' $((0x100 + j)) "$id"
				else
					echo "        10.$((100 + j)).$((id / 256)).$((id % 256))/32"
				fi
			done
			echo "    }"
			if [ "$routes" -gt 0 ]; then
				echo "    virtual_routes {"
				for ((j = 0; j < routes; j++)); do
					if [ "$fam" = 6 ]; then
						printf '        2001:db8:%x:%x::/64 via 2001:db8:50:%x::1 dev eth%d\n' $((0x200 + j)) "$id" "$k" $((k + 2))
					else
						echo "        10.$((200 + j)).$((id % 256)).0/24 via 192.168.$((50 + k)).1${dev:+ dev eth$((k + 2))}"
					fi
				done
				echo "    }"
			fi
			if [ "$rules" -gt 0 ]; then
				echo "    virtual_rules {"
				if [ "$fam" = 6 ]; then
					printf '        from 2001:db8:100::%x/128 table 100 priority %d\n' "$id" $((1000 + id))
				else
					echo "        from 10.100.$((id / 256)).$((id % 256))/32 table 100 priority $((1000 + id))"
				fi
				echo "    }"
			fi
			echo "}"
		done
	done
	if [ "$extra" = synctrack ]; then
		echo "vrrp_sync_group SG {"
		echo "    group {"
		for ((i = 1; i <= n; i++)); do echo "        VI_$i"; done
		echo "    }"
		echo "    track_interface {"
		echo "        eth3"
		echo "    }"
		echo "}"
	fi
}

# The matrix: a base shape, each factor changed alone, and the two shapes
# from the field (4 VIPs + 2 routes; 1 VIP + 1 route + 1 rule).
#        name              n   vmac vips fam routes rules ifaces ver extra
shapes=(
	"base-64            64   0    1    4   0      0     1      2   -"
	"vmac-64            64   1    1    4   0      0     1      2   -"
	"vips4-64           64   0    4    4   0      0     1      2   -"
	"ipv6-64            64   0    1    6   0      0     1      3   -"
	"routes2-64         64   0    1    4   2      0     1      2   -"
	"rules-64           64   0    1    4   0      1     1      2   -"
	"ifaces2-64         64   0    1    4   0      0     2      2   -"
	"v3-64              64   0    1    4   0      0     1      3   -"
	"vmac-255           255  1    1    4   0      0     1      2   -"
	"vips4-routes2-255  255  0    4    4   2      0     1      2   -"
	"vip-route-rule-255 255  0    1    4   1      1     1      2   -"
	"ipv6-vmac-255      255  1    1    6   0      0     1      3   -"
	"vmac-ifaces2-255   254  1    1    4   0      0     2      2   -"
	"ipv6-routes2-64    64   0    4    6   2      0     1      3   -"
	"routes2-nodev-64   64   0    4    4   2      0     1      2   nodev"
	"static-track-64    64   0    4    4   0      0     1      2   static"
	"sync-track-64      64   0    1    4   0      0     1      2   synctrack"
)

printf 'shape\tmode\tinstances\testimate\tstorm\testimate/storm\tadvice_effective\tflaps_with_loss\tok\n' >"$OUT.tmp"
fail=0
for s in "${shapes[@]}"; do
	read -r name n vmac vips fam routes rules ifaces ver extra <<<"$s"
	[ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]] && continue
	f="$work/$name.conf"
	conf "$n" "$vmac" "$vips" "$fam" "$routes" "$rules" "$ifaces" "$ver" "$extra" >"$f"
	est=$("$NLSTRESS" diagnose --keepalived-conf "$f" -o json 2>/dev/null || true)
	estimate=$(jq -r '.keepalived.estimate.storm' <<<"$est")
	request=$(jq -r '.keepalived.estimate.recommendation.request' <<<"$est")
	# The same file with a notify per instance, for the worst mode.
	sed 's/^vrrp_instance .* {$/&\n    notify \/etc\/keepalived\/notify.sh/' "$f" >"$f.scripts"
	modes=(admin carrier)
	[ "${WORST:-1}" = 0 ] || modes+=(admin+scripts+load)
	rows=() largest=0
	for mode in "${modes[@]}"; do
		out="$work/$name-$mode.json"
		args=(--keepalived-conf "$f" --flap-mode "$mode")
		if [ "$mode" = admin+scripts+load ]; then
			args=(--keepalived-conf "$f.scripts" --flap-mode admin --script-cost 10ms --host-load 90)
		fi
		"$NLSTRESS" run --target keepalived "${args[@]}" --rcvbuf "$request" --force \
			--flaps "$FLAPS" -o json >"$out" 2>"$work/$name-$mode.log" || true
		if ! jq -e '.totals' "$out" >/dev/null 2>&1; then
			echo "$name $mode: the run failed: $(tail -1 "$work/$name-$mode.log")" >&2
			fail=1
			continue
		fi
		storm=$(jq -r '.totals.largest_storm' "$out")
		largest=$((storm > largest ? storm : largest))
		rows+=("$mode $storm $(jq -r '.monitor.effective' "$out") $(jq -r '.totals.flaps_with_loss' "$out")")
	done
	# The estimate must cover every mode's storm, and stay within 1.5
	# times the largest: the advice has to hold for any way a link fails,
	# and on a busy host running the file's scripts.
	for row in "${rows[@]}"; do
		read -r mode storm effective lossy <<<"$row"
		ratio=$(awk -v e="$estimate" -v s="$storm" 'BEGIN { printf "%.2f", e / s }')
		ok=yes
		if awk -v e="$estimate" -v s="$storm" -v l="$largest" 'BEGIN { exit !(e < s || e > 1.5 * l) }' || [ "$lossy" != 0 ]; then
			ok=NO
			fail=1
		fi
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s/%s\t%s\n' "$name" "$mode" "$n" "$estimate" "$storm" "$ratio" "$effective" "$lossy" "$FLAPS" "$ok" | tee -a "$OUT.tmp"
	done
done
{
	echo "# scripts/calibrate.sh $FLAPS on $(uname -r), $(nproc) CPUs, $(keepalived --version 2>&1 | head -1), $(date -u +%F)"
	cat "$OUT.tmp"
} >"$OUT"
rm -f "$OUT.tmp"
exit $fail
