import { PlanInvalidError } from '../errors.ts';
import type { PlannedTask } from './types.ts';

/**
 * Reads RezNet's plan format, `Task N: @agent - description (depends on Task X, Task Y)`,
 * one task a line. Lenient on form (markdown, dashes, wording of the dependency
 * clause, prose around the plan), strict on meaning: a line that starts like a
 * task but cannot be read is an error, never silently dropped.
 * Graph checks (agents, missing dependencies, cycles) belong to validatePlan.
 */

const EXPECTED = '"Task 1: @agent - description (depends on Task N, Task M)"';

/** Quote marks, heading marks, list bullets or numbers, checkboxes. `*` is a bullet only when a space follows. */
const LINE_PREFIX = /^\s*(?:>\s*)*(?:#{1,6}\s+)?(?:(?:[-*+•]|\d+[.)])\s+)?(?:\[[ xX]\]\s+)?/;
/** A markdown emphasis marker: `*`, `**`, `***`, `_`, `__`, `___`. */
const EM = String.raw`(?:\*{1,3}|_{1,3})`;
const AGENT = String.raw`[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?`;
const TASK_LINE = new RegExp(String.raw`^(${EM})?task\s*(?:#\s*)?(\d+)${EM}?\s*(?:[:.)\-–—]\s*)?(?:${EM}\s*){0,2}@(${AGENT})${EM}?\s*(?:[:\-–—]+${EM}?)?\s*(.*)$`, 'i');
/** Starts like a task ("Task 3:") but TASK_LINE did not match: the agent is missing or malformed. */
const TASK_LIKE = new RegExp(String.raw`^${EM}?task\s*(?:#\s*)?(\d+)${EM}?\s*[:\-–—]`, 'i');
const CLAUSE_START = new RegExp(String.raw`${EM}?(?:([(\[])\s*)?${EM}?\b(depends?\s+on|depending\s+on|dependenc(?:y|ies)\s*:|no\s+dependenc(?:y|ies)\b)\s*:?`, 'gi');
const TRAILING_SEPARATORS = /[\s:;,\-–—]+$/;

type Clause = { text: string; deps: string[] } | { unreadable: string };

export function parsePlan(text: string): PlannedTask[] {
  const tasks: PlannedTask[] = [];
  const firstLine = new Map<string, number>();
  // A line holding only a dependency clause belongs to the task on the previous non-blank line.
  let previous: PlannedTask | undefined;
  text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .forEach((raw, i) => {
      const line = i + 1;
      const body = raw.replace(LINE_PREFIX, '').trim();
      if (!body) return;
      const task = readTaskLine(body, line);
      if (task) {
        const first = firstLine.get(task.key);
        if (first !== undefined) {
          throw new PlanInvalidError(`line ${line}: task ${task.key} is numbered twice (first on line ${first})`, {
            line,
            taskKey: task.key,
          });
        }
        firstLine.set(task.key, line);
        tasks.push(task);
        previous = task;
        return;
      }
      if (!previous || !addContinuation(previous, body, line)) previous = undefined;
    });
  if (tasks.length === 0) {
    throw new PlanInvalidError(`no task lines were found; expected lines like ${EXPECTED}`);
  }
  return tasks;
}

function readTaskLine(body: string, line: number): PlannedTask | undefined {
  const m = TASK_LINE.exec(body);
  if (!m) {
    const like = TASK_LIKE.exec(body);
    if (!like) return undefined;
    const key = canonicalNumber(like[1]!);
    throw new PlanInvalidError(`line ${line}: task ${key} has no @agent; expected ${EXPECTED}`, { line, taskKey: key });
  }
  const [, opener, number = '', agent = '', rest = ''] = m;
  const key = canonicalNumber(number);
  const head = body.slice(0, body.length - rest.length).replace(`@${agent}`, '');
  const clause = splitClause(unwrap(dropUnclosedOpener(rest.trim(), opener, head)));
  if ('unreadable' in clause) throw unreadable(clause.unreadable, key, line);
  const description = unwrap(clause.text);
  if (!description) {
    throw new PlanInvalidError(`line ${line}: task ${key} has an empty description`, { line, taskKey: key });
  }
  return { key, agent: agent.toLowerCase(), description, dependsOn: clause.deps, line };
}

/** `Depends on: Task 1` alone on the line after a task adds to that task's dependencies. */
function addContinuation(task: PlannedTask, body: string, line: number): boolean {
  const clause = splitClause(body);
  if ('unreadable' in clause) {
    if (clause.unreadable.trim() !== body) return false;
    throw unreadable(clause.unreadable, task.key, line);
  }
  if (clause.text || clause.deps.length === 0) return false;
  task.dependsOn = [...new Set([...task.dependsOn, ...clause.deps])];
  return true;
}

function unreadable(clause: string, key: string, line: number): PlanInvalidError {
  return new PlanInvalidError(`line ${line}: task ${key} has a dependency clause that names no task numbers: "${clause.trim()}"; expected e.g. "(depends on Task 1, Task 2)"`, {
    line,
    taskKey: key,
  });
}

/**
 * Finds the dependency clause and removes it from the description. A bracketed
 * clause must list task numbers (else it is unreadable); an unbracketed one runs
 * to the end of the line and counts only if it reads as a list, so prose such as
 * "the module that depends on lodash" stays in the description.
 */
function splitClause(s: string): Clause {
  for (const m of s.matchAll(CLAUSE_START)) {
    const before = s.slice(0, m.index);
    const after = s.slice(m.index + m[0].length);
    const bracket = m[1];
    const none = /^no/i.test(m[2]!);
    if (!bracket) {
      const deps = none ? null : parseDepList(after);
      if (deps) return { text: before.replace(TRAILING_SEPARATORS, ''), deps };
      continue;
    }
    const end = after.indexOf(bracket === '(' ? ')' : ']');
    const content = end < 0 ? after : after.slice(0, end);
    const rest = end < 0 ? '' : after.slice(end + 1);
    const deps = none ? (/^[\s.]*$/.test(content) ? [] : null) : parseDepList(content);
    if (deps) return { text: joinAround(before, rest), deps };
    if (!none) return { unreadable: s.slice(m.index, m.index + m[0].length + content.length + (end < 0 ? 0 : 1)) };
  }
  return { text: s, deps: [] };
}

/** The description around a clause in brackets: punctuation right after it is dropped, later text kept. */
function joinAround(before: string, rest: string): string {
  const tail = rest.replace(/^[*_]+/, '');
  const head = before.replace(TRAILING_SEPARATORS, '');
  if (/^[\s.,;:!)\]*_]*$/.test(tail)) return head;
  const trimmed = tail.trim();
  return /^[.,;:!]/.test(trimmed) ? head + trimmed : `${head} ${trimmed}`.trim();
}

