#!/usr/bin/env bash
# Measures HTTP ingest against a freshly started Release server, one server per run.
#
#   bench/Vigil.LoadTest/measure.sh throughput [concurrency...]   # default: 2 4 8, 20 s each
#   bench/Vigil.LoadTest/measure.sh memory [type...]              # default: timing gauge, 2000 series each
#   bench/Vigil.LoadTest/measure.sh latency [background points/s...]  # default: 0 (none); EPISODES (100), POLL (5ms)
#                                                                 # RECEIVER=webhook: to a loopback webhook receiver
#   bench/Vigil.LoadTest/measure.sh queries [key concurrencies...]  # default: 6,2 (two viewer keys, 6 and 2 queries in flight);
#                                                                 # RATE (50000 points/s of ingest meanwhile), RANGE (1h), STEP (10s), AGG (p95), SERIES (1000), DURATION (20s);
#                                                                 # SERVER_ENV=Vigil__Queries__MaxConcurrent=... to change the gate
#   bench/Vigil.LoadTest/measure.sh fanout [channels×maxConcurrency...]  # default: 1x10 4x5; DELIVERIES (1000), DELAY (100ms),
#                                                                 # WARMUP_ROUNDS (3) rounds of WARMUP (1000) deliveries first, off the clock
#                                                                 # (WARMUP_ROUNDS=1 WARMUP=20: a server that has just started)
#   bench/Vigil.LoadTest/measure.sh otlp [throughput|storage|storm...]   # default: all three (issue 15):
#                                                                 # throughput: json, OTLP metrics, OTLP traces; REPEAT (1) rounds, CONCURRENCY (4), TYPE (gauge), DURATION (20s)
#                                                                 # storage: TOTAL (1000000) spans, then the server stopped (final rollup flush) and its database measured
#                                                                 # storm: BUDGET_MB (16) at SAMPLE (100) %, DURATION (60s) of spans, trace store sampled every EVERY (5) s
#
# fanout (and RECEIVER=webhook) start the server with Vigil__Delivery__AllowPrivateNetworks=true
# (the receivers are on loopback); fanout also with Vigil__Delivery__RateLimits__Webhook__Permits=$RATE_LIMIT
# (default 10000, the most it allows: the default of 10 attempts/s per destination would cap a run at 10 deliveries/s).
#
# Environment: SERVER_ENV (extra NAME=value settings for the server, space-separated), PORT (5099), SERIES (1000 throughput / 2000 memory), DURATION (20s),
# APPSETTINGS=1 to start the server with --contentRoot at its build output so its
# appsettings.json applies (without it, the server runs from a temp dir like `dotnet run`
# from elsewhere, and appsettings.json is not found), KEEP=1 to keep the temp dir (server logs).
set -euo pipefail

mode=${1:-throughput}
shift || true
repo=$(cd "$(dirname "$0")/../.." && pwd)
port=${PORT:-5099}
key=bench-admin-key-0123456789
work=$(mktemp -d)
server_pid=""
server_env=()

cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

# Build once, then run a copy: other people may be changing src/ meanwhile.
dotnet build -c Release "$repo/src/Vigil.Server" -v quiet -nologo -clp:NoSummary >&2
cp -r "$repo/src/Vigil.Server/bin/Release/net10.0" "$work/server"
dotnet build -c Release "$repo/bench/Vigil.LoadTest" -v quiet -nologo -clp:NoSummary >&2
tool="$repo/bench/Vigil.LoadTest/bin/Release/net10.0/Vigil.LoadTest.dll"
echo "server built from $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet -- src || echo ' + uncommitted src changes'); machine: $(nproc) cores" >&2

start_server() {
  local dir extra=() envs=("${server_env[@]}")
  dir=$(mktemp -d "$work/run.XXXX")
  run_dir=$dir # its data/vigil.db is the server's database (otlp mode reads it)
  if [ "${APPSETTINGS:-0}" = 1 ]; then extra=(--contentRoot "$work/server"); fi
  # shellcheck disable=SC2206 # word splitting intended: NAME=value pairs
  if [ -n "${SERVER_ENV:-}" ]; then envs+=($SERVER_ENV); fi
  # One key sends everything here: lift its quotas (Vigil:Quotas) so they are not what is measured.
  (cd "$dir" && exec env Vigil__Auth__BootstrapAdminKey=$key Vigil__Quotas__PointsPerSecondPerKey=100000000 Vigil__Quotas__SeriesPerKey=100000000 "${envs[@]}" dotnet "$work/server/Vigil.Server.dll" --urls "http://127.0.0.1:$port" "${extra[@]}" > server.log 2>&1) &
  server_pid=$!
  for _ in $(seq 1 100); do
    if curl -sf "http://127.0.0.1:$port/api/health?quick=true" > /dev/null; then return 0; fi
    sleep 0.2
  done
  echo "the server did not start:" >&2
  tail -20 "$dir/server.log" >&2
  exit 1
}

