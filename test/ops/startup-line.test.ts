import { describe, expect, it } from 'vitest';
import { awaitRedis, describeUrl, MigrationFailedError, PortInUseError, RedisUnreachableError, shortReason, startupFailureLine } from '../../src/startup.ts';

describe('start-up failure lines', () => {
  const sqlite = { sqlitePath: './data/baton.sqlite' };

  it('a URL is shown without its credentials', () => {
    expect(describeUrl('postgres://baton:s3cret@db.internal:5432/baton')).toBe('db.internal:5432/baton');
    expect(describeUrl('redis://:pw@127.0.0.1:6379')).toBe('127.0.0.1:6379');
    expect(describeUrl('not a url')).toBe('(unparsable URL)');
  });

  it('a reason is the first line, without the SQL of a failed query, prefixed by its error code', () => {
    expect(shortReason(new Error('create table "agents" (...) - relation "agents" already exists\n    at x (y.js:1:2)'))).toBe('relation "agents" already exists');
    expect(shortReason(Object.assign(new Error('getaddrinfo ENOTFOUND db'), { code: 'ENOTFOUND' }))).toBe('getaddrinfo ENOTFOUND db');
    expect(shortReason(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED: refused');
    expect(shortReason('x'.repeat(300))).toHaveLength(201);
  });

  it('known failures keep their line; a network error with DATABASE_URL names the database; anything else is one line', () => {
    expect(startupFailureLine(new PortInUseError('127.0.0.1', 4000), sqlite)).toBe('port 4000 is in use on 127.0.0.1: stop the other process or set PORT');
    expect(startupFailureLine(new MigrationFailedError('boom'), sqlite)).toMatch(/^database migration failed \(boom\)/);
    expect(
      startupFailureLine(Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' }), { ...sqlite, databaseUrl: 'postgres://u:p@db:5432/b' }),
    ).toBe('cannot open the database db:5432/b (connect ECONNREFUSED 10.0.0.5:5432): start it or fix DATABASE_URL');
    expect(startupFailureLine(new Error('odd\nsecond line'), sqlite)).toBe('failed to start: odd');
  });

  it('awaitRedis retries, then gives up with one line', async () => {
    let pings = 0;
    await awaitRedis('redis://h:1', 5_000, async () => ++pings >= 2);
    expect(pings).toBe(2);
    await expect(awaitRedis('redis://:pw@h:1', 0, async () => false)).rejects.toThrow(RedisUnreachableError);
    await expect(awaitRedis('redis://:pw@h:1', 0, async () => false)).rejects.toThrow('cannot reach Redis at h:1 (no answer for 0 s): start it or fix REDIS_URL');
  });
});
