#!/usr/bin/env bash
# Throughput of one route behind a bearer JWT (RS256, keys from a PEM) against the same
# route without security, measured like ../shared/bench: server pinned to CPU 0 with one
# worker, wrk pinned to CPU 1 (-t1 -c64), the shared wrk script with rotating ids.
# Usage: bench/jwt/run.sh [SECONDS]   (from the repository root, after make build)
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-8}
BUILD_DIR=${BUILD_DIR:-build}
WRK_LUA=../shared/bench/wrk/bench.lua
[ -f "$WRK_LUA" ] || { echo "needs ../shared/bench (wrk script)"; exit 2; }
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
# An RS256 key pair and a token from jose (an independent implementation).
node --input-type=module -e "
import { generateKeyPair, exportSPKI, SignJWT } from 'jose';
import { writeFileSync } from 'node:fs';
const { publicKey, privateKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
writeFileSync('$work/key.pem', await exportSPKI(publicKey));
writeFileSync('$work/token', await new SignJWT({}).setProtectedHeader({ alg: 'RS256' })
  .setIssuer('bench').setAudience('bench').setExpirationTime('2h').sign(privateKey));
"
cat > "$work/config.yaml" <<YAML
log: {access: false}
security:
  jwt:
    BearerAuth: {public_key_file: $work/key.pem, iss: bench, aud: bench}
YAML
PORT=18099
taskset -c 0 "./$BUILD_DIR/bin/brrtrouter" serve bench/jwt/openapi.yaml --config "$work/config.yaml" \
  --port $PORT --threads 1 2>"$work/server.log" &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/pets/1" >/dev/null && break; sleep 0.1; done
token=$(cat "$work/token")
curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$PORT/secure/pets/1" >/dev/null \
  || { echo "the JWT route refused the token"; cat "$work/server.log"; exit 1; }
run() {  # path [header]
  BENCH_PATH="$1" BENCH_IDS=1000 BENCH_HEADER="${2:-}" taskset -c 1 \
    wrk -t1 -c64 -d"${DURATION}s" --timeout 2s -s "$WRK_LUA" "http://127.0.0.1:$PORT" \
    | awk '/Requests\/sec/ {print $2}'
}
run "/pets/{id}" >/dev/null  # warm-up
public=$(run "/pets/{id}")
secured=$(run "/secure/pets/{id}" "Authorization: Bearer $token")
echo "public route:      $public req/s"
echo "bearer JWT route:  $secured req/s"
awk -v a="$secured" -v b="$public" 'BEGIN { printf "ratio secured/public: %.2f\n", a / b }'
