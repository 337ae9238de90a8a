import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from '@langchain/core/messages';
import { describe, expect, it } from 'vitest';
import { OfflineChatModel } from '../../src/agents/offline-model.ts';
import { buildTaskPrompt } from '../../src/agents/task-prompt.ts';
import { functionDefinitions } from '../../src/tools/tool-loop.ts';
import { workspaceTools } from '../../src/tools/workspace-tools.ts';

const prompt = buildTaskPrompt({
  systemPrompt: 'You are QA.',
  request: 'Build auth.',
  task: { key: '6', agent: 'qa', description: 'Unit tests for auth endpoints' },
  dependencies: [{ key: '2', agent: 'backend', output: 'done' }],
  budgetChars: 10_000,
  nonce: 'n1',
  tools: {
    workspaceFiles: [
      { path: 'src/register.ts', size: 10, writtenBy: '2' },
      { path: 'notes.md', size: 3, writtenBy: '4' },
    ],
  },
});

describe('the offline model with the workspace tools', () => {
  const model = new OfflineChatModel({ persona: 'specialist' }).bindTools(functionDefinitions(workspaceTools({} as never, 1000)));

  it("reads its dependencies' files, then writes its deliverable, then answers; the same every time", async () => {
    const first = (await model.invoke(prompt)) as AIMessage;
    expect(first.tool_calls?.map((c) => [c.name, c.args])).toEqual([['read_file', { path: 'src/register.ts' }]]);
    const afterRead = [...prompt, first, new ToolMessage({ content: '<tool_result nonce="n1">\nexport {}\n</tool_result nonce="n1">', tool_call_id: first.tool_calls![0]!.id! })];
    const second = (await model.invoke(afterRead)) as AIMessage;
    expect(second.tool_calls).toHaveLength(1);
    const write = second.tool_calls![0]!;
    expect(write.name).toBe('write_file');
    expect(write.args.path).toBe('deliverables/task-6-unit-tests-for-auth-endpoints.md');
    expect(write.args.content).toContain('- src/register.ts: 9 characters');
    const third = (await model.invoke([...afterRead, second, new ToolMessage({ content: 'wrote', tool_call_id: write.id! })])) as AIMessage;
    expect(third.tool_calls ?? []).toEqual([]);
    expect(third.content).toContain('Files written to the workspace: deliverables/task-6-unit-tests-for-auth-endpoints.md');
    expect(((await model.invoke(prompt)) as AIMessage).tool_calls).toEqual(first.tool_calls);
  });

  it('without bound tools it answers at once, as before', async () => {
    const plain = new OfflineChatModel({ persona: 'specialist' });
    const answer = (await plain.invoke([new SystemMessage('s'), new HumanMessage('Your task (Task 1, @x):\nDo it')])) as AIMessage;
    expect(answer.tool_calls ?? []).toEqual([]);
    expect(String(answer.content)).toContain('## Deliverable: Do it');
  });
});
