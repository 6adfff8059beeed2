#!/usr/bin/env bash
# 回调全路径压测：签名加密的请求进 → 记录提交 → 加密回复出，MySQL(MariaDB) + Redis，
# 与只做验签/解密/加密的对照服务在同一次运行里对比。结果写入 BENCHMARKS.md 时连同本命令。
#
#   scripts/bench-callback.sh [每档时长，默认 10s] [并发档，默认 1,8,32]
#
# 数据库默认是 127.0.0.1:3306 上共用的 MariaDB；HONGQI_BENCH_DB_PORT 指向另一个本机端口上的 MariaDB
# （如只给压测用的实例，不受别人测试的语句干扰）时，建库、统计、读 CPU 都用它。
#
# hongqi-load 输出的最后一列 load-cpu% 是它自己在计时阶段用的 CPU；它有没有拖低测量，
# 用 scripts/bench-loadtool.sh 与 wrk 对照。
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10s}
LEVELS=${2:-1,8,32}
DB=hq_bench_$$
DB_PORT=${HONGQI_BENCH_DB_PORT:-3306}
MYSQL_SERVER=${HONGQI_TEST_MYSQL:-root@tcp(127.0.0.1:$DB_PORT)/}
SQL="mariadb -uroot -h127.0.0.1 -P$DB_PORT"
REDIS=${HONGQI_BENCH_REDIS:-redis://127.0.0.1:6379/15}
FULL_ADDR=127.0.0.1:18080
ECHO_ADDR=127.0.0.1:18081
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; $SQL -e "DROP DATABASE IF EXISTS $DB" || true; rm -rf "$tmp"' EXIT

go build -o "$tmp/hongqi" ./cmd/hongqi
go build -o "$tmp/hongqi-load" ./cmd/hongqi-load
$SQL -e "CREATE DATABASE $DB CHARACTER SET utf8mb4"
DB_PID=$($SQL -N -e "SELECT @@pid_file" | xargs cat 2>/dev/null || echo 0)
redis-cli -u "$REDIS" FLUSHDB >/dev/null

export HONGQI_DB="mysql://${MYSQL_SERVER}${DB}?parseTime=true&loc=UTC&charset=utf8mb4"
export HONGQI_REDIS="$REDIS"
export HONGQI_HTTP_ADDR=$FULL_ADDR
export HONGQI_WECOM_CORP_ID=ww1436e0e65a779aee
export HONGQI_WECOM_TOKEN=hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo
export HONGQI_WECOM_AES_KEY=6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt
export HONGQI_LOG_LEVEL=warn

# 压测花名册：城关所一名主管和 SPREAD 名员工，记录轮流落在不同的人身上。
SPREAD=${SPREAD:-500}
{ echo "userid,name,branch,branch_kind,role"; echo "cg_sup,王主管,城关所,县城,主管"
  for i in $(seq -f %04g 1 "$SPREAD"); do echo "b$i,员工$i,城关所,县城,员工"; done; } >"$tmp/roster.csv"
"$tmp/hongqi" staff import "$tmp/roster.csv"
[ -n "${PROFILE:-}" ] && export HONGQI_DEBUG_ADDR=127.0.0.1:16060
"$tmp/hongqi" serve 2>"$tmp/serve.log" &
FULL_PID=$!
"$tmp/hongqi-load" -echo-server $ECHO_ADDR 2>"$tmp/echo.log" &
ECHO_PID=$!
for _ in $(seq 1 50); do
  curl -fsS "http://$FULL_ADDR/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done

echo "# $(date -u +%FT%TZ) $(go version | cut -d' ' -f3) $(nproc) cores; MariaDB $(mariadb -V | grep -o 'Distrib [^,-]*' | cut -d' ' -f2), Redis $(redis-server --version | grep -o 'v=[^ ]*')"
echo "## crypto only (verify + decrypt + encrypt reply)"
"$tmp/hongqi-load" -url "http://$ECHO_ADDR/wecom/callback" -label crypto -c "$LEVELS" -d "$DUR" -pid $ECHO_PID -db-pid "$DB_PID"
echo "## full path, records spread over $SPREAD staff (MySQL: message row, auth, rule match, totals, entry + notice + reply committed in one transaction; outbox worker running)"
if [ -n "${PROFILE:-}" ]; then
  (sleep 2; curl -fsS -o "$PROFILE" "http://127.0.0.1:16060/debug/pprof/profile?seconds=5") &
  PROF_PID=$!
fi
"$tmp/hongqi-load" -url "http://$FULL_ADDR/wecom/callback" -label full -c "$LEVELS" -d "$DUR" -pid $FULL_PID -db-pid "$DB_PID" \
  -text '扣 b{n} 迟到 压测' -spread "$SPREAD"
[ -n "${PROF_PID:-}" ] && wait "$PROF_PID"
echo "## ledger after the run"
$SQL -N -e "SELECT COUNT(*) AS entries FROM $DB.entries; SELECT COUNT(*) AS notices FROM $DB.notices"
if [ -s "$tmp/serve.log" ]; then echo "## server warnings (first 5)"; head -5 "$tmp/serve.log"; fi