stop_server() {
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
}

header=""

# --- otlp (issue 15) ---
load() { echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2; }

otlp_throughput() {
  local h=""
  for round in $(seq 1 "${REPEAT:-1}"); do
    for payload in json metrics traces; do
      start_server
      load
      dotnet "$tool" --mode otlp --payload "$payload" --type "${TYPE:-gauge}" --url "http://127.0.0.1:$port" --key $key --duration "${DURATION:-20s}" --warmup 5s \
        --batch 1000 --series "${SERIES:-1000}" --concurrency "${CONCURRENCY:-4}" --pid "$server_pid" $h
      h="--no-header"
      stop_server
    done
  done
}

# Bytes of each table and index (dbstat), rows and series of the server's database.
otlp_database() {
  sqlite3 -readonly "$1" <<'SQL'
.timeout 10000
SELECT '| series (all) | ' || count(*) || ' |' FROM series;
SELECT '| series ' || name || ' | ' || count(*) || ' |' FROM series GROUP BY name ORDER BY name;
SELECT '| rollup rows (rollups_1m) | ' || count(*) || ' |' FROM rollups_1m;
SELECT '| trace store: spans kept | ' || count(*) || ' |' FROM trace_spans;
SELECT '| trace store: bytes counted against the budget (SUM(bytes)) | ' || COALESCE(sum(bytes), 0) || ' |' FROM trace_spans;
SELECT '| pages of ' || name || ' | ' || sum(pgsize) || ' |' FROM dbstat WHERE name IN ('series', 'rollups_1m', 'ix_rollups_1m_minute', 'trace_spans', 'sqlite_autoindex_trace_spans_1', 'ix_trace_spans_stored', 'ix_trace_spans_transactions', 'sqlite_autoindex_series_1') GROUP BY name ORDER BY name;
SELECT '| database pages (all) | ' || ((SELECT page_count FROM pragma_page_count) * (SELECT page_size FROM pragma_page_size)) || ' |';
SQL
}

otlp_storage() {
  start_server
  load
  local rss0
  rss0=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
  dotnet "$tool" --mode otlp --payload traces --url "http://127.0.0.1:$port" --key $key --total "${TOTAL:-1000000}" --duration 30m --warmup 0s \
    --batch 1000 --series "${SERIES:-1000}" --concurrency "${CONCURRENCY:-4}" --pid "$server_pid"
  load
  echo "server RSS: ${rss0} KiB before, $(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status") KiB after the spans" >&2
  stop_server # graceful: the final flush writes every minute still in memory into rollups_1m
  echo "| what | value |"
  echo "|---|---:|"
  otlp_database "$run_dir/data/vigil.db"
  echo "| database file after stop (bytes) | $(stat -c %s "$run_dir/data/vigil.db") |"
}

otlp_storm() {
  local budget=${BUDGET_MB:-16} every=${EVERY:-5} tool_pid started
  server_env=("Vigil__Traces__BudgetMb=$budget" "Vigil__Traces__SamplePercent=${SAMPLE:-100}")
  start_server
  server_env=()
  load
  echo "storm: trace store budget ${budget} MB = $((budget * 1048576)) bytes, SamplePercent ${SAMPLE:-100}" >&2
  dotnet "$tool" --mode otlp --payload traces --url "http://127.0.0.1:$port" --key $key --duration "${DURATION:-60s}" --warmup 0s \
    --batch 1000 --series "${SERIES:-1000}" --concurrency "${CONCURRENCY:-4}" --pid "$server_pid" > "$work/storm.out" &
  tool_pid=$!
  started=$(date +%s)
  echo "| t (s) | spans kept | SUM(bytes) (budget's count) | % of budget | trace_spans + its indexes (dbstat pages) | vigil.db + -wal files | server RSS |"
  echo "|---:|---:|---:|---:|---:|---:|---:|"
  while kill -0 "$tool_pid" 2>/dev/null; do
    sleep "$every"
    storm_sample "$budget" "$started"
  done
  wait "$tool_pid" || true
  sleep "$every"; storm_sample "$budget" "$started"
  cat "$work/storm.out"
  load
  stop_server
}

