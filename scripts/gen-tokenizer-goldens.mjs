#!/usr/bin/env node
// Reference token ids for the tokenizer corpus (tests/golden/tokenizer/corpus/*.txt), made with
// Hugging Face's official JS runtime @huggingface/tokenizers and cross-checked against
// @lenml/tokenizers (transformers.js fork). Writes tests/golden/tokenizer/ids/<tok>/<cat>.ids
// and tests/golden/tokenizer/ids/DISAGREEMENTS.txt.
//
//   node scripts/gen-tokenizer-goldens.mjs              regenerate every golden
//   node scripts/gen-tokenizer-goldens.mjs --check      regenerate in memory, compare, exit 1 on change
//   node scripts/gen-tokenizer-goldens.mjs --only qwen3,gemma3
//   node scripts/gen-tokenizer-goldens.mjs --show qwen3 english 12   one segment: text, ids, pieces
//
// Corpus format: each segment is followed by the bytes 1E 0A. Segments are decoded to JS strings
// with TextDecoder("utf-8", {ignoreBOM: true}) — the WHATWG decoder, which replaces every maximal
// invalid subsequence by U+FFFD (so invalid-utf8.txt is tokenized as that replaced text; a leading
// U+FEFF is kept, not eaten as a BOM).
//
// .ids format (text, one line per segment, in corpus order, after one '#' header line):
//   <rt> <hash> <ids>
//   rt    1 when decode(ids, skip_special_tokens) === the segment text (as decoded above), else 0
//   hash  FNV-1a 64 (16 lowercase hex digits) of the UTF-8 bytes of that decode
//   ids   encode(text, {add_special_tokens: true}).ids, each id as 3 characters in base 94
//         over '!'..'~' (id = d0*94*94 + d1*94 + d2, digit = charCode - 33), no separators.
//         3 chars per id instead of ~6 in decimal keeps the five tokenizers' goldens at ~5 MB.
// Decoding uses clean_up_tokenization_spaces: false (the raw decoder chain, as the Rust
// `tokenizers` library and llama.cpp do; transformers' cleanup is a separate, lossy step).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const kRepo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const kCorpus = path.join(kRepo, 'tests/golden/tokenizer/corpus');
const kOut = path.join(kRepo, 'tests/golden/tokenizer/ids');
const kNodeDir = process.env.PRIMER_NODE_DIR ?? path.join(kRepo, 'tools/node');
const kTokenizers = ['qwen3', 'llama3', 'llama3_1', 'llama2', 'gemma3'];
const kFormat = 'primer-tokenizer-golden v1';

const req = createRequire(path.join(kNodeDir, 'package.json'));
const hfModule = await import(req.resolve('@huggingface/tokenizers'));
const HfTokenizer = hfModule.Tokenizer ?? hfModule.default.Tokenizer;
const lenmlModule = await import(req.resolve('@lenml/tokenizers'));
const TokenizerLoader = lenmlModule.TokenizerLoader ?? lenmlModule.default.TokenizerLoader;
const versionOf = (pkg) => JSON.parse(fs.readFileSync(path.join(kNodeDir, 'node_modules', pkg, 'package.json'), 'utf8')).version;

// ---------------------------------------------------------------------------------------------

function readCorpus(dir = kCorpus) {
  // -> [{category, segments: [Buffer]}] in file-name order.
  const out = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.txt') && f !== 'SOURCES.txt').sort()) {
    const buf = fs.readFileSync(path.join(dir, file));
    const segments = [];
    let start = 0;
    for (let i = 0; i + 1 < buf.length; i++) {
      if (buf[i] === 0x1e && buf[i + 1] === 0x0a) {
        segments.push(buf.subarray(start, i));
        start = i + 2;
        i++;
      }
    }
    if (start !== buf.length) throw new Error(`${file}: trailing bytes after the last segment`);
    out.push({ category: file.slice(0, -4), segments });
  }
  return out;
}

const textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
const segmentText = (bytes) => textDecoder.decode(bytes);

function fnv1a64(bytes) {
  // Two 32-bit halves; prime 0x100000001b3 = 2^40 + 0x1b3.
  let hi = 0xcbf29ce4 >>> 0, lo = 0x84222325 >>> 0;
  for (const b of bytes) {
    lo = (lo ^ b) >>> 0;
    // (hi:lo) * 0x1b3 + (lo << 40)
    const loMul = lo * 0x1b3;
    const carry = Math.floor(loMul / 0x100000000);
    const newLo = loMul >>> 0;
    hi = (Math.imul(hi, 0x1b3) + carry + ((lo << 8) >>> 0)) >>> 0;
    lo = newLo;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

const kBase = 94;
function encodeIds(ids) {
  let s = '';
  for (const id of ids) {
    if (!(id >= 0 && id < kBase ** 3)) throw new Error(`id ${id} out of range`);
    s += String.fromCharCode(33 + Math.floor(id / (kBase * kBase)), 33 + (Math.floor(id / kBase) % kBase), 33 + (id % kBase));
  }
  return s;
}
function decodeIds(s) {
  const ids = [];
  for (let i = 0; i + 2 < s.length; i += 3) {
    ids.push((s.charCodeAt(i) - 33) * kBase * kBase + (s.charCodeAt(i + 1) - 33) * kBase + (s.charCodeAt(i + 2) - 33));
  }
  return ids;
}

function loadJson(tok, file) {
  return JSON.parse(fs.readFileSync(req.resolve(`@lenml/tokenizer-${tok}/models/${file}`), 'utf8'));
}

function loadHf(tok) {
  return new HfTokenizer(loadJson(tok, 'tokenizer.json'), loadJson(tok, 'tokenizer_config.json'));
}

function loadLenml(tok) {
  const warn = console.warn;
  console.warn = () => {};  // "Unknown tokenizer class" chatter for PreTrainedTokenizerFast
  try {
    return TokenizerLoader.fromPreTrained({ tokenizerJSON: loadJson(tok, 'tokenizer.json'), tokenizerConfig: loadJson(tok, 'tokenizer_config.json') });
  } finally {
    console.warn = warn;
  }
}

const hfEncode = (hf, text) => hf.encode(text, { add_special_tokens: true }).ids;
const hfDecode = (hf, ids) => (ids.length === 0 ? '' : hf.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false }));

