#!/usr/bin/env bash
# 压测工具自检：对同一个只做验签/解密/加密回复的对照服务（hongqi-load -echo-server），
# 轮流用 hongqi-load 和 wrk 压，比较每秒请求数。两者接近，说明 hongqi-load 没有拖低测量。
# wrk 反复发同一个签名请求（hongqi-load -dump-request 生成，每轮重新生成，免得超出
# 5 分钟重放窗口）；对照服务不去重，所以可以这样比。结果写入 BENCHMARKS.md 时连同本命令。
#
#   scripts/bench-loadtool.sh [每次时长，默认 5s] [并发档，默认 "1 8 32"] [轮数，默认 5]
#
# LOAD=某个 hongqi-load 可执行文件：换用别的版本（例如改动前的）压，对照服务仍用当前代码。
# WRK_THREADS：wrk 的 -t，默认 1（不超过并发数）。ECHO_PORT：对照服务端口，默认 18091。
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "需要 wrk（Debian：apt-get install -y wrk）" >&2; exit 1; }
DUR=${1:-5s}
LEVELS=${2:-1 8 32}
ROUNDS=${3:-5}
WT=${WRK_THREADS:-1}
ADDR=127.0.0.1:${ECHO_PORT:-18091}
URL=http://$ADDR/wecom/callback
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

go build -o "$tmp/hongqi-load" ./cmd/hongqi-load
LOAD=${LOAD:-$tmp/hongqi-load}
"$tmp/hongqi-load" -echo-server "$ADDR" 2>"$tmp/echo.log" &
ECHO_PID=$!
for _ in $(seq 1 50); do
  "$tmp/hongqi-load" -url "$URL" -url-check >/dev/null 2>&1 && break
  sleep 0.2
done
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; } # 用户态 + 内核态，单位 1/100 秒
secs=${DUR%s}

TIMEFORMAT='%U %S'
# line 轮 工具 并发 req/s 服务端CPU% 工具CPU%：打印一次测量，外加工具每个请求用的 CPU（微秒）。
line() {
  printf '%-5s %-11s %5s %9s %9s %9s %8s\n' "$@" "$(awk -v u="$6" -v r="$4" 'BEGIN {printf "%.1f", u / 100 / r * 1e6}')"
}
# run_load 轮 并发：hongqi-load 压一次。服务端与自身的 CPU 由它自己报告（只算计时阶段）；
# 老版本没有 load-cpu% 这一列，也不在计时前生成请求，就用整个进程的 CPU。
run_load() {
  { time "$LOAD" -url "$URL" -label crypto -c "$2" -d "$DUR" -pid "$ECHO_PID" >"$tmp/load.out" 2>"$tmp/load.err"; } 2>"$tmp/load.time"
  cat "$tmp/load.err" >&2
  local rps errs srv self
  read -r rps errs srv self <<<"$(tail -1 "$tmp/load.out" | awk '{print $4, $7, $10, $12}')"
  [ -n "$self" ] || self=$(awk -v d="$secs" '{printf "%.0f", ($1 + $2) / d * 100}' "$tmp/load.time")
  [ "$errs" = 0 ] || echo "  hongqi-load: $errs errors" >&2
  line "$1" hongqi-load "$2" "$rps" "$srv" "$self"
}
# run_wrk 轮 并发：wrk 压一次，服务端 CPU 从 /proc 读。
run_wrk() {
  local s0 s1 rps srv self
  s0=$(cpu "$ECHO_PID")
  { time wrk -t"$((WT < $2 ? WT : $2))" -c"$2" -d"$DUR" -s "$tmp/req.lua" "http://$ADDR" >"$tmp/wrk.out" 2>&1; } 2>"$tmp/wrk.time"
  s1=$(cpu "$ECHO_PID")
  grep -E 'Non-2xx|Socket errors' "$tmp/wrk.out" >&2 || true
  rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk.out")
  srv=$(awk -v a="$s0" -v b="$s1" -v d="$secs" 'BEGIN {printf "%.0f", (b - a) / d}')
  self=$(awk -v d="$secs" '{printf "%.0f", ($1 + $2) / d * 100}' "$tmp/wrk.time")
  line "$1" wrk "$2" "$rps" "$srv" "$self"
}

echo "# $(date -u +%FT%TZ) $(go version | cut -d' ' -f3) $(nproc) cores; wrk -t$WT; $DUR per run, $ROUNDS rounds, the two tools alternate"
printf '%-5s %-11s %5s %9s %9s %9s %8s\n' round tool conc req/s srv-cpu% tool-cpu% tool-us
for r in $(seq 1 "$ROUNDS"); do
  "$tmp/hongqi-load" -url "$URL" -dump-request "$tmp/req.lua"
  for c in $LEVELS; do
    if [ $((r % 2)) = 1 ]; then # 先后轮换，抵消机器负载的漂移
      run_load "$r" "$c"; run_wrk "$r" "$c"
    else
      run_wrk "$r" "$c"; run_load "$r" "$c"
    fi
  done
done | tee "$tmp/runs.txt"

echo "## medians over $ROUNDS rounds (CPU % of one core; tool-us = the tool's CPU per request, microseconds)"
printf '%5s %12s %10s %6s %16s %16s %14s\n' conc hongqi-load/s wrk/s ratio "srv-cpu% (h/w)" "tool-cpu% (h/w)" "tool-us (h/w)"
med() { # 某工具某并发第 f 列的中位数
  awk -v t="$1" -v c="$2" -v f="$3" '$2 == t && $3 == c && $f ~ /^[0-9.]+$/ {print $f}' "$tmp/runs.txt" | sort -n |
    awk '{v[NR] = $1} END {if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
for c in $LEVELS; do
  h=$(med hongqi-load "$c" 4); w=$(med wrk "$c" 4)
  printf '%5s %12.0f %10.0f %5.0f%% %16s %16s %14s\n' "$c" "$h" "$w" "$(awk -v h="$h" -v w="$w" 'BEGIN {print h / w * 100}')" \
    "$(med hongqi-load "$c" 5)/$(med wrk "$c" 5)" "$(med hongqi-load "$c" 6)/$(med wrk "$c" 6)" "$(med hongqi-load "$c" 7)/$(med wrk "$c" 7)"
done
