#!/usr/bin/env bash
# The static gates of issue 9, in one place (.ci/run calls this; so can you):
#
#   ruff           lint rules chosen in pyproject.toml [tool.ruff.lint] (why: docs/development.md)
#   mypy           pyproject.toml [tool.mypy]: strict for normkit.core
#   lint-imports   import-linter contracts in pyproject.toml [tool.importlinter]: the layers
#                  (front-ends -> API -> budget -> media | poverty -> core) and "core imports no domain"
#   check_imports  tools/check_imports.py: no private name imported across modules, no import
#                  cycles (function-level imports included)
#
# Usage:  tools/gates.sh            (PYTHON=/path/to/venv/bin/python to choose the tools' environment)
#
# NORMKIT_GATES=fatal  exit 1 when any gate fails (the default: DEFAULT_MODE below).
# NORMKIT_GATES=warn   report every gate, exit 0 (to see every finding while fixing them).
set -uo pipefail
DEFAULT_MODE=fatal
mode="${NORMKIT_GATES:-$DEFAULT_MODE}"
case "$mode" in fatal|warn) ;; *) echo "gates: NORMKIT_GATES must be fatal or warn, not '$mode'" >&2; exit 2 ;; esac

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root" || exit 2
py="${PYTHON:-python3}"
bin="$(dirname "$(command -v "$py")")"
export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}"

names=()
results=()
run_gate() {  # name, command...
  local name="$1"; shift
  echo "=== gate: $name: $*"
  "$@"
  local rc=$?
  names+=("$name")
  if [ "$rc" -eq 0 ]; then results+=("ok"); else results+=("FAILED (exit $rc)"); fi
}

run_gate ruff "$py" -m ruff check normkit tests tools benchmarks
run_gate mypy "$py" -m mypy
run_gate lint-imports "$bin/lint-imports" --no-logo --no-cache
run_gate check_imports "$py" tools/check_imports.py normkit

failed=0
echo "=== gates summary (NORMKIT_GATES=$mode)"
for i in "${!names[@]}"; do
  printf '  %-14s %s\n' "${names[$i]}" "${results[$i]}"
  [ "${results[$i]}" = ok ] || failed=$((failed + 1))
done
if [ "$failed" -eq 0 ]; then
  echo "gates: all passed"
  exit 0
fi
if [ "$mode" = fatal ]; then
  echo "gates: $failed gate(s) failed" >&2
  exit 1
fi
echo "gates: $failed gate(s) failed, reported only (NORMKIT_GATES=warn; set NORMKIT_GATES=fatal to fail the build)" >&2
exit 0
