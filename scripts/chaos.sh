#!/usr/bin/env bash
# Chaos: start nlstress runs and kill them at random moments with SIGINT,
# SIGTERM and SIGKILL (the built-in engine, keepalived and FRR in turn), run
# "nlstress cleanup" after each SIGKILL, and check that nothing was left
# and nothing outside the lab changed: the root namespace's links,
# addresses, routes and rules of both families and rmem sysctls, the
# namespaces under /run/netns, /run/nlstress, mounts, daemons, and FRR's
# crash-log directories on the host. A result a run saved (--save) on its way out must
# parse and hold as many flaps as it says it measured; every other run is
# signalled after its first flap, and one stopped by SIGINT or SIGTERM
# then must have saved it. Needs root, keepalived and FRR
# (scripts/install-test-deps.sh).
#
#   scripts/chaos.sh [RUNS]     # default 18: 2 of each signal on each target
#
# Prints one line per run and a table per signal; exits 1 on a panic, an
# exit code other than the signal's (or a run's own 0/1 when it finished
# before the signal), a leftover after cleanup or a change outside the lab.
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-18}
work=$(mktemp -d -t nlstress-chaos.XXXXXX)
bin=$work/nlstress
go build -o "$bin" ./cmd/nlstress || exit 2

# snapshot prints what must not change outside the lab.
snapshot() {
	ip -o link show | sed 's/ qlen [0-9]*//'
	ip -o addr show
	ip -4 route show table all
	ip -6 route show table all
	ip -4 rule show
	ip -6 rule show
	sysctl -n net.core.rmem_max net.core.rmem_default
	# FRR's crash-log directories: the lab's daemons have a /var/tmp of
	# their own, so the host's must not gain any (a host's own FRR may
	# have some already).
	ls /var/tmp/frr 2>/dev/null
}
# leftovers prints the lab objects that exist now.
leftovers() {
	ls /run/netns 2>/dev/null | grep '^nls-' | sed 's/^/netns /'
	ls /run/nlstress 2>/dev/null | sed 's/^/rundir /'
	grep ' /run/netns/nls-' /proc/mounts | awk '{print "mount " $2}'
	for p in $(pgrep -x keepalived) $(pgrep -x zebra) $(pgrep -x vrrpd); do
		if tr '\0' ' ' </proc/$p/cmdline 2>/dev/null | grep -q /run/nlstress; then echo "daemon $(cat /proc/$p/comm 2>/dev/null) $p"; fi
	done
}

if [ -n "$(leftovers)" ]; then
	echo "chaos: the host has nlstress leftovers before the first run; run 'nlstress cleanup' first:" >&2
	leftovers >&2
	exit 2
