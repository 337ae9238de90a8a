import type { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { batchSends, sendDirect } from '../../src/server/socket-batch.ts';

/** Just what socket-batch.ts reads of a ws socket: send, readyState, bufferedAmount. */
function fakeSocket() {
  const written: string[] = [];
  const socket = {
    OPEN: 1,
    readyState: 1,
    bufferedAmount: 0,
    send(data: string, cb?: (err?: Error) => void) {
      written.push(data);
      cb?.();
    },
  };
  return { socket: socket as unknown as WebSocket & { bufferedAmount: number; readyState: number }, written };
}

const flushed = () => new Promise((r) => setTimeout(r, 30));

describe('sendDirect (the direct path of graphql-ws frames)', () => {
  it("queues after what the socket's batch holds, in order, in the same flush", async () => {
    const { socket, written } = fakeSocket();
    batchSends(socket);
    socket.send('a', () => undefined);
    expect(sendDirect(socket, 'b')).toBe(true);
    socket.send('c', () => undefined);
    expect(sendDirect(socket, 'd')).toBe(true);
    await flushed();
    expect(written).toEqual(['a', 'b', 'c', 'd']);
  });

  it('refuses a slow socket (its buffer past the limit, or this batch holding as much) so the subscription falls back to its bounded buffer', async () => {
    const { socket, written } = fakeSocket();
    batchSends(socket);
    socket.bufferedAmount = 300 * 1024;
    expect(sendDirect(socket, 'x')).toBe(false);
    socket.bufferedAmount = 0;
    const big = 'y'.repeat(200 * 1024);
    expect(sendDirect(socket, big)).toBe(true);
    expect(sendDirect(socket, big)).toBe(true);
    // 400 KB waiting in the batch: refused until it is flushed.
    expect(sendDirect(socket, 'z')).toBe(false);
    await flushed();
    expect(written).toEqual([big, big]);
    expect(sendDirect(socket, 'z')).toBe(true);
    await flushed();
    expect(written.at(-1)).toBe('z');
  });

  it('refuses a closed socket and one that is not batched', () => {
    const closed = fakeSocket();
    batchSends(closed.socket);
    closed.socket.readyState = 3;
    expect(sendDirect(closed.socket, 'x')).toBe(false);
    expect(sendDirect(fakeSocket().socket, 'x')).toBe(false);
  });
});
