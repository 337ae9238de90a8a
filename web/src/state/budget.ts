import type { BudgetAction, BudgetInput, DashBudgetFragment, DashUsageFragment, DashUsageSnapshotFragment } from '../__generated__/operations.ts';

/**
 * Usage and budgets as the dashboard shows them (#15), as pure data: meters against the limits,
 * how usage read at different moments is merged, the budget form's fields parsed. No DOM, no I/O.
 */
export type UsageView = DashUsageFragment;
export type BudgetView = DashBudgetFragment;
export type BudgetLimit = 'maxTokens' | 'maxCostUsd';

export const NO_USAGE: UsageView = { inputTokens: 0, outputTokens: 0, totalTokens: 0, costUsd: 0, estimated: false, priced: true, calls: 0 };

/** The server warns at 80% of a limit (budget_warning) and acts once usage is over it (src/engine/core/budget.ts). */
export const WARN_AT = 0.8;

export type MeterState = 'ok' | 'warning' | 'exceeded';

export interface Meter {
  limit: BudgetLimit;
  used: number;
  max: number;
  /** used / max, not capped (1.02: 2% over). */
  ratio: number;
  state: MeterState;
}

const usedOf = (u: UsageView, limit: BudgetLimit): number => (limit === 'maxTokens' ? u.totalTokens : u.costUsd);

/**
 * One meter per limit the budget sets, tokens first. `exceeded`: the limit the server's last
 * budget_exceeded named, shown exceeded whatever the recorded usage says (a call whose prompt would
 * have crossed it was never made, so the usage may stay below it).
 */
export function meters(usage: UsageView, budget: BudgetView | null, exceeded: BudgetLimit | null = null): Meter[] {
  if (!budget) return [];
  return (['maxTokens', 'maxCostUsd'] as const).flatMap((limit) => {
    const max = budget[limit];
    if (max == null || max <= 0) return [];
    const used = usedOf(usage, limit);
    const state: MeterState = used > max || limit === exceeded ? 'exceeded' : used >= max * WARN_AT ? 'warning' : 'ok';
    return [{ limit, used, max, ratio: used / max, state }];
  });
}

const RANK: Record<MeterState, number> = { ok: 0, warning: 1, exceeded: 2 };
/** The worst state of the meters ('ok' with none). */
export const worstState = (ms: readonly Meter[]): MeterState => ms.reduce<MeterState>((w, m) => (RANK[m.state] > RANK[w] ? m.state : w), 'ok');

/**
 * Usage never shrinks, but answers arrive out of order (a usage read that raced a snapshot, a replayed
 * progress event): the one with more calls, or as many calls and more tokens, is the later one. The
 * provider's own figures replacing an in-flight estimate (same calls, `estimated` cleared) win too.
 */
export function laterUsage(current: UsageView, incoming: UsageView): UsageView {
  if (incoming.calls !== current.calls) return incoming.calls > current.calls ? incoming : current;
  if (current.estimated && !incoming.estimated) return incoming;
  return incoming.totalTokens >= current.totalTokens ? incoming : current;
}

/** An event's usage snapshot (tokens and cost only) over the usage known: each figure only grows. */
export function withSnapshot(current: UsageView, s: DashUsageSnapshotFragment | null | undefined): UsageView {
  if (!s) return current;
  return {
    ...current,
    inputTokens: Math.max(current.inputTokens, s.inputTokens),
    outputTokens: Math.max(current.outputTokens, s.outputTokens),
    totalTokens: Math.max(current.totalTokens, s.totalTokens),
    costUsd: Math.max(current.costUsd, s.costUsd),
  };
}

