import { ROLES } from './keys.ts';
import type { Role } from './principal.ts';

export type KeysCommand = { command: 'create'; tenant: string; role: Role; name: string | null } | { command: 'list'; tenant: string } | { command: 'revoke'; id: string };

export const KEYS_USAGE = 'usage: npm run keys -- create --tenant <name> --role <admin|operator|viewer> [--name <label>] | list --tenant <name> | revoke <id>';

/** `--flag value` pairs; null when a flag is unknown, repeated or has no value, or a bare word is left over. */
function flags(args: string[], allowed: string[]): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) {
    const flag = args[i]!;
    const value = args[i + 1];
    const name = flag.replace(/^--/, '');
    if (!flag.startsWith('--') || !allowed.includes(name) || name in out || value === undefined || value.startsWith('--')) return null;
    out[name] = value;
  }
  return out;
}

/** The command line after `npm run keys --`; null means print the usage and exit 2. */
export function parseKeysArgs(argv: string[]): KeysCommand | null {
  const [command, ...rest] = argv;
  if (command === 'create') {
    const f = flags(rest, ['tenant', 'role', 'name']);
    if (!f?.tenant || !f.role || !(ROLES as readonly string[]).includes(f.role)) return null;
    return { command, tenant: f.tenant, role: f.role as Role, name: f.name ?? null };
  }
  if (command === 'list') {
    const f = flags(rest, ['tenant']);
    return f?.tenant ? { command, tenant: f.tenant } : null;
  }
  if (command === 'revoke' && rest.length === 1 && !rest[0]!.startsWith('--')) return { command, id: rest[0]! };
  return null;
}
