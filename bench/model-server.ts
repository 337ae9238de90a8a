/**
 * The bench's model over HTTP: a local OpenAI-compatible server (streaming chat
 * completions) that behaves like bench/fake-agent.ts — it reads its task's key
 * and duration from the prompt (`[d=NNN]`), sends its headers at once, waits
 * that long, then streams one content chunk, the finish chunk and the usage.
 * It runs in its own process (a provider is never on the scheduler's event
 * loop) and keeps the span of the calls it served, asked for over IPC.
 * Started by bench/http-agent.ts as `node --import tsx bench/model-server.ts`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CallSpan, wallNow } from './fake-agent.ts';

type Msg = { type: 'span'; id: number } | { type: 'stop' };

const TASK = /Your task \(Task ([^,]+), @([^)]+)\):\n[^\n]*\[d=(\d+)\]/;
const emptySpan = (): CallSpan => ({ calls: 0, firstStart: Infinity, lastEnd: -Infinity, times: {} });
let span = emptySpan();
/** TCP connections opened since the last ask: with keep-alive, about the peak number of calls in flight, not one per call. */
let connections = 0;

interface ChatBody {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  messages?: Array<{ role: string; content: unknown }>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function fail(res: ServerResponse, status: number, message: string) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type: 'invalid_request_error' } }));
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  if (req.method !== 'POST' || !/^\/v1\/chat\/completions$/.test(req.url ?? '')) return fail(res, 404, `no ${req.method} ${req.url}`);
  const body = JSON.parse(await readBody(req)) as ChatBody;
  const user = body.messages?.filter((m) => m.role === 'user').at(-1)?.content;
  const m = TASK.exec(typeof user === 'string' ? user : '');
  if (!m) return fail(res, 400, 'bench model server: no "[d=NNN]" task line in the prompt');
  if (!body.stream) return fail(res, 400, 'bench model server: only streamed completions (the runner always streams)');
  const [, key, , d] = m;
  const start = wallNow();
  span.calls++;
  if (start < span.firstStart) span.firstStart = start;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  const ms = Number(d);
  if (ms > 0) {
    const aborted = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), ms);
      res.once('close', () => (clearTimeout(t), resolve(true)));
    });
    if (aborted) return;
  }
  const text = `output of task ${key}`;
  const base = { id: `chatcmpl-${key}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model ?? 'bench' };
  const event = (choices: unknown[], extra: object = {}) => `data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`;
  let out = event([{ index: 0, delta: { role: 'assistant', content: text }, finish_reason: null }]) + event([{ index: 0, delta: {}, finish_reason: 'stop' }]);
  if (body.stream_options?.include_usage) out += event([], { usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } });
  const end = wallNow();
  if (end > span.lastEnd) span.lastEnd = end;
  span.times[key!] = [start, end];
  res.end(`${out}data: [DONE]\n\n`);
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    if (!res.headersSent) fail(res, 500, `bench model server: ${String(err)}`);
    else res.destroy();
  });
});
server.on('connection', () => connections++);
// Idle keep-alive sockets live longer than a bench run's pauses between graphs.
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send!({ type: 'ready', url: `http://127.0.0.1:${port}/v1` });
});

process.on('message', (m: Msg) => {
  if (m.type === 'span') {
    process.send!({ type: 'span', id: m.id, span, connections });
    span = emptySpan();
    connections = 0;
  } else if (m.type === 'stop') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
// The bench ending without a goodbye (killed) must not leave the server behind.
process.on('disconnect', () => process.exit(0));
