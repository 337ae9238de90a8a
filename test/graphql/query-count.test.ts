import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListWorkflowsDeepDocument } from './__generated__/operations.ts';
import { AUTH_TASKS, startTestApp, type TestApp } from '../support/app.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { graphqlClient } from './client.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;

describe.runIf(runs)(`SQL statements per workflows page on ${testDialect}`, () => {
  let t: TestApp;
  let statements: string[] | undefined;

  beforeAll(async () => {
    // ROLE=api: no engine loop, so every statement counted comes from the query under test
    // (or from checking its API key, read at most once a second: not counted).
    t = await startTestApp({ ROLE: 'api' }, { onQuery: (sql) => void (/\bapi_keys\b/.test(sql) || statements?.push(sql)) });
  });
  afterAll(async () => t?.close());

  const seed = async (n: number) => {
    for (let i = 0; i < n; i++) await t.app.services.workflows.create('default', { description: `workflow ${i}`, tasks: AUTH_TASKS });
  };

  const countPage = async () => {
    statements = [];
    const { workflows } = await graphqlClient(t.fetch).data(ListWorkflowsDeepDocument, { first: 50 });
    const counted = statements;
    statements = undefined;
    for (const edge of workflows.edges) {
      expect(edge.node.tasks.map((task) => task.dependsOn.length)).toEqual([0, 1, 1, 0, 0, 2, 3, 1]);
      expect(edge.node.tasks.map((task) => task.dependents.length)).toEqual([2, 1, 1, 1, 1, 1, 1, 0]);
      expect(edge.node.tasks.every((task) => task.agent.role.length > 0)).toBe(true);
    }
    return { rows: workflows.edges.length, statements: counted };
  };

  it('workflows(first: 50) with tasks, agents, dependsOn and dependents costs the same at 5 and at 50 workflows', async () => {
    await seed(5);
    const five = await countPage();
    await seed(45);
    const fifty = await countPage();
    expect(five.rows).toBe(5);
    expect(fifty.rows).toBe(50);
    expect(fifty.statements.length).toBe(five.statements.length);
    // The page, the tasks of its workflows, their agents.
    expect(fifty.statements).toHaveLength(3);
  });
});
