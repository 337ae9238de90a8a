import type { GraphQLSchema } from 'graphql';
import { builder } from './builder.ts';
// Each module adds its types and root fields to the builder when imported.
import './agent.ts';
import './task.ts';
import './workflow.ts';
import './workflow-mutations.ts';
import './event.ts';
import './event-stream.ts';
import './health.ts';
import './api-key.ts';
import './artifact.ts';
import './tool-server.ts';
import './usage.ts';

export type { Context } from './context.ts';
export { createContext, freshReads } from './context.ts';

let schema: GraphQLSchema | undefined;

/** The Baton schema. Built once: Pothos builders cannot build twice. */
export function buildSchema(): GraphQLSchema {
  schema ??= builder.toSchema();
  return schema;
}
