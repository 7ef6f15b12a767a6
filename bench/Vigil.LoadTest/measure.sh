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
  *)
    echo "usage: $0 throughput [concurrency...] | memory [type...] | latency [background points/s...] | fanout [channels×maxConcurrency...] | queries [key concurrencies...]" >&2
    exit 2
    ;;
esac
