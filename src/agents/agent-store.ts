import { z } from 'zod';
import type { Db } from '../db/orm.ts';
import { fromJson, num, toJson } from '../db/sql.ts';
import { ConflictError, InvalidStateError, NotFoundError } from '../errors.ts';
import { parseInput, storableString } from '../validate.ts';
import { BUILTIN_AGENTS } from './builtins.ts';
import { MODEL_FORMAT, parseModel } from './providers.ts';
import { type AgentRow, effectiveAgents, ownTenant, TEMPLATE_TENANT } from './tenant-agents.ts';
import { normalizeAgentName } from './name.ts';

export interface AgentRecord {
  name: string;
  role: string;
  systemPrompt: string;
  model: string | null;
  temperature: number | null;
  maxTokens: number | null;
  active: boolean;
  builtin: boolean;
  /** Tool sets: `server` (all its tools) or `server/tool`; `workspace` is built in. */
  tools: string[];
  /** Its own price in USD per million tokens (over the price table's), or null. */
  price: { input: number; output: number } | null;
}

const name = z.string().regex(/^@?[a-z0-9][a-z0-9_-]{0,63}$/i, 'letters, digits, - and _ (up to 64), optionally after @');
const fields = {
  role: storableString().trim().min(1, 'a role').max(200),
  systemPrompt: storableString().max(20_000).nullish(),
  // A known provider and a model name: an agent's model is checked when it is set, not at its first task.
  model: z
    .string()
    .max(220, 'a model of at most 220 characters')
    .refine((m) => parseModel(m).ok, { error: (i) => modelRule(String(i.input)) })
    .nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  maxTokens: z.number().int().min(1).max(200_000).nullish(),
  tools: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}(\/[A-Za-z0-9_.-]{1,128})?$/, '`server` or `server/tool` (server: lower-case letters, digits, - and _)'))
    .max(32, 'at most 32 tool entries')
    .nullish(),
  price: z
    .object({ input: z.number().finite().min(0).max(10_000), output: z.number().finite().min(0).max(10_000) })
    .strict()
    .nullish(),
};
const modelRule = (m: string) => {
  const r = parseModel(m);
  return r.ok ? MODEL_FORMAT : `${MODEL_FORMAT}; ${r.reason}`;
};
const createSchema = z.object({ name, ...fields });
const patchSchema = z.object({ ...fields, role: fields.role.optional(), active: z.boolean().nullish() });

/** An agent as a client creates it (the GraphQL input). */
export interface AgentInput {
  name: string;
  role: string;
  systemPrompt?: string | null;
  model?: string | null;
  temperature?: number | null;
  maxTokens?: number | null;
  /** `server` or `server/tool` entries; `workspace` is the built-in tool set. */
  tools?: string[] | null;
  /** USD per million input and output tokens for this agent's calls (over MODEL_PRICES and the built-in table). */
  price?: { input: number; output: number } | null;
}

export type AgentPatch = Partial<Omit<AgentInput, 'name'>> & { active?: boolean | null };

export { normalizeAgentName };

const toRecord = (r: Record<string, unknown>): AgentRecord => ({
  name: r.name as string,
  role: r.role as string,
  systemPrompt: r.system_prompt as string,
  model: (r.model as string | null) ?? null,
  temperature: r.temperature == null ? null : Number(r.temperature),
  maxTokens: r.max_tokens == null ? null : num(r.max_tokens),
  active: Boolean(r.active),
  builtin: Boolean(r.builtin),
  tools: r.tools == null ? [] : fromJson<string[]>(r.tools),
  price: r.price == null ? null : fromJson<{ input: number; output: number }>(r.price),
});

/** Cache keys: one per tenant and agent name. */
const cacheKey = (tenant: string, name: string) => `${tenant}\u0000${name}`;

/**
 * Agents are data, per tenant: the built-ins are stored once as templates (tenant `*`) that every
 * tenant reads until it edits one, which copies it into the tenant (see effectiveAgents). Changed
 * by mutations, read at planning and at every task.
 */
