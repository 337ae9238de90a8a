import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake provider does with one request. */
export type FakeBehaviour =
  | { content: string; delayMs?: number; chunkDelayMs?: number }
  | { status: number; message: string; delayMs?: number; headers?: Record<string, string> }
  | { hang: true }
  | { toolCall: { name?: string; arguments: object }; delayMs?: number }
  /** Several tool calls in one answer (a model asking for parallel calls); ids default to call_<n>. */
  | { toolCalls: Array<{ id?: string; name: string; arguments: object | string }>; delayMs?: number }
  | { json: object; delayMs?: number };

export interface FakeRequest {
  path: string;
  body: any;
  time: number;
  /** Request headers (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
}

export type FakeResponder = (req: FakeRequest) => FakeBehaviour | Promise<FakeBehaviour>;

/** A responder for every request, or a queue consumed one behaviour per request (then the default). */
export type FakeScript = FakeResponder | FakeBehaviour[];

export interface FakeOpenAI {
  /** Base URL ending in /v1, for `configuration.baseURL`. */
  url: string;
  requests: FakeRequest[];
  /** Every request that reached the server, on any path (chat completions or not), body unread. */
  received: Array<{ method: string; path: string; headers: Record<string, string | string[] | undefined> }>;
  /** Requests whose client closed the connection before the response ended. */
  readonly abortedCount: number;
  /** Resolves once `abortedCount` reaches `count` (default: one more than now). */
  onAbort(count?: number): Promise<void>;
  setResponder(fn: FakeResponder): void;
  close(): Promise<void>;
}

const lastUserText = (body: FakeRequest['body']): string => {
  const users = (body?.messages ?? []).filter((m: { role: string }) => m.role === 'user');
  const c = users.at(-1)?.content;
  return typeof c === 'string' ? c : Array.isArray(c) ? c.map((p: { text?: string }) => p.text ?? '').join('') : '';
};

const defaultResponder: FakeResponder = (req) => ({ content: `fake answer to: ${lastUserText(req.body)}` });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tokens = (s: string) => Math.max(1, Math.ceil(s.length / 4));

export async function startFakeOpenAI(script?: FakeScript): Promise<FakeOpenAI> {
  const queue = Array.isArray(script) ? [...script] : [];
  let responder: FakeResponder = typeof script === 'function' ? script : defaultResponder;
  const requests: FakeRequest[] = [];
  const received: FakeOpenAI['received'] = [];
  let aborted = 0;
  let closing = false; // connections we cut in close() are not client aborts
  let waiters: Array<{ count: number; resolve: () => void }> = [];

  const noteAbort = () => {
    aborted++;
    waiters = waiters.filter((w) => (aborted >= w.count ? (w.resolve(), false) : true));
  };

  const server = createServer(async (req, res) => {
    res.on('close', () => {
      if (!res.writableFinished && !closing) noteAbort();
    });
    try {
      const path = (req.url ?? '').split('?')[0];
      received.push({ method: req.method ?? '', path, headers: req.headers });
      if (req.method !== 'POST' || !/^(\/v1)?\/chat\/completions$/.test(path)) {
        return sendJson(res, 404, { error: { message: `fake provider has no ${req.method} ${path}`, type: 'not_found' } });
      }
      const body = JSON.parse((await readBody(req)) || '{}');
      const request: FakeRequest = { path, body, time: Date.now(), headers: req.headers };
      requests.push(request);
      const behaviour = queue.length > 0 ? queue.shift()! : await responder(request);
      if ('hang' in behaviour) return; // never answer; the client must give up or abort
      if (behaviour.delayMs) await sleep(behaviour.delayMs);
      if (res.destroyed) return;
      if ('status' in behaviour) {
        const type = behaviour.status === 429 ? 'rate_limit_exceeded' : behaviour.status >= 500 ? 'server_error' : 'invalid_request_error';
        return sendJson(res, behaviour.status, { error: { message: behaviour.message, type, code: type } }, behaviour.headers);
      }
      const message = assistantMessage(behaviour, body);
      if (body.stream) await streamCompletion(res, body, message, 'chunkDelayMs' in behaviour ? behaviour.chunkDelayMs : 0);
      else sendJson(res, 200, completion(body, message));
    } catch (err) {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `fake provider crashed: ${String(err)}` } });
      else res.destroy();
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    received,
    get abortedCount() {
      return aborted;
    },
    onAbort(count = aborted + 1) {
      if (aborted >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    setResponder(fn) {
      responder = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface AssistantMessage {
  content: string | null;
  tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
}

/** Turns a behaviour into the assistant message, choosing tool call vs. JSON content from the request. */
function assistantMessage(b: Exclude<FakeBehaviour, { hang: true } | { status: number }>, body: FakeRequest['body']): AssistantMessage {
  const toolName: string | undefined = body.tool_choice?.function?.name ?? body.tools?.[0]?.function?.name;
  const toolCall = (name: string | undefined, args: object): AssistantMessage => ({
    content: null,
    tool_calls: [{ id: 'call_fake_1', type: 'function', function: { name: name ?? 'tool', arguments: JSON.stringify(args) } }],
  });
  if ('toolCall' in b) return toolCall(b.toolCall.name ?? toolName, b.toolCall.arguments);
  if ('toolCalls' in b) {
    return {
      content: null,
      tool_calls: b.toolCalls.map((c, i) => ({
        id: c.id ?? `call_${i + 1}`,
        type: 'function' as const,
        function: { name: c.name, arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments) },
      })),
    };
  }
  if ('json' in b) {
    if (body.response_format?.type !== 'json_schema' && toolName) return toolCall(toolName, b.json);
    return { content: JSON.stringify(b.json) };
  }
  return { content: b.content };
}

function usage(body: FakeRequest['body'], m: AssistantMessage) {
  const prompt_tokens = tokens(JSON.stringify(body.messages ?? []));
  const completion_tokens = tokens(m.content ?? JSON.stringify(m.tool_calls));
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}

function completion(body: FakeRequest['body'], m: AssistantMessage) {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model ?? 'fake',
    choices: [{ index: 0, message: { role: 'assistant', ...m }, finish_reason: m.tool_calls ? 'tool_calls' : 'stop', logprobs: null }],
    usage: usage(body, m),
  };
}

async function streamCompletion(res: ServerResponse, body: FakeRequest['body'], m: AssistantMessage, chunkDelayMs = 0) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model ?? 'fake' };
  const send = (choices: unknown[], extra: object = {}) => res.write(`data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`);
  send([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
  if (m.tool_calls) {
    for (const [index, call] of m.tool_calls.entries()) {
      send([{ index: 0, delta: { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }, finish_reason: null }]);
      send([{ index: 0, delta: { tool_calls: [{ index, function: { arguments: call.function.arguments } }] }, finish_reason: null }]);
    }
  } else {
    for (const piece of (m.content ?? '').match(/\S+\s*|\s+/g) ?? []) {
      if (res.destroyed) return;
      if (chunkDelayMs) await sleep(chunkDelayMs);
      send([{ index: 0, delta: { content: piece }, finish_reason: null }]);
    }
  }
  send([{ index: 0, delta: {}, finish_reason: m.tool_calls ? 'tool_calls' : 'stop' }]);
  if (body.stream_options?.include_usage) send([], { usage: usage(body, m) });
  res.end('data: [DONE]\n\n');
}

function sendJson(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { ...headers, 'content-type': 'application/json' });
  res.end(JSON.stringify(payload));
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
