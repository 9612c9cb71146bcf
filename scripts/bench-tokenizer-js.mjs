#!/usr/bin/env node
// The JS peers of bench/tokenizer_bench.cpp: single-thread encoding throughput (MB/s of UTF-8
// input) of @huggingface/tokenizers and @lenml/tokenizers on the same texts — the golden corpus
// categories with each segment terminator (1E 0A) turned into "\n", encoded as one document with
// add_special_tokens. Prints a markdown table (BENCHMARKS.md).
//
//   node scripts/bench-tokenizer-js.mjs                 all tokenizers, english/chinese/code
//   node scripts/bench-tokenizer-js.mjs llama3 qwen3    some tokenizers
// Environment: BENCH_SECONDS (minimum timed seconds per cell, default 3).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const kRepo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const kNodeDir = process.env.PRIMER_NODE_DIR ?? path.join(kRepo, 'tools/node');
const kSeconds = Number(process.env.BENCH_SECONDS ?? 3);
const req = createRequire(path.join(kNodeDir, 'package.json'));
const hfModule = await import(req.resolve('@huggingface/tokenizers'));
const HfTokenizer = hfModule.Tokenizer ?? hfModule.default.Tokenizer;
const lenmlModule = await import(req.resolve('@lenml/tokenizers'));
const TokenizerLoader = lenmlModule.TokenizerLoader ?? lenmlModule.default.TokenizerLoader;

function corpusText(category) {
  const buf = fs.readFileSync(path.join(kRepo, 'tests/golden/tokenizer/corpus', `${category}.txt`));
  const out = Buffer.alloc(buf.length);
  let n = 0;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] === 0x1e && buf[i + 1] === 0x0a) {
      out[n++] = 0x0a;
      i++;
    } else {
      out[n++] = buf[i];
    }
  }
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(out.subarray(0, n));
}

// Runs encode repeatedly for at least kSeconds of wall time (after one warm-up call). Returns
// MB/s (1e6 bytes) by process CPU time — comparable to Google Benchmark's bytes_per_second, which
// uses CPU time, and robust on a shared machine; it includes V8's GC helper threads — and by wall
// time.
function measure(encode, text) {
  const bytes = Buffer.byteLength(text, 'utf8');
  encode(text);
  let runs = 0;
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let elapsed = 0;
  do {
    encode(text);
    runs++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  } while (elapsed < kSeconds);
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { cpu: (bytes * runs) / cpuSeconds / 1e6, wall: (bytes * runs) / elapsed / 1e6 };
}

const load = (tok, f) => JSON.parse(fs.readFileSync(req.resolve(`@lenml/tokenizer-${tok}/models/${f}`), 'utf8'));
const toks = process.argv.length > 2 ? process.argv.slice(2) : ['llama3', 'qwen3', 'llama2', 'gemma3'];
const categories = ['english', 'chinese', 'code'];
const texts = Object.fromEntries(categories.map((c) => [c, corpusText(c)]));

console.log(`node ${process.version}, @huggingface/tokenizers ${JSON.parse(fs.readFileSync(path.join(kNodeDir, 'node_modules/@huggingface/tokenizers/package.json'))).version}, ` +
  `@lenml/tokenizers ${JSON.parse(fs.readFileSync(path.join(kNodeDir, 'node_modules/@lenml/tokenizers/package.json'))).version}, ${kSeconds}s per cell\n`);
console.log('| tokenizer | text | bytes | @huggingface/tokenizers MB/s (cpu / wall) | @lenml/tokenizers MB/s (cpu / wall) |');
console.log('|---|---|---:|---:|---:|');
for (const tok of toks) {
  const hf = new HfTokenizer(load(tok, 'tokenizer.json'), load(tok, 'tokenizer_config.json'));
  const warn = console.warn;
  console.warn = () => {};
  const lenml = TokenizerLoader.fromPreTrained({ tokenizerJSON: load(tok, 'tokenizer.json'), tokenizerConfig: load(tok, 'tokenizer_config.json') });
  console.warn = warn;
  for (const category of categories) {
    const text = texts[category];
    const a = measure((t) => hf.encode(t, { add_special_tokens: true }), text);
    const b = measure((t) => lenml.encode(t, { add_special_tokens: true }), text);
    const f = (r) => `${r.cpu.toFixed(2)} / ${r.wall.toFixed(2)}`;
    console.log(`| ${tok} | ${category} | ${Buffer.byteLength(text, 'utf8')} | ${f(a)} | ${f(b)} |`);
  }
}
