import { parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { bearerKey } from '../../src/auth/authenticate.ts';
import { parseKeysArgs } from '../../src/auth/keys-args.ts';
import { createRevocationWatch } from '../../src/auth/revocation-watch.ts';
import { FIELD_ROLES, firstForbidden, requiredRole, rootFields } from '../../src/auth/roles.ts';
import { buildSchema } from '../../src/schema/index.ts';

const op = (src: string) => {
  const document = parse(src);
  return { document, operation: document.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode };
};

describe('the role table', () => {
  it('defaults: queries and subscriptions viewer, mutations operator; agents and keys admin', () => {
    expect(requiredRole('query', 'workflows')).toBe('viewer');
    expect(requiredRole('subscription', 'workflowEvents')).toBe('viewer');
    for (const m of ['planWorkflow', 'createWorkflow', 'startWorkflow', 'cancelWorkflow', 'retryWorkflow', 'deleteWorkflow', 'someFutureSteering']) {
      expect(requiredRole('mutation', m)).toBe('operator');
    }
    for (const m of ['createAgent', 'updateAgent', 'deactivateAgent', 'createApiKey', 'revokeApiKey']) expect(requiredRole('mutation', m)).toBe('admin');
    expect(requiredRole('query', 'apiKeys')).toBe('admin');
  });

  it('lists only fields that exist in the schema', () => {
    const schema = buildSchema();
    for (const entry of Object.keys(FIELD_ROLES)) {
      const [type, field] = entry.split('.') as [string, string];
      const root = type === 'Query' ? schema.getQueryType() : type === 'Mutation' ? schema.getMutationType() : schema.getSubscriptionType();
      expect(root?.getFields()[field], entry).toBeDefined();
    }
  });

  it('finds root fields through fragments and inline fragments, and the first one above the role', () => {
    const { document, operation } = op(`mutation { startWorkflow(id: "x") { id } ...F ... on Mutation { deleteWorkflow(id: "y") { id } } }
      fragment F on Mutation { ...G createAgent(input: {name: "a", role: "b"}) { name } } fragment G on Mutation { ...F }`);
    expect(rootFields(document, operation).sort()).toEqual(['createAgent', 'deleteWorkflow', 'startWorkflow']);
    expect(firstForbidden(document, operation, 'viewer')).toEqual({ field: 'startWorkflow', needed: 'operator' });
    expect(firstForbidden(document, operation, 'operator')).toEqual({ field: 'createAgent', needed: 'admin' });
    expect(firstForbidden(document, operation, 'admin')).toBeNull();
    const q = op('{ __typename me { role } workflows(first: 1) { edges { cursor } } }');
    expect(firstForbidden(q.document, q.operation, 'viewer')).toBeNull();
  });
});

describe('reading keys and arguments', () => {
  it('takes the key from "Bearer <key>" only', () => {
    expect(bearerKey('Bearer baton_abc')).toBe('baton_abc');
    expect(bearerKey('bearer   baton_abc ')).toBe('baton_abc');
    for (const v of [undefined, null, '', 'baton_abc', 'Basic baton_abc', 'Bearer a b', 42]) expect(bearerKey(v)).toBeNull();
  });

  it('parses the CLI arguments, or null for the usage line', () => {
    expect(parseKeysArgs(['create', '--tenant', 'acme', '--role', 'viewer'])).toEqual({ command: 'create', tenant: 'acme', role: 'viewer', name: null });
    expect(parseKeysArgs(['create', '--role', 'admin', '--name', 'x y', '--tenant', 'acme'])).toEqual({ command: 'create', tenant: 'acme', role: 'admin', name: 'x y' });
    expect(parseKeysArgs(['list', '--tenant', 'acme'])).toEqual({ command: 'list', tenant: 'acme' });
    expect(parseKeysArgs(['revoke', 'abc'])).toEqual({ command: 'revoke', id: 'abc' });
    for (const bad of [
      [],
      ['create'],
      ['create', '--tenant', 'a', '--role', 'root'],
      ['create', '--tenant', 'a', '--role', 'viewer', '--tenant', 'b'],
      ['create', '--tenant', '--role', 'viewer'],
      ['create', '--tenant', 'a', '--role', 'viewer', 'extra'],
      ['list', '--name', 'x'],
      ['revoke'],
      ['revoke', 'a', 'b'],
      ['help'],
    ]) {
      expect(parseKeysArgs(bad), bad.join(' ')).toBeNull();
    }
  });
});

describe('the revocation watch', () => {
  it('checks the watched keys together, calls back once per revoked key, and stops when nothing is watched', async () => {
    const asked: string[][] = [];
    const revoked = new Set<string>();
    const w = createRevocationWatch({ intervalMs: 10, revokedAmong: async (ids) => (asked.push([...ids].sort()), new Set(ids.filter((i) => revoked.has(i)))) });
    const calls: string[] = [];
    const stopA = w.watch('a', () => calls.push('a1'));
    w.watch('a', () => calls.push('a2'));
    w.watch('b', () => calls.push('b'));
    await w.check();
    expect(asked.at(-1)).toEqual(['a', 'b']);
    expect(calls).toEqual([]);
    stopA();
    revoked.add('a');
    await w.check();
    expect(calls).toEqual(['a2']);
    await w.check();
    expect(calls).toEqual(['a2']);
    expect(asked.at(-1)).toEqual(['b']);
    w.close();
  });
});
