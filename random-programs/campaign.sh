#!/usr/bin/env bash
# A long differential-testing campaign: SEEDS batches of COUNT programs each,
# from seeds not used before (the first one is printed, to reproduce a run).
#   random-programs/campaign.sh [SEEDS=10] [COUNT=2000] [FIRST_SEED=time-based]
# A failure prints the program, its seed and index; keep it as a regression
# test in tests/regressions.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-10}
count=${2:-2000}
first=${3:-$(date +%s)}
echo "campaign: $seeds batches of $count programs, seeds $first..$((first + seeds - 1))"
for ((s = first; s < first + seeds; s++)); do
    if ! out=$(AUTODIFF_RANDOM_SEED=$s AUTODIFF_RANDOM_COUNT=$count \
        cargo test -q --release -p random-programs -- --nocapture 2>&1); then
        echo "$out" | grep -vE "^(warning|  )" | tail -n 60
        echo "seed $s failed"
        exit 1
    fi
    echo "$out" | grep "programs from"
done
echo "campaign passed: $((seeds * count)) programs"
