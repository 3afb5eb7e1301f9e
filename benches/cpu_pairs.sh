#!/bin/sh
# Interleaved pairs of `issue16.py --mode cpu` (docs/perf16.md, session 25):
# on a shared machine only builds measured in turn, on the same store, in
# the same hour, compare; one build's runs move by ±20 % with the page
# cache and the store's size (each run adds --creates cases to it).
#
#   benches/cpu_pairs.sh DATA_DIR ROUNDS CREATES LABEL=BIN [LABEL=BIN ...]
#
# Both builds must open the store: a build without a migration the other
# applied refuses it. Prints one line per run (ms per created case, with
# user and system time); each run's full report goes to
# target/cpu-pairs/LABEL-ROUND.md.
set -eu
[ $# -ge 4 ] || { sed -n '2,12p' "$0"; exit 2; }
data_dir=$1; rounds=$2; creates=$3; shift 3
here=$(dirname "$0")
out=target/cpu-pairs
mkdir -p "$out"
round=1
while [ "$round" -le "$rounds" ]; do
    for pair in "$@"; do
        label=${pair%%=*}; bin=${pair#*=}
        python3 "$here/issue16.py" --data-dir "$data_dir" --bin "$bin" --mode cpu \
            --creates "$creates" > "$out/$label-$round.md"
        line=$(grep -o 'cpu: .*' "$out/$label-$round.md" | sed 's/\*\*//g')
        echo "$round $label $line"
    done
    round=$((round + 1))
done
