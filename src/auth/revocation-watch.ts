import type { Logger } from '../logger.ts';

/** Calls `onRevoked` once when the key is found revoked; returns the function that stops watching. */
export type WatchRevocation = (keyId: string, onRevoked: () => void) => () => void;

export interface RevocationWatchOptions {
  /** Of these key ids, the ones no longer valid (read from the database). */
  revokedAmong(ids: string[]): Promise<Set<string>>;
  /** How often open sockets' and streams' keys are checked (default 2 s). */
  intervalMs?: number;
  logger?: Logger;
}

/**
 * Keys of open graphql-ws sockets and subscription streams, checked together
 * (one query) every `intervalMs` while any is open: a key revoked anywhere,
 * by GraphQL or the CLI in another process, stops its streams within about
 * that long.
 */
export function createRevocationWatch(o: RevocationWatchOptions) {
  const intervalMs = o.intervalMs ?? 2000;
  const watchers = new Map<string, Set<() => void>>();
  let timer: NodeJS.Timeout | undefined;
  let checking = false;

  async function check() {
    if (watchers.size === 0) return stop();
    if (checking) return;
    checking = true;
    try {
      const revoked = await o.revokedAmong([...watchers.keys()]);
      for (const id of revoked) {
        const callbacks = watchers.get(id);
        watchers.delete(id);
        for (const cb of callbacks ?? []) cb();
      }
    } catch (err) {
      // A failed read keeps every stream open; the next tick tries again.
      o.logger?.warn({ err }, 'could not check API keys for revocation');
    } finally {
      checking = false;
      if (watchers.size === 0) stop();
    }
  }

  function stop() {
    clearInterval(timer);
    timer = undefined;
  }

  const watch: WatchRevocation = (keyId, onRevoked) => {
    let once = false;
    const cb = () => {
      if (once) return;
      once = true;
      onRevoked();
    };
    let set = watchers.get(keyId);
    if (!set) watchers.set(keyId, (set = new Set()));
    set.add(cb);
    if (!timer) {
      timer = setInterval(() => void check(), intervalMs);
      timer.unref();
    }
    return () => {
      const s = watchers.get(keyId);
      s?.delete(cb);
      if (s?.size === 0) watchers.delete(keyId);
    };
  };

  return { watch, check, close: stop };
}
