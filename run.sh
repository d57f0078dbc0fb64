#!/usr/bin/env bash
# The one run command: installs what is missing, starts Azurite (data in .azurite/, kept across restarts) and the
# local host on http://127.0.0.1:7071, and prints the webhook URLs, secret fingerprints and a sample send command.
# Ctrl+C stops everything it started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

command -v dotnet >/dev/null || { echo "The .NET 10 SDK is required: https://dot.net" >&2; exit 1; }
command -v node >/dev/null || { echo "Node.js 20 or newer is required (it runs Azurite)." >&2; exit 1; }

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # Azurite closes its servers on SIGTERM but its process can linger; give everything 5 s, then force it.
  for _ in $(seq 1 50); do
    alive=""
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  echo "Stopped."
}
trap cleanup EXIT INT TERM

echo "Preparing (npm packages and .NET build run side by side)..."
npm_log="$(mktemp)"; build_log="$(mktemp)"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error >"$npm_log" 2>&1 &
  npm_pid=$!
else
  npm_pid=""
fi
dotnet build src/Scalekit.Webhooks.LocalHost/Scalekit.Webhooks.LocalHost.csproj -v quiet -nologo >"$build_log" 2>&1 &
build_pid=$!
dotnet build src/Scalekit.Webhooks.Cli/Scalekit.Webhooks.Cli.csproj -v quiet -nologo >>"$build_log.cli" 2>&1 || { cat "$build_log.cli"; exit 1; }
wait "$build_pid" || { cat "$build_log"; exit 1; }
if [ -n "$npm_pid" ]; then wait "$npm_pid" || { cat "$npm_log"; exit 1; }; fi

dotnet run --no-build --project src/Scalekit.Webhooks.Cli -- init-settings

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
storage="${AzureWebJobsStorage:-UseDevelopmentStorage=true}"
if [ "$storage" = "UseDevelopmentStorage=true" ]; then
  if port_open 10000 && port_open 10001 && port_open 10002; then
    echo "Azurite is already running on 127.0.0.1:10000-10002; using it."
  else
    mkdir -p .azurite
    node node_modules/azurite/dist/src/azurite.js --silent --skipApiVersionCheck --loose \
      --location .azurite \
      --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 >.azurite/azurite.log 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do
      port_open 10000 && port_open 10001 && port_open 10002 && break
      sleep 0.2
    done
    port_open 10001 || { echo "Azurite did not start; see .azurite/azurite.log" >&2; exit 1; }
    echo "Azurite started (data in .azurite/)."
  fi
fi

# The built host is started directly (not through 'dotnet run') so stopping it stops the process that listens.
dotnet src/Scalekit.Webhooks.LocalHost/bin/Debug/net10.0/Scalekit.Webhooks.LocalHost.dll &
pids+=($!)
wait "${pids[-1]}"
