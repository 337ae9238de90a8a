import { z } from 'zod';
import type { Db } from '../db/orm.ts';
import { num } from '../db/sql.ts';
import { ConflictError, InvalidStateError, NotFoundError } from '../errors.ts';
import { parseInput } from '../services/validate.ts';
import type { AgentInput, AgentPatch } from '../services/types.ts';
import { BUILTIN_AGENTS } from './builtins.ts';

export interface AgentRecord {
  name: string;
  role: string;
  systemPrompt: string;
  model: string | null;
  temperature: number | null;
  maxTokens: number | null;
  active: boolean;
  builtin: boolean;
}

const name = z.string().regex(/^@?[a-z0-9][a-z0-9_-]{0,63}$/i, 'letters, digits, - and _ (up to 64), optionally after @');
const fields = {
  role: z.string().trim().min(1, 'a role').max(200),
  systemPrompt: z.string().max(20_000).nullish(),
  model: z.string().regex(/^(offline|[a-z][a-z0-9-]*:.+)$/, 'offline or provider:model').max(200).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  maxTokens: z.number().int().min(1).max(200_000).nullish(),
};
const createSchema = z.object({ name, ...fields });
const patchSchema = z.object({ ...fields, role: fields.role.optional(), active: z.boolean().nullish() });

export const normalizeAgentName = (n: string) => n.trim().replace(/^@/, '').toLowerCase();

const toRecord = (r: Record<string, unknown>): AgentRecord => ({
  name: r.name as string,
  role: r.role as string,
  systemPrompt: r.system_prompt as string,
  model: (r.model as string | null) ?? null,
  temperature: r.temperature == null ? null : Number(r.temperature),
  maxTokens: r.max_tokens == null ? null : num(r.max_tokens),
  active: Boolean(r.active),
  builtin: Boolean(r.builtin),
});

/** Agents are data: seeded with the built-ins, changed by mutations, read at planning and at every task. */
export function createAgentStore(db: Db, now: () => number) {
  const table = () => db.knex('agents');
  // Every task reads its agent, through this cache (see getCached).
  const cache = new Map<string, { at: number; record: AgentRecord | null }>();
  const CACHE_MS = 1000;
  const STALE_MS = 5000;
  /** Agents used this recently are re-read in the background every CACHE_MS. */
  const KEEP_MS = 60_000;
  const reading = new Map<string, Promise<AgentRecord | null>>();
  const lastUse = new Map<string, number>();
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
    for (const [k, used] of lastUse) if (t - used >= KEEP_MS) lastUse.delete(k);
    if (lastUse.size === 0) {
      clearInterval(warm);
      warm = undefined;
      return;
    }
    const since = edits;
    const keys = [...lastUse.keys()];
    const rows = await table().whereIn('name', keys).select('*');
    const byName = new Map(rows.map((r) => [r.name as string, toRecord(r)]));
    for (const k of keys) cacheFrom(k, byName.get(k) ?? null, since);
  }
  return {
    /** Inserts the built-ins that are missing; never overwrites an edited agent. */
    async seed() {
      const have = new Set((await table().select('name')).map((r) => r.name as string));
      const missing = BUILTIN_AGENTS.filter((a) => !have.has(a.name));
      if (missing.length === 0) return;
      const at = now();
      // Conflict-safe: another process may seed the same agents at the same moment.
      await table()
        .insert(missing.map((a) => ({ name: a.name, role: a.role, system_prompt: a.systemPrompt, active: true, builtin: true, created_at: at, updated_at: at })))
        .onConflict('name')
        .ignore();
    },
    async list(includeInactive = false): Promise<AgentRecord[]> {
      const q = table().orderBy('created_at').orderBy('name');
      if (!includeInactive) q.where({ active: true });
      return (await q.select('*')).map(toRecord);
    },
    async get(agentName: string): Promise<AgentRecord | null> {
      const row = await table().where({ name: normalizeAgentName(agentName) }).first('*');
      return row ? toRecord(row) : null;
    },
    /**
     * get() through a cache, off the path of a task's start: a copy under a second old is used as
     * it is; one under five seconds old is used while a fresh one is read in the background; an
     * older one is read again first. Agents used in the last minute are re-read together in the
     * background every second, so their tasks do not wait for a read. This process's own edits
     * show at once; edits made elsewhere reach the tasks of an agent in use within about a second,
     * of any agent within five.
     */
    async getCached(agentName: string): Promise<AgentRecord | null> {
      const key = normalizeAgentName(agentName);
      lastUse.set(key, now());
      if (!warm) {
        warm = setInterval(() => void refreshUsed().catch(() => {}), CACHE_MS); // a failed read leaves the copy as it was
        warm.unref();
      }
      const hit = cache.get(key);
      const age = hit ? now() - hit.at : Infinity;
      if (hit && age < CACHE_MS) return hit.record;
      const read = () => {
        let r = reading.get(key);
        if (!r) {
          const since = edits;
          r = this.get(key).then((record) => {
            cacheFrom(key, record, since);
            return record;
          }).finally(() => reading.delete(key));
          reading.set(key, r);
        }
        return r;
      };
      if (hit && age < STALE_MS) {
        read().catch(() => {}); // kept stale until the next read succeeds
        return hit.record;
      }
      return read();
    },
    async activeNames(): Promise<Set<string>> {
      return new Set((await table().where({ active: true }).select('name')).map((r) => r.name as string));
    },
    async create(input: AgentInput): Promise<string> {
      const a = parseInput(createSchema, input);
      const key = normalizeAgentName(a.name);
      if (await this.get(key)) throw new ConflictError(`agent @${key} already exists`, { name: key });
      const at = now();
      await table().insert({
        name: key, role: a.role, system_prompt: a.systemPrompt ?? `You are ${a.role}. Answer with the complete deliverable for your task.`,
        model: a.model ?? null, temperature: a.temperature ?? null, max_tokens: a.maxTokens ?? null, active: true, builtin: false, created_at: at, updated_at: at,
      });
      edited(key);
      return key;
    },
    async update(agentName: string, patch: AgentPatch): Promise<void> {
      const p = parseInput(patchSchema, patch);
      const key = normalizeAgentName(agentName);
      const current = await this.get(key);
      if (!current) throw new NotFoundError('Agent', agentName);
      if (key === 'orchestrator' && p.active === false) throw new InvalidStateError('the orchestrator cannot be deactivated');
      const cols: Record<string, unknown> = { updated_at: now() };
      if (p.role !== undefined) cols.role = p.role;
      if (p.systemPrompt != null) cols.system_prompt = p.systemPrompt;
      if (p.model !== undefined) cols.model = p.model;
      if (p.temperature !== undefined) cols.temperature = p.temperature;
      if (p.maxTokens !== undefined) cols.max_tokens = p.maxTokens;
      if (p.active != null) cols.active = p.active;
      await table().where({ name: key }).update(cols);
      edited(key);
    },
    async deactivate(agentName: string): Promise<void> {
      await this.update(agentName, { active: false });
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
