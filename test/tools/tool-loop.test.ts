import { ChatOpenAI } from '@langchain/openai';
import { HumanMessage } from '@langchain/core/messages';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToolLoop, ToolStepsExceededError } from '../../src/tools/tool-loop.ts';
import { TOOL_LIMITS, type ToolHandle, ToolError } from '../../src/tools/types.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../support/fake-openai.ts';
import { toolContents, toolTurns } from './support.ts';

const handle = (name: string, call: ToolHandle['call'], timeoutMs = 2000): ToolHandle => ({
  id: `test/${name}`,
  name,
  description: name,
  parameters: { type: 'object', properties: {} },
  timeoutMs,
  call,
});

describe('the tool loop (real OpenAI client, fake server)', () => {
  let fake: FakeOpenAI;
  let model: ChatOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    model = new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: 'dummy', maxRetries: 0, configuration: { baseURL: fake.url } });
  });
  afterAll(() => fake?.close());

  const run = (tools: ToolHandle[], maxSteps = 5) => {
    const events: string[] = [];
    const loop = runToolLoop({
      model,
      tools,
      maxSteps,
      nonce: 'abc123',
      messages: [new HumanMessage('go')],
      signal: new AbortController().signal,
      context: { workflowId: 'w', taskKey: '1' },
      onCalls: async (calls) => void events.push(...calls.map((c) => `call ${c.callId} ${c.tool}`)),
      onResult: async (r) => void events.push(`result ${r.callId} ${r.ok} ${r.preview.length}`),
    });
    return { loop, events };
  };

  it('runs parallel calls together; a slow tool times out into an error result; a big result is bounded; the final answer is the output', async () => {
    fake.setResponder((req) =>
      toolTurns(req.body) === 0
        ? {
            toolCalls: [
              { id: 'a', name: 'wait', arguments: {} },
              { id: 'b', name: 'wait', arguments: {} },
              { id: 'c', name: 'hang', arguments: {} },
              { id: 'd', name: 'big', arguments: {} },
              { id: 'e', name: 'nope', arguments: {} },
            ],
          }
        : { content: 'done' },
    );
    const wait = handle('wait', () => new Promise((r) => setTimeout(() => r('waited'), 300)));
    const hang = handle('hang', () => new Promise(() => {}), 200); // ignores its signal: the loop stops waiting anyway
    const big = handle('big', async () => 'x'.repeat(50_000));
    const began = Date.now();
    const { loop, events } = run([wait, hang, big]);
    const answer = await loop;
    expect(answer.output).toBe('done');
    expect(Date.now() - began).toBeLessThan(1500); // 300 ms waits ran side by side
    expect(events.slice(0, 5)).toEqual(['call a test/wait', 'call b test/wait', 'call c test/hang', 'call d test/big', 'call e nope']);
    const contents = toolContents(fake.requests.at(-1)!.body);
    expect(contents).toHaveLength(5);
    expect(contents[2]).toContain('error: timed out after 200 ms');
    expect(contents[3]!.length).toBeLessThan(TOOL_LIMITS.resultChars + 200);
    expect(contents[3]).toContain('more characters cut');
    expect(contents[4]).toContain('unknown tool "nope"');
    expect(contents[0]).toMatch(/^<tool_result tool="wait" ok="true" nonce="abc123">\nwaited\n<\/tool_result nonce="abc123">$/);
    for (const e of events.filter((x) => x.startsWith('result'))) expect(Number(e.split(' ').at(-1))).toBeLessThan(TOOL_LIMITS.previewChars + 50);
  });

  it("a tool's error goes back to the model; a loop past maxSteps throws ToolStepsExceededError", async () => {
    fake.setResponder(() => ({ toolCalls: [{ name: 'boom', arguments: {} }] }));
    const boom = handle('boom', async () => {
      throw new ToolError('it broke');
    });
    const { loop, events } = run([boom], 3);
    await expect(loop).rejects.toBeInstanceOf(ToolStepsExceededError);
    expect(events.filter((e) => e.startsWith('result')).every((e) => e.includes(' false '))).toBe(true);
    expect(toolContents(fake.requests.at(-1)!.body).at(-1)).toContain('error: it broke');
  });
});
