// Tests never reach the network: any fetch to a host that is not loopback fails at once.
const realFetch = globalThis.fetch;
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1)$/;

globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  if (!LOOPBACK.test(url.hostname)) {
    throw new Error(`test tried to reach ${url.host}: tests must not use the network`);
  }
  return realFetch(input, init);
}) as typeof fetch;
