#!/usr/bin/env bash
# bench/load/run.sh [--rounds N] [--duration S] [--peers rust,nginx,go,typed] [--scenarios a,b] [--out DIR]
#
# Whole-server load: build/bin/bench-server beside the shared harness's peers, measured
# by ../shared/bench/run-target.sh, interleaved as finely as the harness allows so that
# the machine's drift (30-50% between runs minutes apart) cancels out of the ratios:
#
#   all servers are started at once, each pinned to CPU 0 with one core of work
#   (an idle server costs nothing); then, for each round, for each scenario, every
#   server is measured back to back (wrk pinned to CPU 1, -t1 -c64, the harness's
#   checks before each run). A cell is the median over rounds of req/s per fully busy
#   server core; a ratio is the median over rounds of that round's ratio.
#
# The peer `typed` is bench-server --typed: brrtrouter with the handlers written against the
# code generated from the spec (docs/codegen.md) instead of the hand-written ones.
#
# Needs ../shared/bench/setup.sh to have built the peers (~/.cache/brrt-bench) and
# `make build` (BUILD_DIR, default build). Results: a markdown table on stdout and the
# harness's JSON files under --out (default a temporary directory, kept).
set -euo pipefail
cd "$(dirname "$0")/../.."

ROUNDS=3
DURATION=6
WARMUP=1
PEERS=rust,nginx,go
SCENARIO_LIST=health,pet_by_id,list_pets,create_pet,create_pet_invalid,user_post,secure_pets
OUT=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --peers) PEERS=$2; shift 2 ;;
    --scenarios) SCENARIO_LIST=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

