import type { EntityManager } from '@mikro-orm/knex';
import { LOCAL_ADMIN, type Principal } from '../auth/principal.ts';
import type { Services } from '../services/types.ts';
import { createLoaders, type Loaders } from './loaders.ts';

/** Per-request (per-operation for graphql-ws) context. */
export interface Context {
  services: Services;
  /** The caller: tenant and role. Every read and write is scoped to principal.tenant. */
  principal: Principal;
  /** A fresh EntityManager for this request; replaced by freshReads. */
  em: EntityManager;
  loaders: Loaders;
  /** Aborted when the server stops: open subscriptions then complete. */
  shutdown?: AbortSignal;
}

export function createContext(services: Services, shutdown?: AbortSignal, principal: Principal = LOCAL_ADMIN): Context {
  const em = services.db.em();
  return { services, principal, em, loaders: createLoaders(em, principal.tenant), shutdown };
}

/**
 * Drops everything this context has read. Called after a mutation's service
 * call (it wrote through its own EntityManager) and before each subscription
 * event, so a result never shows rows cached earlier in the same operation.
 * Safe because mutations and subscription events are resolved one at a time.
 */
export function freshReads(ctx: Context): void {
  ctx.em = ctx.services.db.em();
  ctx.loaders = createLoaders(ctx.em, ctx.principal.tenant);
}
