#!/usr/bin/env node
// Benchmarks `primer serve` (figures for BENCHMARKS.md):
//   1. decode throughput: one stream vs. 8 concurrent streams (aggregate tokens/s);
//   2. time to first token of a 1,000-token prompt, uncached vs. its first 900 tokens cached;
//   3. the server's own overhead per request (HTTP + JSON + scheduling): `hey` sends 1-token
//      completions one at a time; overhead = median latency - forward time per request (the
//      server's primer_decode_seconds_total over the requests).
//
//   node scripts/bench-serve.mjs --model M.gguf [--binary build/src/cli/primer] [--threads 2]
//                                [--tiny TINY.gguf]   (for 3; default: the same model)
// Prompts are token ids (/v1/completions accepts them), so lengths are exact.
import { spawn, execFileSync } from 'node:child_process';
import path from 'node:path';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const BIN = args.binary ?? 'build/src/cli/primer';
const MODEL = args.model;
const THREADS = args.threads ?? '2';
if (!MODEL) { console.error('usage: bench-serve.mjs --model M.gguf [--binary B] [--threads N] [--tiny T.gguf]'); process.exit(2); }

async function start(model, extra) {
  const child = spawn(BIN, ['serve', '-m', model, '--port', '0', '--alias', 'm', '-t', THREADS, ...extra],
                      { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => { out += d; const m = out.match(/:(\d+)\s/); if (m) resolve(Number(m[1])); });
    child.on('exit', (c) => reject(new Error(`serve exited ${c}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    try { if ((await fetch(base + '/health')).status === 200) break; } catch { /* starting */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { base, child };
}

let seed = 12345;
const rand = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed; };
const tokens = (n) => Array.from({ length: n }, () => 1000 + (rand() % 20000));

// Streams one completion; returns {ttft, seconds, completion_tokens}.
async function complete(base, prompt, maxTokens) {
  const t0 = performance.now();
  const r = await fetch(base + '/v1/completions', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'm', prompt, max_tokens: maxTokens, temperature: 0, stream: true,
                           stream_options: { include_usage: true } }) });
  if (r.status !== 200) throw new Error(`status ${r.status}: ${await r.text()}`);
  let ttft = null, usage = null, buf = '';
  const dec = new TextDecoder();
  for await (const part of r.body) {
    buf += dec.decode(part, { stream: true });
    let at;
    while ((at = buf.indexOf('\n\n')) >= 0) {
      const ev = buf.slice(0, at); buf = buf.slice(at + 2);
      if (!ev.startsWith('data: ') || ev === 'data: [DONE]') continue;
      const j = JSON.parse(ev.slice(6));
      if (ttft === null && j.choices.length) ttft = (performance.now() - t0) / 1000;
      if (j.usage) usage = j.usage;
    }
  }
  return { ttft, seconds: (performance.now() - t0) / 1000, completion_tokens: usage.completion_tokens };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const N_GEN = 128;

{
  const s = await start(MODEL, ['--parallel', '8', '--ctx', '1280']);
  await complete(s.base, tokens(16), 8);  // warm-up: page the weights in
  // 1. one stream vs 8
  const single = [];
  for (let i = 0; i < 3; ++i) {
    const r = await complete(s.base, tokens(16), N_GEN);
    single.push(r.completion_tokens / (r.seconds - r.ttft));
  }
  const aggregate = [];
  for (let i = 0; i < 3; ++i) {
    const t0 = performance.now();
    const rs = await Promise.all(Array.from({ length: 8 }, () => complete(s.base, tokens(16), N_GEN)));
    const secs = (performance.now() - t0) / 1000;
    aggregate.push(rs.reduce((a, r) => a + r.completion_tokens, 0) / secs);
  }
  console.log(`decode, 1 stream:  ${median(single).toFixed(2)} tok/s (median of 3, after the first token)`);
  console.log(`decode, 8 streams: ${median(aggregate).toFixed(2)} tok/s aggregate (median of 3, wall time incl. prompts)`);
  console.log(`  ratio: ${(median(aggregate) / median(single)).toFixed(2)}x`);

  // 2. TTFT, 1000-token prompt: uncached vs 900 cached
  const cold = [], warm = [];
  for (let i = 0; i < 3; ++i) {
    cold.push((await complete(s.base, tokens(1000), 1)).ttft);
    const prefix = tokens(900);
    await complete(s.base, prefix, 1);  // caches the prefix (another request's turn, a lesson...)
    warm.push((await complete(s.base, [...prefix, ...tokens(100)], 1)).ttft);
  }
  console.log(`TTFT 1000-token prompt: uncached ${median(cold).toFixed(3)} s, 900 cached ${median(warm).toFixed(3)} s` +
              ` -> ${(median(cold) / median(warm)).toFixed(1)}x faster`);
  s.child.kill('SIGTERM');
}

// 3. Overhead per request with `hey` (1-token completions, one client).
{
  const s = await start(args.tiny ?? MODEL, ['--parallel', '1', '--ctx', '256']);
  const body = JSON.stringify({ model: 'm', prompt: [1000], max_tokens: 1, temperature: 0 });
  await complete(s.base, [1000], 1);
  const metric = async (name) => {
    const t = await (await fetch(s.base + '/metrics')).text();
    return Number(t.match(new RegExp(`^${name} (\\S+)$`, 'm'))[1]);
  };
  const d0 = await metric('primer_decode_seconds_total'), n0 = await metric('primer_requests_total');
  const out = execFileSync('hey', ['-n', '2000', '-c', '1', '-m', 'POST', '-T', 'application/json', '-d', body,
                                   s.base + '/v1/completions'], { encoding: 'utf8' });
  const d1 = await metric('primer_decode_seconds_total'), n1 = await metric('primer_requests_total');
  const p50 = Number(out.match(/50% in ([0-9.]+) secs/)[1]);
  const forward = (d1 - d0) / (n1 - n0);
  const codes = out.match(/\[(\d+)\]\s+(\d+) responses/g);
  console.log(`1-token completion, hey -c 1 -n 2000 on ${path.basename(args.tiny ?? MODEL)}: median ${(p50 * 1000).toFixed(3)} ms` +
              `, forward ${(forward * 1000).toFixed(3)} ms/request -> server overhead ${((p50 - forward) * 1000).toFixed(3)} ms` +
              ` (${codes?.join(', ')})`);
  s.child.kill('SIGTERM');
}
