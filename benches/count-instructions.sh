#!/usr/bin/env bash
# Instruction counts of the Rosenbrock primal, generated gradient and
# hand-written gradient (n = 100 000, 10 calls each), by callgrind, and
# their ratios. Needs valgrind (apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(cargo bench --bench instructions --no-run --message-format=json 2>/dev/null \
    | grep -o '"executable":"[^"]*instructions[^"]*"' | head -n 1 | cut -d'"' -f4)
out=$(mktemp)
valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" >/dev/null 2>&1
callgrind_annotate "$out" | awk '
    /workload::rosen_vjp/  { gsub(",", "", $1); g = $1 }
    /workload::rosen_hand/ { gsub(",", "", $1); h = $1 }
    /workload::rosen /     { gsub(",", "", $1); p = $1 }
    END {
        printf "instructions: primal %d, generated %d, hand-written %d\n", p, g, h
        printf "generated / primal %.2f, generated / hand-written %.2f, hand-written / primal %.2f\n", g / p, g / h, h / p
    }'
rm -f "$out"
