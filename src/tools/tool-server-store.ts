import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../db/orm.ts';
import { fromJson, num, toJson } from '../db/sql.ts';
import { BadUserInputError, ConflictError, NotFoundError } from '../errors.ts';
import { parseInput, storableString } from '../validate.ts';
import { WORKSPACE_SERVER } from './workspace-tools.ts';

export type ToolTransport = 'STDIO' | 'HTTP';

/** A tool server as clients see it: env values never leave the store (only their names). */
export interface ToolServerRecord {
  id: string;
  name: string;
  transport: ToolTransport;
  command: string | null;
  args: string[];
  envKeys: string[];
  url: string | null;
  timeoutMs: number;
  createdAt: number;
  updatedAt: number;
}

/** What the process that connects needs, env included. Never handed to GraphQL. */
export interface ToolServerConnection extends ToolServerRecord {
  env: Record<string, string>;
}

export interface ToolServerInput {
  name: string;
  transport: ToolTransport;
  command?: string | null;
  args?: string[] | null;
  env?: Record<string, string> | null;
  url?: string | null;
  timeoutMs?: number | null;
}
export type ToolServerPatch = Partial<Omit<ToolServerInput, 'name'>>;

const text = (max: number) => storableString().max(max);
const fields = {
  transport: z.enum(['STDIO', 'HTTP']),
  command: z
    .string()
    .regex(/^[\w.+-]{1,200}$/, 'an executable name on TOOL_COMMANDS (a name, not a path)')
    .nullish(),
  args: z.array(text(1000)).max(50, 'at most 50 arguments').nullish(),
  env: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'variable names of letters, digits and _'), text(4000))
    .refine((e) => Object.keys(e).length <= 50, 'at most 50 variables')
    .nullish(),
  url: z
    .string()
    .max(2000)
    .refine((v) => /^https?:$/.test(safeProtocol(v)), 'an http:// or https:// URL')
    .nullish(),
  timeoutMs: z.number().int().min(100).max(600_000).nullish(),
};
const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, - and _ (up to 64)')
  .refine((n) => n !== WORKSPACE_SERVER, `"${WORKSPACE_SERVER}" is the built-in tool set`);
const createSchema = z.object({ name, ...fields });
const patchSchema = z.object({ ...fields, transport: fields.transport.nullish() });

function safeProtocol(v: string): string {
  try {
    return new URL(v).protocol;
  } catch {
    return '';
  }
}

const toConnection = (r: Record<string, unknown>): ToolServerConnection => {
  const env = fromJson<Record<string, string>>(r.env) ?? {};
  return {
    id: r.id as string,
    name: r.name as string,
    transport: r.transport as ToolTransport,
    command: (r.command as string | null) ?? null,
    args: fromJson<string[]>(r.args) ?? [],
    env,
    envKeys: Object.keys(env).sort(),
    url: (r.url as string | null) ?? null,
    timeoutMs: num(r.timeout_ms),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
};

/** The record without env values: the only shape that leaves this module for clients. */
export const publicRecord = ({ env: _env, ...r }: ToolServerConnection): ToolServerRecord => r;

/** Pure: the shape rules of one transport, and the TOOL_COMMANDS allowlist. */
export function checkServerShape(s: { transport: ToolTransport; command: string | null; url: string | null }, allowed: readonly string[]): void {
  if (s.transport === 'STDIO') {
    if (!s.command) throw new BadUserInputError('input.command: a STDIO tool server needs a command', { field: 'command' });
    if (!allowed.includes(s.command)) {
      throw new BadUserInputError(`input.command: "${s.command}" is not on the TOOL_COMMANDS allowlist`, { field: 'command', reason: 'COMMAND_NOT_ALLOWED' });
    }
  } else if (!s.url) {
    throw new BadUserInputError('input.url: an HTTP tool server needs a url', { field: 'url' });
  }
}

/** Tool servers are data, per tenant (admin only, see auth/roles.ts). */
export function createToolServerStore(db: Db, opts: { now: () => number; allowedCommands: readonly string[]; defaultTimeoutMs: number }) {
  const table = () => db.knex('tool_servers');
  const get = async (tenant: string, serverName: string) => {
    const row = await table().where({ tenant, name: serverName }).first();
    return row ? toConnection(row) : null;
  };
  return {
    /** With env: for the process that connects. */
    get,
    async list(tenant: string): Promise<ToolServerRecord[]> {
      return (await table().where({ tenant }).orderBy('name').select('*')).map((r) => publicRecord(toConnection(r)));
    },
    async create(tenant: string, input: ToolServerInput): Promise<ToolServerRecord> {
      const i = parseInput(createSchema, input);
      const shape = { transport: i.transport, command: i.transport === 'STDIO' ? (i.command ?? null) : null, url: i.transport === 'HTTP' ? (i.url ?? null) : null };
      checkServerShape(shape, opts.allowedCommands);
      const at = opts.now();
      const row = {
        id: randomUUID(),
        tenant,
        name: i.name,
        ...shape,
        args: toJson(i.args ?? []),
        env: toJson(i.env ?? {}),
        timeout_ms: i.timeoutMs ?? opts.defaultTimeoutMs,
        created_at: at,
        updated_at: at,
      };
      const inserted = await table().insert(row).onConflict(['tenant', 'name']).ignore().returning('id');
      if (inserted.length === 0) throw new ConflictError(`tool server ${i.name} already exists`, { name: i.name });
      return publicRecord(toConnection(row));
    },
    async update(tenant: string, serverName: string, patch: ToolServerPatch): Promise<ToolServerRecord> {
      const p = parseInput(patchSchema, patch);
      const current = await get(tenant, serverName);
      if (!current) throw new NotFoundError('ToolServer', serverName);
      const transport = p.transport ?? current.transport;
      const shape = {
        transport,
        command: transport === 'STDIO' ? (p.command === undefined ? current.command : p.command) : null,
        url: transport === 'HTTP' ? (p.url === undefined ? current.url : p.url) : null,
      };
      checkServerShape(shape, opts.allowedCommands);
      const cols: Record<string, unknown> = { ...shape, updated_at: Math.max(opts.now(), current.updatedAt + 1) };
      if (p.args !== undefined) cols.args = toJson(p.args ?? []);
      if (p.env !== undefined) cols.env = toJson(p.env ?? {});
      if (p.timeoutMs !== undefined) cols.timeout_ms = p.timeoutMs ?? opts.defaultTimeoutMs;
      await table().where({ tenant, name: serverName }).update(cols);
      return publicRecord((await get(tenant, serverName))!);
    },
    async remove(tenant: string, serverName: string): Promise<ToolServerRecord> {
      const current = await get(tenant, serverName);
      if (!current) throw new NotFoundError('ToolServer', serverName);
      await table().where({ tenant, name: serverName }).delete();
      return publicRecord(current);
    },
  };
}

export type ToolServerStore = ReturnType<typeof createToolServerStore>;
