import type { DocumentNode, OperationDefinitionNode, SelectionSetNode } from 'graphql';
import { roleAtLeast, type Role } from './principal.ts';

type OperationType = `${OperationDefinitionNode['operation']}`;

/**
 * The one table of who may do what. A root field not listed needs the
 * default of its operation: queries and subscriptions `viewer`, mutations
 * `operator` (plan, create, start, cancel, retry, delete, and steering
 * mutations yet to come). Anything only an admin may do must be listed here:
 * agents, keys, tool servers.
 */
export const FIELD_ROLES: Readonly<Record<string, Role>> = {
  'Mutation.createAgent': 'admin',
  'Mutation.updateAgent': 'admin',
  'Mutation.deactivateAgent': 'admin',
  'Mutation.createApiKey': 'admin',
  'Mutation.revokeApiKey': 'admin',
  'Query.apiKeys': 'admin',
  'Mutation.createToolServer': 'admin',
  'Mutation.updateToolServer': 'admin',
  'Mutation.deleteToolServer': 'admin',
  'Query.toolServers': 'admin',
  // The default for mutations, stated: replanning spends a model call on an existing workflow.
  'Mutation.replanWorkflow': 'operator',
};

const DEFAULT_ROLE: Record<OperationType, Role> = { query: 'viewer', subscription: 'viewer', mutation: 'operator' };
const TYPE_NAME: Record<OperationType, string> = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' };

export const requiredRole = (operation: OperationType, field: string): Role => FIELD_ROLES[`${TYPE_NAME[operation]}.${field}`] ?? DEFAULT_ROLE[operation];

/** The root fields an operation selects, through fragments (each fragment visited once). */
export function rootFields(document: DocumentNode, operation: OperationDefinitionNode): string[] {
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === 'FragmentDefinition' ? [[d.name.value, d.selectionSet] as const] : [])));
  const seen = new Set<string>();
  const fields = new Set<string>();
  const visit = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      if (s.kind === 'Field') fields.add(s.name.value);
      else if (s.kind === 'InlineFragment') visit(s.selectionSet);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const f = fragments.get(s.name.value);
        if (f) visit(f);
      }
    }
  };
  visit(operation.selectionSet);
  return [...fields];
}

/** The first root field the role may not use, with the role it needs; null when all are allowed. */
export function firstForbidden(document: DocumentNode, operation: OperationDefinitionNode, role: Role): { field: string; needed: Role } | null {
  for (const field of rootFields(document, operation)) {
    if (field.startsWith('__')) continue;
    const needed = requiredRole(operation.operation, field);
    if (!roleAtLeast(role, needed)) return { field, needed };
  }
  return null;
}
