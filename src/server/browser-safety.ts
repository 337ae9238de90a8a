import type { IncomingMessage } from 'node:http';
import type { Plugin, YogaServerOptions } from 'graphql-yoga';
import { UnsupportedMediaTypeError, clipInput } from '../errors.ts';

/**
 * Request bodies Baton accepts: the two JSON types yoga parses.
 * (`application/graphql-response+json` is what a client puts in Accept for the
 * answer; yoga parses no request body of that type.) A browser can send form,
 * multipart and text/plain bodies to any site without asking it first (no CORS
 * preflight), so a page the user happens to open could otherwise run
 * mutations here. JSON needs a preflight, which the CORS allowlist answers.
 */
export const ACCEPTED_BODY_TYPES: ReadonlySet<string> = new Set(['application/json', 'application/graphql+json']);

/** The media type of a Content-Type header, lowercased, without parameters ("" when absent). */
export function mediaType(contentType: string | null): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** A refused body type: the reason, or null when the request may go on. Pure. */
export function refuseBody(method: string, contentType: string | null): UnsupportedMediaTypeError | null {
  if (method.toUpperCase() !== 'POST') return null;
  const type = mediaType(contentType);
  if (ACCEPTED_BODY_TYPES.has(type)) return null;
  const shown = type === '' ? 'none' : clipInput(type);
  return new UnsupportedMediaTypeError(`POST bodies must be application/json; got Content-Type ${shown}`, { contentType: shown });
}

/**
 * Refuses every POST whose body is not JSON with 415 and a GraphQL error
 * (code UNSUPPORTED_MEDIA_TYPE), before yoga parses it: nothing runs. Also
 * marks every response as varying by Origin, since CORS headers depend on it.
 */
export function useJsonBodiesOnly(): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      const refused = refuseBody(request.method, request.headers.get('content-type'));
      if (!refused) return;
      const body = { errors: [{ message: refused.message, extensions: { ...refused.details, code: refused.code } }] };
      endResponse(fetchAPI.Response.json(body, { status: 415, headers: { accept: [...ACCEPTED_BODY_TYPES].join(', ') } }));
    },
    onResponse({ response }) {
      response.headers.append('vary', 'Origin');
    },
  };
}

/**
 * yoga's `cors` option for an allowlist of exact origins. An allowed origin
 * gets exactly itself back; any other gets no CORS headers at all (yoga's
 * default would echo every origin, with credentials). No credentials either
 * way: Baton authenticates with a Bearer header, never a cookie.
 */
export function corsFor(allowed: readonly string[]): NonNullable<YogaServerOptions<object, object>['cors']> {
  const origins = new Set(allowed);
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (!origin || !origins.has(origin)) return false;
    return { origin, credentials: false, methods: ['GET', 'POST', 'OPTIONS'], maxAge: 600 };
  };
}

/**
 * Whether a WebSocket upgrade may proceed (ws `verifyClient`). Browsers send
 * Origin on every WebSocket and apply no CORS to it, so without this check
 * any page could drive graphql-ws. Allowed: no Origin (not a browser), an
 * allowlisted origin, or the page Baton serves itself (GraphiQL: Origin's host
 * is the Host it connects to).
 */
export function webSocketOriginAllowed(allowed: readonly string[]) {
  const origins = new Set(allowed);
  return (info: { origin?: string; req: IncomingMessage }): boolean => {
    const origin = info.origin;
    if (!origin) return true;
    if (origins.has(origin)) return true;
    try {
      return new URL(origin).host === info.req.headers.host;
    } catch {
      return false;
    }
  };
}

/** ws's `verifyClient` in its callback form, which can answer 403 (the plain form can only say 401). */
export function verifyWebSocketOrigin(allowed: readonly string[]) {
  const ok = webSocketOriginAllowed(allowed);
  return (info: { origin?: string; req: IncomingMessage }, done: (ok: boolean, code?: number, message?: string) => void): void => {
    if (ok(info)) done(true);
    else done(false, 403, 'Forbidden: this Origin may not open a WebSocket (see CORS_ORIGINS)');
  };
}
