import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { until } from './processes.ts';

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** A private redis-server (no persistence) on `port`, resolved once it answers PING; killing it disturbs nothing else. */
export async function startRedisServer(port: number, opts: { cwd: string; password?: string }): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  if (opts.password) args.push('--requirepass', opts.password);
  const child = spawn('redis-server', args, { cwd: opts.cwd, stdio: 'ignore' });
  const probe = new Redis({ port, password: opts.password, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on('error', () => {});
  try {
    await until(
      () =>
        probe.connect().then(
          () => probe.ping(),
          () => null,
        ),
      'redis-server to answer PING',
      10_000,
      50,
    );
  } finally {
    probe.disconnect();
  }
  return child;
}
