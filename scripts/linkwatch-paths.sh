#!/bin/bash
# linkwatch-paths.sh: which path the kernel's linkwatch took at each flap's
# link-down, beside what the flap lost and stranded. After eth2 goes down,
# linkwatch (net/core/link_watch.c) reports its VMACs' carrier changes
# mostly within a few milliseconds (urgent runs of up to 200), or at most
# 100 devices per run a second apart (MAX_DO_DEV_PER_LOOP,
# linkwatch_nextevent): with 255 VMACs, runs at 0, +1 s and +2 s. The script records every run of linkwatch's
# work function with perf (workqueue:workqueue_execute_start) around an
# nlstress run and prints, for each flap, the runs' times after the down
# and after the up, the messages the monitor lost and the instances left
# out of MASTER.
#
# Every run now records the path without perf: each phase's link_bursts
# (the link messages' bursts, timed by a socket of nlstress's own) and the
# totals' by_down_bursts (the rates per path). This script stays for what
# those cannot see: the runs of linkwatch's work function themselves.
#
# usage: scripts/linkwatch-paths.sh [nlstress run options...]
#   scripts/linkwatch-paths.sh -f scenarios/incident-scripts.yaml --flaps 10
#   scripts/linkwatch-paths.sh -f scenarios/incident-scripts.yaml --target builtin --flaps 10
# Needs root, perf (Debian: linux-perf) and python3; NLSTRESS names the
# binary (default: nlstress on PATH). Run one thing at a time: linkwatch is
# the whole host's, and so is what perf records.
set -eu
NLSTRESS=${NLSTRESS:-nlstress}
command -v perf >/dev/null || { echo "linkwatch-paths.sh: needs perf (apt-get install linux-perf)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "linkwatch-paths.sh: needs python3" >&2; exit 2; }
D=$(mktemp -d /tmp/nls-linkwatch.XXXXXX)
trap 'rm -rf "$D"' EXIT
# perf's clock here is CLOCK_MONOTONIC; the run's times are wall clock.
python3 -c 'import time; print(time.time() - time.clock_gettime(time.CLOCK_MONOTONIC))' >"$D/offset"
rc=0
perf record -q -k mono -a -e workqueue:workqueue_execute_start -o "$D/perf.data" -- \
	"$NLSTRESS" run "$@" --output json >"$D/run.json" || rc=$?
# 0: PASS, 1: a finding (instances stranded); anything else is a failure.
if [ "$rc" -gt 1 ]; then
	echo "linkwatch-paths.sh: nlstress run exited $rc" >&2
	exit "$rc"
fi
perf script -i "$D/perf.data" -F time,trace 2>/dev/null | grep linkwatch_event >"$D/runs" || true
python3 - "$D/run.json" "$D/runs" "$D/offset" <<'EOF'
import datetime, json, sys
run, runs, offset = json.load(open(sys.argv[1])), sys.argv[2], float(open(sys.argv[3]).read())
lw = [float(line.split(':')[0]) for line in open(runs)]
def mono(s):
    return datetime.datetime.fromisoformat(s.replace('Z', '')[:26] + '+00:00').timestamp() - offset
def after(t):
    return [round((x - t) * 1000) for x in lw if t <= x < t + 3]
paths = {}
for f in run['flaps']:
    down, up = after(mono(f['down_at'])), after(mono(f['up_at']))
    # One run at the down and the next a second later: linkwatch took 100
    # devices and left the rest. Two or more at once: an urgent run took
    # up to 200 more right away.
    batched = sum(1 for x in down if x < 100) == 1 and any(x >= 900 for x in down)
    stuck = len(f.get('stuck') or [])
    key = 'in runs of 100 a second apart' if batched else 'mostly at once'
    n, s = paths.get(key, (0, 0))
    paths[key] = (n + 1, s + (stuck > 0))
    print(f"flap {f['index']:2d}: linkwatch after the down {down} ms, after the up {up} ms; "
          f"lost {f['down']['drops']} down, {f['up']['drops']} up; {stuck} instances not MASTER")
for key, (n, s) in sorted(paths.items()):
    print(f"down reported {key}: {n} flaps, {s} of them stranded instances")
EOF
