import { describe, expect, it } from 'vitest';
import { PlanInvalidError } from '../../src/errors.ts';
import { parsePlan } from '../../src/planning/parse-plan.ts';
import type { PlannedTask } from '../../src/planning/types.ts';

const task = (key: string, agent: string, description: string, dependsOn: string[] = [], line = 1): PlannedTask => ({
  key,
  agent,
  description,
  dependsOn,
  line,
});
/** One task line, parsed on its own: the expectation for line 1. */
const one = (description: string, dependsOn: string[] = [], agent = 'backend', key = '2') => [task(key, agent, description, dependsOn)];

const PROFILE = `Task 1: @backend - Create User profile API endpoint
Task 2: @frontend - Create ProfilePage component (depends on Task 1)
Task 3: @qa - Write tests for profile functionality (depends on Task 1, Task 2)`;

const DARK_MODE = `Task 1: @frontend - Implement dark mode theme toggle
Task 2: @frontend - Add ARIA labels and keyboard navigation
Task 3: @qa - Test dark mode in different browsers (depends on Task 1)
Task 4: @qa - Run accessibility audit with axe-core (depends on Task 2)`;

const AUTH = `Task 1: @backend - Create User database model
Task 2: @backend - Implement registration endpoint with bcrypt (depends on Task 1)
Task 3: @backend - Implement login endpoint with JWT (depends on Task 1)
Task 4: @frontend - Create LoginForm component
Task 5: @frontend - Create RegistrationForm component
Task 6: @qa - Write unit tests for auth endpoints (depends on Task 2, Task 3)
Task 7: @qa - Write E2E tests for auth flows (depends on Task 4, Task 5, Task 6)
Task 8: @devops - Document deployment requirements (depends on Task 7)`;

const AUTH_TASKS = [
  task('1', 'backend', 'Create User database model', [], 1),
  task('2', 'backend', 'Implement registration endpoint with bcrypt', ['1'], 2),
  task('3', 'backend', 'Implement login endpoint with JWT', ['1'], 3),
  task('4', 'frontend', 'Create LoginForm component', [], 4),
  task('5', 'frontend', 'Create RegistrationForm component', [], 5),
  task('6', 'qa', 'Write unit tests for auth endpoints', ['2', '3'], 6),
  task('7', 'qa', 'Write E2E tests for auth flows', ['4', '5', '6'], 7),
  task('8', 'devops', 'Document deployment requirements', ['7'], 8),
];

const scenarios: [string, string, PlannedTask[]][] = [
  [
    '"Create a simple user profile page"',
    PROFILE,
    [
      task('1', 'backend', 'Create User profile API endpoint', [], 1),
      task('2', 'frontend', 'Create ProfilePage component', ['1'], 2),
      task('3', 'qa', 'Write tests for profile functionality', ['1', '2'], 3),
    ],
  ],
  [
    '"Add dark mode and improve accessibility"',
    DARK_MODE,
    [
      task('1', 'frontend', 'Implement dark mode theme toggle', [], 1),
      task('2', 'frontend', 'Add ARIA labels and keyboard navigation', [], 2),
      task('3', 'qa', 'Test dark mode in different browsers', ['1'], 3),
      task('4', 'qa', 'Run accessibility audit with axe-core', ['2'], 4),
    ],
  ],
  ['the 8-task auth DAG', AUTH, AUTH_TASKS],
  ['the auth DAG with CRLF line endings', AUTH.replace(/\n/g, '\r\n'), AUTH_TASKS],
  [
    'the auth DAG inside prose, headings and a code fence',
    `I'll break this into 8 tasks.\n\n## Plan\n\n\`\`\`\n${AUTH}\n\`\`\`\n\nTasks 2 and 3 can run in parallel.`,
    AUTH_TASKS.map((t) => ({ ...t, line: t.line! + 5 })),
  ],
];

