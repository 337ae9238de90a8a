import { AIMessageChunk, HumanMessage, SystemMessage } from '@langchain/core/messages';
import type { LLMResult } from '@langchain/core/outputs';
import { z } from 'zod';
import type { AgentRecord, AgentStore } from '../agents/agent-store.ts';
import type { Metering } from '../usage/metering.ts';
import { orchestratorPrompt } from '../agents/builtins.ts';
import { classifyModelError, type ModelFactory, supportsStructuredOutput } from '../agents/model-factory.ts';
import { dataRule, newNonce, wrap } from '../agents/delimit.ts';
import { normalizeAgentName } from '../agents/name.ts';
import { attemptWithTimeout, classify, type RetryPolicy, retryDelay, sleep } from '../agents/retry.ts';
import { BatonError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { PlanningTelemetry, Telemetry } from '../observability/telemetry.ts';
import { toStorableText } from '../text.ts';
import { parsePlan } from './parse-plan.ts';
import { type Ask, type ReplanContext, replanAsk } from './replan-prompt.ts';
import type { PlannedTask } from './types.ts';

export const structuredPlanSchema = z.object({
  tasks: z
    .array(
      z.object({
        number: z.number().int().min(1).describe('Task number, from 1'),
        agent: z.string().describe('Agent name, e.g. backend'),
        description: z.string().describe('What the agent must do'),
        dependsOn: z.array(z.number().int()).describe('Numbers of the tasks this one needs first'),
      }),
    )
    .describe('The plan, in order'),
});
type StructuredPlan = z.infer<typeof structuredPlanSchema>;

export class PlanningError extends BatonError {
  constructor(message: string) {
    super('PLANNING_FAILED', message);
  }
}

export interface PlanDraft {
  /** What the orchestrator answered (text), or the structured plan written out in the plan format. */
  text: string;
  tasks: PlannedTask[];
}

/** Counts the orchestrator's calls (each try is a call): given the orchestrator, a metering of the workflow's planning. */
export type PlanMeter = (orchestrator: AgentRecord) => Pick<Metering, 'open'>;

/** The answer message of a model call, as its end callback reports it (usage_metadata on it when the provider gave usage). */
const messageOf = (out: LLMResult): AIMessageChunk => {
  const g = out.generations?.[0]?.[0] as { message?: AIMessageChunk; text?: string } | undefined;
  return g?.message ?? new AIMessageChunk({ content: g?.text ?? '' });
};

export const renderPlan = (tasks: PlannedTask[]) =>
  tasks.map((t) => `Task ${t.key}: @${t.agent} - ${t.description}${t.dependsOn.length ? ` (depends on ${t.dependsOn.map((d) => `Task ${d}`).join(', ')})` : ''}`).join('\n');

const fromStructured = (plan: StructuredPlan): PlannedTask[] =>
  plan.tasks.map((t) => ({
    key: String(t.number),
    agent: normalizeAgentName(t.agent),
    description: toStorableText(t.description.trim()),
    dependsOn: [...new Set(t.dependsOn.map(String))],
  }));

/** Asks the orchestrator agent for a plan, with a timeout per call and retries on transient provider errors. */
export function createPlanner(deps: { agents: AgentStore; models: ModelFactory; policy: RetryPolicy; logger: Logger; telemetry: Pick<Telemetry, 'modelCall'> }) {
  async function once(tenant: string, ask: Ask, signal: AbortSignal, trace?: PlanningTelemetry, meter?: PlanMeter): Promise<PlanDraft> {
    const orchestrator = await deps.agents.get(tenant, 'orchestrator');
    if (!orchestrator) throw new PlanningError('the orchestrator agent does not exist');
    const team = (await deps.agents.list(tenant)).filter((a) => a.name !== 'orchestrator');
    const model = await deps.models({ agentName: 'orchestrator', model: orchestrator.model, temperature: orchestrator.temperature, maxTokens: orchestrator.maxTokens });
    // The request is data: delimited so that it cannot pass for the system's own words (see delimit.ts).
    const nonce = newNonce();
    const messages = [
      new SystemMessage(`${orchestratorPrompt(orchestrator.systemPrompt, team)}${ask.rule ? `\n\n${ask.rule}` : ''}\n\n${dataRule(nonce, ask.tags)}`),
      new HumanMessage(ask.human(nonce)),
    ];
    // The call's usage counts toward the workflow: the provider's figures from the answer, else an estimate.
    const metered = await meter?.(orchestrator).open(messages);
    const callbacks = metered ? [{ handleLLMEnd: (out: LLMResult) => void metered.chunk(messageOf(out)) }] : undefined;
    if (supportsStructuredOutput(model)) {
      try {
        const structured = model.withStructuredOutput(structuredPlanSchema, { name: 'submit_plan' });
        const call = deps.telemetry.modelCall(orchestrator.model, trace);
        const tasks = fromStructured((await call.watch(structured.invoke(messages, { signal, callbacks }), signal)) as StructuredPlan);
        return { text: renderPlan(tasks), tasks };
      } catch (err) {
        // A server that refuses structured output (many OpenAI-compatible ones do) still gets the text path;
        // transient errors go to the retry loop instead.
        if (signal.aborted || classifyModelError(err).retryable) throw err;
        deps.logger.info({ error: classifyModelError(err).message }, 'structured planning refused; asking for the plan as text');
      }
    }
    const answer = await deps.telemetry.modelCall(orchestrator.model, trace).watch(model.invoke(messages, { signal, callbacks }), signal);
    const raw = typeof answer.content === 'string' ? answer.content : answer.content.map((c) => ('text' in c ? c.text : '')).join('');
    // The model's words: what no store accepts becomes U+FFFD before the plan is parsed, stored or reported.
    const text = toStorableText(raw);
    return { text, tasks: parsePlan(text) };
  }

  return {
    /** Plans with the tenant's orchestrator and team. `trace`: the planning span its model calls belong to (tracing). */
    plan: (tenant: string, request: string, signal?: AbortSignal, trace?: PlanningTelemetry, meter?: PlanMeter) =>
      withRetries((s) => once(tenant, { tags: ['request'], human: (nonce) => wrap('request', nonce, request, {}, true) }, s, trace, meter), signal),
    /** replanWorkflow's call: the request, what finished, what failed and the feedback, each delimited as data (see replanAsk). */
    replan: (tenant: string, context: ReplanContext, signal?: AbortSignal, trace?: PlanningTelemetry, meter?: PlanMeter) =>
      withRetries((s) => once(tenant, replanAsk(context), s, trace, meter), signal),
  };

  /** One orchestrator call with a timeout, retried on transient provider errors. */
  async function withRetries(call: (s: AbortSignal) => Promise<PlanDraft>, signal?: AbortSignal): Promise<PlanDraft> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await attemptWithTimeout(deps.policy.timeoutMs, signal, call);
      } catch (err) {
        if (err instanceof BatonError || signal?.aborted) throw err;
        const c = classify(err);
        if (!c.retryable || attempt >= deps.policy.attempts) {
          throw new PlanningError(`planning failed after ${attempt} attempt(s): ${c.message}`);
        }
        const delay = retryDelay(deps.policy, attempt, c);
        deps.logger.warn({ attempt, delay, error: c.message }, 'planning call failed; retrying');
        await sleep(delay, signal);
      }
    }
  }
}

export type Planner = ReturnType<typeof createPlanner>;
