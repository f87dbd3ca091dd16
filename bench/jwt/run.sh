#!/usr/bin/env bash
# Throughput of one route behind a bearer JWT (RS256, keys from a PEM) against the same
# route without security, measured like ../shared/bench: server pinned to CPU 0 with one
# worker, wrk pinned to CPU 1 (-t1 -c64), the shared wrk script with rotating ids.
# Usage: [ROUNDS=5] bench/jwt/run.sh [SECONDS]   (from the repository root, after make build)
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-4}
ROUNDS=${ROUNDS:-5}
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
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
run() {  # path [header] -> "req/s req-per-server-cpu-second"
  local t0 t1 out
  t0=$(cpu_ticks)
  out=$(BENCH_PATH="$1" BENCH_IDS=1000 BENCH_HEADER="${2:-}" taskset -c 1 \
    wrk -t1 -c64 -d"${DURATION}s" --timeout 2s -s "$WRK_LUA" "http://127.0.0.1:$PORT")
  t1=$(cpu_ticks)
  awk -v ticks=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" '
    /^ +[0-9]+ requests in/ {n = $1} /Requests\/sec/ {r = $2}
    END {printf "%.0f %.0f\n", r, n / (ticks / hz)}' <<<"$out"
}
run "/pets/{id}" >/dev/null  # warm-up
# Alternate the two routes so the machine's drift falls on both; report per-round ratios
# of requests per server CPU second (the harness's "per fully busy core") and their median.
ratios=()
for ((i = 1; i <= ROUNDS; i++)); do
  read -r pub_rps pub_core < <(run "/pets/{id}")
  read -r sec_rps sec_core < <(run "/secure/pets/{id}" "Authorization: Bearer $token")
  ratio=$(awk -v a="$sec_core" -v b="$pub_core" 'BEGIN {printf "%.2f", a / b}')
  ratios+=("$ratio")
  echo "round $i: public $pub_rps req/s ($pub_core per busy core), bearer JWT $sec_rps req/s ($sec_core per busy core), ratio $ratio"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
echo "median ratio secured/public (per busy core): $median"
