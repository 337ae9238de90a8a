/**
 * Text that every store accepts. PostgreSQL refuses NUL in text and jsonb, and
 * a lone UTF-16 surrogate in jsonb, while SQLite stores both: such a character
 * in a model's answer once crashed the planner and looped a task. Inputs that
 * carry one are refused (BAD_USER_INPUT); a model's answer gets U+FFFD instead.
 */

// eslint-disable-next-line no-control-regex -- NUL is what no database stores: it is matched to be replaced
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

export const REPLACEMENT_CHARACTER = '\uFFFD';

/** Whether this text has neither NUL nor an unpaired surrogate. */
export function isStorableText(s: string): boolean {
  return !UNSTORABLE.test(s);
}

/** The text with every NUL and unpaired surrogate replaced by U+FFFD (the same string when there is none). */
export function toStorableText(s: string): string {
  return UNSTORABLE.test(s) ? s.replace(UNSTORABLE_ALL, REPLACEMENT_CHARACTER) : s;
}

/** The same for an optional text. */
export const toStorableTextOrNull = (s: string | null | undefined): string | null => (s == null ? null : toStorableText(s));

/**
 * For streamed text: each chunk made storable, except that a high surrogate ending a chunk is held
 * back for the next one (a pair split across two chunks is not unpaired). `flush` gives what is held.
 */
export function createChunkSanitizer() {
  let held = '';
  return {
    push(chunk: string): string {
      const text = held + chunk;
      const last = text.charCodeAt(text.length - 1);
      const split = last >= 0xd800 && last <= 0xdbff;
      held = split ? text.slice(-1) : '';
      return toStorableText(split ? text.slice(0, -1) : text);
    },
    flush(): string {
      const rest = held;
      held = '';
      return toStorableText(rest);
    },
  };
}

/** Where the first unstorable character is in a value (strings, arrays and plain objects, depth first), as a path; null if none. */
export function findUnstorable(value: unknown, path: Array<string | number> = [], depth = 0): Array<string | number> | null {
  if (typeof value === 'string') return isStorableText(value) ? null : path;
  if (depth > 32 || typeof value !== 'object' || value === null) return null;
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [k, v] of entries) {
    if (typeof k === 'string' && !isStorableText(k)) return [...path, k];
    const found = findUnstorable(v, [...path, k], depth + 1);
    if (found) return found;
  }
  return null;
}
