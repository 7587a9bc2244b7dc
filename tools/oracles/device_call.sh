#!/bin/bash
# The one GPU-machine call of issue #16 (run from the checkout root as
# `bash .dev/rel/run.sh`, after tools/oracles/make_device_bundle.sh): every fuzz
# target on all cores (scripts/fuzz_parallel.py) and, beside it, the two
# transformers oracles. Results (tar files, summary) land in $OUT.
set -u
D=$(cd "$(dirname "$0")" && pwd); R=$(cd "$D/../.." && pwd); W=/tmp/relw
PY=$(command -v python3 || echo /opt/torch/.venv/bin/python3)
mkdir -p $W /tmp/relo
T0=$(date +%s)
tar xJf $D/relfz.tar.xz -C $W && tar xJf $D/relvoc.tar.xz -C $W || exit 1
echo "unpacked in $(( $(date +%s) - T0 )) s; nproc=$(nproc)"; lscpu | grep -E 'Model name|^CPU\(s\)|Thread|Socket' ; free -g | head -2
$W/lib/ld-linux-x86-64.so.2 --library-path $W/lib $W/bin/policy_fuzz -runs=10 2>&1 | tail -1
(cd $D && PYTHONUNBUFFERED=1 timeout 300 $PY streaming_oracle.py --fixtures $R/tests/fixtures/hf --out /tmp/relo/streaming > /tmp/relo/streaming.log 2>&1; echo "streaming rc=$?" >> /tmp/relo/streaming.log) &
(cd $D && PYTHONUNBUFFERED=1 timeout 300 $PY hf_tokenizer_oracle.py --vocab $W/full --out /tmp/relo/tok > /tmp/relo/tok.log 2>&1; echo "tok rc=$?" >> /tmp/relo/tok.log) &
C=$R/fuzz/corpus
timeout 400 $PY $D/fuzz_parallel.py --bin $W/bin --launcher "$W/lib/ld-linux-x86-64.so.2 --library-path $W/lib" \
  --out /tmp/relf --seconds ${FUZZ_SECONDS:-320} --replay-seconds 35 --workers ${WORKERS:-15} \
  --target policy:$C/policy --target token_ids:$C/token_ids --target llama2c:$C/llama2c --target safetensors:$C/safetensors,$(ls -d $R/tests/fixtures/hf/*/ | paste -sd, -) \
  --target hf_config:$C/hf_config --target llama2c_tokenizer:$C/llama2c_tokenizer,$W/stories \
  --target tokenizer_json:$C/tokenizer_json --target gguf:$C/gguf,$W/seed --target state \
  --target chat_template:$C/chat_template,$D/chat-templates \
  --target conversation_json:$C/conversation_json --target http_body:$C/http_body > /tmp/relf.out 2>&1
echo "fuzz driver rc=$? after $(( $(date +%s) - T0 )) s"
cat /tmp/relf.out
wait
cat /tmp/relo/streaming.log /tmp/relo/tok.log | grep -v Warning | tail -40
tar cJf $OUT/oracles.tar.xz -C /tmp/relo . 
tar cJf $OUT/fuzz_logs.tar.xz -C /tmp/relf logs artifacts summary.json summary.md 2>/dev/null
cp /tmp/relf/summary.md /tmp/relf/summary.json $OUT/ 2>/dev/null
du -sh /tmp/relf/corpus; tar cf - -C /tmp/relf corpus | xz -T8 -3 > $OUT/fuzz_corpus.tar.xz
ls -la $OUT; echo "total $(( $(date +%s) - T0 )) s"
