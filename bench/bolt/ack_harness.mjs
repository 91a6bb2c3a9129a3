// The second harness for the Socket Mode ack benchmark, independent of the C++ emulator: a
// loopback Slack written with Node's `ws` (what Bolt itself is built on), one frame per
// envelope, TCP_NODELAY on its side as `ws` sets it. It starts the bot under test, drives
// ENVELOPES slash commands at RATE per second (every 50th delivered a second time, as a
// redelivery would be) and prints one JSON line of figures. Each envelope's answer goes to its
// own response_url, so the harness counts how often each was worked on.
//
//   node ack_harness.mjs goaround BINARY DATA_DIR [LD_PRELOAD]   (goaround serve)
//   node ack_harness.mjs bolt APP_MJS                             (the Bolt app)
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { WebSocketServer } from 'ws';

if (!isMainThread) {
  // The worker: apps.connections.open (naming the main thread's websocket), the other Web API
  // methods, and every envelope's response_url, counted per envelope.
  const answers = new Map();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.url.startsWith('/response/')) {
        const id = req.url.slice('/response/'.length);
        answers.set(id, (answers.get(id) ?? 0) + 1);
        res.end('ok');
      } else if (req.url.startsWith('/api/apps.connections.open')) {
        res.end(JSON.stringify({ ok: true, url: `ws://127.0.0.1:${workerData.linkPort}/link/` }));
      } else if (req.url.startsWith('/api/chat.postMessage')) {
        res.end(JSON.stringify({ ok: true, channel: 'C111', ts: `1700000000.${Date.now() % 1000000}` }));
      } else {
        res.end(JSON.stringify({ ok: true }));
      }
    });
  });
  server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
  parentPort.on('message', () => parentPort.postMessage([...answers.values()]));
} else {

const envelopes = Number(process.env.ENVELOPES ?? 5000);
const rate = Number(process.env.RATE ?? 1000);
const [kind, target, dataDir, preload] = process.argv.slice(2);

// The Web API and the response_urls are served by a worker thread, the websocket by the main
// one: answering the bot's calls never holds back reading its acks (Bolt's app makes none).
const linkServer = http.createServer();
await new Promise((r) => linkServer.listen(0, '127.0.0.1', r));
const linkPort = linkServer.address().port;
const api = new Worker(new URL(import.meta.url), { workerData: { linkPort } });
const apiPort = await new Promise((r) => api.once('message', r));
const apiUrl = `http://127.0.0.1:${apiPort}/api/`;
const wss = new WebSocketServer({ server: linkServer });
let link = null;
const acked = new Map();
wss.on('connection', (ws) => {
  ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A111' } }));
  ws.on('message', (data) => {
    const at = process.hrtime.bigint();
    try {
      const id = JSON.parse(data.toString()).envelope_id;
      if (id && !acked.has(id)) acked.set(id, at);
    } catch {}
  });
  link = ws;
});

let child;
if (kind === 'goaround') {
  const config = `${dataDir}/goaround.yaml`;
  writeFileSync(config, `data_dir: ${dataDir}/var\nlog: { level: warn }\nslack:\n` +
    `  app_token: \${BENCH_APP_TOKEN}\n  bot_token: \${BENCH_BOT_TOKEN}\n  api_url: ${apiUrl}\n` +
    `services: [{name: checkout, environment: e, adapter: sim}]\n`);
  const env = { ...process.env, BENCH_APP_TOKEN: 'xapp-1-A111-bench', BENCH_BOT_TOKEN: 'xoxb-bench' };
  if (preload) env.LD_PRELOAD = preload;
  child = spawn(target, ['serve', '--config', config], { env, stdio: ['ignore', 'ignore', 'inherit'] });
} else {
  child = spawn(process.execPath, [target, apiUrl], { stdio: ['ignore', 'ignore', 'inherit'] });
}
while (!link) await new Promise((r) => setTimeout(r, 10));
await new Promise((r) => setTimeout(r, 300));

// Paced by the clock, not by timers: each envelope leaves at start + i/rate.
const sent = new Array(envelopes);
const start = process.hrtime.bigint();
const interval = 1_000_000_000n / BigInt(rate);
for (let i = 0; i < envelopes; ++i) {
  const due = start + BigInt(i) * interval;
  while (process.hrtime.bigint() < due) {
    if (due - process.hrtime.bigint() > 2_000_000n) await new Promise((r) => setTimeout(r, 1));
    else await new Promise((r) => setImmediate(r));
  }
  const frame = JSON.stringify({
    envelope_id: `bench-${i}`, type: 'slash_commands', accepts_response_payload: true,
    payload: { command: '/rollback', text: 'help', user_id: 'U111', user_name: 'bench', channel_id: 'C111',
               response_url: `http://127.0.0.1:${apiPort}/response/bench-${i}` },
  });
  sent[i] = process.hrtime.bigint();
  link.send(frame);
  if (i % 50 === 49) setTimeout(() => link.send(frame), 5);
}
const deadline = Date.now() + 30_000;
while (acked.size < envelopes && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
const answerCounts = async () => {
  api.postMessage('count');
  return await new Promise((r) => api.once('message', r));
};
let counts = await answerCounts();
if (kind === 'goaround') {  // let the last answers arrive
  const settle = Date.now() + 10_000;
  while (counts.length < envelopes && Date.now() < settle) {
    await new Promise((r) => setTimeout(r, 50));
    counts = await answerCounts();
  }
  await new Promise((r) => setTimeout(r, 500));
  counts = await answerCounts();
}

const latencies = [];
let last = start;
for (let i = 0; i < envelopes; ++i) {
  const at = acked.get(`bench-${i}`);
  if (at === undefined) continue;
  latencies.push(Number(at - sent[i]) / 1e6);
  if (at > last) last = at;
}
latencies.sort((a, b) => a - b);
const q = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : 0);
const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
const hwm = Number((status.match(/VmHWM:\s+(\d+)/) ?? [0, 0])[1]);
console.log(JSON.stringify({
  system: kind, acked: latencies.length, p50_ms: q(0.5), p99_ms: q(0.99), p999_ms: q(0.999),
  throughput: latencies.length / (Number(last - start) / 1e9), peak_rss_mib: hwm / 1024,
  worked_once: counts.filter((n) => n === 1).length,
  worked_twice_or_more: counts.filter((n) => n > 1).length,
}));
child.kill('SIGTERM');
await new Promise((r) => child.on('exit', r));
wss.close();
process.exit(0);
}
