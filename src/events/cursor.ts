import { BadUserInputError, clipInput } from '../errors.ts';

/**
 * A position in one workflow's event stream, as a client resumes from it.
 *
 * Stored events: `"<seq>"`. Output chunks: `"<seq>.<n>~<epoch>"`, where seq
 * is the stored event delivered before the chunk, n counts the chunks since
 * that event (1, 2, …) and epoch names the process-local buffer that numbered
 * them (chunks are live-only: another process, or a buffer started later,
 * numbers them differently). Ordered by (seq, n); a stored event is (seq, 0).
 */
export interface Position {
  seq: number;
  /** 0 for a stored event. */
  n: number;
  /** Empty for a stored event. */
  epoch: string;
}

export const START: Position = { seq: 0, n: 0, epoch: '' };

/** Longest cursor accepted: a seq and a count of 15 digits each, and an epoch. */
const MAX_CURSOR_CHARS = 64;
const CURSOR = /^(0|[1-9]\d{0,14})(?:\.([1-9]\d{0,14})~([a-z0-9]{1,16}))?$/;

export function formatCursor(p: Position): string {
  return p.n === 0 ? String(p.seq) : `${p.seq}.${p.n}~${p.epoch}`;
}

/** A cursor a client sent (untrusted): BAD_USER_INPUT naming the argument unless it is one this server wrote. */
export function parseCursor(text: string, argument = 'after'): Position {
  const m = text.length <= MAX_CURSOR_CHARS ? CURSOR.exec(text) : null;
  if (!m) {
    throw new BadUserInputError(`${argument} is expected to be a cursor received from workflowEvents (like "12" or "12.3~k2f9"), but got "${clipInput(text)}"`, { argument });
  }
  return m[2] ? { seq: Number(m[1]), n: Number(m[2]), epoch: m[3]! } : { seq: Number(m[1]), n: 0, epoch: '' };
}

/** Negative when a is before b. Chunks of a foreign epoch cannot be ordered among themselves: see `isAfter`. */
export function compare(a: Position, b: Position): number {
  return a.seq - b.seq || a.n - b.n;
}

/**
 * Whether an item at `item` comes after a client's position `pos`. A chunk
 * numbered by another buffer (epoch) than the position's cannot be placed
 * among the chunks after the same stored event, so those are treated as seen:
 * a resume may then miss chunks, never repeat one.
 */
export function isAfter(item: Position, pos: Position): boolean {
  if (item.seq !== pos.seq) return item.seq > pos.seq;
  if (pos.n === 0) return item.n > 0;
  if (item.n === 0) return false;
  return item.epoch === pos.epoch && item.n > pos.n;
}
