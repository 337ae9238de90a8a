import { BatonError } from '../errors.ts';

export type UnauthenticatedReason = 'missing' | 'unknown' | 'revoked';

const MESSAGES: Record<UnauthenticatedReason, string> = {
  missing: 'an API key is required: send "Authorization: Bearer <key>"',
  unknown: 'the API key is not valid',
  revoked: 'the API key has been revoked',
};

/** No key, or one that is unknown or revoked: HTTP 401, graphql-ws close 4401 (4403 when revoked). */
export class UnauthenticatedError extends BatonError {
  constructor(readonly reason: UnauthenticatedReason) {
    super('UNAUTHENTICATED', MESSAGES[reason], { reason });
  }
}

/** The caller's role is below what the operation needs; nothing was executed. */
export class ForbiddenError extends BatonError {
  constructor(field: string, needed: string, role: string) {
    super('FORBIDDEN', `${field} needs the ${needed} role; this key is ${role}`, { field, requiredRole: needed, role });
  }
}