fi
snapshot >"$work/before"
signals=(INT TERM KILL)
declare -A runs_of ok_of codes_of panics_of before_of after_of
fail=0
for ((i = 0; i < runs; i++)); do
	sig=${signals[i % 3]}
	target=builtin
	args=(run --vrids 64 --vmac --advert-int 1s --flaps 3)
	case $((i / 3 % 3)) in
	1)
		target=keepalived
		args+=(--target keepalived)
		;;
	2)
		target=frr
		args+=(--target frr)
		;;
	esac
	delay=$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", 0.2 + rand() * 8 }')
	saved=$work/result.$i.json
	"$bin" "${args[@]}" --save "$saved" >/dev/null 2>"$work/stderr.$i" &
	pid=$!
	# Every other run is signalled in its second flap, at a random moment
	# of its first 2 s, once the first is done (waited for, with a
	# deadline): what it measured must be saved.
	after_flap=$((i % 2))
	if [ "$after_flap" = 1 ]; then
		for ((t = 0; t < 1200; t++)); do
			grep -q 'flap done' "$work/stderr.$i" && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		delay=$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", rand() * 2 }')
	fi
	sleep "$delay" # the random moment is the point of the test
	[ "$after_flap" = 1 ] && delay="flap 1 + $delay"
	kill -s "$sig" "$pid" 2>/dev/null
	{ wait "$pid"; } 2>/dev/null
	code=$?
	want=$((128 + $(kill -l "$sig")))
	panic=0
	grep -q -e '^panic' -e 'goroutine [0-9]' "$work/stderr.$i" && panic=1
	left_before=$(leftovers | wc -l)
	if [ "$sig" = KILL ]; then
		"$bin" cleanup >"$work/cleanup.$i" 2>&1 || echo "chaos: cleanup after run $i failed: $(cat "$work/cleanup.$i")" >&2
	fi
	left_after=$(leftovers | wc -l)
	# What was saved parses, and its flaps are those it says it has: all
	# three, or after_flaps of an interrupted run. A SIGKILLed run saves
	# nothing, and a file half-written would be a failure too.
	result=none
	if [ -e "$saved" ]; then
		result=$(python3 - "$saved" <<'PY' 2>&1
import json, sys
r = json.load(open(sys.argv[1]))
n = len(r.get("flaps") or [])
i = r.get("interrupted")
want = i["after_flaps"] if i else r["scenario"]["flaps"]
print(f"{n} flaps" + (f", interrupted by {i['by']}" if i else "") if n == want else f"BAD: {n} flaps, says {want}")
PY
		) || result="BAD: $result"
	fi
	clean=1
	case $result in BAD*) clean=0 ;; esac
	# A run may finish before its signal: then its own 0 or 1 is right.
	if [ "$code" != "$want" ] && [ "$code" != 0 ] && [ "$code" != 1 ]; then clean=0; fi
	if [ "$panic" = 1 ] || [ "$left_after" != 0 ]; then clean=0; fi
	if [ "$sig" != KILL ] && [ "$left_before" != 0 ]; then clean=0; fi
	# Stopped after a flap by INT or TERM, it saved that flap.
	if [ "$after_flap" = 1 ] && [ "$sig" != KILL ] && [ "$result" = none ]; then clean=0; fi
	if [ "$clean" = 0 ]; then
		fail=1
		echo "chaos: run $i ($target, SIG$sig after ${delay}s) exit $code, panic $panic, leftovers $left_before then $left_after, saved $result: $(tail -n 3 "$work/stderr.$i")" >&2
		leftovers >&2
	fi
	printf 'run %3d  %-10s SIG%-4s after %5ss: exit %3d  leftovers %d -> %d  saved: %s\n' "$i" "$target" "$sig" "$delay" "$code" "$left_before" "$left_after" "$result"
	runs_of[$sig]=$((${runs_of[$sig]:-0} + 1))
	ok_of[$sig]=$((${ok_of[$sig]:-0} + clean))
	codes_of[$sig]="${codes_of[$sig]:-} $code"
	panics_of[$sig]=$((${panics_of[$sig]:-0} + panic))
	before_of[$sig]=$((${before_of[$sig]:-0} + left_before))
	after_of[$sig]=$((${after_of[$sig]:-0} + left_after))
done
snapshot >"$work/after"
if ! diff -u "$work/before" "$work/after" >"$work/diff"; then
	fail=1
	echo "chaos: the root namespace changed:" >&2
	cat "$work/diff" >&2
fi

echo
echo "| signal | runs | clean | exit codes | panics | leftovers before cleanup | after cleanup |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for sig in "${signals[@]}"; do
	[ -n "${runs_of[$sig]:-}" ] || continue
	codes=$(tr ' ' '\n' <<<"${codes_of[$sig]}" | grep . | sort | uniq -c | awk '{printf "%s%s×%s", sep, $2, $1; sep=", "}')
	echo "| SIG$sig | ${runs_of[$sig]} | ${ok_of[$sig]} | $codes | ${panics_of[$sig]} | ${before_of[$sig]} | ${after_of[$sig]} |"
done
echo
if [ -s "$work/diff" ]; then echo "root namespace: CHANGED"; else echo "root namespace: unchanged (links, addresses, routes and rules of both families, rmem sysctls, FRR crash-log directories)"; fi
rm -rf "$work"
passed=0
for sig in "${signals[@]}"; do passed=$((passed + ${ok_of[$sig]:-0})); done
echo "chaos: $passed passed, $((runs - passed)) failed"
exit "$fail"
