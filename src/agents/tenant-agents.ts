import { BadUserInputError } from '../errors.ts';

/**
 * The tenant that holds the built-in agents' templates. Not a tenant anyone acts as: a tenant
 * reads a template until it edits that agent, and the edit goes to its own copy.
 */
export const TEMPLATE_TENANT = '*';

/** An agent row as stored (snake_case from SQL or camelCase from the ORM): what picking needs. */
export type AgentRow = { tenant: string; name: string } & Record<string, unknown>;

/**
 * The agents a tenant sees, from its own rows and the templates: its own row of a name wins over
 * the template of that name. Keeps the order of `rows`.
 */
export function effectiveAgents<R extends AgentRow>(rows: readonly R[], tenant: string): R[] {
  const own = new Set(rows.filter((r) => r.tenant === tenant).map((r) => r.name));
  return rows.filter((r) => r.tenant === tenant || (r.tenant === TEMPLATE_TENANT && !own.has(r.name)));
}

/** The tenant an agent is written in; never the templates' (they change only with Baton itself). */
export function ownTenant(tenant: string): string {
  if (tenant === TEMPLATE_TENANT) throw new BadUserInputError(`tenant ${JSON.stringify(TEMPLATE_TENANT)} is reserved for the built-in agents' templates`, { tenant });
  return tenant;
}
