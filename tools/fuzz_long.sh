#!/usr/bin/env bash
# The long fuzz run: every fuzz test in tests/fuzz with NORMKIT_FUZZ_EXAMPLES examples each
# (default 2000, random inputs; CI runs a small derandomized budget). Prints the seed, the cases
# per target and their outcomes, and writes them as JSON to $TMPDIR/normkit-fuzz-long.json (or $NORMKIT_FUZZ_REPORT); the full
# log goes to $TMPDIR/normkit-fuzz-long.log (or $NORMKIT_FUZZ_LOG).
#
#   tools/fuzz_long.sh            # 2000 examples per test, about 5 minutes on 2 cores
#   tools/fuzz_long.sh 20000      # longer
#
# Reproduce a failure with the printed seed: NORMKIT_FUZZ_SEED=<seed> tools/fuzz_long.sh N
set -uo pipefail
cd "$(dirname "$0")/.."
examples="${1:-2000}"
seed="${NORMKIT_FUZZ_SEED:-$(date +%s)}"
python="${PYTHON:-python3}"
export NORMKIT_FUZZ_EXAMPLES="$examples"
export NORMKIT_FUZZ_REPORT="${NORMKIT_FUZZ_REPORT:-${TMPDIR:-/tmp}/normkit-fuzz-long.json}"
export NORMKIT_CACHE_DIR="${NORMKIT_CACHE_DIR:-$(mktemp -d)}"
echo "normkit long fuzz run: $examples examples per test, seed $seed, report $NORMKIT_FUZZ_REPORT"
start=$(date +%s)
log="${NORMKIT_FUZZ_LOG:-${TMPDIR:-/tmp}/normkit-fuzz-long.log}"
"$python" -m pytest tests/fuzz -p no:cacheprovider --hypothesis-seed="$seed" "${@:2}" 2>&1 | tee "$log" | tail -n 40
rc=${PIPESTATUS[0]}
echo "normkit long fuzz run: exit $rc after $(( $(date +%s) - start )) s (seed $seed)"
exit "$rc"
