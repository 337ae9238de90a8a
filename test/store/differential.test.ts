import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_EVERYTHING } from '../../src/engine/core/policy.ts';
import { stepThrough } from '../../src/engine/core/step-through.ts';
import type { EnginePolicy } from '../../src/engine/core/types.ts';
import type { RunStore } from '../../src/engine/store/index.ts';
import type { ClaimedTask, ReadyTask } from '../../src/engine/types.ts';
import { adapterName, adapterRuns, newWorkflow, openHarness, plan, room, type StoreHarness } from './support.ts';

/**
 * Seeded random DAGs with failures, retries, takeovers and cancels, run on this project's adapter
 * and through the core's own step-through: after every step, the same task statuses and the same
 * event kinds. A failure names its seed.
 */

const GRAPHS = 200;

function rng(seed: number) {
  let a = seed + 0x6d2b79f5;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomPlan(r: () => number) {
  const n = 2 + Math.floor(r() * 9);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const deps = [...new Set(Array.from({ length: Math.floor(r() * 3) }, () => Math.floor(r() * i)).filter((d) => d < i))].map((d) => `t${d}`);
    lines.push(`t${i}:${r() < 0.5 ? 'dev' : 'qa'}${deps.length ? `<-${deps.join(',')}` : ''}`);
  }
  return plan(...lines);
}

const pick = <T>(r: () => number, xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
const some = <T>(r: () => number, xs: T[]): T[] => xs.filter(() => r() < 0.6);

async function runOne(seed: number, h: StoreHarness) {
  const r = rng(seed);
  const p = randomPlan(r);
  const heldKey = seed % 7 === 0 ? pick(r, p.tasks).key : undefined;
  const policy: EnginePolicy = heldKey ? { ...RUN_EVERYTHING, holdBeforeRun: (t) => t.key === heldKey } : RUN_EVERYTHING;
  const store: RunStore = h.store(policy);
  const model = stepThrough(p, policy);
  const id = (await store.create(newWorkflow(p))).value;
  const leases = new Map<string, ClaimedTask>(); // the latest claim of each task
  const readyOf = new Map<string, ReadyTask>();
  const trace: string[] = [];
  const check = async (step: string) => {
    trace.push(step);
    const rows = await store.tasks(id);
    for (const t of rows) readyOf.set(t.key, { taskId: t.taskId, workflowId: id, key: t.key, agent: t.agent, orderIndex: rows.indexOf(t) });
    const where = `seed ${seed}, after ${trace.join(' ')}`;
    expect(Object.fromEntries(rows.map((t) => [t.key, t.status])), where).toEqual(model.statuses());
    expect(
      (await store.eventsAfter('default', id, 0)).map((e) => e.kind),
      where,
    ).toEqual(model.events);
    expect(await store.status(id), where).toBe(model.wf.status);
  };
  await check('create');
  model.start();
  await store.start(id);
  await check('start');
  let retries = 0;
  for (let step = 0; step < 60; step++) {
    const statuses = model.statuses();
    const keys = (s: string) => Object.keys(statuses).filter((k) => statuses[k] === s);
    if (model.wf.status === 'COMPLETED') break;
    if (model.wf.status !== 'EXECUTING') {
      if (retries++ >= 2) break;
      model.retry();
      await store.retry(id);
      await check('retry');
      continue;
    }
    const running = keys('RUNNING');
    const ready = keys('READY');
    const x = r();
    if (x < 0.03) {
      model.cancel();
      await store.cancel(id, null);
      await check('cancel');
    } else if (ready.length > 0 && (x < 0.4 || running.length === 0)) {
      const chosen = some(r, ready);
      const got = model.claim(chosen);
      const claimed = await Promise.all(chosen.map((k) => store.claim(readyOf.get(k)!)));
      claimed.forEach((c) => c.value && leases.set(c.value.key, c.value));
      expect(claimed.filter((c) => c.value).map((c) => c.value!.key)).toEqual(got);
      await check(`claim(${chosen})`);
    } else if (running.length > 0 && x < 0.75) {
      const chosen = some(r, running);
      const n = Math.floor(r() * 3);
      model.complete(chosen, n);
      const into = room(n);
      await Promise.all(chosen.map((k) => store.completeAndClaim(leases.get(k)!, { output: `out ${k}`, usage: { input: 1, output: 1 }, durationMs: 1 }, into)));
      into.got.forEach((t) => leases.set(t.key, t));
      await check(`complete(${chosen};${n})`);
    } else if (running.length > 0 && x < 0.85) {
      const k = pick(r, running);
      model.fail(k);
      await store.fail(leases.get(k)!, 'boom');
      await check(`fail(${k})`);
    } else if (running.length > 0 && x < 0.95) {
      const k = pick(r, running);
      model.retrying(k);
      await store.retrying(leases.get(k)!, 'again', 1);
      await check(`retrying(${k})`);
    } else if (running.length > 0) {
      const k = pick(r, running); // a takeover: the old lease is refused from now on
      model.claim([k]);
      const c = (await store.claim(readyOf.get(k)!)).value!;
      leases.set(k, c);
      await check(`takeover(${k})`);
    } else {
      break; // nothing runnable: every unfinished task is held
    }
  }
  const attempts = Object.fromEntries((await store.tasks(id)).map((t) => [t.key, t.attempts]));
  return { steps: trace.length, attempts };
}

describe.runIf(adapterRuns)(`the ${adapterName} adapter against the core's step-through`, () => {
  let h: StoreHarness;
  beforeAll(async () => {
    h = await openHarness();
  });
  afterAll(async () => h?.close());

  it(`agrees on task statuses and event kinds, step by step, for ${GRAPHS} seeded graphs`, async () => {
    let steps = 0;
    for (let seed = 1; seed <= GRAPHS; seed++) steps += (await runOne(seed, h)).steps;
    expect(steps).toBeGreaterThan(GRAPHS * 3);
  }, 300_000);
});
