/**
 * A Baton worker process for the bench (BullMQ mode): on `build` it builds the
 * app with ROLE=worker from the given environment and the bench's fake agent
 * (or, for the HTTP variants, the model client the environment configures)
 * and runs tasks; it answers `span` (model calls, peak RSS and CPU since the
 * last ask) and `stop` over IPC.
 * Started by bench/systems/baton.ts as `node --import tsx bench/worker.ts`.
 */
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createFakeAgent } from './fake-agent.ts';
import { rssSampler } from './infra.ts';

type Msg = { type: 'build'; env: Record<string, string>; fake: boolean } | { type: 'span'; id: number } | { type: 'stop' };

const fake = createFakeAgent();
const rss = rssSampler();
let cpu = process.cpuUsage();
let app: Awaited<ReturnType<typeof buildApp>> | undefined;

// Modules load while the bench prepares the database; the app is built when the bench says so.
async function build(env: Record<string, string>, withFake: boolean) {
  // Without the fake, the app builds its own model client from env (the HTTP variants: ChatOpenAI).
  app = await buildApp(loadConfig({ ...env, ROLE: 'worker' }), withFake ? { models: fake.factory } : {});
  await app.start();
  process.send!({ type: 'built' });
}

process.on('message', (m: Msg) => {
  if (m.type === 'build') {
    build(m.env, m.fake).catch((err) => {
      console.error('bench worker: build failed', err);
      process.exit(1);
    });
  } else if (m.type === 'span') {
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    process.send!({ type: 'span', id: m.id, span: fake.takeSpan(), peakRss: rss.take(), cpuMs: (used.user + used.system) / 1000 });
  } else if (m.type === 'stop') {
    rss.stop();
    (app ? app.stop() : Promise.resolve()).then(
      () => process.send!({ type: 'stopped' }, () => process.exit(0)),
      (err) => {
        console.error('bench worker: stop failed', err);
        process.exit(1);
      },
    );
  }
});
// The bench ending without a goodbye (killed) must not leave a worker behind.
process.on('disconnect', () => process.exit(0));
process.send!({ type: 'ready', pid: process.pid });
