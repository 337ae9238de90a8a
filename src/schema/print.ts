import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// 'graphql/index.js', not 'graphql': under vitest a bare 'graphql' resolves to the ESM build while
// Pothos and yoga load the CommonJS one, and two graphql realms cannot share a schema.
import { lexicographicSortSchema, printSchema } from 'graphql/index.js';
import { buildSchema } from './index.ts';

/** The checked-in contract: what `npm run schema` writes and the drift test compares. */
export const printedSchema = () => `${printSchema(lexicographicSortSchema(buildSchema()))}\n`;

export const schemaPath = resolve(dirname(fileURLToPath(import.meta.url)), '../../schema.graphql');

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(schemaPath, printedSchema());
  console.log(`wrote ${schemaPath}`);
}
