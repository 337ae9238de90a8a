import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { until } from '../support/processes.ts';
import { serviceAvailable, testDialect } from '../support/services.ts';
import { ME, poster } from './http.ts';

const runs = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;
// Each run starts node with tsx: seconds on a busy machine.
const SLOW = 120_000;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe.runIf(runs)(`npm run keys on ${testDialect}`, () => {
  let t: TestApp;
  /** The CLI as `npm run keys --` runs it, on the test app's database. */
  const keys = async (...args: string[]) => {
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? ROOT, ...t.db.env };
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/auth/keys-cli.ts', ...args], { cwd: ROOT, env });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  };

  beforeAll(async () => {
    t = await startTestApp({ ROLE: 'api' });
  });
  afterAll(async () => t?.close());

  it(
    'create prints the key alone on its last line; it authenticates; list shows it; revoke ends it',
    async () => {
      const created = await keys('create', '--tenant', 'default', '--role', 'operator', '--name', 'release bot');
      expect(created.code).toBe(0);
      const lines = created.stdout.trimEnd().split('\n');
      const key = lines.at(-1)!;
      expect(key).toMatch(/^baton_[A-Za-z0-9_-]{43}$/);
      const post = poster(t.app.fetch);
      expect((await post(ME, { key })).data).toEqual({ me: { tenant: 'default', role: 'OPERATOR', keyName: 'release bot' } });

      const listed = await keys('list', '--tenant', 'default');
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain('release bot');
      expect(listed.stdout).not.toContain(key);
      const id = /^(\S+)\s+operator\b.*release bot$/m.exec(listed.stdout)![1]!;

      const revoked = await keys('revoke', id);
      expect(revoked.code).toBe(0);
      // Another process revoked it: this one's cache holds a verified key for at most a second.
      await until(async () => (await post(ME, { key })).status === 401, 'the revoked key to be refused', 5000, 100);
      expect((await post(ME, { key })).errors![0]!.message).toMatch(/revoked/);
      expect((await keys('revoke', '00000000-0000-4000-8000-000000000000')).code).toBe(1);
    },
    SLOW,
  );

  it(
    'bad arguments: one usage line on stderr, exit 2',
    async () => {
      // The parser's cases are in roles.test.ts; here, that the CLI answers them as promised.
      for (const args of [['create', '--tenant', 'x', '--role', 'root'], ['frobnicate']]) {
        const r = await keys(...args);
        expect(r.code).toBe(2);
        expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^usage: npm run keys -- create --tenant/)]);
        expect(r.stdout).toBe('');
      }
    },
    SLOW,
  );
});
