#!/bin/sh
# Behaviour check for refactors: runs `ppl`, `sinks --json` and `generate --temp 0`
# with two sinkstream binaries on the same inputs and compares their outputs byte
# for byte: stdout, the JSON files, converted GGUF files and the exit status.
# Timings are left out: stderr, and the "tokens/s" / "seconds" rows and keys of ppl.
#
#   scripts/compare_outputs.sh OLD_BIN NEW_BIN [WORK_DIR]
#
# Models: models/sinkstream-default.gguf and ../shared's stories260K (text:
# ../shared/text/alice29.txt when present, else this script), and every HF fixture in tests/fixtures/hf, both as
# the folder and converted with each binary's own `convert` (f32). The fixtures
# carry no tokenizer, so each gets a copy with a byte-fallback BPE tokenizer.json
# of its vocabulary size (256 byte tokens + "<tN>" fillers); ppl and sinks read the
# fixture's token ids (tokens.json "eval"; GPT-2's first 128: learned positions). `sinks` runs on one thread: before
# 6f526d5 its statistics were summed in thread order, so with two threads an
# older binary can differ from itself in the last digits from run to run. Prints one line per check and exits 1 when any output
# differs. FIXTURES="llama qwen2 ..." limits part 3 to those fixture folders (an
# older binary may not read the newer families).
set -eu
OLD=${1:?usage: compare_outputs.sh OLD_BIN NEW_BIN [WORK_DIR]}
NEW=${2:?usage: compare_outputs.sh OLD_BIN NEW_BIN [WORK_DIR]}
WORK=${3:-$(mktemp -d)}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$WORK"
FAILED=0
CHECKS=0

# run NAME ARGS...: runs both binaries; {} in ARGS is replaced by the side's output
# folder. With GGUF_FROM=CHECK set, $WORK/model.gguf is first replaced by the file
# that side's run of CHECK wrote (so both sides read the same path).
run() {
  name=$1
  shift
  for side in old new; do
    bin=$OLD
    [ "$side" = new ] && bin=$NEW
    out="$WORK/$side/$name"
    rm -rf "$out" "$WORK/cmp/$side/$name"
    mkdir -p "$out" "$WORK/cmp/$side/$name"
    [ -z "${GGUF_FROM:-}" ] || cp "$WORK/$side/$GGUF_FROM/model.gguf" "$WORK/model.gguf"
    args=""
    for a in "$@"; do args="$args '$(printf '%s' "$a" | sed "s#{}#$out#g")'"; done
    set +e
    eval "\"$bin\" $args" >"$out/stdout" 2>"$out/stderr"
    echo $? >"$out/status"
    set -e
    for f in "$out"/*; do
      case $f in
        */stderr) ;;
        *.gguf) cp "$f" "$WORK/cmp/$side/$name/" ;;
        *) sed -E '/^(tokens\/s|seconds) /d; /"(seconds|tokens_per_s)":/d' "$f" >"$WORK/cmp/$side/$name/$(basename "$f")" ;;
      esac
    done
  done
  CHECKS=$((CHECKS + 1))
  if diff -r "$WORK/cmp/old/$name" "$WORK/cmp/new/$name" >/dev/null; then
    echo "same      $name (exit $(cat "$WORK/new/$name/status"))"
  else
    echo "DIFFERENT $name"
    diff -r "$WORK/cmp/old/$name" "$WORK/cmp/new/$name" | head -5
    FAILED=1
  fi
}

# 1. The demo model over real text.
TEXT="$ROOT/../shared/text/alice29.txt"
[ -f "$TEXT" ] || TEXT="$0"
DEMO="$ROOT/models/sinkstream-default.gguf"
if [ -f "$DEMO" ]; then
  run demo-ppl ppl -m "$DEMO" --text "$TEXT" --tokens 2000 --bucket 500 \
    --cache dense,window:256,sink:4:252 --threads 2 --json "{}/ppl.json"
  run demo-ppl-recompute ppl -m "$DEMO" --text "$TEXT" --tokens 300 --bucket 100 --cache recompute:64 --threads 2
  run demo-sinks sinks -m "$DEMO" --text "$TEXT" --ctx 256 --threads 1 --json "{}/sinks.json"
  run demo-generate generate -m "$DEMO" -p "It was a truth universally acknowledged" -n 64 --temp 0 \
    --cache sink:4:60 --threads 2
