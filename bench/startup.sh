#!/usr/bin/env bash
# Measures how long the server takes from process start to answering its liveness check,
# on SQLite: a first start (new database, migrations, admin key) and a restart.
# Usage: bench/startup.sh [runs]   (builds Release first)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
dotnet build src/Vigil.Server -c Release --nologo -v quiet >/dev/null
dll="$PWD/src/Vigil.Server/bin/Release/net10.0/Vigil.Server.dll"
port=5098

ready_ms() {
  local start=$1
  for _ in $(seq 1 600); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/api/health?quick=true"; then
      echo $(( ($(date +%s%N) - start) / 1000000 ))
      return
    fi
    sleep 0.01
  done
  echo "not ready" >&2; exit 1
}

run() {
  local dir=$1 start pid ms
  start=$(date +%s%N)
  (cd "$dir" && exec dotnet "$dll" --urls "http://127.0.0.1:$port" >/dev/null 2>&1) &
  pid=$!
  ms=$(ready_ms "$start")
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  echo "$ms"
}

echo "| run | first start (new database) ms | restart ms |"
echo "|---|---:|---:|"
for i in $(seq 1 "$runs"); do
  dir=$(mktemp -d)
  first=$(run "$dir")
  again=$(run "$dir")
  rm -rf "$dir"
  echo "| $i | $first | $again |"
done
