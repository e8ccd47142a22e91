#!/usr/bin/env bash
# Load with wrk while SIGKILLing workers, to see what a worker's death costs the clients.
#   workerpool-bench/kill-under-wrk.sh PORT MASTER_PID [SECONDS=20] [KILLS=4] [CONNECTIONS=50]
# Runs wrk -t2 -cCONNECTIONS -dSECONDS against http://127.0.0.1:PORT/ and, spread over the run, kill -9s the
# oldest child of MASTER_PID (the pool's master, or Node's cluster primary) KILLS times. Prints wrk's report
# and each kill. KILLS=0 gives the baseline. Loopback only.
# Environment:
#   READY_LOG=file READY_PATTERN=regex   before kill k, wait (up to 60 s) until the master's log has k-1 more
#       lines matching READY_PATTERN than at the start, i.e. every replacement so far has started: each kill
#       then hits a pool at full strength. Pool: READY_PATTERN='started in [0-9]+ ms'; Node peer: READY_PATTERN=' online$'.
#   CLOSE=1   one request per connection (wrk -H 'Connection: close') instead of keep-alive connections.
set -euo pipefail
PORT=$1 MASTER=$2 SECONDS_=${3:-20} KILLS=${4:-4} CONNECTIONS=${5:-50}
command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 1; }
HEADER=()
[ "${CLOSE:-0}" = 1 ] && HEADER=(-H 'Connection: close')

ready_lines() { grep -cE "$READY_PATTERN" "$READY_LOG" || true; }
await_ready() { # $1: lines wanted
  local until=$((SECONDS + 60))
  while [ "$(ready_lines)" -lt "$1" ] && [ $SECONDS -lt $until ]; do sleep 0.1; done
}

BASE=0
[ -n "${READY_LOG:-}" ] && BASE=$(ready_lines)
OUT=$(mktemp)
START=$(date +%s.%N)
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_}s" "${HEADER[@]}" "http://127.0.0.1:$PORT/" > "$OUT" 2>&1 &
WRK=$!
if [ "$KILLS" -gt 0 ]; then
  step=$(( SECONDS_ * 1000 / (KILLS + 1) ))
  for k in $(seq 1 "$KILLS"); do
    sleep "$(printf '%d.%03d' $((step / 1000)) $((step % 1000)))" # the kill schedule, not a synchronisation
    [ -n "${READY_LOG:-}" ] && await_ready $(( BASE + k - 1 ))
    victim=$(ps -o pid= --sort=start_time --ppid "$MASTER" | head -1 | tr -d ' ')
    if [ -n "$victim" ] && kill -9 "$victim"; then
      printf 'kill %d at %.1f s: pid %s\n' "$k" "$(echo "$(date +%s.%N) - $START" | bc)" "$victim"
    else
      echo "kill $k: no child of $MASTER to kill"
    fi
  done
fi
wait "$WRK"
cat "$OUT"
rm -f "$OUT"
