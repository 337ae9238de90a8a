import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../support/processes.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const GRACE_MS = 3000;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * What a process manager does to a service started as `npm start` / `npm run worker`: a SIGTERM
 * to npm's pid. Baton (npm's grandchild, behind `sh -c`) must stop gracefully within the grace period.
 */
describe('signals under npm', () => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-npm-'));
  const pids: number[] = [];
  afterAll(() => {
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  for (const script of ['start', 'worker'] as const) {
    it(`SIGTERM to \`npm ${script === 'start' ? 'start' : 'run worker'}\` stops Baton gracefully`, async () => {
      const npm = spawn('npm', script === 'start' ? ['start'] : ['run', 'worker'], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? ROOT,
          PORT: '0',
          HOST: '127.0.0.1',
          AUTH: 'off',
          LOG_LEVEL: 'info',
          SQLITE_PATH: join(dir, `${script}.sqlite`),
          SHUTDOWN_GRACE_MS: String(GRACE_MS),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      pids.push(npm.pid!);
      let out = '';
      npm.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
      npm.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
      const started = await until(() => /"pid":(\d+)[^\n]*"msg":"baton started"/.exec(out), 'baton started', 90_000, 100);
      const batonPid = Number(started[1]);
      pids.push(batonPid);
      expect(batonPid).not.toBe(npm.pid);
      const signalled = Date.now();
      process.kill(npm.pid!, 'SIGTERM');
      await until(() => !alive(batonPid), `Baton (pid ${batonPid}) to exit`, GRACE_MS + 10_000, 50);
      // Graceful: the stop was logged and finished, not a kill.
      expect(out).toMatch(/"msg":"stopping: no new work/);
      expect(out).toMatch(/"msg":"stopped"/);
      expect(Date.now() - signalled).toBeLessThan(GRACE_MS + 10_000);
    }, 150_000);
  }
});
