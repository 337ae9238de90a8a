import { parse } from 'graphql/index.js';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { clipInput } from '../../src/errors.ts';
import { corsFor, mediaType, refuseBody, webSocketOriginAllowed } from '../../src/server/browser-safety.ts';
import { clipMessage } from '../../src/server/clip-errors.ts';
import { clientKey, planningCalls } from '../../src/server/rate-limit.ts';

describe('clipInput', () => {
  it('keeps short input, cuts long input to 64 characters and an ellipsis, never splitting a surrogate pair', () => {
    expect(clipInput('abc')).toBe('abc');
    expect(clipInput('x'.repeat(64))).toBe('x'.repeat(64));
    expect(clipInput('x'.repeat(10_000))).toBe(`${'x'.repeat(64)}…`);
    expect(clipInput('😀'.repeat(100))).toBe(`${'😀'.repeat(64)}…`);
    expect(clipInput('abcdef', 3)).toBe('abc…');
  });
});

describe('clipMessage', () => {
  it('clips every quoted run, then the message as a whole', () => {
    const big = 'A'.repeat(5000);
    expect(clipMessage(`Cannot query field "${big}" on type "Query".`)).toBe(`Cannot query field "${'A'.repeat(64)}…" on type "Query".`);
    expect(clipMessage('short "and" fine')).toBe('short "and" fine');
    expect(clipMessage('x'.repeat(1000))).toHaveLength(401);
  });
});

describe('planningCalls', () => {
  it('counts planning root fields of the chosen mutation, through aliases and fragments, once per fragment', () => {
    const doc = parse(`
      mutation Two { a: planWorkflow(input: {request: "x"}) { id } b: planWorkflow(input: {request: "y"}) { id } ...F ...F }
      mutation Other { createWorkflow(input: {description: "d", tasks: []}) { id } }
      query Q { health { ok } }
      fragment F on Mutation { replanWorkflow { id } ... on Mutation { planWorkflow { id } } }
    `);
    expect(planningCalls(doc, 'Two')).toBe(4);
    expect(planningCalls(doc, 'Other')).toBe(0);
    expect(planningCalls(doc, 'Q')).toBe(0);
    expect(planningCalls(doc, 'Missing')).toBe(0);
  });
});

describe('clientKey', () => {
  const http = (authorization?: string) => ({
    request: { headers: new Headers(authorization ? { authorization } : {}) },
    req: { socket: { remoteAddress: '10.0.0.7' } },
  });
  it('keys by the sha256 of the Bearer token (HTTP header or graphql-ws connectionParams) when keys mean something', () => {
    const k = clientKey(http('Bearer baton_secret'), true);
    expect(k).toMatch(/^key:[0-9a-f]{64}$/);
    expect(k).not.toContain('baton_secret');
    expect(clientKey({ connectionParams: { authorization: 'Bearer baton_secret' }, req: { socket: {} } }, true)).toBe(k);
    expect(clientKey(http('Bearer other'), true)).not.toBe(k);
  });
  it('falls back to the client address: no token, a malformed header, or AUTH=off', () => {
    expect(clientKey(http(), true)).toBe('addr:10.0.0.7');
    expect(clientKey(http('Basic dXNlcg=='), true)).toBe('addr:10.0.0.7');
    expect(clientKey(http('Bearer baton_secret'), false)).toBe('addr:10.0.0.7');
    expect(clientKey({}, true)).toBe('addr:local');
  });
});

describe('browser safety decisions', () => {
  it('mediaType ignores parameters and case', () => {
    expect(mediaType('Application/JSON; charset=utf-8')).toBe('application/json');
    expect(mediaType(null)).toBe('');
  });
  it('refuseBody: only POST is checked; only the JSON types pass', () => {
    expect(refuseBody('GET', null)).toBeNull();
    expect(refuseBody('POST', 'application/json')).toBeNull();
    expect(refuseBody('POST', 'application/graphql+json; charset=utf-8')).toBeNull();
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain', null]) {
      expect(refuseBody('POST', type)?.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    expect(refuseBody('POST', `text/${'x'.repeat(1000)}`)!.message.length).toBeLessThan(150);
  });
  it('corsFor: exact origins only, never an echo of a foreign one', () => {
    const cors = corsFor(['https://a.example']) as (r: Request) => unknown;
    const req = (origin?: string) => new Request('http://baton.test/graphql', { headers: origin ? { origin } : {} });
    expect(cors(req('https://a.example'))).toMatchObject({ origin: 'https://a.example', credentials: false });
    expect(cors(req('https://a.example.evil'))).toBe(false);
    expect(cors(req('null'))).toBe(false);
    expect(cors(req())).toBe(false);
    expect((corsFor([]) as (r: Request) => unknown)(req('https://a.example'))).toBe(false);
  });
  it('webSocketOriginAllowed: no Origin, an allowed one, or the same host', () => {
    const ok = webSocketOriginAllowed(['https://a.example']);
    const req = { headers: { host: 'localhost:4000' } } as never;
    expect(ok({ req })).toBe(true);
    expect(ok({ origin: 'https://a.example', req })).toBe(true);
    expect(ok({ origin: 'http://localhost:4000', req })).toBe(true);
    expect(ok({ origin: 'http://localhost:4001', req })).toBe(false);
    expect(ok({ origin: 'not a url', req })).toBe(false);
  });
});

describe('config', () => {
  it('query limits, CORS origins and rate limits have defaults and are validated', () => {
    const c = loadConfig({});
    expect(c.queryLimits).toEqual({ depth: 6, aliases: 10, directives: 20, tokens: 1000, cost: 5000 });
    expect(c.corsOrigins).toEqual([]);
    expect([c.rateLimitPerMin, c.planRateLimitPerMin]).toEqual([600, 30]);
    const set = loadConfig({ MAX_QUERY_DEPTH: '9', CORS_ORIGINS: 'https://a.example, http://localhost:5173', RATE_LIMIT_PER_MIN: '0' });
    expect(set.queryLimits.depth).toBe(9);
    expect(set.corsOrigins).toEqual(['https://a.example', 'http://localhost:5173']);
    expect(set.rateLimitPerMin).toBe(0);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://a.example/app' })).toThrow(ConfigError);
    expect(() => loadConfig({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ MAX_QUERY_DEPTH: '0' })).toThrow(/MAX_QUERY_DEPTH/);
  });
});
