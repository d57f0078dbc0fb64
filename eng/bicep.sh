#!/usr/bin/env bash
# Runs the Bicep CLI from its NuGet package (Azure.Bicep.CommandLine.<rid>).
#   eng/bicep.sh check      build and lint every template in infra/, failing on any warning
#   eng/bicep.sh <args...>  run bicep with those arguments
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! dotnet restore eng/bicep/Bicep.csproj -nologo -v quiet >/dev/null 2>&1; then
  echo "NOTICE: no Bicep CLI package for this platform could be restored; skipping the Bicep checks."
  exit 0
fi
package="$(dotnet msbuild eng/bicep/Bicep.csproj -t:PrintBicepPackage -nologo -v:m | tr -d ' \r' | tail -n 1)"
packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
bicep="$packages/$package/tools/bicep"
[ -x "$bicep" ] || chmod +x "$bicep" 2>/dev/null || true
[ -x "$bicep" ] || { echo "bicep binary not found at $bicep" >&2; exit 1; }

if [ "${1:-}" != "check" ]; then
  exec "$bicep" "$@"
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
status=0
shopt -s nullglob globstar
for file in infra/**/*.bicep infra/*.bicepparam; do
  case "$file" in
    *.bicepparam) "$bicep" build-params "$file" --outfile "$out/$(basename "$file").json" >"$out/log" 2>&1 || status=1 ;;
    *) "$bicep" build "$file" --outfile "$out/$(basename "$file").json" >"$out/log" 2>&1 || status=1 ;;
  esac
  cat "$out/log"
  if grep -qiE "warning|error" "$out/log"; then status=1; fi
  "$bicep" lint "$file" >"$out/lint" 2>&1 || status=1
  cat "$out/lint"
  if grep -qiE "warning|error" "$out/lint"; then status=1; fi
  echo "bicep: $file checked"
done
exit $status
