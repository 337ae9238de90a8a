import { z } from 'zod';
import { BadUserInputError } from './errors.ts';
import { isStorableText } from './text.ts';

/** Parses input with a zod schema; the first problem becomes a BAD_USER_INPUT error naming the field. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  const field = i.path.join('.');
  throw new BadUserInputError(`${field || 'input'}: expected ${i.message}`, { field });
}

/**
 * A string any store accepts: no NUL, no unpaired surrogate (PostgreSQL refuses them, SQLite does
 * not; refusing them here answers the same on both, also for calls that bypass GraphQL).
 */
export const storableString = () => z.string().refine(isStorableText, { error: 'text without NUL characters or unpaired UTF-16 surrogates', abort: true });
