import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { classifyModelError, createModelFactory, supportsStructuredOutput } from '../../src/agents/model-factory.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';

// The real @langchain/openai client against a local OpenAI-compatible server.
let fake: FakeOpenAI;
const savedKey = process.env.OPENAI_API_KEY;

beforeAll(async () => {
  process.env.OPENAI_API_KEY = 'sk-test-dummy';
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
  if (savedKey === undefined) delete process.env.OPENAI_API_KEY;
  else process.env.OPENAI_API_KEY = savedKey;
});
afterEach(() => fake.setResponder((req) => ({ content: `echo ${req.body.model}` })));

const modelFor = (agentName = 'backend') => createModelFactory({ llmModel: 'openai:gpt-4o-mini', baseUrls: { openai: fake.url } })({ agentName, temperature: 0 });
const msgs = [new SystemMessage('You are @backend.'), new HumanMessage('Say hello')];

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('ChatOpenAI through the model factory', () => {
  it('invokes, sending the model, the messages and the temperature', async () => {
    fake.setResponder(() => ({ content: 'Hello from the fake provider' }));
    const model = await modelFor();
    expect(supportsStructuredOutput(model)).toBe(true);
    const before = fake.requests.length;
    const out = await model.invoke(msgs);
    expect(out.text).toBe('Hello from the fake provider');
    expect(out.usage_metadata?.total_tokens).toBeGreaterThan(0);
    const { body } = fake.requests[before];
    expect(body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0 });
    expect(body.messages.at(-1)).toMatchObject({ role: 'user', content: 'Say hello' });
    expect(body.stream).toBeFalsy();
  });

  it('streams several chunks, with usage at the end', async () => {
    fake.setResponder(() => ({ content: 'one two three four five six' }));
    const chunks = [];
    for await (const c of await (await modelFor()).stream(msgs)) chunks.push(c);
    expect(chunks.filter((c) => c.text).length).toBeGreaterThanOrEqual(6);
    expect(chunks.map((c) => c.text).join('')).toBe('one two three four five six');
    expect(chunks.some((c) => (c.usage_metadata?.total_tokens ?? 0) > 0)).toBe(true);
    expect(fake.requests.at(-1)!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('returns a parsed object from withStructuredOutput', async () => {
    const plan = { tasks: [{ key: '1', agent: 'backend', description: 'API', dependsOn: [] }] };
    fake.setResponder(() => ({ json: plan }));
    const schema = z.object({
      tasks: z.array(z.object({ key: z.string(), agent: z.string(), description: z.string(), dependsOn: z.array(z.string()) })),
    });
    const structured = (await modelFor()).withStructuredOutput(schema, { name: 'plan' });
    expect(await structured.invoke(msgs)).toEqual(plan);
    const body = fake.requests.at(-1)!.body;
    expect(body.response_format?.type === 'json_schema' || Array.isArray(body.tools)).toBe(true);
  });

  it('returns a parsed object from a tool call (functionCalling method)', async () => {
    fake.setResponder(() => ({ toolCall: { arguments: { answer: 42 } } }));
    const structured = (await modelFor()).withStructuredOutput(z.object({ answer: z.number() }), {
      name: 'reply',
      method: 'functionCalling',
    });
    expect(await structured.invoke(msgs)).toEqual({ answer: 42 });
    expect(fake.requests.at(-1)!.body.tools[0].function.name).toBe('reply');
  });

  it('classifies a 429 as retryable, with the status', async () => {
    fake.setResponder(() => ({ status: 429, message: 'slow down' }));
    const before = fake.requests.length;
    const c = classifyModelError(await failure((await modelFor()).invoke(msgs)));
    expect(c).toMatchObject({ retryable: true, status: 429 });
    expect(c.message).toBe('openai 429: slow down');
    expect(fake.requests.length - before).toBe(1); // the client itself did not retry
  });

  it('classifies a 500 as retryable, keeping the provider message', async () => {
    fake.setResponder(() => ({ status: 500, message: 'upstream exploded' }));
    const c = classifyModelError(await failure((await modelFor()).invoke(msgs)));
    expect(c).toEqual({ retryable: true, status: 500, message: 'openai 500: upstream exploded' });
  });

  it('classifies a 400 as not retryable', async () => {
    fake.setResponder(() => ({ status: 400, message: 'bad request body' }));
    const c = classifyModelError(await failure((await modelFor()).invoke(msgs)));
    expect(c).toEqual({ retryable: false, status: 400, message: 'openai 400: bad request body' });
  });

  it('aborts a hanging call quickly, and the server sees the connection close', async () => {
    fake.setResponder(() => ({ hang: true }));
    const model = await modelFor();
    const aborted = fake.onAbort();
    const started = Date.now();
    const err = await failure(model.invoke(msgs, { signal: AbortSignal.timeout(300) }));
    expect(Date.now() - started).toBeLessThan(2000);
    await aborted;
    expect(fake.abortedCount).toBe(1);
    expect(err).toBeInstanceOf(Error);
  });

  it('aborts a stream on controller.abort()', async () => {
    fake.setResponder(() => ({ content: 'a b c d e f g h i j k l m n o p', chunkDelayMs: 50 }));
    const controller = new AbortController();
    const aborted = fake.onAbort(2);
    const seen: string[] = [];
    const err = await failure(
      (async () => {
        for await (const c of await (await modelFor()).stream(msgs, { signal: controller.signal })) {
          seen.push(c.text);
          if (seen.length === 3) controller.abort();
        }
      })(),
    );
    await aborted;
    expect(seen.length).toBeLessThan(8);
    expect(classifyModelError(err).retryable).toBe(false);
  });

  it('classifies an unreachable endpoint as a retryable connection error', async () => {
    const closed = await startFakeOpenAI();
    await closed.close();
    const model = await createModelFactory({ llmModel: 'openai:gpt-4o-mini', baseUrls: { openai: closed.url } })({ agentName: 'qa' });
    const c = classifyModelError(await failure(model.invoke(msgs)));
    expect(c.retryable).toBe(true);
    expect(c.status).toBeUndefined();
  });
});
