import { Queue, Worker } from 'bullmq';
import { connectionFromUrl } from '../src/engine/bullmq-dispatcher.ts';
const connection = connectionFromUrl('redis://127.0.0.1:6379');
const prefix = `probe-${Date.now()}:`;
const q = new Queue('p', { connection, prefix });
let sent = 0;
const lat: number[] = [];
const w = new Worker('p', async () => { lat.push(performance.now() - sent); }, { connection, prefix, concurrency: 10 });
await w.waitUntilReady();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
for (let i = 0; i < 30; i++) {
  await sleep(100);
  sent = performance.now();
  await q.addBulk([{ name: 't', data: { i }, opts: { jobId: `j${i}`, priority: 1, removeOnComplete: true } }]);
}
await sleep(200);
lat.sort((a, b) => a - b);
console.log('add->process p50', lat[15]!.toFixed(2), 'p90', lat[27]!.toFixed(2));
await w.close(); await q.obliterate({ force: true }); await q.close();
process.exit(0);
