import type { z } from 'zod';
import { BadUserInputError } from '../errors.ts';

/** Parses input with a zod schema; the first problem becomes a BAD_USER_INPUT error naming the field. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  const field = i.path.join('.');
  throw new BadUserInputError(`${field || 'input'}: expected ${i.message}`, { field });
}
