#!/bin/bash
# Packs what tools/oracles/device_call.sh needs on the GPU machine into DEST
# (default /work/main/.dev/rel, the lead's checkout, ignored by git there):
#   relfz.tar.xz   the libFuzzer binaries of build/fuzz (stripped) + every shared
#                  library they load (ldd), run there through the packed ld.so
#   relvoc.tar.xz  full/: the ../shared/vocab GGUFs transformers can convert + all
#                  .inp files; seed/, stories/: ../shared/vocab and
#                  ../shared/models/stories260K cut to 65,536 bytes per file (what
#                  libFuzzer reads of a seed under -max_len=65536)
#   chat-templates/, *.py, run.sh
# Build the fuzzers first: make fuzz-build. Then run on the device, from the
# checkout's root: bash .dev/rel/run.sh  (carry [".dev/rel"], timeout_s 420).
# Nothing here is committed; the bundle is about 20 MB.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
DEST=${1:-/work/main/.dev/rel}
T=$(mktemp -d)
mkdir -p "$T/pk/bin" "$T/pk/lib" "$T/voc/full" "$T/voc/seed" "$T/voc/stories" "$DEST"
for f in "$ROOT"/build/fuzz/*_fuzz; do strip --strip-all -o "$T/pk/bin/$(basename "$f")" "$f"; done
for l in $(ldd "$ROOT"/build/fuzz/*_fuzz | grep -o '/[^ ]*\.so[^ ]*' | sort -u); do cp -L "$l" "$T/pk/lib/"; done
for v in deepseek-coder falcon gpt-2 llama-spm phi-3 starcoder; do cp "$SHARED/vocab/ggml-vocab-$v.gguf" "$T/voc/full/"; done
cp "$SHARED"/vocab/*.inp "$T/voc/full/"
for f in "$SHARED"/vocab/*; do head -c 65536 "$f" > "$T/voc/seed/$(basename "$f")"; done
for f in "$SHARED"/models/stories260K/*; do head -c 65536 "$f" > "$T/voc/stories/$(basename "$f")"; done
tar cf - -C "$T/pk" bin lib | xz -T2 -6 > "$DEST/relfz.tar.xz"
tar cf - -C "$T/voc" full seed stories | xz -T2 -6 > "$DEST/relvoc.tar.xz"
rm -rf "$DEST/chat-templates" && cp -r "$SHARED/chat-templates" "$DEST/chat-templates"
cp "$ROOT"/tools/oracles/{gguf_meta,streaming_oracle,hf_tokenizer_oracle}.py "$ROOT/scripts/fuzz_parallel.py" "$DEST/"
cp "$ROOT/tools/oracles/device_call.sh" "$DEST/run.sh"
rm -rf "$T"
du -sh "$DEST"
