import type { FakeBehaviour, FakeOpenAI, FakeRequest } from './fake-openai.ts';
import { type BatonProcess, until } from './processes.ts';

/** Helpers of the planning-job suites (test/engine/plan-recovery*.test.ts). */
export const PLAN = {
  tasks: [
    { number: 1, agent: 'backend', description: 'Create the User model', dependsOn: [] },
    { number: 2, agent: 'qa', description: 'Test the User model', dependsOn: [1] },
  ],
};
/** The orchestrator's call asks for its plan as JSON (response_format) or through the submit_plan tool; task calls may carry tools too (the workspace). */
export const isPlanning = (r: FakeRequest) =>
  Boolean(r.body?.response_format || (r.body?.tools as Array<{ function?: { name?: string } }> | undefined)?.some((t) => t.function?.name === 'submit_plan'));

/** The orchestrator's calls hang until the `answerFrom`-th, which gets the plan; task calls answer at once. */
export function planningScript(answerFrom: number) {
  let plans = 0;
  return (req: FakeRequest): FakeBehaviour => {
    if (!isPlanning(req)) return { content: 'done' };
    plans++;
    return plans < answerFrom ? { hang: true } : { json: PLAN };
  };
}

export async function gql(p: BatonProcess, query: string, variables: Record<string, unknown> = {}) {
  const url = await until(() => /GraphQL at (\S+)/.exec(p.output())?.[1], `${p.name}'s URL`, 10_000);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: any; errors?: unknown };
  if (!body.data) throw new Error(`GraphQL error: ${JSON.stringify(body.errors)}`);
  return body.data;
}
export const planWorkflow = async (p: BatonProcess) =>
  (await gql(p, 'mutation { planWorkflow(input: {request: "A user model, tested", autoStart: true}) { id } }')).planWorkflow.id as string;
export const statusOf = async (p: BatonProcess, id: string) =>
  (await gql(p, 'query($id: ID!) { workflow(id: $id) { status tasks { status } } }', { id })).workflow as { status: string; tasks: Array<{ status: string }> };

// An openai: model's endpoint is OPENAI_BASE_URL (LLM_BASE_URL is openai-compatible's).
export const modelEnv = (fake: FakeOpenAI) => ({ LLM_MODEL: 'openai:gpt-4o-mini', OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'dummy', RETRY_BASE_MS: '10', RETRY_MAX_MS: '50' });
export const planCalls = (fake: FakeOpenAI) => fake.requests.filter(isPlanning).length;
