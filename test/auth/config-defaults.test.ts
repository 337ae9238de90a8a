import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { insecureAuthWarning } from '../../src/auth/startup.ts';
import { loadConfig } from '../../src/config.ts';
import { createTestDatabase } from '../support/services.ts';

describe('when auth is on', () => {
  const auth = (env: Record<string, string>) => loadConfig(env).auth;

  it('is off only on a loopback HOST with SQLite; required on any other address or with DATABASE_URL', () => {
    expect(auth({})).toBe('off');
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(auth({ HOST: 'localhost' })).toBe('off');
    expect(auth({ HOST: '::1' })).toBe('off');
    expect(auth({ HOST: '0.0.0.0' })).toBe('required');
    expect(auth({ HOST: '192.168.1.10' })).toBe('required');
    expect(auth({ DATABASE_URL: 'postgres://db/baton' })).toBe('required');
    expect(auth({ HOST: '0.0.0.0', AUTH: 'off' })).toBe('off');
    expect(auth({ AUTH: 'required' })).toBe('required');
  });

  it('warns about AUTH=off only on an address other machines reach, and only where the API runs', () => {
    expect(insecureAuthWarning(loadConfig({ HOST: '0.0.0.0', AUTH: 'off' }))).toMatch(/AUTH=off while listening on 0\.0\.0\.0: anyone who can reach this port controls Baton/);
    expect(insecureAuthWarning(loadConfig({ AUTH: 'off' }))).toBeNull();
    expect(insecureAuthWarning(loadConfig({ HOST: '0.0.0.0' }))).toBeNull();
    expect(insecureAuthWarning(loadConfig({ HOST: '0.0.0.0', AUTH: 'off', ROLE: 'worker' }))).toBeNull();
  });

  it('logs that warning once when an app with AUTH=off on 0.0.0.0 is built', async () => {
    const db = await createTestDatabase('sqlite');
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
    const app = await buildApp(loadConfig({ ...db.env, HOST: '0.0.0.0', AUTH: 'off', PORT: '0' }), { logger });
    try {
      const warnings = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => /AUTH=off/.test(l.msg));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.level).toBe(40);
    } finally {
      await app.stop();
      await db.drop();
    }
  });
});
