import { describe, expect, it } from 'vitest';
import { PlanInvalidError } from '../../src/errors.ts';
import { criticalPath, transitiveDependents, validatePlan } from '../../src/planning/dag.ts';
import type { PlannedTask } from '../../src/planning/types.ts';

const AGENTS: ReadonlySet<string> = new Set(['backend', 'frontend', 'qa', 'devops']);

/** `t('3', ['1', '2'])`: task 3 on line 3, run by @qa unless told. */
const t = (key: string, dependsOn: string[] = [], agent = 'qa', line: number | undefined = Number(key) || undefined): PlannedTask => ({
  key,
  agent,
  description: `Task ${key}`,
  dependsOn,
  ...(line !== undefined && { line }),
});

const AUTH: PlannedTask[] = [
  t('1', [], 'backend'),
  t('2', ['1'], 'backend'),
  t('3', ['1'], 'backend'),
  t('4', [], 'frontend'),
  t('5', [], 'frontend'),
  t('6', ['2', '3']),
  t('7', ['4', '5', '6']),
  t('8', ['7'], 'devops'),
];
const AUTH_DURATIONS: Record<string, number> = { 1: 100, 2: 300, 3: 100, 4: 500, 5: 50, 6: 100, 7: 100, 8: 50 };

const DIAMOND = [t('1'), t('2', ['1']), t('3', ['1']), t('4', ['2', '3'])];
const FAN = [
  t('1'),
  ...Array.from({ length: 200 }, (_, i) => t(String(i + 2), ['1'])),
  t(
    '202',
    Array.from({ length: 200 }, (_, i) => String(i + 2)),
  ),
];
const MIDDLE = FAN.slice(1, 201).map((x) => x.key);

