#!/usr/bin/env bash
# bench/ws/run.sh [BRRTROUTER] [SOCKETS] [MESSAGES] [SIZE]
#
# WebSocket echo through `brrtrouter serve` (the pet store's spec-only /ws/echo), one worker
# pinned to CPU 0, the npm `ws` client (bench/ws/echo.mjs) pinned to CPU 1: prints the round
# trips per second and the server's CPU time per round trip (user + system, from
# /proc/PID/stat), the measure that does not depend on how fast the client is. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-build/bin/brrtrouter}
SOCKETS=${2:-1}
MESSAGES=${3:-20000}
SIZE=${4:-32}
PORT=${PORT:-18931}
[[ -x $BIN ]] || { echo "needs $BIN (make build)" >&2; exit 2; }
taskset -c 0 "$BIN" serve examples/pet_store/openapi.yaml --port "$PORT" --threads 1 \
  --config examples/pet_store/config.yaml >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for ((i = 0; i < 200; i++)); do
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break
  sleep 0.05
done
ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
before=$(ticks)
out=$(taskset -c 1 node bench/ws/echo.mjs "ws://127.0.0.1:$PORT/ws/echo" "$SOCKETS" "$MESSAGES" "$SIZE")
after=$(ticks)
hz=$(getconf CLK_TCK)
python3 -c "
import sys
trips = $SOCKETS * $MESSAGES
cpu = ($after - $before) / $hz
print('$out; server CPU %.2f s, %.2f us per round trip' % (cpu, cpu / trips * 1e6))"
