import { UnauthenticatedError } from './errors.ts';
import type { KeyStore } from './keys.ts';
import type { Principal } from './principal.ts';

/** The key in an `Authorization: Bearer <key>` value; null when there is none. */
export function bearerKey(authorization: unknown): string | null {
  if (typeof authorization !== 'string') return null;
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(authorization);
  return m ? m[1]! : null;
}

/** The principal of an Authorization value; UnauthenticatedError (missing, unknown or revoked) otherwise. */
export async function authenticate(keys: Pick<KeyStore, 'verify'>, authorization: unknown): Promise<Principal> {
  const key = bearerKey(authorization);
  if (!key) throw new UnauthenticatedError(authorization == null || authorization === '' ? 'missing' : 'unknown');
  const verified = await keys.verify(key);
  if (verified === 'revoked') throw new UnauthenticatedError('revoked');
  if (!verified) throw new UnauthenticatedError('unknown');
  return verified;
}

/** The HTTP server's `resolvePrincipal` with AUTH=required: HTTP and SSE send `Authorization: Bearer <key>`. */
export const keyResolver =
  (keys: Pick<KeyStore, 'verify'>) =>
  (request: Request): Promise<Principal> =>
    authenticate(keys, request.headers.get('authorization'));
