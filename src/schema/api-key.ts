import type { ApiKeyRecord } from '../auth/keys.ts';
import type { Role } from '../auth/principal.ts';
import { builder, DateTime } from './builder.ts';

/** Who may use each field is decided in one place, src/auth/roles.ts (these are admin only), not here. */
export const RoleEnum = builder.enumType('Role', {
  description: 'VIEWER: queries and subscriptions. OPERATOR: also plan, create, start, cancel, retry and delete workflows. ADMIN: also agents and API keys.',
  values: { VIEWER: { value: 'viewer' }, OPERATOR: { value: 'operator' }, ADMIN: { value: 'admin' } } as const,
});

export const ApiKey = builder.objectRef<ApiKeyRecord>('ApiKey').implement({
  description: "An API key of the caller's tenant. The key itself is shown once, when created; only its hash is stored.",
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name', { nullable: true }),
    role: t.field({ type: RoleEnum, resolve: (k) => k.role }),
    createdAt: t.field({ type: DateTime, resolve: (k) => k.createdAt }),
    lastUsedAt: t.field({ type: DateTime, nullable: true, description: 'Updated at most every 30 seconds.', resolve: (k) => k.lastUsedAt }),
    revokedAt: t.field({ type: DateTime, nullable: true, resolve: (k) => k.revokedAt }),
  }),
});

const CreatedApiKey = builder.simpleObject('CreatedApiKey', {
  fields: (t) => ({
    key: t.string({ description: 'The key, e.g. baton_…: send it as "Authorization: Bearer <key>". Shown only this once.' }),
    apiKey: t.field({ type: ApiKey }),
  }),
});

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  fields: (t) => ({
    role: t.field({ type: RoleEnum, required: true }),
    name: t.string({ description: 'A label, e.g. who or what uses the key (up to 200 characters).' }),
  }),
});

const Principal = builder.simpleObject('Principal', {
  description: 'The caller: with AUTH=off, an admin of tenant "default" without a key.',
  fields: (t) => ({
    tenant: t.string(),
    role: t.field({ type: RoleEnum }),
    keyName: t.string({ nullable: true }),
  }),
});

builder.queryFields((t) => ({
  me: t.field({
    type: Principal,
    resolve: (_root, _args, ctx) => ({ tenant: ctx.principal.tenant, role: ctx.principal.role, keyName: ctx.principal.keyName }),
  }),
  apiKeys: t.field({
    type: [ApiKey],
    description: "The keys of the caller's tenant, newest first, revoked ones included.",
    resolve: (_root, _args, ctx) => ctx.services.keys.list(ctx.principal.tenant),
  }),
}));

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreatedApiKey,
    description: "A new key in the caller's tenant.",
    args: { input: t.arg({ type: CreateApiKeyInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { key, record } = await ctx.services.keys.create(ctx.principal.tenant, input.role as Role, input.name);
      return { key, apiKey: record };
    },
  }),
  revokeApiKey: t.field({
    type: ApiKey,
    description: "Revokes a key of the caller's tenant at once: requests with it get UNAUTHENTICATED, its open sockets close within seconds.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.services.keys.revoke(String(id), ctx.principal.tenant),
  }),
}));