BENCH=../shared/bench
BUILD_DIR=${BUILD_DIR:-build}
CACHE=${BENCH_CACHE:-$HOME/.cache/brrt-bench}
[[ -x $BENCH/run-target.sh ]] || { echo "needs ../shared/bench (the shared harness)" >&2; exit 2; }
[[ -x $BUILD_DIR/bin/bench-server ]] || { echo "needs $BUILD_DIR/bin/bench-server (make build)" >&2; exit 2; }
OUT=${OUT:-$(mktemp -d -t brrt-load.XXXXXX)}
mkdir -p "$OUT"
# Results of an earlier run in the same folder must not stand in for a server that fails now.
rm -f "$OUT"/*.r[0-9]*.json
SERVER_CPU=${SERVER_CPU:-0}

declare -A PORT=([brrtrouter]=18090 [typed]=18091 [rust]=18086 [nginx]=18085 [go]=18081)
declare -A LABEL=([brrtrouter]=brrtrouter [typed]=brrtrouter-typed [rust]=rust-hyper [nginx]=nginx-static [go]=go-nethttp)
declare -A PID=()
TARGETS=(brrtrouter)
IFS=, read -r -a WANTED <<<"$PEERS"

cleanup() {
  for p in "${PID[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pin=(taskset -c "$SERVER_CPU")
start() {  # target
  local t=$1 port=${PORT[$1]} log="$OUT/$1.log"
  # Another process on the port would answer the readiness probe for a server that then
  # fails to bind, and be measured in its place.
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
    echo "port $port ($t) is taken by another process; stop it first" >&2
    return 1
  fi
  case $t in
    brrtrouter) "${pin[@]}" "$BUILD_DIR/bin/bench-server" --port "$port" --threads 1 >"$log" 2>&1 & ;;
    typed) "${pin[@]}" "$BUILD_DIR/bin/bench-server" --typed --port "$port" --threads 1 >"$log" 2>&1 & ;;
    rust) [[ -x $CACHE/bin/rust-peer ]] || return 1
      "${pin[@]}" "$CACHE/bin/rust-peer" "127.0.0.1:$port" >"$log" 2>&1 & ;;
    go) [[ -x $CACHE/bin/go-peer ]] || return 1
      GOMAXPROCS=1 "${pin[@]}" "$CACHE/bin/go-peer" -addr "127.0.0.1:$port" >"$log" 2>&1 & ;;
    nginx) local bin dir="$OUT/nginx"
      bin=$(command -v nginx || echo /usr/sbin/nginx); [[ -x $bin ]] || return 1
      mkdir -p "$dir"
      sed -e "s#@PORT@#$port#g" -e "s#@RUNDIR@#$dir#g" "$BENCH/peers/nginx/nginx.conf.in" >"$dir/nginx.conf"
      "${pin[@]}" "$bin" -p "$dir/" -e "$dir/error.log" -c "$dir/nginx.conf" -g 'daemon off;' >"$log" 2>&1 & ;;
    *) echo "unknown peer: $t" >&2; return 1 ;;
  esac
  PID[$t]=$!
  for _ in $(seq 300); do
    kill -0 "${PID[$t]}" 2>/dev/null || break
    curl -sf -o /dev/null "http://127.0.0.1:$port/health" && kill -0 "${PID[$t]}" 2>/dev/null &&
      return 0
    sleep 0.05
  done
  echo "$t did not become ready; its log:" >&2; tail -5 "$log" >&2; return 1
}

start brrtrouter || exit 1
for p in "${WANTED[@]}"; do
  if start "$p"; then TARGETS+=("$p"); else echo "skipping $p (see above; peers are built by $BENCH/setup.sh)" >&2; fi
done

IFS=, read -r -a SCENARIOS <<<"$SCENARIO_LIST"
for ((r = 1; r <= ROUNDS; r++)); do
  for s in "${SCENARIOS[@]}"; do
    for t in "${TARGETS[@]}"; do
      kill -0 "${PID[$t]}" 2>/dev/null || { echo "$t (pid ${PID[$t]}) has exited; its log: $OUT/$t.log" >&2; exit 1; }
      DURATION=$DURATION WARMUP=$WARMUP "$BENCH/run-target.sh" "${LABEL[$t]}" "http://127.0.0.1:${PORT[$t]}" \
        --pid "${PID[$t]}" --scenarios "$s" --json "$OUT/$t.$s.r$r.json" | grep -v '^\[bench\]' >&2 || true
    done
  done
done

python3 - "$OUT" "$ROUNDS" "$SCENARIO_LIST" "${TARGETS[@]}" <<'PY'
import json, statistics, sys
from pathlib import Path
out, rounds, scen, targets = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(","), sys.argv[4:]
def cell(t, s, r):
    f = out / f"{t}.{s}.r{r}.json"
    if not f.exists(): return None
    d = json.loads(f.read_text())["scenarios"].get(s)
    if not d or not d.get("measured"): return None
    flagged = not d["checks_ok"] or d["unexpected_status"] or d["socket_errors"]
    return d["rps_per_server_core"], d["p99_ms"], bool(flagged)
def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None
print(f"req/s per fully busy server core, median of {rounds} interleaved rounds (\\* = flagged by the harness's checks)\n")
print("| server | " + " | ".join(scen) + " | p99 pet_by_id (ms) |")
print("|---|" + "---:|" * (len(scen) + 1))
for t in targets:
    row, flag = [], False
    for s in scen:
        cs = [cell(t, s, r) for r in range(1, rounds + 1)]
        m = med([c[0] for c in cs if c])
        f = any(c and c[2] for c in cs)
        row.append("-" if m is None else f"{m:,.0f}" + (" \\*" if f else ""))
    p99 = med([c[1] for c in (cell(t, "pet_by_id", r) for r in range(1, rounds + 1)) if c]) if "pet_by_id" in scen else None
    print(f"| {t} | " + " | ".join(row) + f" | {p99 if p99 is not None else '-'} |")
print("\nbrrtrouter / peer, median over rounds of the same-round ratio\n")
print("| peer | " + " | ".join(scen) + " |")
print("|---|" + "---:|" * len(scen))
for t in targets[1:]:
    row = []
    for s in scen:
        rs = []
        for r in range(1, rounds + 1):
            a, b = cell("brrtrouter", s, r), cell(t, s, r)
            if a and b: rs.append(a[0] / b[0])
        m = med(rs)
        row.append("-" if m is None else f"{m:.2f}")
    print(f"| {t} | " + " | ".join(row) + " |")
PY
echo "JSON files: $OUT" >&2
