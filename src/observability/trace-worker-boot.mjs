// The trace worker's entry. Node 20 does not apply the loader hooks of the main thread's
// `--import tsx` to worker threads, so the worker registers tsx itself before loading TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./trace-worker.ts');
