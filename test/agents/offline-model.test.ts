import { describe, expect, it } from 'vitest';
import { HumanMessage, SystemMessage, type AIMessageChunk } from '@langchain/core/messages';
import { OfflineChatModel, subjectOf } from '../../src/agents/offline-model.js';

const JWT = 'Build a complete authentication system with JWT tokens';
const TASK_LINE = /^Task (\d+): @([\w-]+) - (.+?)(?: \(depends on (Task \d+(?:, Task \d+)*)\))?$/;

function parsePlan(text: string) {
  return text.split('\n').map((line) => {
    const m = TASK_LINE.exec(line);
    if (!m) throw new Error(`not a task line: ${line}`);
    return { key: m[1], agent: m[2], description: m[3], deps: m[4] ? m[4].match(/\d+/g)! : [] };
  });
}

describe('OfflineChatModel, orchestrator', () => {
  const model = new OfflineChatModel({ persona: 'orchestrator' });

  it("plans a feature request as a DAG over several agents, in the request's own words", async () => {
    const out = await model.invoke([new HumanMessage(JWT)]);
    const tasks = parsePlan(out.text);
    expect(tasks.length).toBeGreaterThanOrEqual(4);
    expect(new Set(tasks.map((t) => t.agent)).size).toBeGreaterThanOrEqual(3);
    expect(tasks.every((t) => ['backend', 'frontend', 'qa', 'devops'].includes(t.agent))).toBe(true);
    expect(tasks.some((t) => t.deps.length > 0)).toBe(true);
    // every dependency points at an earlier task, so the plan is acyclic
    for (const t of tasks) for (const d of t.deps) expect(Number(d)).toBeLessThan(Number(t.key));
    expect(tasks[0].description).toBe('Design the data model and API for a complete authentication system with JWT tokens');
    expect(tasks.every((t) => t.description.includes('authentication system with JWT tokens'))).toBe(true);
  });

  it('is deterministic', async () => {
    const a = await model.invoke([new HumanMessage(JWT)]);
    const b = await new OfflineChatModel({ persona: 'orchestrator' }).invoke([new HumanMessage(JWT)]);
    expect(b.text).toBe(a.text);
  });

  it('uses only the agents the system prompt offers', async () => {
    const system = new SystemMessage('Agents:\n- @api-dev: builds APIs\n- @web: builds the web UI\n- @tester: writes tests');
    const tasks = parsePlan((await model.invoke([system, new HumanMessage('Create a todo app.')])).text);
    expect(new Set(tasks.map((t) => t.agent))).toEqual(new Set(['api-dev', 'web', 'tester']));
    expect(tasks[0]).toMatchObject({ agent: 'api-dev', description: 'Design the data model and API for a todo app' });
  });

  it('reports usage as ceil(chars / 4)', async () => {
    const out = await model.invoke([new HumanMessage(JWT)]);
    expect(out.usage_metadata).toEqual({
      input_tokens: Math.ceil(JWT.length / 4),
      output_tokens: Math.ceil(out.text.length / 4),
      total_tokens: Math.ceil(JWT.length / 4) + Math.ceil(out.text.length / 4),
    });
  });

  it('streams many chunks whose concatenation is the invoke output, usage on the last', async () => {
    const chunks: AIMessageChunk[] = [];
    for await (const c of await model.stream([new HumanMessage(JWT)])) chunks.push(c);
    expect(chunks.length).toBeGreaterThan(20);
    expect(chunks.map((c) => c.text).join('')).toBe((await model.invoke([new HumanMessage(JWT)])).text);
    expect(chunks.at(-1)!.usage_metadata?.output_tokens).toBeGreaterThan(0);
    expect(chunks.slice(0, -1).every((c) => c.usage_metadata === undefined)).toBe(true);
  });

  it('stops streaming promptly when aborted', async () => {
    const slow = new OfflineChatModel({ persona: 'orchestrator', tokenDelayMs: 20 });
    const controller = new AbortController();
    const seen: string[] = [];
    const started = Date.now();
    await expect(
      (async () => {
        for await (const c of await slow.stream([new HumanMessage(JWT)], { signal: controller.signal })) {
          seen.push(c.text);
          if (seen.length === 3) controller.abort();
        }
      })(),
    ).rejects.toThrow();
    expect(seen.length).toBeLessThan(6);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('aborts invoke too, mid-answer', async () => {
    const slow = new OfflineChatModel({ persona: 'orchestrator', tokenDelayMs: 50 });
    const started = Date.now();
    await expect(slow.invoke([new HumanMessage(JWT)], { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('has no structured output', () => {
    expect(model._llmType()).toBe('offline');
    expect(() => model.withStructuredOutput({ type: 'object', properties: {} })).toThrow();
  });

  it('finds the subject of a request', () => {
    expect(subjectOf('Please implement JWT refresh tokens!')).toBe('JWT refresh tokens');
    expect(subjectOf('  ')).toBe('the requested feature');
  });
});

describe('OfflineChatModel, specialist', () => {
  const model = new OfflineChatModel({ persona: 'specialist' });

  it('names the task and every dependency it received, and says it is offline', async () => {
    const prompt = [
      'Task: Build the login form',
      '<dependency key="1" agent="backend">POST /login returns a JWT</dependency>',
      '<dependency key="3" agent="frontend">Design tokens</dependency>',
    ].join('\n');
    const text = (await model.invoke([new HumanMessage(prompt)])).text;
    expect(text).toContain('Build the login form');
    expect(text).toContain('Task 1 (@backend)');
    expect(text).toContain('Task 3 (@frontend)');
    expect(text).toMatch(/offline model/);
    expect(text).toContain('LLM_MODEL');
  });

  it('says when there were no dependencies', async () => {
    const text = (await model.invoke([new HumanMessage('Task: Write the user model')])).text;
    expect(text).toMatch(/None: this task has no dependency outputs/);
  });
});