const lenient: [string, string, PlannedTask[]][] = [
  ['"-" bullet', '- Task 2: @backend - Endpoint', one('Endpoint')],
  ['"*" bullet', '* Task 2: @backend - Endpoint', one('Endpoint')],
  ['"1." numbered list', '1. Task 2: @backend - Endpoint', one('Endpoint')],
  ['"2)" numbered list', '2) Task 2: @backend - Endpoint', one('Endpoint')],
  ['indented sub-bullet', '    - Task 2: @backend - Endpoint', one('Endpoint')],
  ['checkbox', '- [ ] Task 2: @backend - Endpoint', one('Endpoint')],
  ['heading', '### Task 2: @backend - Endpoint', one('Endpoint')],
  ['bold task number', '**Task 2:** @backend - Endpoint', one('Endpoint')],
  ['bold number, colon outside', '**Task 2**: @backend - Endpoint', one('Endpoint')],
  ['bold agent', 'Task 2: **@backend** - Endpoint', one('Endpoint')],
  ['bold head and bold agent', '- **Task 2:** **@backend** - Endpoint', one('Endpoint')],
  ['bold around task and agent', '**Task 2: @backend** - Endpoint', one('Endpoint')],
  ['whole line bold', '**Task 2: @backend - Endpoint (depends on Task 1)**', one('Endpoint', ['1'])],
  ['italics with * and _', '*Task 2:* _@backend_ - Endpoint', one('Endpoint')],
  ['bold description', 'Task 2: @backend - **Registration endpoint** (depends on Task 1)', one('Registration endpoint', ['1'])],
  ['bold inside the description is kept', 'Task 2: @backend - **Create** the model', one('**Create** the model')],
  ['italic phrase in underscores', 'Task 2: @backend - _Create the model_', one('Create the model')],
  ['en dash separator', 'Task 2: @backend – Endpoint', one('Endpoint')],
  ['em dash separator', 'Task 2: @backend — Endpoint', one('Endpoint')],
  ['em dash without spaces', 'Task 2: @backend—Endpoint', one('Endpoint')],
  ['colon separator', 'Task 2: @backend: Endpoint', one('Endpoint')],
  ['bold agent with colon inside', 'Task 2: **@backend:** Endpoint', one('Endpoint')],
  ['no separator after the agent', 'Task 2: @backend Endpoint', one('Endpoint')],
  ['dash after the task number', 'Task 2 - @backend - Endpoint', one('Endpoint')],
  ['"depends on:"', 'Task 2: @backend - Endpoint (depends on: Task 1)', one('Endpoint', ['1'])],
  ['"Depends on"', 'Task 2: @backend - Endpoint (Depends on Task 1)', one('Endpoint', ['1'])],
  ['"depends on Tasks 1, 3"', 'Task 2: @backend - Endpoint (depends on Tasks 1, 3)', one('Endpoint', ['1', '3'])],
  ['"Task 1 and Task 3"', 'Task 2: @backend - Endpoint (depends on Task 1 and Task 3)', one('Endpoint', ['1', '3'])],
  ['"Task 1, 3"', 'Task 2: @backend - Endpoint (depends on Task 1, 3)', one('Endpoint', ['1', '3'])],
  ['"Tasks 1 & 3"', 'Task 2: @backend - Endpoint (depends on Tasks 1 & 3)', one('Endpoint', ['1', '3'])],
  ['Oxford comma', 'Task 4: @qa - E2E (depends on Task 1, Task 2, and Task 3)', one('E2E', ['1', '2', '3'], 'qa', '4')],
  ['"#" before numbers', 'Task 2: @backend - Endpoint (depends on #1)', one('Endpoint', ['1'])],
  ['repeated dependency kept once', 'Task 3: @qa - Tests (depends on Task 1, Task 2, Task 1)', one('Tests', ['1', '2'], 'qa', '3')],
  ['"." after the clause', 'Task 2: @backend - Endpoint (depends on Task 1).', one('Endpoint', ['1'])],
  ['")." after an unbracketed clause', 'Task 2: @backend - Endpoint, depends on Task 1).', one('Endpoint', ['1'])],
  ['"." inside the clause', 'Task 2: @backend - Endpoint (depends on Task 1.)', one('Endpoint', ['1'])],
  ['square brackets', 'Task 2: @backend - Endpoint [depends on Task 1]', one('Endpoint', ['1'])],
  ['clause after an em dash', 'Task 2: @backend - Endpoint — depends on Task 1', one('Endpoint', ['1'])],
  ['clause after an em dash with trailing "."', 'Task 3: @qa - Tests — depends on Tasks 1 and 2.', one('Tests', ['1', '2'], 'qa', '3')],
  ['italic clause', 'Task 2: @backend - Endpoint *(depends on Task 1)*', one('Endpoint', ['1'])],
  ['bold clause', 'Task 2: @backend - Endpoint **(depends on Task 1)**', one('Endpoint', ['1'])],
  ['"Dependencies:"', 'Task 2: @backend - Endpoint (Dependencies: Task 1)', one('Endpoint', ['1'])],
  ['text after the clause is kept', 'Task 2: @backend - Endpoint (depends on Task 1) using bcrypt', one('Endpoint using bcrypt', ['1'])],
  ['a sentence after the clause is kept', 'Task 2: @backend - Endpoint (depends on Task 1). Use bcrypt.', one('Endpoint. Use bcrypt.', ['1'])],
  ['"(no dependencies)"', 'Task 1: @backend - Model (no dependencies)', one('Model', [], 'backend', '1')],
  ['"(depends on: none)"', 'Task 1: @backend - Model (depends on: none)', one('Model', [], 'backend', '1')],
  ['"depends on" in prose is not a clause', 'Task 2: @backend - Fix the module that depends on lodash', one('Fix the module that depends on lodash')],
  ['hyphenated agent', 'Task 2: @seo-specialist - Meta tags', one('Meta tags', [], 'seo-specialist')],
  ['underscored agent', 'Task 2: @data_eng - ETL job', one('ETL job', [], 'data_eng')],
  ['italic underscored agent', 'Task 2: _@data_eng_ - ETL job', one('ETL job', [], 'data_eng')],
  ['agent lower-cased', 'Task 2: @Backend - Endpoint', one('Endpoint')],
  ['paths with underscores, dots and slashes', 'Task 2: @qa - Write tests/e2e/test_auth_flow.py (depends on Task 1)', one('Write tests/e2e/test_auth_flow.py', ['1'], 'qa')],
  ['dunder names and snake_case', 'Task 2: @backend - Add __init__.py and parse_plan_v2 to src/my_pkg', one('Add __init__.py and parse_plan_v2 to src/my_pkg')],
  ['identifier in underscores stays', 'Task 2: @backend - __init__', one('__init__')],
  ['versions and file names', 'Task 2: @devops - Bump to v1.2.3 in config.prod.yaml', one('Bump to v1.2.3 in config.prod.yaml', [], 'devops')],
  ['leading zero in task numbers', 'Task 02: @backend - Endpoint (depends on Task 01)', one('Endpoint', ['1'])],
  ['self-dependency is left to validatePlan', 'Task 2: @backend - Endpoint (depends on Task 2)', one('Endpoint', ['2'])],
  ['dependency clause on the next line', 'Task 2: @backend - Endpoint\n  Depends on: Task 1', one('Endpoint', ['1'])],
  [
    'multi-digit numbers, blank lines and CR line endings',
    'Task 10: @qa - A\r\rTask 11: @qa - B (depends on Task 10)',
    [task('10', 'qa', 'A', [], 1), task('11', 'qa', 'B', ['10'], 3)],
  ],
];

