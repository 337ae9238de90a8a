import type { Config } from '../config.ts';
import { isLoopback } from '../config.ts';

/**
 * The warning to log at start, if any: with AUTH=off on an address other
 * machines can reach, anyone who reaches the port (or a web page a user opens)
 * acts as an admin of tenant `default`.
 */
export function insecureAuthWarning(config: Pick<Config, 'auth' | 'host' | 'role'>): string | null {
  if (config.auth !== 'off' || config.role === 'worker' || isLoopback(config.host)) return null;
  return (
    `AUTH=off while listening on ${config.host}: anyone who can reach this port controls Baton as an admin ` +
    '(every workflow, agent and key of tenant "default"). Set AUTH=required and create a key with `npm run keys -- create`, ' +
    'or listen on 127.0.0.1.'
  );
}