describe('validatePlan', () => {
  const valid: [string, PlannedTask[], Record<string, string[]>, string[]][] = [
    [
      'the auth DAG',
      AUTH,
      {
        1: ['2', '3'],
        2: ['6'],
        3: ['6'],
        4: ['7'],
        5: ['7'],
        6: ['7'],
        7: ['8'],
        8: [],
      },
      ['1', '4', '5', '2', '3', '6', '7', '8'],
    ],
    ['a diamond', DIAMOND, { 1: ['2', '3'], 2: ['4'], 3: ['4'], 4: [] }, ['1', '2', '3', '4']],
    ['a chain written backwards', [t('3', ['2']), t('2', ['1']), t('1')], { 3: [], 2: ['3'], 1: ['2'] }, ['1', '2', '3']],
    ['independent tasks in plan order', [t('2'), t('1'), t('3')], { 2: [], 1: [], 3: [] }, ['2', '1', '3']],
    ['named keys of a manual workflow', [t('build.api'), t('test_api-v2', ['build.api'])], { 'build.api': ['test_api-v2'], 'test_api-v2': [] }, ['build.api', 'test_api-v2']],
    [
      'a key named __proto__',
      [t('__proto__'), t('x', ['__proto__'])],
      Object.fromEntries([
        ['__proto__', ['x']],
        ['x', []],
      ]),
      ['__proto__', 'x'],
    ],
  ];

  it.each(valid)('derives dependents and topological order of %s', (_, tasks, dependents, topoOrder) => {
    expect(validatePlan(tasks, { agents: AGENTS })).toEqual({ tasks, dependents, topoOrder });
  });

  it('handles a 1 -> 200 -> 1 fan-out/fan-in', () => {
    const plan = validatePlan(FAN, { agents: AGENTS, maxTasks: 202 });
    expect(plan.topoOrder).toEqual(['1', ...MIDDLE, '202']);
    expect(plan.dependents['1']).toEqual(MIDDLE);
    expect(MIDDLE.every((k) => plan.dependents[k]!.length === 1 && plan.dependents[k]![0] === '202')).toBe(true);
    expect(plan.dependents['202']).toEqual([]);
  });

  it('normalises agent names and repeated dependencies, without touching its input', () => {
    const input = [t('1', [], '@Backend'), t('2', ['1', '1'], 'QA')];
    const plan = validatePlan(input, { agents: new Set(['@BACKEND', 'qa']) });
    expect(plan.tasks).toEqual([t('1', [], 'backend'), t('2', ['1'], 'qa')]);
    expect(input).toEqual([t('1', [], '@Backend'), t('2', ['1', '1'], 'QA')]);
  });

  type Details = { line?: number; taskKey?: string };
  const invalid: [string, PlannedTask[], string, Details, number?][] = [
    ['no tasks', [], 'the plan has no tasks', {}],
    ['more tasks than allowed', [t('1'), t('2'), t('3')], 'the plan has 3 tasks; at most 2 are allowed', {}, 2],
    ['an empty key', [t('1'), t('', [], 'qa', 2)], 'task key "" (line 2) is invalid', { taskKey: '', line: 2 }],
    ['a key with a space', [t('a b', [], 'qa', 4)], 'task key "a b" (line 4) is invalid; expected a positive integer', { taskKey: 'a b', line: 4 }],
    ['key "0"', [t('0', [], 'qa', 1)], 'task key "0" (line 1) is invalid', { taskKey: '0', line: 1 }],
    ['key with a leading zero', [t('007')], 'task key "007" (line 7) is invalid', { taskKey: '007', line: 7 }],
    // The key is echoed clipped to ECHO_MAX_CHARS (64) characters and "…".
    ['a 65-character key', [t('k'.repeat(65))], `task key "${'k'.repeat(64)}…" is invalid`, { taskKey: `${'k'.repeat(64)}…` }],
    ['a key with "@"', [t('@1')], 'task key "@1" is invalid', { taskKey: '@1' }],
    ['a duplicate key', [t('1'), t('2'), { ...t('2'), line: 5 }], 'task 2 (line 5) is defined twice (first at line 2)', { taskKey: '2', line: 5 }],
    ['a duplicate key without lines', [t('a'), t('a')], 'task a is defined twice (first at position 1 in the plan)', { taskKey: 'a' }],
    [
      'an unknown agent',
      [t('1'), t('2', [], '@Designer')],
      'task 2 (line 2) has unknown agent @designer; known agents: @backend, @devops, @frontend, @qa',
      { taskKey: '2', line: 2 },
    ],
    ['no agent', [t('1', [], '')], 'task 1 (line 1) has no agent', { taskKey: '1', line: 1 }],
    ['an empty description', [{ ...t('1'), description: '  ' }], 'task 1 (line 1) has an empty description', { taskKey: '1', line: 1 }],
    ['a dependency that does not exist', [t('1'), t('2', ['1', '9'])], 'task 2 (line 2) depends on task 9, which does not exist', { taskKey: '2', line: 2 }],
    ['a cycle of length 1', [t('1'), t('2', ['2'])], 'task 2 (line 2) depends on itself (cycle: 2 -> 2)', { taskKey: '2', line: 2 }],
    ['a cycle of length 2', [t('1'), t('2', ['1', '3']), t('3', ['2'])], 'task 2 (line 2) is in a dependency cycle: 2 -> 3 -> 2', { taskKey: '2', line: 2 }],
    ['a cycle of length 3', [t('1', ['3']), t('2', ['1']), t('3', ['2'])], 'task 1 (line 1) is in a dependency cycle: 1 -> 3 -> 2 -> 1', { taskKey: '1', line: 1 }],
    ['a cycle reached through a tail', [t('1'), t('4', ['3']), t('3', ['2']), t('2', ['3'])], 'cycle: 3 -> 2 -> 3', { taskKey: '3', line: 3 }],
    ['a cycle in named keys', [t('b', ['a']), t('a', ['b'])], 'task b is in a dependency cycle: b -> a -> b', { taskKey: 'b' }],
  ];

  it.each(invalid)('rejects %s', (_, tasks, message, details, maxTasks) => {
    let error: unknown;
    try {
      validatePlan(tasks, { agents: AGENTS, ...(maxTasks !== undefined && { maxTasks }) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlanInvalidError);
    expect(error).toMatchObject({ name: 'PlanInvalidError', code: 'PLAN_INVALID' });
    expect((error as PlanInvalidError).details).toEqual(details);
    expect((error as Error).message).toContain(message);
  });
});

describe('criticalPath', () => {
  const cases: [string, PlannedTask[], Record<string, number>, { length: number; path: string[] }][] = [
    ['the auth DAG (a tie at task 7 goes to the longer chain)', AUTH, AUTH_DURATIONS, { length: 650, path: ['1', '2', '6', '7', '8'] }],
    ['a diamond', DIAMOND, { 1: 1, 2: 5, 3: 7, 4: 1 }, { length: 9, path: ['1', '3', '4'] }],
    ['independent tasks', [t('1'), t('2'), t('3')], { 1: 3, 2: 9, 3: 9 }, { length: 9, path: ['2'] }],
    ['zero durations', [t('1'), t('2', ['1'])], { 1: 0, 2: 0 }, { length: 0, path: ['1', '2'] }],
    ['no tasks', [], {}, { length: 0, path: [] }],
    ['the fan-out/fan-in', FAN, { 1: 1, 202: 1, 77: 10 }, { length: 12, path: ['1', '77', '202'] }],
  ];

  it.each(cases)('finds the longest chain of %s', (_, tasks, durations, expected) => {
    expect(criticalPath(tasks, (key) => durations[key] ?? 1)).toEqual(expected);
  });

  it('rejects a negative duration and a cyclic plan', () => {
    expect(() => criticalPath([t('1')], () => -1)).toThrow(RangeError);
    expect(() => criticalPath([t('1', ['2']), t('2', ['1'])], () => 1)).toThrow(PlanInvalidError);
  });
});

describe('transitiveDependents', () => {
  const { dependents } = validatePlan(AUTH, { agents: AGENTS });
  const cases: [string, Record<string, string[]>, string, string[]][] = [
    ['the root of the auth DAG', dependents, '1', ['2', '3', '6', '7', '8']],
    ['a frontend task', dependents, '4', ['7', '8']],
    ['a leaf', dependents, '8', []],
    ['an unknown key', dependents, '99', []],
    ['an inherited property name', dependents, 'constructor', []],
    ['a diamond root', { 1: ['2', '3'], 2: ['4'], 3: ['4'], 4: [] }, '1', ['2', '3', '4']],
    ['the fan-out root', validatePlan(FAN, { agents: AGENTS }).dependents, '1', [...MIDDLE, '202']],
  ];

  it.each(cases)('lists everything downstream of %s', (_, graph, key, expected) => {
    expect(transitiveDependents(graph, key)).toEqual(expected);
  });
});
