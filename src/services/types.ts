import type { KeyStore } from '../auth/keys.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/orm.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { AnyWorkflowEvent } from '../events/types.ts';
import type { Logger } from '../logger.ts';

export interface TaskInput {
  key: string;
  /** "backend" or "@backend". */
  agent: string;
  description: string;
  dependsOn?: string[] | null;
}

export interface CreateWorkflowInput {
  description: string;
  channelId?: string | null;
  tasks: TaskInput[];
}

export interface PlanWorkflowInput {
  request: string;
  channelId?: string | null;
  autoStart?: boolean | null;
}

export interface AgentInput {
  name: string;
  role: string;
  systemPrompt?: string | null;
  model?: string | null;
  temperature?: number | null;
  maxTokens?: number | null;
}

export type AgentPatch = Partial<Omit<AgentInput, 'name'>> & { active?: boolean | null };

/**
 * What the GraphQL layer may call. Every method validates its input and throws
 * a BatonError (with a code) for expected failures; nothing is written then.
 * Reads go through the EntityManager (db.em()) and DataLoaders in the schema.
 */
export interface Services {
  config: Config;
  db: Db;
  bus: EventBus;
  logger: Logger;
  workflows: {
    /** Validates and stores a manual plan; the workflow is PLANNED. Returns its id. */
    create(input: CreateWorkflowInput): Promise<string>;
    /** Stores the workflow in PLANNING and plans it in the background. Returns its id at once. */
    plan(input: PlanWorkflowInput): Promise<string>;
    start(id: string): Promise<void>;
    cancel(id: string): Promise<void>;
    retry(id: string): Promise<void>;
    remove(id: string): Promise<void>;
    /** Stored events with seq > afterSeq (and <= untilSeq), in order. */
    eventsAfter(id: string, afterSeq: number, untilSeq?: number): Promise<AnyWorkflowEvent[]>;
  };
  agents: {
    create(input: AgentInput): Promise<string>;
    update(name: string, patch: AgentPatch): Promise<void>;
    deactivate(name: string): Promise<void>;
  };
  /** API keys: created, listed and revoked per tenant; verified by the HTTP server with AUTH=required. */
  keys: KeyStore;
  health(): Promise<{ database: boolean; redis: boolean | null }>;
}
