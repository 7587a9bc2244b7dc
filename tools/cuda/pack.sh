#!/bin/bash
# Packs build/release's sinkstream and sinkstream_cuda_tests (stripped) with the
# Debian libraries they load (not glibc, libstdc++ or CUDA's) into DEST/cu.tar.xz (default .dev/cu; keep it out of git),
# with tools/cuda/gpu_run.sh as DEST/run.sh. Then: run `bash .dev/cu/run.sh`, carry [".dev/cu"]
# (and "models/sinkstream-chat.gguf" for the CPU-vs-GPU ppl and greedy text), timeout_s 600.
set -eu
cd "$(dirname "$0")/../.."
DEST=${1:-.dev/cu}; mkdir -p $DEST
T=$(mktemp -d); mkdir -p $T/bin $T/lib
strip --strip-all -o $T/bin/sinkstream build/release/sinkstream
strip --strip-all -o $T/bin/sinkstream_cuda_tests build/release/sinkstream_cuda_tests
for l in $(ldd build/release/sinkstream build/release/sinkstream_cuda_tests | grep -o '/[^ ]*\.so[^ ]*' | sort -u); do
  case $(basename $l) in libc.so*|libm.so*|ld-linux*|libstdc++*|libgcc_s*|libcublas*|libpthread*|libdl*|librt*) ;; *) cp -L $l $T/lib/;; esac
done
tar cf - -C $T bin lib | xz -T2 -6 > $DEST/cu.tar.xz; rm -rf $T
cp tools/cuda/gpu_run.sh $DEST/run.sh; ls -la $DEST
