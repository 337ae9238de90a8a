import { effectiveAgents, TEMPLATE_TENANT } from '../agents/tenant-agents.ts';
import { AgentEntity } from '../db/entities.ts';
import { NotFoundError } from '../errors.ts';
import type { AgentPatch } from '../services/types.ts';
import { builder } from './builder.ts';
import { type Context, freshReads } from './context.ts';
import { type AgentRow, agentName } from './loaders.ts';

const AgentPrice = builder.simpleObject('AgentPrice', {
  description: 'USD per million input and output tokens.',
  fields: (t) => ({ input: t.float(), output: t.float() }),
});

export const Agent = builder.objectRef<AgentRow>('Agent').implement({
  description: 'A specialist a task is assigned to, e.g. backend, frontend, qa, devops; orchestrator writes plans.',
  fields: (t) => ({
    name: t.exposeString('name'),
    role: t.exposeString('role'),
    systemPrompt: t.exposeString('systemPrompt'),
    model: t.exposeString('model', { nullable: true, description: 'provider:model; null means the default model.' }),
    temperature: t.exposeFloat('temperature', { nullable: true }),
    maxTokens: t.exposeInt('maxTokens', { nullable: true }),
    active: t.exposeBoolean('active', { description: 'Inactive agents keep their history but cannot take new tasks.' }),
    builtin: t.exposeBoolean('builtin'),
    tools: t.stringList({
      description: 'Tool sets the agent uses in its tasks: `server` (all its tools) or `server/tool`; `workspace` is built in (list_files, read_file, write_file, edit_file).',
      resolve: (a) => a.tools ?? [],
    }),
    price: t.field({
      type: AgentPrice,
      nullable: true,
      description: 'Its own price (USD per million tokens), over MODEL_PRICES and the built-in table; null: theirs.',
      resolve: (a) => (a.price as { input: number; output: number } | null) ?? null,
    }),
  }),
});

const AgentPriceInput = builder.inputType('AgentPriceInput', {
  description: 'USD per million input and output tokens.',
  fields: (t) => ({ input: t.float({ required: true }), output: t.float({ required: true }) }),
});

const CreateAgentInput = builder.inputType('CreateAgentInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: 'Lower-case letters, digits and hyphens; "@" prefix optional.' }),
    role: t.string({ required: true }),
    systemPrompt: t.string(),
    model: t.string({ description: 'provider:model, e.g. openai:gpt-4o-mini.' }),
    temperature: t.float(),
    maxTokens: t.int(),
    tools: t.stringList({ description: '`server` or `server/tool` entries, e.g. ["workspace", "github/create_issue"].' }),
    price: t.field({ type: AgentPriceInput }),
  }),
});

const UpdateAgentInput = builder.inputType('UpdateAgentInput', {
  description: 'Only the fields given change.',
  fields: (t) => ({
    role: t.string(),
    systemPrompt: t.string(),
    model: t.string(),
    temperature: t.float(),
    maxTokens: t.int(),
    tools: t.stringList({ description: 'Replaces the list; null or [] removes every tool.' }),
    price: t.field({ type: AgentPriceInput, description: 'null: the price table decides again.' }),
    active: t.boolean(),
  }),
});

type UpdateArgs = typeof UpdateAgentInput.$inferInput;

/** Absent fields stay as they are; null resets the nullable ones (model, temperature, maxTokens). */
function toPatch(input: UpdateArgs): AgentPatch {
  const patch: AgentPatch = {};
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined || (v === null && ['role', 'systemPrompt', 'active'].includes(k))) continue;
    (patch as Record<string, unknown>)[k] = v;
  }
  return patch;
}

/** Re-reads an agent after a service call wrote it. */
async function reread(ctx: Context, name: string): Promise<AgentRow> {
  freshReads(ctx);
  const row = await ctx.loaders.agent.load(agentName(name));
  if (!row) throw new NotFoundError('Agent', name);
  return row;
}

builder.queryField('agents', (t) =>
  t.field({
    type: [Agent],
    args: { includeInactive: t.arg.boolean({ defaultValue: false }) },
    description: "The caller's tenant's agents: the built-ins (as the tenant edited them) and its own.",
    resolve: async (_root, args, ctx) => {
      const rows = await ctx.em.find(AgentEntity, { tenant: { $in: [ctx.principal.tenant, TEMPLATE_TENANT] } }, { orderBy: { name: 'asc' } });
      return effectiveAgents(rows, ctx.principal.tenant).filter((a) => args.includeInactive || a.active);
    },
  }),
);

builder.mutationFields((t) => ({
  createAgent: t.field({
    type: Agent,
    args: { input: t.arg({ type: CreateAgentInput, required: true }) },
    resolve: async (_root, { input }, ctx) => reread(ctx, await ctx.services.agents.create(ctx.principal.tenant, input)),
  }),
  updateAgent: t.field({
    type: Agent,
    args: { name: t.arg.string({ required: true }), input: t.arg({ type: UpdateAgentInput, required: true }) },
    resolve: async (_root, { name, input }, ctx) => {
      await ctx.services.agents.update(ctx.principal.tenant, agentName(name), toPatch(input));
      return reread(ctx, name);
    },
  }),
  deactivateAgent: t.field({
    type: Agent,
    args: { name: t.arg.string({ required: true }) },
    resolve: async (_root, { name }, ctx) => {
      await ctx.services.agents.deactivate(ctx.principal.tenant, agentName(name));
      return reread(ctx, name);
    },
  }),
}));
