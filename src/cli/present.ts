// What the commands print: JSON in the REST API's shapes (the same objects its routes return as
// `data`), and text for people.
import type { Account, ApiKey } from '../db/generated/prisma/client.js';
import type {
  AccountFieldsFragment,
  AccountWithUsageFieldsFragment,
  ApiKeyFieldsFragment,
} from '../rest/generated/operations.js';
import type { MessageUsageView } from '../services/quotas.js';
import { effectiveLimits } from '../services/tiers.js';

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function apiKeyJson(key: ApiKey): ApiKeyFieldsFragment {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scopes: key.scopes,
    environment: key.environment,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: iso(key.lastUsedAt),
    expiresAt: iso(key.expiresAt),
    revokedAt: iso(key.revokedAt),
    rotatedFromId: key.rotatedFromId,
  };
}

export function accountJson(account: Account): AccountFieldsFragment {
  return {
    id: account.id,
    name: account.name,
    tier: account.tier,
    ...effectiveLimits(account),
    createdAt: account.createdAt.toISOString(),
    updatedAt: account.updatedAt.toISOString(),
  };
}

export function accountWithUsageJson(account: Account, usage: MessageUsageView): AccountWithUsageFieldsFragment {
  return { ...accountJson(account), messageUsage: { ...usage, resetsAt: usage.resetsAt.toISOString() } };
}

/** One JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLines(...lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function keyStatus(key: Pick<ApiKeyFieldsFragment, 'revokedAt' | 'expiresAt'>, now = Date.now()): string {
  if (key.revokedAt) return 'revoked';
  if (key.expiresAt && Date.parse(key.expiresAt) <= now) return 'expired';
  return 'active';
}

/** Columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)];
}

export const number = (n: number): string => n.toLocaleString('en-US');

/** The secret of a new key: shown this once. */
export function secretLines(secret: string): string[] {
  return ['', 'The secret is shown this once and never stored; keep it somewhere safe:', '', `  ${secret}`, ''];
}
