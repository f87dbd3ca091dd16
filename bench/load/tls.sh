#!/usr/bin/env bash
# bench/load/tls.sh [--rounds N] [--duration S] [--scenarios a,b]
#
# HTTPS against plain HTTP, same binary, same run: build/bin/bench-server twice, one with a
# certificate made here (openssl, EC P-256, TLS 1.3), both pinned to CPU 0, measured back to
# back per round and scenario by ../shared/bench/run-target.sh (wrk pinned to CPU 1, keep-alive
# connections: the handshake is paid once per connection, the records on every request; curl's
# checks trust the certificate through CURL_CA_BUNDLE). Prints req/s per fully busy server core
# for each, and the median ratio HTTPS / HTTP.
set -euo pipefail
cd "$(dirname "$0")/../.."

ROUNDS=3
DURATION=5
SCENARIO_LIST=health,pet_by_id,create_pet
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --scenarios) SCENARIO_LIST=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
BENCH=../shared/bench
BIN=${BUILD_DIR:-build}/bin/bench-server
[[ -x $BENCH/run-target.sh ]] || { echo "needs ../shared/bench (the shared harness)" >&2; exit 2; }
[[ -x $BIN ]] || { echo "needs $BIN (make build)" >&2; exit 2; }
command -v openssl >/dev/null || { echo "needs openssl" >&2; exit 2; }

dir=$(mktemp -d -t brrt-tls.XXXXXX)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$dir"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null

PLAIN_PORT=${PLAIN_PORT:-18181}
TLS_PORT=${TLS_PORT:-18182}
taskset -c 0 "$BIN" --port "$PLAIN_PORT" --threads 1 2>"$dir/plain.log" &
pids+=($!)
plain_pid=$!
taskset -c 0 "$BIN" --port "$TLS_PORT" --threads 1 --tls-cert "$dir/cert.pem" \
  --tls-key "$dir/key.pem" 2>"$dir/tls.log" &
pids+=($!)
tls_pid=$!
for _ in $(seq 1 100); do
  curl -fs -o /dev/null "http://127.0.0.1:$PLAIN_PORT/health" &&
    curl -fs -o /dev/null --cacert "$dir/cert.pem" "https://localhost:$TLS_PORT/health" && break
  sleep 0.1
done

# req/s per fully busy server core of one run-target.sh JSON, for one scenario ("-" when the
# harness flagged the run: a failed check, unexpected statuses or socket errors).
per_core() {
  python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["scenarios"][sys.argv[2]]
bad = not d["checks_ok"] or d["unexpected_status"] or d["socket_errors"]
print("-" if bad or not d.get("measured") else round(d["rps_per_server_core"]))
PY
}

IFS=, read -r -a scenarios <<<"$SCENARIO_LIST"
declare -A results
for round in $(seq 1 "$ROUNDS"); do
  for s in "${scenarios[@]}"; do
    DURATION=$DURATION "$BENCH/run-target.sh" brrt-http "http://127.0.0.1:$PLAIN_PORT" \
      --scenarios "$s" --pid "$plain_pid" --json "$dir/plain.json" >/dev/null
    CURL_CA_BUNDLE="$dir/cert.pem" DURATION=$DURATION "$BENCH/run-target.sh" brrt-https \
      "https://localhost:$TLS_PORT" --scenarios "$s" --pid "$tls_pid" \
      --json "$dir/tls.json" >/dev/null
    p=$(per_core "$dir/plain.json" "$s")
    t=$(per_core "$dir/tls.json" "$s")
    results[$s]+="$p/$t "
    echo "round $round $s: http $p, https $t req/s per busy core" >&2
  done
done

printf '| scenario | HTTP (req/s per core, rounds) | HTTPS (req/s per core, rounds) | HTTPS / HTTP, median |\n'
printf '| --- | --- | --- | ---: |\n'
for s in "${scenarios[@]}"; do
  python3 - "$s" "${results[$s]}" <<'PY'
import statistics, sys
pairs = [p.split("/") for p in sys.argv[2].split()]
ok = [(float(p), float(t)) for p, t in pairs if p != "-" and t != "-"]
ratio = f"{statistics.median(t / p for p, t in ok):.2f}" if ok else "-"
print(f"| {sys.argv[1]} | {', '.join(p for p, _ in pairs)} | {', '.join(t for _, t in pairs)} | {ratio} |")
PY
done