storm_sample() {
  local db="$run_dir/data/vigil.db" row
  row=$(sqlite3 -readonly -separator ' ' "$db" ".timeout 10000" \
    "SELECT count(*), COALESCE(sum(bytes), 0) FROM trace_spans;" \
    "SELECT sum(pgsize) FROM dbstat WHERE name IN ('trace_spans', 'sqlite_autoindex_trace_spans_1', 'ix_trace_spans_stored', 'ix_trace_spans_transactions');" | tr '\n' ' ')
  read -r spans bytes pages <<< "$row"
  printf '| %s | %s | %s | %s %% | %s | %s | %s KiB |\n' "$(( $(date +%s) - $2 ))" "$spans" "$bytes" "$(( bytes * 100 / ($1 * 1048576) ))" "$pages" \
    "$(( $(stat -c %s "$db") + $(stat -c %s "$db-wal" 2>/dev/null || echo 0) ))" "$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")"
}

case "$mode" in
  throughput)
    for c in "${@:-2 4 8}"; do
      for level in $c; do
        start_server
        dotnet "$tool" --url "http://127.0.0.1:$port" --key $key --duration "${DURATION:-20s}" --warmup 5s \
          --batch 1000 --series "${SERIES:-1000}" --concurrency "$level" --pid "$server_pid" $header
        header="--no-header"
        stop_server
      done
    done
    ;;
  memory)
    for t in "${@:-timing gauge}"; do
      for type in $t; do
        start_server
        dotnet "$tool" --mode memory --url "http://127.0.0.1:$port" --key $key --series "${SERIES:-2000}" --type "$type" \
          --batch 1000 --concurrency 2 --settle 15s --pid "$server_pid" $header
        header="--no-header"
        stop_server
      done
    done
    ;;
  latency)
    if [ "${RECEIVER:-feed}" = webhook ]; then server_env=(Vigil__Delivery__AllowPrivateNetworks=true); fi
    for r in "${@:-0}"; do
      for rate in $r; do
        start_server
        dotnet "$tool" --mode latency --url "http://127.0.0.1:$port" --key $key --episodes "${EPISODES:-100}" --poll "${POLL:-5ms}" \
          --background-rate "$rate" --batch 1000 --series "${SERIES:-1000}" --concurrency 2 --receiver "${RECEIVER:-feed}" $header ${RAW:+--raw}
        header="--no-header"
        stop_server
      done
    done
    ;;
  fanout)
    server_env=(Vigil__Delivery__AllowPrivateNetworks=true "Vigil__Delivery__RateLimits__Webhook__Permits=${RATE_LIMIT:-10000}")
    echo "server settings: ${server_env[*]} ${SERVER_ENV:-}" >&2
    for s in "${@:-1x10 4x5}"; do
      for shape in $s; do
        start_server
        dotnet "$tool" --mode fanout --url "http://127.0.0.1:$port" --key $key --deliveries "${DELIVERIES:-1000}" \
          --channels "${shape%x*}" --max-concurrency "${shape#*x}" --receiver-delay "${DELAY:-100ms}" --warmup-deliveries "${WARMUP:-1000}" --warmup-rounds "${WARMUP_ROUNDS:-3}" --pid "$server_pid" $header
        header="--no-header"
        stop_server
      done
    done
    ;;
  queries)
    echo "server settings: ${SERVER_ENV:-defaults}; load: $(cat /proc/loadavg)" >&2
    for q in "${@:-6,2}"; do
      for shape in $q; do
        start_server
        dotnet "$tool" --mode queries --url "http://127.0.0.1:$port" --key $key --query-concurrency "$shape" \
          --query-range "${RANGE:-1h}" --query-step "${STEP:-10s}" --query-agg "${AGG:-p95}" --series "${SERIES:-1000}" \
          --background-rate "${RATE:-50000}" --batch 1000 --concurrency 2 --duration "${DURATION:-20s}" --warmup 5s --pid "$server_pid" $header
        header="--no-header"
        stop_server
      done
    done
    ;;
  otlp)
    for what in "${@:-throughput storage storm}"; do
      for part in $what; do
        otlp_$part
      done
    done
    ;;
  *)
    echo "usage: $0 otlp [throughput|storage|storm...] | throughput [concurrency...] | memory [type...] | latency [background points/s...] | fanout [channels×maxConcurrency...] | queries [key concurrencies...]" >&2
    exit 2
    ;;
esac
