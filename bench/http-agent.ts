import { fork } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChatOpenAI } from '@langchain/openai';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { ModelFactory } from '../src/agents/model-factory.ts';
import { type CallSpan, createFakeAgent } from './fake-agent.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** The model name every HTTP variant asks for; the server answers any. */
export const HTTP_MODEL = 'bench';

export interface ModelServer {
  /** Base URL ending in /v1: `configuration.baseURL` for ChatOpenAI, OPENAI_BASE_URL for Baton. */
  url: string;
  /** The calls the server saw since the last ask, and the TCP connections opened meanwhile. */
  takeSpan(): Promise<{ span: CallSpan; connections: number }>;
  stop(): Promise<void>;
}

/** Starts bench/model-server.ts in its own process and resolves once it listens. */
export function startModelServer(): Promise<ModelServer> {
  const child = fork(resolve(here, 'model-server.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 1;
  const pending = new Map<number, (v: { span: CallSpan; connections: number }) => void>();
  return new Promise((ready, reject) => {
    const early = (code: number | null) => reject(new Error(`bench model server exited with ${code}`));
    child.once('exit', early);
    child.on('message', (m: { type: string; url?: string; id?: number; span?: CallSpan; connections?: number }) => {
      if (m.type === 'ready') {
        ready({
          url: m.url!,
          takeSpan() {
            const id = nextId++;
            return new Promise((r) => {
              pending.set(id, r);
              child.send({ type: 'span', id });
            });
          },
          stop() {
            child.off('exit', early);
            return new Promise<void>((r) => {
              if (child.exitCode !== null) return r();
              const timer = setTimeout(() => (child.kill('SIGKILL'), r()), 5_000);
              child.once('exit', () => (clearTimeout(timer), r()));
              child.send({ type: 'stop' });
            });
          },
        });
      } else if (m.type === 'span') {
        pending.get(m.id!)?.({ span: m.span!, connections: m.connections! });
        pending.delete(m.id!);
      }
    });
  });
}

/**
 * The client a user of LangChain would build for an OpenAI-compatible endpoint,
 * with the options Baton's model factory gives it (no retries underneath: the
 * bench's server never fails), so the peers and Baton pay the same client.
 */
export function httpChatModel(url: string): ChatOpenAI {
  return new ChatOpenAI({ model: HTTP_MODEL, apiKey: 'bench', maxRetries: 0, configuration: { baseURL: url } });
}

/** Baton's configuration for the same client: its model factory builds ChatOpenAI from these. */
export const httpBatonEnv = (url: string): Record<string, string> => ({
  LLM_MODEL: `openai:${HTTP_MODEL}`,
  OPENAI_BASE_URL: url,
  OPENAI_API_KEY: 'bench',
});

export type AgentKind = 'fake' | 'http';

/**
 * The agent a system's tasks call: the in-process fake (bench/fake-agent.ts) or
 * the real ChatOpenAI against bench/model-server.ts. `model` (for the peers)
 * and `env` (for Baton) are set once `start` resolves.
 */
export interface BenchAgent {
  kind: AgentKind;
  model: BaseChatModel;
  /** Baton's model override (the fake only; over HTTP Baton builds its own client from `env`). */
  factory?: ModelFactory;
  env: Record<string, string>;
  start(): Promise<void>;
  /** The calls seen in this process (fake) or by the server (http) since the last ask. */
  takeSpan(): Promise<{ span: CallSpan; connections?: number }>;
  stop(): Promise<void>;
}

export function createBenchAgent(kind: AgentKind): BenchAgent {
  if (kind === 'fake') {
    const fake = createFakeAgent();
    return {
      kind,
      model: fake.model,
      factory: fake.factory,
      env: {},
      start: async () => void fake.takeSpan(),
      takeSpan: async () => ({ span: fake.takeSpan() }),
      stop: async () => {},
    };
  }
  let server: ModelServer | undefined;
  const agent: BenchAgent = {
    kind,
    model: undefined as unknown as BaseChatModel,
    env: {},
    async start() {
      server = await startModelServer();
      agent.model = httpChatModel(server.url);
      agent.env = httpBatonEnv(server.url);
    },
    takeSpan: () => server!.takeSpan(),
    stop: async () => server?.stop(),
  };
  return agent;
}
