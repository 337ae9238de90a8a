import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printedSchema, schemaPath } from '../../src/schema/print.ts';

describe('schema.graphql', () => {
  it('is what the code builds (run `npm run schema` after changing the schema)', () => {
    expect(readFileSync(schemaPath, 'utf8')).toBe(printedSchema());
  });
});
