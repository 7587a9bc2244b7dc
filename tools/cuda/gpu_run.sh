#!/bin/bash
# Issue #15 on the GPU machine (run from the checkout root: bash .dev/cu/run.sh;
# TESTS_ONLY=1 stops after the tests, NO_BENCH=1 after the CPU-vs-GPU ppl and text):
# the CUDA backend's tests, then bench of synthetic TinyLlama / Llama-3.2-1B
# files on cuda and cpu, and the device-to-device copy bandwidth (roofline).
set -u
D=$(cd "$(dirname "$0")" && pwd); R=$(pwd); W=/tmp/cuw; mkdir -p $W
tar xJf $D/cu.tar.xz -C $W || exit 1
CUB=$(dirname "$(find /usr/local /usr/lib /opt -name 'libcublas.so.13*' 2>/dev/null | head -1)")
echo "cublas in: $CUB"
# Our Debian libraries only for our binaries (not for python3/torch below).
RUN="env LD_LIBRARY_PATH=$W/lib:$CUB:/usr/local/cuda/lib64"
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm,clocks.max.mem --format=csv
S="$RUN $W/bin/sinkstream"
export SINKSTREAM_REPO=$R SINKSTREAM_REQUIRE_CUDA=1
timeout 240 $RUN $W/bin/sinkstream_cuda_tests --gtest_brief=1 > $OUT/cuda_tests.log 2>&1; echo "cuda tests rc=$?"
tail -40 $OUT/cuda_tests.log
[ "${TESTS_ONLY:-0}" = 1 ] && exit 0
# The demo chat model, CPU vs GPU: ppl under three policies (--bucket 500) and greedy text.
M=$R/models/sinkstream-chat.gguf
if [ -f $M ]; then
  cat $R/README.md $R/docs/design.md $R/docs/streaming.md > /tmp/text.txt
  for dev in cpu cuda; do
    $S ppl -m $M --text /tmp/text.txt --tokens 3000 --bucket 500 -c dense,sink:4:252,window:256 --device $dev -t 2 \
      --json $OUT/ppl_$dev.json > $OUT/ppl_$dev.txt 2>&1; echo "ppl $dev rc=$?"
    $S generate -m $M -p "Once upon a time" -n 200 --temp 0 -c sink:4:60 --device $dev -t 2 > $OUT/gen_$dev.txt 2>/dev/null
  done
  cat $OUT/ppl_cpu.txt $OUT/ppl_cuda.txt | grep -v "^\[" | tail -30
  cmp $OUT/gen_cpu.txt $OUT/gen_cuda.txt && echo "greedy text identical (200 tokens, sink:4:60)"
fi
# NO_BENCH=1: correctness only (tests, ppl, greedy text), e.g. while other work loads the host.
[ "${NO_BENCH:-0}" = 1 ] && exit 0
PY=$(command -v python3)
$PY - <<'PYEOF' 2>&1 | tee $OUT/copy_bw.txt
import torch, time
n = 2 << 30
x = torch.empty(n, dtype=torch.uint8, device='cuda'); y = torch.empty_like(x)
for _ in range(3): y.copy_(x)
torch.cuda.synchronize(); ts = []
for _ in range(10):
    t = time.perf_counter(); y.copy_(x); torch.cuda.synchronize(); ts.append(time.perf_counter() - t)
ts.sort(); print(f"d2d copy {n/2**30:.0f} GiB: median {ts[5]*1e3:.3f} ms -> {2*n/ts[5]/1e12:.3f} TB/s (read + write)")
PYEOF
for sh in tinyllama-1.1b llama-3.2-1b; do for t in f16 q8_0 q4_0; do
  $S synth --shape $sh --type $t -o /tmp/${sh}_$t.gguf > /dev/null 2>&1 || echo "synth $sh $t failed"
done; done
ls -la /tmp/*.gguf
for f in /tmp/tinyllama-1.1b_{f16,q8_0,q4_0}.gguf /tmp/llama-3.2-1b_{f16,q8_0,q4_0}.gguf; do
  b=$(basename $f .gguf)
  timeout 100 $S bench -m $f --device cuda --reps 10 --prompt 512 --batch 512 --decode 128 --depth 16 --no-bandwidth -t 2 --json $OUT/cuda_$b.json 2>&1 | grep -v "^#" | tail -4
done
f=/tmp/tinyllama-1.1b_q4_0.gguf
timeout 120 $S bench -m $f --device cuda --reps 5 --prompt 4096 --batch 512 --decode 128 --depth 4096 -c sink:4:4092 --kv-type f16 --no-bandwidth -t 2 --json $OUT/cuda_depth4096.json 2>&1 | tail -5
# Per-token latency along one stream (1K, 10K, 20K tokens), sink:4:4092, f16 KV.
timeout 110 $S bench -m $f --device cuda --long --long-max 20000 -c sink:4:4092 --kv-type f16 --reps 1 --no-bandwidth -t 2 --json $OUT/cuda_long.json 2>&1 | grep -v "^#" | tail -6
echo "gpu part done" 
