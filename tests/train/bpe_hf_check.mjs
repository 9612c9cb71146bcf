// Encodes strings with Hugging Face's official JS tokenizer runtime (@huggingface/tokenizers),
// the reference bpe_train_test.cpp compares Primer's ids against.
//
//   node bpe_hf_check.mjs NODE_DIR tokenizer.json tokenizer_config.json strings.json
//
// NODE_DIR holds node_modules (tools/node). strings.json is a JSON array of strings; prints a
// JSON array with one array of ids per string (encode(s, {add_special_tokens: false}).ids).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const [nodeDir, tokenizerPath, configPath, stringsPath] = process.argv.slice(2);
if (!stringsPath) {
  console.error('usage: node bpe_hf_check.mjs NODE_DIR tokenizer.json tokenizer_config.json strings.json');
  process.exit(2);
}
const req = createRequire(path.join(path.resolve(nodeDir), 'package.json'));
const { Tokenizer } = req('@huggingface/tokenizers');
const readJson = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));
const tok = new Tokenizer(readJson(tokenizerPath), readJson(configPath));
const strings = readJson(stringsPath);
const out = strings.map((s) => Array.from(tok.encode(s, { add_special_tokens: false }).ids));
process.stdout.write(JSON.stringify(out) + '\n');
