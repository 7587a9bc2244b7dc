#!/bin/sh
# curl against a running `sinkstream serve`: the SSE wire format byte by byte
# (data: lines, blank-line separators, data: [DONE] last), /health without a key,
# /metrics in Prometheus text, auth. Usage: curl_test.sh BASE_URL API_KEY
set -eu
base=$1 key=$2
fail() { echo "FAIL: $*"; exit 1; }
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

code=$(curl -s -o "$tmp/h" -w '%{http_code}' "$base/health")
[ "$code" = 200 ] && grep -q '"ok"' "$tmp/h" || fail "/health: $code $(cat "$tmp/h")"
ok "/health answers 200 without a key"

code=$(curl -s -o "$tmp/m" -w '%{http_code}' "$base/v1/models")
[ "$code" = 401 ] || fail "/v1/models without a key: $code"
ok "/v1/models without a key: 401"

curl -sS -N -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"model":"sinkstream-default","messages":[{"role":"user","content":"Hello"}],"stream":true,"max_tokens":8,"temperature":0,"stream_options":{"include_usage":true}}' \
  -D "$tmp/headers" "$base/v1/chat/completions" >"$tmp/sse"
grep -qi '^content-type: text/event-stream' "$tmp/headers" || fail "stream content type: $(cat "$tmp/headers")"
# Every non-empty line is an event; events are separated by one blank line; [DONE] is last.
awk 'NF && !/^data: /{bad=1} END{exit bad}' "$tmp/sse" || fail "a line that is not 'data: ...': $(cat "$tmp/sse")"
[ "$(grep -c '^data: ' "$tmp/sse")" -eq "$(grep -c '^$' "$tmp/sse")" ] || fail "events not separated by blank lines"
[ "$(grep -v '^$' "$tmp/sse" | tail -n 1)" = "data: [DONE]" ] || fail "last event is not [DONE]"
grep '^data: {' "$tmp/sse" | head -n 1 | grep -q '"delta":{"content":"","refusal":null,"role":"assistant"}' ||
  fail "first chunk is not the role delta"
grep -q '"finish_reason":"\(stop\|length\)"' "$tmp/sse" || fail "no finish_reason chunk"
grep '^data: {' "$tmp/sse" | tail -n 1 | grep -q '"choices":\[\],.*"usage":{"completion_tokens":' ||
  fail "last chunk is not the usage chunk"
ok "streamed chat: text/event-stream, role delta, finish chunk, usage chunk, data: [DONE]"

code=$(curl -s -o "$tmp/c" -w '%{http_code}' -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"model":"sinkstream-default","prompt":"Once","max_tokens":4}' "$base/v1/completions")
[ "$code" = 200 ] && grep -q '"object":"text_completion"' "$tmp/c" || fail "completions: $code $(cat "$tmp/c")"
ok "completions: 200 text_completion"

code=$(curl -s -o "$tmp/e" -w '%{http_code}' -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"model":"sinkstream-default","messages":"nope"}' "$base/v1/chat/completions")
[ "$code" = 400 ] && grep -q '"error":{' "$tmp/e" || fail "bad messages: $code $(cat "$tmp/e")"
ok "malformed request: 400 with an error object"

curl -s -H "Authorization: Bearer $key" "$base/metrics" >"$tmp/metrics"
for m in sinkstream_generated_tokens_total sinkstream_generated_tokens_per_second sinkstream_sessions \
  sinkstream_active_requests sinkstream_queue_depth sinkstream_cache_tokens sinkstream_evicted_tokens \
  'sinkstream_request_duration_seconds_bucket{le="+Inf"}' sinkstream_batch_steps_total; do
  grep -q "^$m" "$tmp/metrics" || fail "/metrics lacks $m"
done
grep -q '^sinkstream_requests_total{route="/v1/chat/completions",status="200"} [1-9]' "$tmp/metrics" ||
  fail "/metrics does not count the chat request"
ok "/metrics: Prometheus text with the serving metrics"
echo "curl e2e: $n checks passed"
