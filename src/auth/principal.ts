/** Who is calling: the tenant every read and write is scoped to, and what the caller may do. */
export type Role = 'viewer' | 'operator' | 'admin';

export interface Principal {
  tenant: string;
  role: Role;
  /** The API key's id and name; null with AUTH=off. */
  keyId: string | null;
  keyName: string | null;
}

export const DEFAULT_TENANT = 'default';

/** With AUTH=off every request acts as an admin of tenant `default`. */
export const LOCAL_ADMIN: Principal = Object.freeze({ tenant: DEFAULT_TENANT, role: 'admin', keyId: null, keyName: null });

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Whether `role` may do what `needed` may. */
export const roleAtLeast = (role: Role, needed: Role): boolean => RANK[role] >= RANK[needed];