describe('parsePlan', () => {
  it.each(scenarios)('reads RezNet scenario %s', (_, text, expected) => {
    expect(parsePlan(text)).toEqual(expected);
  });

  it('reads RezNet\'s "dark mode" plan as printed, without dependency clauses', () => {
    expect(parsePlan(DARK_MODE.replace(/ \(depends on Task \d\)/g, '')).map((t) => t.dependsOn)).toEqual([[], [], [], []]);
  });

  it.each(lenient)('is lenient on form: %s', (_, text, expected) => {
    expect(parsePlan(text)).toEqual(expected);
  });

  const FORMAT = 'expected lines like "Task 1: @agent - description';
  const invalid: [string, string, string, { line?: number; taskKey?: string }][] = [
    ['duplicate task number', 'Task 1: @backend - A\nTask 2: @qa - B\nTask 2: @qa - C', 'line 3: task 2 is numbered twice (first on line 2)', { line: 3, taskKey: '2' }],
    ['duplicate after leading zeros', 'Task 1: @backend - A\r\n\r\nTask 01: @qa - B', 'line 3: task 1 is numbered twice (first on line 1)', { line: 3, taskKey: '1' }],
    ['empty text', '', `no task lines were found; ${FORMAT}`, {}],
    ['prose only', 'Sure! First build the model, then the endpoint.\n- step one\n## Done', `no task lines were found; ${FORMAT}`, {}],
    ['empty description', 'Task 1: @backend - A\nTask 2: @qa -', 'line 2: task 2 has an empty description', { line: 2, taskKey: '2' }],
    ['description that is only a clause', 'Task 2: @qa (depends on Task 1)', 'line 1: task 2 has an empty description', { line: 1, taskKey: '2' }],
    ['task line without an agent', '\nTask 1: Backend - Create model', 'line 2: task 1 has no @agent', { line: 2, taskKey: '1' }],
    [
      'unreadable dependency clause',
      'Task 2: @qa - Tests (depends on the API)',
      'line 1: task 2 has a dependency clause that names no task numbers: "(depends on the API)"',
      { line: 1, taskKey: '2' },
    ],
    ['unreadable clause on the next line', 'Task 2: @qa - Tests\n(depends on Task one)', 'line 2: task 2 has a dependency clause', { line: 2, taskKey: '2' }],
  ];

  it.each(invalid)('is strict on meaning: %s', (_, text, message, details) => {
    let error: unknown;
    try {
      parsePlan(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlanInvalidError);
    expect(error).toMatchObject({ name: 'PlanInvalidError', code: 'PLAN_INVALID' });
    expect((error as PlanInvalidError).details).toEqual(details);
    expect((error as Error).message).toContain(message);
  });
});