else
  echo "skip      demo model ($DEMO is absent)"
fi

# 2. A llama2.c checkpoint (../shared's stories260K), and its GGUF conversion.
STORIES="$ROOT/../shared/models/stories260K"
if [ -f "$STORIES/stories260K.bin" ]; then
  run stories-ppl ppl -m "$STORIES/stories260K.bin" -z "$STORIES/tok512.bin" --text "$TEXT" --tokens 600 \
    --bucket 200 --cache dense,window:128,sink:4:124 --threads 2 --json "{}/ppl.json"
  run stories-sinks sinks -m "$STORIES/stories260K.bin" -z "$STORIES/tok512.bin" --text "$TEXT" --ctx 256 \
    --threads 1 --json "{}/sinks.json"
  run stories-generate generate -m "$STORIES/stories260K.bin" -z "$STORIES/tok512.bin" --temp 0 -n 128 --threads 2
  run stories-convert convert "$STORIES/stories260K.bin" -z "$STORIES/tok512.bin" -o "{}/model.gguf" --type q8_0
else
  echo "skip      stories260K (absent)"
fi

# 3. Every HF fixture: as the folder, and converted to GGUF by each binary.
for dir in "$ROOT"/tests/fixtures/hf/*/; do
  fx=$(basename "$dir")
  [ -f "$dir/config.json" ] || continue
  case " ${FIXTURES:-$fx} " in *" $fx "*) ;; *) continue ;; esac
  copy="$WORK/fixtures/$fx"
  mkdir -p "$copy"
  ln -sf "$dir/config.json" "$dir/model.safetensors" "$copy/"
  /usr/bin/python3 - "$dir" "$copy" <<'PY'
import json, sys
src, dst = sys.argv[1], sys.argv[2]
cfg = json.load(open(src + "/config.json"))
n_vocab = cfg["vocab_size"]
# A SentencePiece-style BPE (byte fallback, no merges): "<0xNN>" byte tokens at ids
# 0-255, "<tN>" fillers up to the model's vocabulary. It converts to a GGUF "llama"
# tokenizer, which every build reads back.
vocab = {"<0x%02X>" % b: b for b in range(256)}
for i in range(256, n_vocab):
    vocab["<t%d>" % i] = i
tok = {"version": "1.0", "added_tokens": [], "normalizer": None, "pre_tokenizer": None,
       "post_processor": None, "decoder": {"type": "ByteFallback"},
       "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                 "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": True, "vocab": vocab, "merges": []}}
json.dump(tok, open(dst + "/tokenizer.json", "w"))
ids = [t for seq in json.load(open(src + "/tokens.json"))["eval"] for t in seq]
open(dst + "/ids.txt", "w").write(" ".join(map(str, ids)) + "\n")
PY
  ids="$copy/ids.txt"
  caches=dense,window:64,sink:4:60
  # Learned absolute positions: dense and recompute caches only.
  tokens=1536
  grep -q '"model_type": "gpt2"' "$dir/config.json" && caches=dense,recompute:64 && tokens=128
  run "$fx-convert" convert "$copy" -o "{}/model.gguf" --type f32
  for form in folder gguf; do
    m="$copy"
    GGUF_FROM=""
    # Each binary reads the file its own `convert` wrote.
    [ "$form" = gguf ] && m="$WORK/model.gguf" && GGUF_FROM="$fx-convert"
    run "$fx-$form-ppl" ppl -m "$m" --ids "$ids" --tokens "$tokens" --bucket 64 --cache "$caches" --threads 2 \
      --json "{}/ppl.json"
    run "$fx-$form-sinks" sinks -m "$m" --ids "$ids" --ctx 128 --threads 1 --json "{}/sinks.json"
    run "$fx-$form-generate" generate -m "$m" -p "ab" -n 32 --temp 0 --cache dense --threads 2
  done
  GGUF_FROM=""
done

echo "$CHECKS checks, work files in $WORK"
[ "$FAILED" = 0 ] || { echo "compare_outputs: outputs differ" >&2; exit 1; }
echo "compare_outputs: every output is byte-identical"
