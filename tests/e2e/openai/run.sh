#!/bin/sh
# ctest Serve.OpenAIClient / Serve.Curl: starts `sinkstream serve` on the demo
# model, runs the official openai npm client (client_test.mjs) and curl checks
# (curl_test.sh) against it, then stops it with SIGTERM (exit status 0 expected).
# Usage: run.sh openai|curl SINKSTREAM_BINARY SOURCE_DIR WORK_DIR
# The openai package is installed from the npm registry into WORK_DIR (npm ci,
# pinned by package-lock.json; node_modules is never committed).
set -eu
what=$1 bin=$2 src=$3 work=$4
here="$src/tests/e2e/openai"
mkdir -p "$work"
key=e2e-key
if [ "$what" = openai ]; then
  cp "$here/package.json" "$here/package-lock.json" "$here/client_test.mjs" "$work/"
  if [ ! -f "$work/node_modules/openai/package.json" ]; then
    (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
: >"$work/server.out"
"$bin" serve -m "$src/models/sinkstream-default.gguf" --chat-template "$src/tests/fixtures/serve/chatml.jinja" \
  --model-id sinkstream-default --api-key "$key" --port 0 --threads 2 >"$work/server.out" 2>"$work/server.err" &
pid=$!
trap 'kill -9 $pid 2>/dev/null || true' EXIT
port=""
i=0
while [ -z "$port" ] && [ $i -lt 600 ]; do
  port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/server.out" || true)
  [ -n "$port" ] || { kill -0 $pid 2>/dev/null || break; sleep 0.1; }
  i=$((i + 1))
done
if [ -z "$port" ]; then
  echo "server did not start:"; cat "$work/server.err"; exit 1
fi
status=0
if [ "$what" = openai ]; then
  (cd "$work" && node client_test.mjs "http://127.0.0.1:$port/v1" "$key" sinkstream-default) || status=$?
else
  sh "$src/tests/e2e/openai/curl_test.sh" "http://127.0.0.1:$port" "$key" || status=$?
fi
kill -TERM $pid
wait $pid || { echo "server exit status $? after SIGTERM"; cat "$work/server.err"; exit 1; }
trap - EXIT
[ $status -eq 0 ] || { echo "--- server stderr"; cat "$work/server.err"; }
exit $status
