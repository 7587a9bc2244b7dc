#!/bin/bash
# Reproduces the end-to-end figures of docs/performance-history.md (2 threads, medians
# of 5 after a warm-up; each output starts and ends with `uptime`).
# usage: scripts/perf_figures.sh SINKSTREAM_BINARY MODEL_DIR OUT_DIR [--long]
# MODEL_DIR holds the synth models (a few seconds to a minute each):
#   sinkstream synth --shape tinyllama-1.1b --type TYPE -o MODEL_DIR/tinyllama-TYPE.gguf \
#       --vocab ../shared/vocab/ggml-vocab-llama-spm.gguf          (TYPE = f16, q8_0, q4_0)
#   sinkstream synth --shape llama-3.2-1b --type TYPE -o MODEL_DIR/llama32-TYPE.gguf
#   sinkstream synth --shape smollm-135m --type q8_0 -o MODEL_DIR/smollm-q8_0.gguf
# --long adds the 1M-token latency stream on ../shared's stories260K (~16 min).
set -u
B=$1; M=$2; O=$3; LONG=${4:-}
mkdir -p "$O"
run() {
  local name=$1; shift
  { echo "## $name: $B $*"; uptime; } > "$O/$name.txt"
  "$B" "$@" --json "$O/$name.json" >> "$O/$name.txt" 2>&1
  uptime >> "$O/$name.txt"
  grep -E "^(prefill|decode|bandwidth|roofline)" "$O/$name.txt" | sed "s/^/$name: /"
}
for t in f16 q8_0 q4_0; do
  run tl-$t bench -m "$M/tinyllama-$t.gguf" -t 2 --reps 5 --prompt 128 --decode 64
  run l32-$t bench -m "$M/llama32-$t.gguf" -t 2 --reps 5 --prompt 128 --decode 64
done
run tl-q8_0-prefill512 bench -m "$M/tinyllama-q8_0.gguf" -t 2 --reps 5 --prompt 512 --decode 16
run tl-q4_0-depth4096 bench -m "$M/tinyllama-q4_0.gguf" -t 2 --reps 5 --prompt 64 --decode 64 --depth 4096 \
  -c sink:4:4092 --kv-type f16 --batch 256
run l32-q4_0-depth4096 bench -m "$M/llama32-q4_0.gguf" -t 2 --reps 5 --prompt 64 --decode 64 --depth 4096 \
  -c sink:4:4092 --kv-type f16 --batch 256
run smollm-recompute bench -m "$M/smollm-q8_0.gguf" -t 2 --reps 5 --prompt 64 --decode 32 --recompute --no-bandwidth
if [ "$LONG" = "--long" ]; then
  S=$(dirname "$0")/../../shared/models/stories260K
  run stories-long1m bench -m "$S/stories260K.bin" -z "$S/tok512.bin" -t 1 --reps 5 --prompt 64 --decode 64 \
    -c sink:4:2044 --long --long-max 1000000 --no-bandwidth
fi
