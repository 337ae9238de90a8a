import { describe, expect, it } from 'vitest';
import { effectiveAgents, ownTenant, TEMPLATE_TENANT } from '../../src/agents/tenant-agents.ts';

const row = (tenant: string, name: string, role = `${name} of ${tenant}`) => ({ tenant, name, role });

describe('effectiveAgents', () => {
  it("keeps the tenant's own rows and the templates it has no copy of, in the given order", () => {
    const rows = [row(TEMPLATE_TENANT, 'backend'), row('b', 'backend'), row(TEMPLATE_TENANT, 'qa'), row('a', 'qa'), row('b', 'seo'), row('a', 'seo')];
    expect(effectiveAgents(rows, 'a')).toEqual([row(TEMPLATE_TENANT, 'backend'), row('a', 'qa'), row('a', 'seo')]);
    expect(effectiveAgents(rows, 'b')).toEqual([row('b', 'backend'), row(TEMPLATE_TENANT, 'qa'), row('b', 'seo')]);
    expect(effectiveAgents(rows, 'c')).toEqual([row(TEMPLATE_TENANT, 'backend'), row(TEMPLATE_TENANT, 'qa')]);
  });

  it('the templates are no tenant to write in', () => {
    expect(ownTenant('a')).toBe('a');
    expect(() => ownTenant(TEMPLATE_TENANT)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });
});
