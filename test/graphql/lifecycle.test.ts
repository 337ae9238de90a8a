import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateWorkflowDocument, GetWorkflowDocument, PlanWorkflowDocument, RetryWorkflowDocument, StartWorkflowDocument } from './__generated__/operations.ts';
import { AUTH_TASKS, startTestApp, type TestApp, waitForStatus } from '../support/app.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { graphqlClient } from './client.ts';
import { scriptedModels } from '../support/scripted-model.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
const uuidOf = (id: string) => id.slice('Workflow:'.length);

describe.runIf(runs)(`GraphQL workflow lifecycle on ${testDialect}`, () => {
  describe('with the offline model', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(async () => t?.close());

    it('planWorkflow with autoStart plans in the background and runs the plan to COMPLETED', async () => {
      const gql = graphqlClient(t.fetch);
      const request = 'Build a complete authentication system with JWT tokens';
      const { planWorkflow } = await gql.data(PlanWorkflowDocument, { input: { request, autoStart: true } });
      expect(planWorkflow).toMatchObject({ description: request });
      // The offline model plans (and runs) in milliseconds: any status on the way to COMPLETED.
      expect(['PLANNING', 'PLANNED', 'EXECUTING', 'COMPLETED']).toContain(planWorkflow.status);
      await waitForStatus(t.app, uuidOf(planWorkflow.id), ['COMPLETED']);
      const { workflow } = await gql.data(GetWorkflowDocument, { id: planWorkflow.id });
      expect(workflow!.tasks.length).toBeGreaterThan(0);
      expect(workflow!.tasks.every((task) => task.status === 'COMPLETED')).toBe(true);
      expect(workflow!.progress).toMatchObject({ percent: 100 });
      expect(Date.parse(workflow!.completedAt!)).toBeGreaterThanOrEqual(Date.parse(workflow!.startedAt!));
    });
  });

  describe('with a model that fails task 2 until told otherwise', () => {
    let t: TestApp;
    let failing = true;
    const models = scriptedModels({ error: (key) => (failing && key === '2' ? new Error('model unavailable') : null) });
    beforeAll(async () => {
      t = await startTestApp({ TASK_MAX_ATTEMPTS: '1' }, { models: models.factory });
    });
    afterAll(async () => t?.close());

    it('retryWorkflow re-runs the failed and skipped tasks and keeps the completed ones', async () => {
      const gql = graphqlClient(t.fetch);
      const { createWorkflow: w } = await gql.data(CreateWorkflowDocument, { input: { description: 'retry me', tasks: AUTH_TASKS } });
      await gql.data(StartWorkflowDocument, { id: w.id });
      await waitForStatus(t.app, uuidOf(w.id), ['FAILED']);
      const failed = (await gql.data(GetWorkflowDocument, { id: w.id })).workflow!;
      const statusOf = (wf: typeof failed) => Object.fromEntries(wf.tasks.map((task) => [task.key, task.status]));
      expect(statusOf(failed)).toEqual({ '1': 'COMPLETED', '2': 'FAILED', '3': 'COMPLETED', '4': 'COMPLETED', '5': 'COMPLETED', '6': 'SKIPPED', '7': 'SKIPPED', '8': 'SKIPPED' });
      expect(failed.error).toMatch(/model unavailable/);

      failing = false;
      const { retryWorkflow } = await gql.data(RetryWorkflowDocument, { id: w.id });
      expect(['EXECUTING', 'COMPLETED']).toContain(retryWorkflow.status);
      await waitForStatus(t.app, uuidOf(w.id), ['COMPLETED']);
      const done = (await gql.data(GetWorkflowDocument, { id: w.id })).workflow!;
      expect(Object.values(statusOf(done))).toEqual(Array(8).fill('COMPLETED'));
      expect(models.callsFor('1')).toHaveLength(1);
      expect(models.callsFor('2')).toHaveLength(2);
    });
  });
});
