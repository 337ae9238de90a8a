import type { AIMessageChunk, BaseMessage } from '@langchain/core/messages';
import { atLeast, type Budget, crossed, plus, type UsageTotals, warningsDue } from '../engine/core/budget.ts';
import type { CallUsage } from '../engine/types.ts';
import type { Logger } from '../logger.ts';
import type { LiveUsage } from './live.ts';
import { costUsd, estimateTokens, type Price, type PriceTable } from './prices.ts';

/** A call stopped because its workflow's budget is spent: the store has decided the stop or the pause, and it writes nothing more. */
export class BudgetStopSignal extends Error {
  override name = 'BudgetStopSignal';
  constructor(readonly workflowId: string) {
    super(`workflow ${workflowId} is over its budget`);
  }
}

export interface MeterDeps {
  live: LiveUsage;
  prices: PriceTable;
  /** LLM_MODEL: the model of agents that name none. */
  defaultModel: string;
  now(): number;
  id(): string;
  /** Records parts of calls; with `live`, the budget decides too (and a stop or pause aborts every process's calls). */
  record(workflowId: string, parts: CallUsage[], live?: UsageTotals): Promise<void>;
  /** How often a call in flight records what it has counted (its usage survives a crash up to this much). */
  flushMs: number;
  logger: Logger;
}

/** Who makes the calls of one attempt, and what it may spend. */
export interface AttemptScope {
  workflowId: string;
  /** Null for the planning call. */
  taskId: string | null;
  attempt: number;
  agent: string;
  /** The agent's model (`provider:model`), or null for LLM_MODEL. */
  model: string | null;
  /** The agent's own price, over the table's. */
  price?: Price | null;
  budget: Budget | null;
  /** The workflow's stored usage when the attempt began (seeds a live total). */
  stored: UsageTotals;
}

export interface MeteredCall {
  /** Counts a streamed chunk (reported or estimated usage); a promise only when it has to wait (a live total, a record); rejects with BudgetStopSignal over the budget. */
  chunk(c: AIMessageChunk): Promise<void> | undefined;
}

interface CallState {
  callId: string;
  startedAt: number;
  promptChars: number;
  outChars: number;
  reportedIn: number;
  reportedOut: number;
  /** What the record and the live total already hold of this call. */
  recorded: UsageTotals;
  added: UsageTotals;
}

const ZERO: UsageTotals = { inputTokens: 0, outputTokens: 0, costUsd: 0 };
const minus = (a: UsageTotals, b: UsageTotals): UsageTotals => ({
  inputTokens: a.inputTokens - b.inputTokens,
  outputTokens: a.outputTokens - b.outputTokens,
  costUsd: a.costUsd - b.costUsd,
});
const isZero = (u: UsageTotals) => u.inputTokens === 0 && u.outputTokens === 0 && u.costUsd === 0;
const textOf = (m: BaseMessage) => (typeof m.content === 'string' ? m.content : (JSON.stringify(m.content) ?? ''));

/**
 * The usage of one attempt's model calls (a task's answer, each turn of its tool loop, a planning
 * call). Each call counts its prompt at once (about four characters a token) and its answer as it
 * streams; the provider's own figures replace the estimate when they arrive. With a budget, every
 * change goes to the workflow's live total first and the limit is checked on every chunk.
 */
