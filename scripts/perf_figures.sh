#!/bin/bash
# Reproduces the figures of docs/performance.md (2 threads, medians of 5 after a warm-up).
# usage: scripts/perf_figures.sh SINKSTREAM_BINARY MODEL_DIR OUT_DIR
# MODEL_DIR holds the synth models:
#   sinkstream synth --shape tinyllama-1.1b --type q8_0 -o MODEL_DIR/tinyllama-q8_0.gguf --vocab ../shared/vocab/ggml-vocab-llama-spm.gguf
#   (q4_0, f16 likewise; llama-3.2-1b as llama32-TYPE.gguf; smollm-135m q8_0 as smollm-q8_0.gguf)
set -u
B=$1; M=$2; O=$3
mkdir -p "$O"
run() { local name=$1; shift; echo "## $name: $B $*" > "$O/$name.txt"; uptime >> "$O/$name.txt"; "$B" "$@" --json "$O/$name.json" >> "$O/$name.txt" 2>&1; uptime >> "$O/$name.txt"; }
run tl-q4_0 bench -m "$M/tinyllama-q4_0.gguf" -t 2 --reps 5 --prompt 128 --decode 64
run tl-f16 bench -m "$M/tinyllama-f16.gguf" -t 2 --reps 5 --prompt 128 --decode 64
for t in q8_0 q4_0 f16; do
  [ -f "$M/llama32-$t.gguf" ] && run l32-$t bench -m "$M/llama32-$t.gguf" -t 2 --reps 5 --prompt 128 --decode 64
done
run tl-q4_0-depth4096 bench -m "$M/tinyllama-q4_0.gguf" -t 2 --reps 5 --prompt 64 --decode 64 --depth 4096 \
  -c sink:4:4092 --kv-type f16 --batch 256
run smollm-recompute bench -m "$M/smollm-q8_0.gguf" -t 2 --reps 5 --prompt 64 --decode 32 --recompute --no-bandwidth
run tl-q8_0 bench -m "$M/tinyllama-q8_0.gguf" -t 2 --reps 5 --prompt 512 --decode 64
