#!/usr/bin/env bash
# The table of ratios for every workload, measured in one run per workload:
# generated gradient ÷ primal, generated ÷ hand-written, and for small sizes
# the forward-mode peer (num-dual) ÷ generated and central finite
# differences ÷ generated; then the peak heap of one call of the primal and
# of the generated gradient (bytes allocated and not yet freed, inputs and
# gradient buffers excluded).
#
#   autodiff-gradbench/benches/ratios.sh              # all workloads, with criterion
#   RATIOS_ONLY=1 autodiff-gradbench/benches/ratios.sh gmm det   # quicker, the table only
set -euo pipefail
cd "$(dirname "$0")/../.."
workloads=("$@")
if [ ${#workloads[@]} -eq 0 ]; then
    workloads=(rosenbrock lse llsq gmm ode det lstm)
fi
args=()
for w in "${workloads[@]}"; do args+=(--bench "$w"); done
cargo bench -p autodiff-gradbench "${args[@]}" >&2
dir=target/ratios
echo
echo "| workload | size | primal | generated ÷ primal | generated ÷ hand-written | num-dual ÷ generated | finite differences ÷ generated | heap: primal | heap: generated |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for w in "${workloads[@]}"; do
    awk -F'\t' 'function kib(b) { return (b >= 1048576) ? sprintf("%.1f MiB", b / 1048576) : (b >= 1024) ? sprintf("%.1f KiB", b / 1024) : sprintf("%d B", b) }
    NR > 1 {
        p = $3; g = $4; h = $5; peer = $6; fd = $7
        t = (p >= 1e-3) ? sprintf("%.2f ms", p * 1e3) : (p >= 1e-6) ? sprintf("%.2f µs", p * 1e6) : sprintf("%.0f ns", p * 1e9)
        printf "| %s | %s | %s | %.2f | %.2f | %s | %s | %s | %s |\n", $1, $2, t, g / p, g / h,
            (peer == "-") ? "" : sprintf("%.0f", peer / g),
            (fd == "-") ? "" : sprintf("%.0f", fd / g), kib($8), kib($9)
        if ($1 == "gmm") { lg += log(g / p); lh += log(g / h); k++ }
    }
    END { if (k) printf "| gmm | geometric mean | | %.2f | %.2f | | | | |\n", exp(lg / k), exp(lh / k) }' "$dir/$w.tsv"
done
