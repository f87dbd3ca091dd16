#!/usr/bin/env bash
# bench/ws/run.sh [BRRTROUTER] [SOCKETS] [MESSAGES] [SIZE]
#
# WebSocket echo through `brrtrouter serve` (the pet store's spec-only /ws/echo), one worker
# pinned to CPU 0, the npm `ws` client (bench/ws/echo.mjs) pinned to CPU 1: prints the round
# trips per second and the server's CPU time per round trip (user + system, from
# /proc/PID/stat), the measure that does not depend on how fast the client is. Loopback only.
# TLS=1: over wss:// (a certificate made here with openssl, EC P-256, TLS 1.3; the client
# trusts it through NODE_EXTRA_CA_CERTS).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-build/bin/brrtrouter}
SOCKETS=${2:-1}
MESSAGES=${3:-20000}
SIZE=${4:-32}
PORT=${PORT:-18931}
[[ -x $BIN ]] || { echo "needs $BIN (make build)" >&2; exit 2; }
dir=$(mktemp -d -t brrt-ws.XXXXXX)
tls=() scheme=http
if [[ ${TLS:-0} == 1 ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
  tls=(--tls-cert "$dir/cert.pem" --tls-key "$dir/key.pem")
  scheme=https
  export NODE_EXTRA_CA_CERTS=$dir/cert.pem
fi
taskset -c 0 "$BIN" serve examples/pet_store/openapi.yaml --port "$PORT" --threads 1 \
  --config examples/pet_store/config.yaml "${tls[@]}" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true; rm -rf "$dir"' EXIT
for ((i = 0; i < 200; i++)); do
  curl -sf --cacert "$dir/cert.pem" "$scheme://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  curl -sf "$scheme://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  sleep 0.05
done
ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
before=$(ticks)
ws=ws
[[ $scheme == https ]] && ws=wss
out=$(taskset -c 1 node bench/ws/echo.mjs "$ws://127.0.0.1:$PORT/ws/echo" "$SOCKETS" "$MESSAGES" "$SIZE")
after=$(ticks)
hz=$(getconf CLK_TCK)
python3 -c "
import sys
trips = $SOCKETS * $MESSAGES
cpu = ($after - $before) / $hz
print('$out; server CPU %.2f s, %.2f us per round trip' % (cpu, cpu / trips * 1e6))"