export function createAgentStore(db: Db, now: () => number) {
  const table = () => db.knex('agents');
  /** Rows a tenant sees: its own and the templates (effectiveAgents picks between them). */
  const visible = (tenants: string[]) => table().whereIn('tenant', [...new Set([...tenants, TEMPLATE_TENANT])]);
  // Every task reads its agent, through this cache (see getCached).
  const cache = new Map<string, { at: number; record: AgentRecord | null }>();
  const CACHE_MS = 1000;
  const STALE_MS = 5000;
  /** Agents used this recently are re-read in the background every CACHE_MS. */
  const KEEP_MS = 60_000;
  const reading = new Map<string, Promise<AgentRecord | null>>();
  const lastUse = new Map<string, { tenant: string; name: string; at: number }>();
  /** Bumped by this process's edits: a read begun before one does not overwrite it. */
  let edits = 0;
  let warm: NodeJS.Timeout | undefined;
  const cacheFrom = (key: string, record: AgentRecord | null, since: number) => {
    if (edits === since) cache.set(key, { at: now(), record });
  };
  const edited = (key: string) => {
    edits++;
    cache.delete(key);
  };
  async function refreshUsed() {
    const t = now();
    for (const [k, used] of lastUse) if (t - used.at >= KEEP_MS) lastUse.delete(k);
    if (lastUse.size === 0) {
      clearInterval(warm);
      warm = undefined;
      return;
    }
    const since = edits;
    const used = [...lastUse.entries()];
    const rows = await visible(used.map(([, u]) => u.tenant))
      .whereIn('name', [...new Set(used.map(([, u]) => u.name))])
      .select('*');
    const byTenant = new Map<string, Map<string, AgentRecord>>();
    for (const [, u] of used) {
      if (!byTenant.has(u.tenant)) byTenant.set(u.tenant, new Map(effectiveAgents(rows as AgentRow[], u.tenant).map((r) => [r.name as string, toRecord(r)])));
    }
    for (const [k, u] of used) cacheFrom(k, byTenant.get(u.tenant)!.get(u.name) ?? null, since);
  }
  async function read(tenant: string, agentName: string): Promise<AgentRecord | null> {
    const rows = await visible([tenant]).where({ name: agentName }).select('*');
    const [row] = effectiveAgents(rows as AgentRow[], tenant);
    return row ? toRecord(row) : null;
  }
  return {
    /** Inserts the built-in templates that are missing; never overwrites one. Safe to run concurrently. */
    async seed() {
      const at = now();
      // Conflict-safe: another process may seed the same agents at the same moment.
      await table()
        .insert(
          BUILTIN_AGENTS.map((a) => ({
            tenant: TEMPLATE_TENANT,
            name: a.name,
            role: a.role,
            system_prompt: a.systemPrompt,
            active: true,
            builtin: true,
            tools: toJson(['workspace']),
            created_at: at,
            updated_at: at,
          })),
        )
        .onConflict(['tenant', 'name'])
        .ignore();
    },
    /** The built-in templates as stored, by name, with when each last changed (what seeding must leave alone). */
    async templates(): Promise<Array<AgentRecord & { updatedAt: number }>> {
      const rows = (await table().where({ tenant: TEMPLATE_TENANT }).orderBy('name').select('*')) as AgentRow[];
      return rows.map((r) => ({ ...toRecord(r), updatedAt: num((r as AgentRow & { updated_at: unknown }).updated_at) }));
    },
    /** How many agent rows are stored, templates and every tenant's copies: what a test checks was not written. */
    async count(): Promise<number> {
      return num((await table().count({ n: '*' }))[0]!.n);
    },
    /** The tenant's agents (its copies before the templates), by creation then name. */
    async list(tenant: string, includeInactive = false): Promise<AgentRecord[]> {
      const rows = effectiveAgents((await visible([tenant]).orderBy('created_at').orderBy('name').select('*')) as AgentRow[], tenant);
      return rows.map(toRecord).filter((a) => includeInactive || a.active);
    },
    get(tenant: string, agentName: string): Promise<AgentRecord | null> {
      return read(tenant, normalizeAgentName(agentName));
    },
    /**
     * get() through a cache, off the path of a task's start: a copy under a second old is used as
     * it is; one under five seconds old is used while a fresh one is read in the background; an
     * older one is read again first. Agents used in the last minute are re-read together in the
     * background every second, so their tasks do not wait for a read. This process's own edits
     * show at once; edits made elsewhere reach the tasks of an agent in use within about a second,
     * of any agent within five.
     */
    async getCached(tenant: string, agentName: string): Promise<AgentRecord | null> {
      const name = normalizeAgentName(agentName);
      const key = cacheKey(tenant, name);
      lastUse.set(key, { tenant, name, at: now() });
      if (!warm) {
        warm = setInterval(() => void refreshUsed().catch(() => {}), CACHE_MS); // a failed read leaves the copy as it was
        warm.unref();
      }
      const hit = cache.get(key);
      const age = hit ? now() - hit.at : Infinity;
      if (hit && age < CACHE_MS) return hit.record;
      const fetch = () => {
        let r = reading.get(key);
        if (!r) {
          const since = edits;
          r = read(tenant, name)
            .then((record) => {
              cacheFrom(key, record, since);
              return record;
            })
            .finally(() => reading.delete(key));
          reading.set(key, r);
        }
        return r;
      };
      if (hit && age < STALE_MS) {
        fetch().catch(() => {}); // kept stale until the next read succeeds
        return hit.record;
      }
      return fetch();
    },
    async activeNames(tenant: string): Promise<Set<string>> {
      return new Set((await this.list(tenant)).map((a) => a.name));
    },
    async create(tenant: string, input: AgentInput): Promise<string> {
      const a = parseInput(createSchema, input);
      const own = ownTenant(tenant);
      const key = normalizeAgentName(a.name);
      if (await this.get(own, key)) throw new ConflictError(`agent @${key} already exists`, { name: key });
      const at = now();
      const inserted = await table()
        .insert({
          tenant: own,
          name: key,
          role: a.role,
          system_prompt: a.systemPrompt ?? `You are ${a.role}. Answer with the complete deliverable for your task.`,
          model: a.model ?? null,
          temperature: a.temperature ?? null,
          max_tokens: a.maxTokens ?? null,
          tools: a.tools ? toJson([...new Set(a.tools)]) : null,
          price: a.price ? toJson(a.price) : null,
          active: true,
          builtin: false,
          created_at: at,
          updated_at: at,
        })
        .onConflict(['tenant', 'name'])
        .ignore()
        .returning('name');
      // Created by a concurrent request meanwhile.
      if (inserted.length === 0) throw new ConflictError(`agent @${key} already exists`, { name: key });
      edited(cacheKey(own, key));
      return key;
    },
    /** Changes the tenant's agent; a built-in is first copied from its template, so other tenants keep theirs. */
    async update(tenant: string, agentName: string, patch: AgentPatch): Promise<void> {
      const p = parseInput(patchSchema, patch);
      const own = ownTenant(tenant);
      const key = normalizeAgentName(agentName);
      const current = await this.get(own, key);
      if (!current) throw new NotFoundError('Agent', agentName);
      if (key === 'orchestrator' && p.active === false) throw new InvalidStateError('the orchestrator cannot be deactivated');
      // The template's copy, as created (it keeps its place in lists); a no-op when the tenant has
      // its own row already, e.g. from a concurrent edit. Then the change.
      const columns = 'name, role, system_prompt, model, temperature, max_tokens, active, builtin, tools, price, created_at, updated_at';
      await db.knex.raw(`INSERT INTO agents (tenant, ${columns}) SELECT ?, ${columns} FROM agents WHERE tenant = ? AND name = ? ON CONFLICT (tenant, name) DO NOTHING`, [
        own,
        TEMPLATE_TENANT,
        key,
      ]);
      const cols: Record<string, unknown> = { updated_at: now() };
      if (p.role !== undefined) cols.role = p.role;
      if (p.systemPrompt != null) cols.system_prompt = p.systemPrompt;
      if (p.model !== undefined) cols.model = p.model;
      if (p.temperature !== undefined) cols.temperature = p.temperature;
      if (p.maxTokens !== undefined) cols.max_tokens = p.maxTokens;
      if (p.active != null) cols.active = p.active;
      if (p.tools !== undefined) cols.tools = p.tools === null ? null : toJson([...new Set(p.tools)]);
      if (p.price !== undefined) cols.price = p.price === null ? null : toJson(p.price);
      await table().where({ tenant: own, name: key }).update(cols);
      edited(cacheKey(own, key));
    },
    async deactivate(tenant: string, agentName: string): Promise<void> {
      await this.update(tenant, agentName, { active: false });
    },
    /** Stops the background re-reads. */
    close() {
      clearInterval(warm);
      warm = undefined;
      lastUse.clear();
    },
  };
}

export type AgentStore = ReturnType<typeof createAgentStore>;
