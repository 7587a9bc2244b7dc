#!/bin/sh
# Runs ../shared/reference/side-by-side (llama.cpp c392e50 against a sinkstream
# binary, interleaved rounds in one run) on each FILE and prints one Markdown
# row per file: median tokens/s of both engines and the median ratio.
#
#   scripts/side_by_side_table.sh SINKSTREAM_BIN OUT_DIR ROUNDS [--depth D] FILE...
#
# Raw output of each file stays in OUT_DIR/<file>[-dD].txt.
set -eu
BIN=$1 OUT=$2 ROUNDS=$3
shift 3
DEPTH=0
if [ "${1:-}" = --depth ]; then DEPTH=$2; shift 2; fi
SBS=$(dirname "$0")/../../shared/reference/side-by-side
[ -x "$SBS" ] || SBS=${SHARED:-../shared}/reference/side-by-side
mkdir -p "$OUT"
echo "| file | prefill llama.cpp | sinkstream | ratio | decode llama.cpp | sinkstream | ratio |"
echo "|---|---|---|---|---|---|---|"
for f in "$@"; do
  name=$(basename "$f" .gguf)
  if [ "$DEPTH" = 0 ]; then
    log="$OUT/$name.txt"
    "$SBS" "$BIN" "$f" --rounds "$ROUNDS" --threads 2 > "$log" 2>&1 || true
  else
    log="$OUT/$name-d$DEPTH.txt"
    "$SBS" "$BIN" "$f" --rounds "$ROUNDS" --threads 2 --depth "$DEPTH" > "$log" 2>&1 || true
  fi
  python3 - "$log" "$name" <<'PY'
import statistics as st, sys
log, name = sys.argv[1], sys.argv[2]
rows = [l.split() for l in open(log) if l.startswith("round ")]
if not rows:
    print(f"| {name} | failed: see {log} | | | | | |"); sys.exit(0)
lp = [float(r[4]) for r in rows]; sp = [float(r[6]) for r in rows]
lt = [float(r[10]) for r in rows]; stg = [float(r[12]) for r in rows]
rp = st.median(s / l for s, l in zip(sp, lp)); rt = st.median(s / l for s, l in zip(stg, lt))
print(f"| {name} | {st.median(lp):.1f} | {st.median(sp):.1f} | {rp:.2f} | {st.median(lt):.2f} | {st.median(stg):.2f} | {rt:.2f} |")
PY
done