/** "Task 1, 2", "Tasks 2 & 3", "Task 2 and Task 3", "#4", "none"; null when it is not such a list. */
function parseDepList(content: string): string[] | null {
  const s = content.replace(/\*/g, '').replace(/^[\s:_]+|[\s.;,:!_)\]]+$/g, '');
  if (/^(?:none|nothing|n\/a)$/i.test(s)) return [];
  if (!s) return null;
  const keys: string[] = [];
  for (const item of s.split(/\s*(?:,\s*(?:and\s+)?|&|\band\b)\s*/i)) {
    const m = /^(?:tasks?\s*)?#?\s*(\d+)$/i.exec(item);
    if (!m) return null;
    keys.push(canonicalNumber(m[1]!));
  }
  return [...new Set(keys)];
}

/**
 * `**Task 1: @backend - Create model**`: the opener before "Task" is closed at the
 * end of the description. Only done when the head left the opener unclosed.
 */
function dropUnclosedOpener(desc: string, opener: string | undefined, head: string): string {
  if (!opener || !desc.endsWith(opener)) return desc;
  const inHead = head.split(opener).length - 1;
  return inHead % 2 === 1 ? desc.slice(0, -opener.length).trimEnd() : desc;
}

/**
 * Removes emphasis wrapping the whole segment (`**Create model**`), never markers
 * inside it. Underscore wrappers only go when the inside is a phrase, so
 * identifiers like `__init__` survive.
 */
function unwrap(s: string): string {
  const t = s.trim();
  for (const w of ['***', '___', '**', '__', '*', '_']) {
    if (t.length <= 2 * w.length || !t.startsWith(w) || !t.endsWith(w)) continue;
    const inner = t.slice(w.length, -w.length);
    if (inner.includes(w[0]!) || inner.trim() !== inner) continue;
    if (w[0] === '_' && !/\s/.test(inner)) continue;
    return inner;
  }
  return t;
}

/** "02" and "2" are the same task. */
function canonicalNumber(digits: string): string {
  return digits.replace(/^0+(?=\d)/, '');
}