export function createMetering(d: MeterDeps, scope: AttemptScope) {
  const modelName = scope.model?.trim() || d.defaultModel;
  const [provider, ...rest] = modelName.split(':');
  const price = scope.price ?? d.prices.of(provider!, rest.join(':') || provider!);
  const calls: CallState[] = [];
  const inFlight = new Set<Promise<void>>();
  let budget = scope.budget;
  let lastFlush = d.now();
  let warned = 0; // limits this attempt has asked the store to warn of

  const current = (c: CallState): UsageTotals => {
    const inputTokens = c.reportedIn > 0 ? c.reportedIn : estimateTokens(c.promptChars);
    const outputTokens = c.reportedOut > 0 ? c.reportedOut : estimateTokens(c.outChars);
    return { inputTokens, outputTokens, costUsd: costUsd({ input: inputTokens, output: outputTokens }, price ?? undefined) };
  };

  /** The parts not yet recorded, taken (each once). */
  function take(): CallUsage[] {
    const parts: CallUsage[] = [];
    for (const c of calls) {
      const now = current(c);
      const delta = minus(now, c.recorded);
      const first = c.recorded === ZERO;
      if (isZero(delta) && !first) continue;
      c.recorded = now;
      parts.push({
        callId: c.callId,
        workflowId: scope.workflowId,
        taskId: scope.taskId,
        attempt: scope.attempt,
        agent: scope.agent,
        model: modelName,
        priced: price != null,
        estimated: !(c.reportedIn > 0 && c.reportedOut > 0),
        startedAt: c.startedAt,
        first,
        input: delta.inputTokens,
        output: delta.outputTokens,
        costUsd: delta.costUsd,
      });
    }
    return parts;
  }

  /** A record in the background (a periodic flush, a warning): its parts are counted again if it fails. */
  function recordSoon(live?: UsageTotals) {
    const parts = take();
    const p = d.record(scope.workflowId, parts, live).catch((err) => {
      for (const part of parts) {
        const c = calls.find((x) => x.callId === part.callId)!;
        c.recorded = minus(c.recorded, { inputTokens: part.input, outputTokens: part.output, costUsd: part.costUsd });
      }
      d.logger.warn({ err: String(err), workflowId: scope.workflowId }, 'recording usage failed; it is recorded with the call’s next part');
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }

  /** After a change of a call: the live total, the limit, the periodic record. */
  function changed(c: CallState): Promise<void> | undefined {
    if (budget) return checkBudget(c);
    if (d.now() - lastFlush >= d.flushMs) {
      lastFlush = d.now();
      recordSoon();
    }
    return undefined;
  }

  async function checkBudget(c: CallState): Promise<void> {
    const now = current(c);
    const delta = minus(now, c.added);
    c.added = now;
    // Never less than what this process knows: the stored total when the attempt began and this attempt's calls.
    const known = calls.reduce((sum, x) => plus(sum, current(x)), scope.stored);
    let total: UsageTotals;
    try {
      total = atLeast(await d.live.add(scope.workflowId, delta, scope.stored), known);
    } catch {
      total = known; // no live total (Redis unreachable): this process's view
      c.added = minus(c.added, delta); // the live total never got this change: the next add carries it
    }
    if (crossed(budget, total)) {
      // The store decides (once, whoever asks first) and every process's calls are aborted; this one stops here.
      await d.record(scope.workflowId, take(), total);
      throw new BudgetStopSignal(scope.workflowId);
    }
    const due = warningsDue(budget, warned, total);
    if (due.length > 0) {
      for (const w of due) warned |= w.limit === 'maxTokens' ? 1 : 2;
      lastFlush = d.now();
      recordSoon(total);
    } else if (d.now() - lastFlush >= d.flushMs) {
      lastFlush = d.now();
      recordSoon();
    }
  }

  /**
   * A call whose prompt alone would cross the limit is not made: the budget decides with what it
   * would cost (so the stop or pause happens now), and nothing of it is recorded, since nothing was spent.
   */
  async function refuseOverBudget(c: CallState): Promise<void> {
    const known = calls.reduce((sum, x) => plus(sum, current(x)), scope.stored);
    let total = known;
    try {
      total = atLeast(await d.live.add(scope.workflowId, ZERO, scope.stored), known);
    } catch {
      // no live total: this process's view
    }
    const prospective = plus(total, current(c));
    if (!crossed(budget, prospective)) return;
    await d.record(scope.workflowId, take(), prospective);
    throw new BudgetStopSignal(scope.workflowId);
  }

  return {
    /** A new model call with its prompt: its input is counted (and the limit checked) before it is sent. */
    async open(messages: readonly BaseMessage[]): Promise<MeteredCall> {
      const c: CallState = {
        callId: d.id(),
        startedAt: d.now(),
        promptChars: messages.reduce((n, m) => n + textOf(m).length, 0),
        outChars: 0,
        reportedIn: 0,
        reportedOut: 0,
        recorded: ZERO,
        added: ZERO,
      };
      if (budget) await refuseOverBudget(c);
      calls.push(c);
      await changed(c);
      return {
        chunk(chunk) {
          const u = chunk.usage_metadata;
          if (u) {
            c.reportedIn = Math.max(c.reportedIn, u.input_tokens ?? 0);
            c.reportedOut = Math.max(c.reportedOut, u.output_tokens ?? 0);
          }
          const content = chunk.content;
          c.outChars += typeof content === 'string' ? content.length : content == null ? 0 : JSON.stringify(content).length;
          for (const t of chunk.tool_call_chunks ?? []) c.outChars += (t.args?.length ?? 0) + (t.name?.length ?? 0);
          // A whole answer (the planning call's) carries its tool calls parsed.
          if (!chunk.tool_call_chunks?.length) for (const t of chunk.tool_calls ?? []) c.outChars += JSON.stringify(t.args ?? {}).length + t.name.length;
          return changed(c);
        },
      };
    },
    /** The parts not recorded yet, once background records have settled: to store with the outcome. */
    async finish(): Promise<CallUsage[]> {
      if (inFlight.size > 0) await Promise.all([...inFlight]);
      return take();
    },
    /** Every call's usage so far (not only what is left to record): for metrics. */
    total(): { input: number; output: number } {
      return calls.reduce((s, c) => ({ input: s.input + current(c).inputTokens, output: s.output + current(c).outputTokens }), { input: 0, output: 0 });
    },
    /** Records what is left (a failed, aborted or refused attempt); never throws. */
    async flush(): Promise<void> {
      await Promise.all([...inFlight]);
      const parts = take();
      if (parts.length > 0) await d.record(scope.workflowId, parts).catch((err) => d.logger.warn({ err: String(err), workflowId: scope.workflowId }, 'recording usage failed'));
    },
    /** setBudget reached this process. */
    setBudget(b: Budget | null) {
      budget = b;
      warned = 0;
    },
    get workflowId() {
      return scope.workflowId;
    },
  };
}

export type Metering = ReturnType<typeof createMetering>;

/** One per process: opens meterings and tells the open ones of a budget change. */
export function createUsageMeter(d: MeterDeps) {
  const open = new Map<string, Set<Metering>>();
  return {
    attempt(scope: AttemptScope): Metering & { close(): void } {
      const m = createMetering(d, scope);
      const set = open.get(scope.workflowId) ?? new Set();
      set.add(m);
      open.set(scope.workflowId, set);
      return Object.assign(m, {
        close() {
          set.delete(m);
          if (set.size === 0) open.delete(scope.workflowId);
        },
      });
    },
    budgetChanged(workflowId: string, budget: Budget | null) {
      for (const m of open.get(workflowId) ?? []) m.setBudget(budget);
    },
  };
}

export type UsageMeter = ReturnType<typeof createUsageMeter>;
