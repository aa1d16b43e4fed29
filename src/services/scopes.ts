export const SCOPES = [
  'agents:read',
  'agents:write',
  'characters:read',
  'characters:write',
  'messages:write',
  'conversations:read',
  'knowledge:read',
  'knowledge:write',
  'keys:manage',
  'webhooks:manage',
  'admin',
] as const;

export type Scope = (typeof SCOPES)[number];

/** What the first key of a new account may do: everything but operating other accounts. */
export const ACCOUNT_OWNER_SCOPES: Scope[] = SCOPES.filter((s) => s !== 'admin');

export const OPERATOR_SCOPES: Scope[] = [...SCOPES];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
