#!/usr/bin/env bash
# Runs Vigil's whole test suite from a fresh clone.
# Installs what the tests need when it is missing (as root, with apt-get), starts throwaway
# instances on loopback in a temporary directory, runs `dotnet test`, and cleans up.
set -euo pipefail
cd "$(dirname "$0")"

log() { printf '\n==> %s\n' "$*"; }

need_packages=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] || need_packages+=(postgresql)
command -v promtool >/dev/null 2>&1 || need_packages+=(prometheus)
# The Redis health check's tests start their own throwaway redis-server on loopback.
[ -x /usr/bin/redis-server ] || need_packages+=(redis-server)
# The dashboard's browser tests drive Debian's Chromium through Playwright (no browser download).
[ -x /usr/bin/chromium ] || need_packages+=(chromium chromium-driver)
# Debian's aiosmtpd is a module of the system Python (not of a pyenv or venv python3 first on PATH).
smtp_python=/usr/bin/python3
"$smtp_python" -c 'import aiosmtpd' >/dev/null 2>&1 || need_packages+=(python3-aiosmtpd)
if [ ${#need_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing: ${need_packages[*]}. Install them (apt-get install ${need_packages[*]}) or run as root." >&2
    exit 1
  fi
  log "Installing ${need_packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_packages[@]}" >/dev/null
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

work=$(mktemp -d /tmp/vigil-test.XXXXXX)
pg_data="$work/pg"
smtp_pid=
cleanup() {
  if [ -n "$smtp_pid" ]; then
    kill "$smtp_pid" >/dev/null 2>&1 || true
    wait "$smtp_pid" 2>/dev/null || true
  fi
  if [ -f "$pg_data/postmaster.pid" ]; then
    run_pg "$pg_bin/pg_ctl" -D "$pg_data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# PostgreSQL refuses to run as root: run it as the 'postgres' user when we are root.
run_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

log "Starting a throwaway PostgreSQL"
mkdir -p "$pg_data"
[ "$(id -u)" -eq 0 ] && chown -R postgres "$work"
pg_port=$(free_port)
run_pg "$pg_bin/initdb" -D "$pg_data" -U postgres --auth=trust -E UTF8 >/dev/null
run_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$work/pg.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $work -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  start >/dev/null
export VIGIL_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres;Pooling=true"
export VIGIL_TEST_PROMTOOL="$(command -v promtool)"
export VIGIL_TEST_CHROMIUM=/usr/bin/chromium

log "Starting a throwaway SMTP server (aiosmtpd, messages kept in a Maildir)"
smtp_mail="$work/mail"
mkdir -p "$smtp_mail/tmp" "$smtp_mail/new" "$smtp_mail/cur"
smtp_port=$(free_port)
"$smtp_python" -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox "$smtp_mail" >"$work/smtp.log" 2>&1 &
smtp_pid=$!
for _ in $(seq 1 100); do
  "$smtp_python" -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1', $smtp_port)))" && break
  kill -0 "$smtp_pid" 2>/dev/null || { cat "$work/smtp.log" >&2; echo "The SMTP server did not start." >&2; exit 1; }
  sleep 0.1
done
export VIGIL_TEST_SMTP="127.0.0.1:$smtp_port"
export VIGIL_TEST_SMTP_MAILBOX="$smtp_mail"

log "Building"
dotnet build Vigil.sln -c Release -warnaserror --nologo -v quiet

log "Running the tests"
# VIGIL_TEST_RESULTS=<dir> also writes a TRX file per test project there (each test's duration).
results=()
if [ -n "${VIGIL_TEST_RESULTS:-}" ]; then
  results=(--logger trx --results-directory "$VIGIL_TEST_RESULTS")
fi
set +e
dotnet test Vigil.sln -c Release --no-build --nologo "${results[@]}" 2>&1 | tee "$work/test.log"
status=${PIPESTATUS[0]}
set -e

# One closing line for the whole suite, summed over the test assemblies.
sum() { grep -oE "$1: +[0-9]+" "$work/test.log" | awk '{s+=$2} END {print s+0}'; }
echo
echo "$(sum Passed) passed, $(sum Failed) failed, $(sum Skipped) skipped"
exit "$status"
