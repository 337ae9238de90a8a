import type { ToolServerRecord } from '../tools/tool-server-store.ts';
import { builder, DateTime } from './builder.ts';

/** Who may use these fields is decided in src/auth/roles.ts (admin only), not here. */
const TransportEnum = builder.enumType('ToolTransport', {
  description: 'STDIO: Baton starts the command (on TOOL_COMMANDS) and talks MCP over its stdin/stdout. HTTP: MCP Streamable HTTP at url.',
  values: ['STDIO', 'HTTP'] as const,
});

const ToolServer = builder.objectRef<ToolServerRecord>('ToolServer').implement({
  description: 'An MCP server whose tools agents of this tenant may use (Agent.tools: "name" or "name/tool"). Env values are never returned.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    transport: t.field({ type: TransportEnum, resolve: (s) => s.transport }),
    command: t.exposeString('command', { nullable: true }),
    args: t.exposeStringList('args'),
    envKeys: t.exposeStringList('envKeys', { description: 'Names of the environment variables set for the server (their values are write-only).' }),
    url: t.exposeString('url', { nullable: true }),
    timeoutMs: t.exposeInt('timeoutMs', { description: 'Timeout of one tool call, and of connecting.' }),
    createdAt: t.field({ type: DateTime, resolve: (s) => s.createdAt }),
    updatedAt: t.field({ type: DateTime, resolve: (s) => s.updatedAt }),
  }),
});

const EnvVar = builder.inputType('ToolServerEnvInput', {
  fields: (t) => ({ name: t.string({ required: true }), value: t.string({ required: true }) }),
});

const CreateToolServerInput = builder.inputType('CreateToolServerInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: 'Lower-case letters, digits, - and _; "workspace" is the built-in tool set.' }),
    transport: t.field({ type: TransportEnum, required: true }),
    command: t.string({ description: 'STDIO: an executable name on TOOL_COMMANDS, e.g. npx.' }),
    args: t.stringList(),
    env: t.field({ type: [EnvVar], description: 'Stored for the server process; never returned.' }),
    url: t.string({ description: 'HTTP: the MCP endpoint, http:// or https://.' }),
    timeoutMs: t.int({ description: 'Default TOOL_TIMEOUT_MS.' }),
  }),
});

const UpdateToolServerInput = builder.inputType('UpdateToolServerInput', {
  description: 'Only the fields given change; env, when given, replaces every variable.',
  fields: (t) => ({
    transport: t.field({ type: TransportEnum }),
    command: t.string(),
    args: t.stringList(),
    env: t.field({ type: [EnvVar] }),
    url: t.string(),
    timeoutMs: t.int(),
  }),
});

type EnvList = Array<{ name: string; value: string }> | null | undefined;
const envRecord = (env: EnvList) => (env == null ? env : Object.fromEntries(env.map((e) => [e.name, e.value])));

/** Absent fields stay as they are (undefined); the rest go to the store, which validates them. */
function toInput<T extends { env?: EnvList }>(input: T) {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (v !== undefined) out[k] = k === 'env' ? envRecord(v as EnvList) : v;
  return out;
}

builder.queryField('toolServers', (t) =>
  t.field({
    type: [ToolServer],
    description: "The caller's tenant's tool servers, by name.",
    resolve: (_root, _args, ctx) => ctx.services.toolServers.list(ctx.principal.tenant),
  }),
);

builder.mutationFields((t) => ({
  createToolServer: t.field({
    type: ToolServer,
    args: { input: t.arg({ type: CreateToolServerInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.services.toolServers.create(ctx.principal.tenant, toInput(input) as never),
  }),
  updateToolServer: t.field({
    type: ToolServer,
    args: { name: t.arg.string({ required: true }), input: t.arg({ type: UpdateToolServerInput, required: true }) },
    resolve: (_root, { name, input }, ctx) => ctx.services.toolServers.update(ctx.principal.tenant, name, toInput(input)),
  }),
  deleteToolServer: t.field({
    type: ToolServer,
    description: 'Removes the server; agents that name it fail their next task until their tools change.',
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, { name }, ctx) => ctx.services.toolServers.remove(ctx.principal.tenant, name),
  }),
}));
