#!/usr/bin/env bash
# The one test command: installs what the tests need, builds everything and publishes the Functions app, checks the Bicep
# templates, runs every test project against a real Azurite, and ends with one summary line.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
configuration="${CONFIGURATION:-Release}"
results=".testrun"
rm -rf "$results"; mkdir -p "$results"

step() { printf '\n== %s\n' "$*"; }
fail() { printf '\n0 passed, 1 failed, 0 skipped\n' ; echo "test.sh: $*" >&2; exit 1; }

step "npm packages (Azurite and the senders' signing libraries)"
command -v node >/dev/null || fail "Node.js 20 or newer is required (for Azurite)."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error || fail "npm ci failed"
else
  echo "node_modules is up to date"
fi

step "Chromium (the operations console's browser tests drive Debian's chromium through Playwright)"
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
  echo "$chromium is installed"
else
  # Playwright's own browser download cannot work here; Debian's package can.
  command -v apt-get >/dev/null || fail "Chromium is missing at $chromium and apt-get is not available: install Chromium or set CHROMIUM_PATH."
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium; } >"$results/chromium-install.log" 2>&1 \
    || fail "installing Debian's chromium failed (see $results/chromium-install.log)"
  [ -x "$chromium" ] || fail "chromium was installed but is not at $chromium: set CHROMIUM_PATH"
  echo "installed $chromium"
fi
export CHROMIUM_PATH="$chromium"

step "build ($configuration)"
dotnet build Scalekit.Webhooks.slnf -c "$configuration" -v quiet -nologo || fail "build of Scalekit.Webhooks.slnf failed"

step "Azure Functions app: build and publish (src/Scalekit.Functions)"
# tests/Scalekit.Functions.Tests reads what the Functions host loads from this folder, and fails if it is missing.
export SCALEKIT_FUNCTIONS_PUBLISH_DIR="$PWD/$results/functions-publish"
dotnet publish src/Scalekit.Functions/Scalekit.Functions.csproj -c "$configuration" -v quiet -nologo \
  -o "$SCALEKIT_FUNCTIONS_PUBLISH_DIR" || fail "restore, build or publish of src/Scalekit.Functions failed"

step "Bicep (infra/)"
./eng/bicep.sh check || fail "Bicep build or lint reported problems"

step "tests"
status=0
for project in tests/*/*Tests.csproj; do
  name="$(basename "$project" .csproj)"
  dotnet test "$project" -c "$configuration" --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results" || status=1
done

summary="$(node -e '
const fs = require("fs"), path = require("path");
let passed = 0, failed = 0, skipped = 0;
for (const file of fs.readdirSync(process.argv[1]).filter((f) => f.endsWith(".trx"))) {
  const text = fs.readFileSync(path.join(process.argv[1], file), "utf8");
  const counters = /<Counters\s+([^>]*)\/>/.exec(text);
  if (!counters) continue;
  const c = Object.fromEntries([...counters[1].matchAll(/(\w+)="(\d+)"/g)].map((m) => [m[1], Number(m[2])]));
  passed += c.passed ?? 0;
  failed += (c.failed ?? 0) + (c.error ?? 0) + (c.timeout ?? 0) + (c.aborted ?? 0);
  skipped += c.notExecuted ?? 0;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$results" 2>/dev/null || true)"
[ -n "$summary" ] || summary="$(awk -v s=$status 'BEGIN{print "0 passed, " (s?1:0) " failed, 0 skipped"}')"
case "$summary" in *" 0 failed"*) ;; *) status=1 ;; esac
[ "$summary" != "0 passed, 0 failed, 0 skipped" ] || status=1
echo
echo "$summary"
exit $status