function firstDiff(a, b) {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function describeDisagreement(hf, tok, category, index, text, ids, other) {
  const at = firstDiff(ids, other);
  const lo = Math.max(0, at - 3);
  const piece = (id) => JSON.stringify(hf.id_to_token(id) ?? '?');
  const show = (v) => v.slice(lo, at + 6).map((id) => `${id}:${piece(id)}`).join(' ');
  // The characters around the first differing token: decode the agreed prefix to find them.
  const prefix = hfDecode(hf, ids.slice(0, at));
  const pos = Math.min(text.length, Math.max(0, prefix.length - 10));
  return [
    `${tok} ${category}[${index}] first difference at id #${at} (hf ${ids.length} ids, lenml ${other.length} ids)`,
    `  text near there: ${JSON.stringify(text.slice(pos, pos + 40))}`,
    `  @huggingface/tokenizers: ${show(ids)}`,
    `  @lenml/tokenizers:       ${show(other)}`,
  ].join('\n');
}

function generate(tok, corpus, crossCheck) {
  const hf = loadHf(tok);
  const lenml = crossCheck ? loadLenml(tok) : null;
  const files = new Map();
  const disagreements = [];
  let nSegments = 0, nIds = 0, nRoundTrip = 0;
  for (const { category, segments } of corpus) {
    const lines = [`# ${kFormat} tokenizer=${tok} category=${category} segments=${segments.length} add_special_tokens=true decode=skip_special_tokens,no_cleanup @huggingface/tokenizers=${versionOf('@huggingface/tokenizers')}`];
    segments.forEach((bytes, index) => {
      const text = segmentText(bytes);
      const ids = hfEncode(hf, text);
      const decoded = hfDecode(hf, ids);
      const rt = decoded === text;
      lines.push(`${rt ? 1 : 0} ${fnv1a64(Buffer.from(decoded, 'utf8'))} ${encodeIds(ids)}`);
      nSegments++; nIds += ids.length; nRoundTrip += rt;
      if (lenml) {
        const other = Array.from(lenml.encode(text, { add_special_tokens: true }));
        if (other.length !== ids.length || other.some((id, i) => id !== ids[i])) {
          disagreements.push(describeDisagreement(hf, tok, category, index, text, ids, other));
        }
      }
    });
    files.set(path.join(tok, `${category}.ids`), lines.join('\n') + '\n');
  }
  console.error(`[goldens] ${tok}: ${nSegments} segments, ${nIds} ids, ${nRoundTrip} round-trip, ${disagreements.length} lenml disagreements`);
  return { files, disagreements };
}

function show(tok, category, index) {
  const corpus = readCorpus();
  const entry = corpus.find((c) => c.category === category);
  if (!entry || !(index < entry.segments.length)) throw new Error(`no segment ${category}[${index}]`);
  const hf = loadHf(tok);
  const text = segmentText(entry.segments[index]);
  const ids = hfEncode(hf, text);
  console.log(`text: ${JSON.stringify(text)}`);
  console.log(`ids (${ids.length}): ${JSON.stringify(ids)}`);
  console.log(`pieces: ${JSON.stringify(ids.map((id) => hf.id_to_token(id)))}`);
  console.log(`decode: ${JSON.stringify(hfDecode(hf, ids))}`);
  const lenml = loadLenml(tok);
  console.log(`lenml ids: ${JSON.stringify(Array.from(lenml.encode(text, { add_special_tokens: true })))}`);
}

function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--show') return show(args[1], args[2], Number(args[3]));
  const check = args.includes('--check');
  const onlyAt = args.indexOf('--only');
  const toks = onlyAt >= 0 ? args[onlyAt + 1].split(',') : kTokenizers;
  const crossCheck = !args.includes('--no-lenml');
  const corpus = readCorpus();
  const all = new Map();
  const disagreements = [];
  for (const tok of toks) {
    const r = generate(tok, corpus, crossCheck);
    r.files.forEach((v, k) => all.set(k, v));
    disagreements.push(...r.disagreements);
  }
  if (crossCheck && onlyAt < 0) {
    const header = `# Generated by scripts/gen-tokenizer-goldens.mjs: segments where @lenml/tokenizers ${versionOf('@lenml/tokenizers')}\n` +
      `# disagrees with @huggingface/tokenizers ${versionOf('@huggingface/tokenizers')} (the golden). ${disagreements.length} in total.\n\n`;
    all.set('DISAGREEMENTS.txt', header + disagreements.join('\n\n') + (disagreements.length ? '\n' : ''));
  }
  let changed = 0;
  for (const [rel, content] of all) {
    const file = path.join(kOut, rel);
    const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    if (old === content) continue;
    changed++;
    if (check) {
      console.error(`[goldens] ${rel} differs from a fresh run`);
    } else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    }
  }
  console.error(`[goldens] ${all.size} files, ${changed} ${check ? 'differ' : 'written'}`);
  if (check && changed) process.exit(1);
}

main();