/** 950, 12.3k, 1.2M. */
export function formatTokens(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** $0, $0.00042, $0.012, $1.23: small costs keep two significant digits. */
export function formatUsd(x: number): string {
  if (x <= 0) return '$0';
  if (x >= 1) return `$${x.toFixed(2)}`;
  if (x >= 0.01) return `$${x.toFixed(3)}`;
  return `$${Number(x.toPrecision(2))}`;
}

/** The cost as shown: "unpriced" when a call's model has no price (it counted 0, not a real $0); "≈" while estimated. */
export function costText(u: UsageView): string {
  if (!u.priced) return 'unpriced';
  return `${u.estimated ? '≈' : ''}${formatUsd(u.costUsd)}`;
}

/** The `data-cost` attribute: the cost in USD, or "unpriced". */
export const costAttr = (u: UsageView): string => (u.priced ? String(u.costUsd) : 'unpriced');

export const LIMIT_LABEL: Record<BudgetLimit, string> = { maxTokens: 'tokens', maxCostUsd: 'USD' };

/** "1,234 / 2,000 tokens" or "$1.23 / $1.50". */
export function meterText(m: Meter): string {
  return m.limit === 'maxTokens' ? `${m.used.toLocaleString('en')} / ${m.max.toLocaleString('en')} tokens` : `${formatUsd(m.used)} / ${formatUsd(m.max)}`;
}

/** A budget_warning or budget_exceeded event, as the page states it. */
export interface BudgetNotice {
  kind: 'warning' | 'exceeded';
  limit: string;
  max: number;
  used: number;
  /** STOP or PAUSE (exceeded only). */
  action: string | null;
}

export function noticeText(n: BudgetNotice): string {
  const limit = n.limit === 'maxCostUsd' ? 'maxCostUsd' : 'maxTokens';
  const amount = (v: number) => (limit === 'maxCostUsd' ? formatUsd(v) : `${v.toLocaleString('en')} tokens`);
  if (n.kind === 'warning') return `Budget warning: ${amount(n.used)} used, 80% of the limit of ${amount(n.max)}.`;
  const then = n.action === 'PAUSE' ? 'the run is paused until the budget is raised' : 'the run was stopped';
  return `Budget exceeded: ${amount(n.used)} used, over the limit of ${amount(n.max)}; ${then}.`;
}

/** What the budget fields hold, as typed (empty: no limit). */
export interface BudgetFields {
  maxTokens: string;
  maxCostUsd: string;
  onExceed: string;
}

export type ParsedBudget = { ok: true; budget: BudgetInput; empty: boolean } | { ok: false; error: string };

/**
 * The budget fields as a BudgetInput. `empty`: neither limit given (planWorkflow then sends none, so
 * the server's defaults apply; setBudget sends both null, which removes the limits).
 */
export function parseBudget(f: BudgetFields): ParsedBudget {
  const tokens = f.maxTokens.trim();
  const usd = f.maxCostUsd.trim().replace(/^\$/, '');
  let maxTokens: number | null = null;
  let maxCostUsd: number | null = null;
  if (tokens) {
    maxTokens = Number(tokens.replace(/[_,\s]/g, ''));
    if (!Number.isSafeInteger(maxTokens) || maxTokens <= 0) return { ok: false, error: 'Max tokens must be a whole number above 0.' };
  }
  if (usd) {
    maxCostUsd = Number(usd);
    if (!Number.isFinite(maxCostUsd) || maxCostUsd <= 0) return { ok: false, error: 'Max USD must be a number above 0.' };
  }
  const onExceed: BudgetAction = f.onExceed === 'PAUSE' ? 'PAUSE' : 'STOP';
  return { ok: true, budget: { maxTokens, maxCostUsd, onExceed }, empty: maxTokens === null && maxCostUsd === null };
}

/** The budget fields of a form (BudgetFieldset's inputs). */
export function budgetFieldsOf(data: FormData): BudgetFields {
  const text = (name: string) => String(data.get(name) ?? '');
  return { maxTokens: text('maxTokens'), maxCostUsd: text('maxCostUsd'), onExceed: text('onExceed') };
}

/** The fields for a budget (the form opens with the current limits). */
export function budgetFields(b: BudgetView | null): BudgetFields {
  return { maxTokens: b?.maxTokens != null ? String(b.maxTokens) : '', maxCostUsd: b?.maxCostUsd != null ? String(b.maxCostUsd) : '', onExceed: b?.onExceed ?? 'STOP' };
}
