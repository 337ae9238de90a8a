import type { Principal } from '../../src/auth/principal.ts';
import { createHttpServer } from '../../src/server/http-server.ts';
import type { Services } from '../../src/services/types.ts';
import { graphqlClient } from '../graphql/client.ts';
import { wsClient } from '../graphql/transport-clients.ts';

/** Tests only: the tenant a request acts as, until API keys say it. */
export const TENANT_HEADER = 'x-test-tenant';

export const adminOf = (tenant: string): Principal => ({ tenant, role: 'admin', keyId: null, keyName: null });

/** A resolvePrincipal for AppOverrides.http: the tenant named by the test header, else `default`. */
export const headerPrincipal = async (request?: Request): Promise<Principal> => adminOf(request?.headers?.get(TENANT_HEADER) ?? 'default');

type FetchFn = (input: string, init: RequestInit) => Promise<Response> | Response;

/** A fetch that sends every request as `tenant` (through the test header). */
export const asTenant =
  (fetch: FetchFn, tenant: string): FetchFn =>
  (input, init) =>
    fetch(input, { ...init, headers: { ...(init.headers as Record<string, string>), [TENANT_HEADER]: tenant } });

/**
 * An HTTP + graphql-ws server on the app's services whose every request acts as `tenant` (HTTP,
 * SSE and graphql-ws alike), on a free port; `gql` sends without a socket.
 */
export async function tenantServer(services: Services, tenant: string) {
  const server = createHttpServer(services, { resolvePrincipal: async () => adminOf(tenant) });
  const { url } = await server.start(0, '127.0.0.1');
  const sockets: ReturnType<typeof wsClient>[] = [];
  return {
    tenant,
    url,
    gql: graphqlClient(server.fetch),
    ws() {
      const c = wsClient(url);
      sockets.push(c);
      return c;
    },
    async stop() {
      await Promise.all(sockets.map((c) => c.dispose()));
      await server.stop();
    },
  };
}

export type TenantServer = Awaited<ReturnType<typeof tenantServer>>;

/** A result as JSON with `id` written as ID: two answers that differ only in the id they name compare equal. */
export const shape = (result: unknown, id: string) => JSON.stringify(result).replaceAll(id, 'ID');
