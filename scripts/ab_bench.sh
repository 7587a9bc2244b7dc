#!/bin/sh
# A/B speed check of two sinkstream binaries in one run: interleaved rounds of
# `bench` on the same files (old, new, old, new, ...), each figure the bench's
# median of --reps 5, then per file the median over rounds and new/old ratios.
#
#   scripts/ab_bench.sh OLD_BIN NEW_BIN OUT_DIR ROUNDS FILE...
#
# Per FILE two rows: decode after a 128-token prompt, and decode at depth 4096
# (sink:4:4092, f16 K/V, prefill chunks of 256) when the file name contains
# "q4_0". Prints a Markdown table; raw JSON stays in OUT_DIR.
set -eu
OLD=$1 NEW=$2 OUT=$3 ROUNDS=$4
shift 4
mkdir -p "$OUT"
run() {  # run SIDE BIN FILE MODE ROUND
  tag="$(basename "$3" .gguf)_$4_$1_$5"
  if [ "$4" = depth ]; then
    "$2" bench -m "$3" -t 2 --reps 5 --prompt 128 --decode 64 --no-bandwidth --depth 4096 \
      -c sink:4:4092 --kv-type f16 --batch 256 --json "$OUT/$tag.json" > "$OUT/$tag.txt" 2>&1
  else
    "$2" bench -m "$3" -t 2 --reps 5 --prompt 128 --decode 64 --no-bandwidth --json "$OUT/$tag.json" \
      > "$OUT/$tag.txt" 2>&1
  fi
}
r=1
while [ "$r" -le "$ROUNDS" ]; do
  for f in "$@"; do
    for mode in plain depth; do
      case "$mode:$f" in depth:*q4_0*|plain:*) ;; *) continue ;; esac
      run old "$OLD" "$f" "$mode" "$r"
      run new "$NEW" "$f" "$mode" "$r"
    done
  done
  r=$((r + 1))
done
python3 - "$OUT" "$@" <<'PY'
import glob, json, os, statistics, sys
out, files = sys.argv[1], sys.argv[2:]
print("| file | mode | old prefill tok/s | new | ratio | old decode tok/s | new | ratio |")
print("|---|---|---|---|---|---|---|---|")
for f in files:
    base = os.path.basename(f)[:-5]
    for mode in ("plain", "depth"):
        vals = {}
        for side in ("old", "new"):
            js = [json.load(open(p)) for p in sorted(glob.glob(f"{out}/{base}_{mode}_{side}_*.json"))]
            if not js:
                continue
            vals[side] = (statistics.median(j["prefill_tokens_per_s"] for j in js),
                          statistics.median(j["decode_tokens_per_s"] for j in js), len(js))
        if len(vals) < 2:
            continue
        (op, od, n), (np_, nd, _) = vals["old"], vals["new"]
        print(f"| {base} | {mode} ({n} rounds) | {op:.1f} | {np_:.1f} | {np_/op:.3f} | {od:.2f} | {nd:.2f} | {nd/od:.3f} |")
PY
